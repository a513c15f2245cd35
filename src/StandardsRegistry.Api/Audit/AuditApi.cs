using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StandardsRegistry.Api.Http;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Audit;

/// <summary>The audit trail, for admins cleared to system high (COSMIC TOP SECRET): query it, and verify its hash chain.</summary>
public static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/audit")
            .WithTags("Audit")
            .WithRegistryProblems()
            .RequireAuthorization(SecurityServiceCollectionExtensions.AuditorPolicy)
            .WithRequestValidation()
            .ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapGet("/", ListAuditEntries)
            .WithName("ListAuditEntries")
            .WithSummary("Query the audit trail, oldest first (admins cleared COSMIC TOP SECRET)")
            .WithDescription("Filters: `subject`, `key` (standard key), `from` and `to` (ISO 8601 times, inclusive: `to` includes all of the day, minute or second it names; a time without an offset is UTC). "
                + "`limit` 1–100 (default 20), `nextCursor` in the body. What is recorded: docs/audit.md.")
            .Audited(AuditActions.AuditQuery)
            .ProducesValidationProblem();

        group.MapGet("/verify", VerifyAuditTrail)
            .WithName("VerifyAuditTrail")
            .WithSummary("Walk the audit trail's hash chain and report the first broken entry, if any (admins cleared COSMIC TOP SECRET)")
            .WithDescription("Without `full`: verifies the entries after the latest checkpoint (a verified prefix, itself chained) and "
                + "checkpoints how far it got. `full=true`: re-verifies the whole chain and its checkpoints from the first entry, resumable: "
                + "pass the answer's `nextCursor` as `cursor` until `complete` (or not `valid`). Each call walks for a bounded time "
                + "(`Audit:VerifySeconds`) and at most `limit` entries, then answers how far it got. What each mode checks: docs/audit.md.")
            .Audited(AuditActions.AuditVerify)
            .ProducesValidationProblem();

        return group;
    }

    public static async Task<Ok<Page<AuditEntryDto>>> ListAuditEntries(AuditLog log, [AsParameters] AuditQuery query, HttpContext http, CancellationToken ct)
    {
        var pageSize = query.PageSize;
        var rows = await log.QueryAsync(new(query.subject, query.key, query.From?.ToUnixTimeMilliseconds(), query.To?.ToUnixTimeMilliseconds(), query.AfterSequence, pageSize + 1), ct);
        // Which page was given, as for a feed page: the filters (a subject or key as given, quoted; the times as the bounds
        // they were read as), the sequence its cursor started after, the last one given and how many.
        var given = Math.Min(rows.Count, pageSize);
        http.Audit().Detail = string.Join(' ', new[]
        {
            query.subject is { } subject ? $"subject={Quoted(subject)}" : null,
            query.key is { } key ? $"key={Quoted(key)}" : null,
            query.From is { } from ? $"from={Time(from)}" : null,
            query.To is { } to ? $"to={Time(to)}" : null,
            AuditRecording.Page(query.AfterSequence?.ToString(CultureInfo.InvariantCulture),
                given > 0 ? rows[given - 1].Sequence.ToString(CultureInfo.InvariantCulture) : null, given, "entries"),
        }.OfType<string>());
        return TypedResults.Ok(Paging.Of(rows, pageSize, AuditEntryDto.From, r => Paging.Encode(AuditQuery.CursorKind, r.Sequence.ToString(CultureInfo.InvariantCulture))));
    }

    /// <summary>
    /// A filter as given, quoted: only a quote, a backslash and a line break or tab (which a filter may hold) are escaped.
    /// The default encoder escaped every character outside ASCII and several within it (<c>'</c>, <c>+</c>, <c>&lt;</c>)
    /// as six characters each, so the detail did not read as the filter given, and a long one pushed the rest of the
    /// detail (the cursor, the last entry given, the count) past the column's 1000 characters.
    /// </summary>
    private static string Quoted(string filter) => JsonSerializer.Serialize(filter, QuotedAsGiven);

    /// <summary>
    /// Relaxed: the detail is stored and served as text (in JSON escaped again), never placed in HTML. Characters outside
    /// the Basic Multilingual Plane are still escaped (six characters each for half of one): a subject of 200 such units
    /// is clipped with the rest of the detail, as before.
    /// </summary>
    private static readonly JsonSerializerOptions QuotedAsGiven = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static async Task<Ok<AuditVerificationDto>> VerifyAuditTrail(AuditLog log, IOptions<AuditOptions> options, [AsParameters] AuditVerifyQuery query, CancellationToken ct)
    {
        var full = query.full == true;
        var limits = new VerifyLimits(query.limit ?? long.MaxValue, TimeSpan.FromSeconds(options.Value.VerifySeconds));
        var result = full ? await log.VerifyFullAsync(query.From, limits, ct) : await log.VerifyAsync(limits, ct);
        var next = full && result.Next is { } n
            ? Paging.Encode(AuditVerifyQuery.CursorKind, string.Create(CultureInfo.InvariantCulture, $"{n.Sequence}:{n.Hash}:{n.CheckpointHash}"))
            : null;
        return TypedResults.Ok(new AuditVerificationDto(result.Valid, result.Checked, result.HeadSequence, result.FirstBrokenSequence, result.Problem,
            result.From, result.Through, result.Complete, next));
    }
}

