using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using StandardsRegistry.Api.Http;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Audit;

/// <summary>The audit trail, for admins cleared to system high (COSMIC TOP SECRET): query it, and verify its hash chain.</summary>
public static class AuditApi
{
    private const string CursorKind = "audit";

    private static readonly string[] TimeFormats =
    [
        "yyyy-MM-dd",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
    ];

    public static RouteGroupBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/audit")
            .WithTags("Audit")
            .WithRegistryProblems()
            .RequireAuthorization(SecurityServiceCollectionExtensions.AuditorPolicy)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapGet("/", ListAuditEntries)
            .WithName("ListAuditEntries")
            .WithSummary("Query the audit trail, oldest first (admins cleared COSMIC TOP SECRET)")
            .WithDescription("Filters: `subject`, `key` (standard key), `from` and `to` (ISO 8601 times, inclusive; a time without an offset is UTC). "
                + "`limit` 1–100 (default 20), `nextCursor` in the body. What is recorded: docs/audit.md.")
            .Audited("audit.query")
            .ProducesValidationProblem();

        group.MapGet("/verify", VerifyAuditTrail)
            .WithName("VerifyAuditTrail")
            .WithSummary("Walk the audit trail's hash chain and report the first broken entry, if any (admins cleared COSMIC TOP SECRET)")
            .Audited("audit.verify");

        return group;
    }

    public static async Task<Results<Ok<Page<AuditEntryDto>>, ValidationProblem>> ListAuditEntries(
        AuditLog log, string? subject, string? key, string? from, string? to, int? limit, string? cursor, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        Text(errors, "subject", subject, ClaimsReader.MaxSubjectLength);
        Text(errors, "key", key, 200);
        var fromTime = Time(errors, "from", from);
        var toTime = Time(errors, "to", to);
        if (fromTime is not null && toTime is not null && fromTime > toTime)
        {
            errors.Add("to", "'to' must not be before 'from'.");
        }
        if (!Paging.TryLimit(limit, out var pageSize))
        {
            errors.Add("limit", Paging.LimitMessage);
        }
        if (!Paging.TryDecode(cursor, CursorKind, out var after) || !TryAfterSequence(after, out var afterSequence))
        {
            errors.Add("cursor", Paging.CursorMessage);
            afterSequence = null;
        }
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }

        var rows = await log.QueryAsync(new(subject, key, fromTime?.ToUnixTimeMilliseconds(), toTime?.ToUnixTimeMilliseconds(), afterSequence, pageSize + 1), ct);
        return TypedResults.Ok(Paging.Of(rows, pageSize, AuditEntryDto.From, r => Paging.Encode(CursorKind, r.Sequence.ToString(CultureInfo.InvariantCulture))));
    }

    public static async Task<Ok<AuditVerificationDto>> VerifyAuditTrail(AuditLog log, CancellationToken ct)
    {
        var result = await log.VerifyAsync(ct);
        return TypedResults.Ok(new AuditVerificationDto(result.Valid, result.Checked, result.HeadSequence, result.FirstBrokenSequence, result.Problem));
    }

    private static void Text(ValidationErrors errors, string field, string? value, int maxLength)
    {
        if (value is not null && (value.Length == 0 || value.Length > maxLength || TextRules.HasForbiddenCharacters(value)))
        {
            errors.Add(field, $"'{field}' must be 1 to {maxLength} characters, without {TextRules.ForbiddenCharacters}.");
        }
    }

    private static DateTimeOffset? Time(ValidationErrors errors, string field, string? value)
    {
        if (value is null)
        {
            return null;
        }
        if (DateTimeOffset.TryParseExact(value, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time;
        }
        errors.Add(field, $"'{field}' must be an ISO 8601 time, e.g. 2026-11-25T14:00:00Z.");
        return null;
    }

    private static bool TryAfterSequence(string? position, out long? afterSequence)
    {
        afterSequence = null;
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

/// <summary>One audit entry as admins read it. <c>status</c> is the HTTP status the request was answered with.</summary>
public sealed record AuditEntryDto(
    long Sequence,
    DateTimeOffset At,
    string Action,
    int Status,
    string Subject,
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
    public static AuditEntryDto From(AuditRow row) => new(
        row.Sequence,
        DateTimeOffset.FromUnixTimeMilliseconds(row.At),
        row.Action,
        row.Status,
        row.Subject,
        row.Community,
        row.Roles.Length == 0 ? [] : row.Roles.Split(','),
        row.StandardKey,
        checked((int?)row.Edition),
        row.Classification is { } c ? ((Classification)c).ToString() : null,
        row.Detail,
        row.ClientAddress,
        row.RequestId,
        row.PreviousHash,
        row.Hash);
}

/// <summary>
/// The chain walked from the first entry to the head: <c>valid</c>, how many entries were <c>checked</c>, the head's
/// sequence, and when invalid the first broken (or missing) sequence and what is wrong with it.
/// </summary>
public sealed record AuditVerificationDto(bool Valid, long Checked, long HeadSequence, long? FirstBrokenSequence, string? Problem);