/// <summary>
/// The filters and paging of <c>GET /v1/audit</c> (names as in the query, as for
/// <see cref="Catalogue.StandardsQuery"/>).
/// </summary>
public sealed record AuditQuery : IValidatable
{
    public string? subject { get; init; }
    public string? key { get; init; }
    public string? from { get; init; }
    public string? to { get; init; }
    public int? limit { get; init; }
    public string? cursor { get; init; }

    public const string CursorKind = "audit";

    /// <summary>The forms a time may take, each with the span it names (entries are timed to the millisecond).</summary>
    private static readonly (string Format, TimeSpan Span)[] TimeFormats =
    [
        ("yyyy-MM-dd", TimeSpan.FromDays(1)),
        ("yyyy-MM-dd'T'HH:mmK", TimeSpan.FromMinutes(1)),
        ("yyyy-MM-dd'T'HH:mm:ssK", TimeSpan.FromSeconds(1)),
        ("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", TimeSpan.FromMilliseconds(1)),
    ];

    public int PageSize => Paging.PageSize(limit);

    public DateTimeOffset? From => Time(from)?.Start;

    /// <summary>
    /// The last millisecond <c>to</c> includes: all of the day, minute or second it names (<c>from=D&amp;to=D</c> is day
    /// D's entries), a time with a fraction that millisecond.
    /// </summary>
    public DateTimeOffset? To => Time(to) is var (start, span)
        ? start > DateTimeOffset.MaxValue - span ? DateTimeOffset.MaxValue : start + span - TimeSpan.FromMilliseconds(1)
        : null;

    /// <summary>The sequence the page starts after, if any (valid once <see cref="Validate"/> found nothing wrong).</summary>
    public long? AfterSequence => TryAfterSequence(out var afterSequence) ? afterSequence : null;

    public void Validate(ValidationErrors errors, Caller caller)
    {
        Text(errors, "subject", subject, ClaimsReader.MaxSubjectLength);
        Text(errors, "key", key, 200);
        TimeOrError(errors, "from", from);
        TimeOrError(errors, "to", to);
        if (From is { } fromTime && To is { } toTime && fromTime > toTime)
        {
            errors.Add("to", "'to' must not be before 'from'.");
        }
        Paging.ValidateLimit(errors, limit);
        if (!TryAfterSequence(out _))
        {
            errors.Add("cursor", Paging.CursorMessage);
        }
    }

    private static void Text(ValidationErrors errors, string field, string? value, int maxLength)
    {
        if (value is not null && (value.Length == 0 || value.Length > maxLength || TextRules.HasForbiddenCharacters(value)))
        {
            errors.Add(field, $"'{field}' must be 1 to {maxLength} characters, without {TextRules.ForbiddenCharacters}.");
        }
    }

    private static void TimeOrError(ValidationErrors errors, string field, string? value)
    {
        if (value is not null && Time(value) is null)
        {
            errors.Add(field, $"'{field}' must be an ISO 8601 time, e.g. 2026-11-25T14:00:00Z.");
        }
    }

    private static (DateTimeOffset Start, TimeSpan Span)? Time(string? value)
    {
        foreach (var (format, span) in value is null ? [] : TimeFormats)
        {
            if (DateTimeOffset.TryParseExact(value, format, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            {
                return (time, span);
            }
        }
        return null;
    }

    private bool TryAfterSequence(out long? afterSequence)
    {
        afterSequence = null;
        if (!Paging.TryDecode(cursor, CursorKind, out var position))
        {
            return false;
        }
        if (position is null)
        {
            return true;
        }
        if (long.TryParse(position, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) && sequence > 0)
        {
            afterSequence = sequence;
            return true;
        }
        return false;
    }
}

/// <summary>What <c>GET /v1/audit/verify</c> walks (names as in the query, as for <see cref="Catalogue.StandardsQuery"/>).</summary>
public sealed record AuditVerifyQuery : IValidatable
{
    public bool? full { get; init; }
    public string? cursor { get; init; }
    public int? limit { get; init; }

    public const string CursorKind = "audit-verify";

    /// <summary>Where a full verification resumes, if a cursor says (valid once <see cref="Validate"/> found nothing wrong).</summary>
    public VerifyPosition? From => TryPosition(out var from) ? from : null;

    public void Validate(ValidationErrors errors, Caller caller)
    {
        if (limit is < 1)
        {
            errors.Add("limit", "'limit' (entries per call at most) must be at least 1.");
        }
        if (cursor is not null && full != true)
        {
            errors.Add("cursor", "'cursor' continues a full verification: give it with full=true.");
        }
        else if (!TryPosition(out _))
        {
            errors.Add("cursor", Paging.CursorMessage);
        }
    }

    /// <summary>A full verification's position: <c>sequence:entry hash:checkpoint hash</c>.</summary>
    private bool TryPosition(out VerifyPosition? from)
    {
        from = null;
        if (!Paging.TryDecode(cursor, CursorKind, out var position))
        {
            return false;
        }
        if (position is null)
        {
            return true;
        }
        var parts = position.Split(':');
        if (parts.Length == 3 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) && IsHash(parts[1]) && IsHash(parts[2]))
        {
            from = new VerifyPosition(sequence, parts[1], parts[2]);
            return true;
        }
        return false;

        static bool IsHash(string text) => text.Length == 64 && text.All(char.IsAsciiHexDigitLower);
    }
}

/// <summary>
/// One audit entry as admins read it. <c>status</c> is the HTTP status the request was answered with; <c>issuer</c> the
/// token issuer that vouched for <c>subject</c> (null for anonymous callers, the registry itself, webhook deliveries and
/// entries recorded before issuers were).
/// </summary>
public sealed record AuditEntryDto(
    long Sequence,
    DateTimeOffset At,
    string Action,
    int Status,
    string Subject,
    string? Issuer,
    string Community,
    IReadOnlyList<string> Roles,
    string? Key,
    int? Edition,
    string? Classification,
    string? Detail,
    string? ClientAddress,
    string? RequestId,
    string PreviousHash,
    string Hash)
{
    /// <summary>
    /// The entry as stored, but for a time, status or edition out of the range this answer's types hold (which only
    /// tampering writes: the registry writes none), shown clamped to the range's end rather than failing the page: the
    /// admin reads the trail on past it, and verification reports the entry (its content no longer matches its hash). A
    /// classification past 32 bits is shown as the number stored, not wrapped onto a marking.
    /// </summary>
    public static AuditEntryDto From(AuditRow row) => new(
        row.Sequence,
        DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(row.At, DateTimeOffset.MinValue.ToUnixTimeMilliseconds(), DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())),
        row.Action,
        (int)Math.Clamp(row.Status, int.MinValue, int.MaxValue),
        row.Subject,
        row.Issuer,
        row.Community,
        row.Roles.Length == 0 ? [] : row.Roles.Split(','),
        row.StandardKey,
        row.Edition is { } edition ? (int)Math.Clamp(edition, int.MinValue, int.MaxValue) : null,
        row.Classification is { } c ? (c is >= int.MinValue and <= int.MaxValue ? ((Classification)c).ToString() : c.ToString(CultureInfo.InvariantCulture)) : null,
        row.Detail,
        row.ClientAddress,
        row.RequestId,
        row.PreviousHash,
        row.Hash);
}

/// <summary>
/// The chain walked: <c>valid</c> (nothing broken among the entries checked), how many entries were <c>checked</c>,
/// the head's sequence, and when invalid the first broken (or missing) sequence and what is wrong with it; the entries
/// verified are those after <c>from</c> through <c>through</c>; <c>complete</c> when valid up to the head. A full
/// verification that stopped before the head gives the <c>nextCursor</c> to go on with; a checkpoint verification goes
/// on by itself at the next call.
/// </summary>
public sealed record AuditVerificationDto(bool Valid, long Checked, long HeadSequence, long? FirstBrokenSequence, string? Problem,
    long From, long Through, bool Complete, string? NextCursor);
