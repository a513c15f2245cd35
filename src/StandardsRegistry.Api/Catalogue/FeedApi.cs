using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using StandardsRegistry.Api.Audit;
using StandardsRegistry.Api.Http;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace StandardsRegistry.Api.Catalogue;

/// <summary>An edge between two registry standards, as the feed and the export send it.</summary>
public sealed record FeedRelationDto(string From, string Kind, string To);

/// <summary>A civil equivalent of a registry standard, as the feed and the export send it.</summary>
public sealed record FeedEquivalentDto(string Key, string Source, string Identifier);

/// <summary>A category's preferred standard, as the feed and the export send it.</summary>
public sealed record FeedPreferredDto(string Category, string Key, string Rationale);

/// <summary>
/// One record of the feed or the export, as the caller sees it now: exactly one of the content members is set, named
/// by <c>subject</c>. A version is identified by <c>key</c> and <c>edition</c>; every other record by <c>ref</c>.
/// </summary>
public sealed record FeedRecord(string Subject, string? Ref, VersionDto? Version, ResponseDto? Response, FeedRelationDto? Relation,
    FeedEquivalentDto? Equivalent, FeedPreferredDto? Preferred, TableDto? Table)
{
    public static FeedRecord From(FeedEventRow row, VisibilityScope scope) => new(
        row.Subject,
        row.Ref ?? RefOf(row),
        row.Version is { } version ? VersionDto.From(version, scope) : null,
        row.Response is { } response ? ResponseDto.From(response, scope) : null,
        row.Relation is { } relation ? new FeedRelationDto(relation.From, relation.Kind, relation.To) : null,
        row.Equivalent is { } equivalent ? new FeedEquivalentDto(equivalent.Key, equivalent.Source, equivalent.Identifier) : null,
        row.Preferred is { } preferred ? new FeedPreferredDto(preferred.Category, preferred.Key, preferred.Rationale) : null,
        row.Table is { } table ? TableDto.From(table, scope) : null);

    /// <summary>The highest marking of what the record carries (the audit entry of a read names it).</summary>
    public static Classification? MarkingOf(FeedEventRow row) =>
        row.Version?.Classification ?? row.Response?.Classification ?? row.Table?.Table.Classification;

    /// <summary>A record's identity as the feed stores it (<see cref="FeedRefs"/>), for an export line, made from its content.</summary>
    private static string? RefOf(FeedEventRow row) =>
        row.Response is { } r ? FeedRefs.Response(r.StandardKey, r.Edition, r.Nation, r.PublicId)
        : row.Relation is { } e ? FeedRefs.Relation(e.From, e.Kind, e.To)
        : row.Equivalent is { } q ? FeedRefs.Equivalent(q.Key, q.Source, q.Identifier)
        : row.Preferred is { } p ? FeedRefs.Preferred(p.Category, p.Key)
        : row.Table is { } t ? FeedRefs.Table(t.Table.Cycle, t.Table.Audience, t.Table.PublicId)
        : null;
}

/// <summary>
/// One event of the caller's change feed: what happened (<c>type</c>) to which record (<c>subject</c>: a version, a
/// national response, a relation, a civil equivalent, a preferred mark or a capability table). A version is named by
/// <c>key</c> and <c>edition</c>, any other record by <c>ref</c> (a response also names the edition it answers). The
/// record's content (the member named by <c>subject</c>) is present while the caller sees it, as the read routes answer
/// it now; an event without it means the record left the caller's view.
/// </summary>
public sealed record FeedEventDto(string Id, long Sequence, string Type, DateTimeOffset OccurredAt, string Subject, string? Ref, string? Key, int? Edition,
    VersionDto? Version, ResponseDto? Response, FeedRelationDto? Relation, FeedEquivalentDto? Equivalent, FeedPreferredDto? Preferred, TableDto? Table)
{
    public static FeedEventDto From(FeedEventRow row, VisibilityScope scope)
    {
        var record = FeedRecord.From(row, scope);
        return new(
            row.EventId,
            row.Sequence,
            row.Type,
            DateTimeOffset.FromUnixTimeMilliseconds(row.OccurredAt),
            row.Subject,
            row.Ref,
            row.StandardKey,
            row.Edition,
            record.Version,
            record.Response,
            record.Relation,
            record.Equivalent,
            record.Preferred,
            record.Table);
    }
}

/// <summary>A page of the feed; <c>cursor</c> resumes after its last event (or where the request started, when it is empty).</summary>
public sealed record FeedPageDto(IReadOnlyList<FeedEventDto> Events, string Cursor, bool HasMore);

/// <summary>
/// The last line of an export: the feed cursor the export is consistent with, how many versions it held and how many
/// other records (responses, relations, equivalents, preferred marks, tables).
/// </summary>
public sealed record ExportEndDto(string Type, string Cursor, long Versions, long Records);

/// <summary>One version line of an export.</summary>
public sealed record ExportVersionDto(string Type, VersionDto Version);

/// <summary>
/// One line of an export with a record other than a version: <c>type</c> is its subject (<c>response</c>,
/// <c>relation</c>, <c>equivalent</c>, <c>preferred</c>, <c>table</c>), <c>ref</c> its identity as feed events name it,
/// and the member named by the type its content.
/// </summary>
public sealed record ExportRecordDto(string Type, string Ref, ResponseDto? Response, FeedRelationDto? Relation, FeedEquivalentDto? Equivalent,
    FeedPreferredDto? Preferred, TableDto? Table);

public static class FeedApi
{
    private const string CursorKind = "feed";

    /// <summary>The response header that carries the export's feed cursor (also on its last line).</summary>
    public const string CursorHeader = "Feed-Cursor";

    public const string NdJson = "application/x-ndjson";

    private static readonly ReadOnlyMemory<byte> NewLine = "\n"u8.ToArray();

    public static IEndpointRouteBuilder MapFeedApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1").WithTags("Synchronisation").WithRegistryProblems().WithRequestValidation();

        group.MapGet("/feed", GetFeed)
            .WithName("GetFeed")
            .Audited(AuditActions.FeedRead, contentRead: true)
            .WithSummary("The caller's change feed: what became visible, changed, was withdrawn or stopped being visible, in order")
            .WithDescription("Events are `visible`, `updated`, `withdrawn` and `hidden`, of a `subject`: `version`, `response`, `relation`, `equivalent`, "
                + "`preferred` or `table`. Apply them in order: an event with its content (the member named by `subject`) puts that record "
                + "(a version as `GET …/versions/{edition}` answers it now), one without removes it — a version by `key`/`edition`, any other record "
                + "by `ref`. Start without `cursor` (or from an export's "
                + "cursor) and pass back the `cursor` of each page. Only the caller's own view is in it: nothing about records it cannot see. "
                + "A release with a future effective time appears when it takes effect. Guide: docs/consuming.md.")
            .ProducesValidationProblem();

        group.MapGet("/export", Export)
            .WithName("ExportCatalogue")
            .Audited(AuditActions.CatalogueExport, contentRead: true)
            .WithSummary("Every version and record the caller sees, with content, as NDJSON, and the feed cursor it is consistent with")
            .WithDescription("Lines are `{\"type\":\"version\",\"version\":{…}}`, ordered by key and edition; then the other records the caller sees, "
                + "`{\"type\":\"response\",\"ref\":…,\"response\":{…}}` (likewise `relation`, `equivalent`, `preferred`, `table`); then one "
                + "`{\"type\":\"end\",\"cursor\":…,\"versions\":n,\"records\":m}`; "
                + "a stream without its end line was cut short. The cursor is also in the `Feed-Cursor` header. Follow the feed from it to stay in step.")
            .Produces<ExportVersionDto>(StatusCodes.Status200OK, NdJson)
            .Sends(CursorHeader, StatusCodes.Status200OK)
            .AddOpenApiOperationTransformer(DocumentExportLines)
            // A stream runs as long as the client keeps reading: the request timeout would cut a large export or a
            // slow link short. Kestrel's minimum data rate still drops a client that stops reading.
            .DisableRequestTimeout()
            // Each export holds a connection of the streams' pool while it streams: one caller exporting many times over,
            // reading slowly, took the whole pool and every other caller's export answered 503.
            .RequireRateLimiting(RequestLimits.StreamsPolicy);

        return app;
    }

    /// <summary>
    /// A page of the caller's feed after its cursor. The cursor names the event it stopped at by its number and its id
    /// (<see cref="Mark"/>): a cursor whose event the registry does not hold, or holds another under that number, was
    /// issued in a history a restore from a backup undid, and following on from it would skip the events the restored
    /// registry numbered as the lost ones were. It is refused, as a cursor of another view is: export again.
    /// </summary>
    public static async Task<Results<ETagged<FeedPageDto>, ValidationProblem>> GetFeed(Caller caller, FeedReader feed, [AsParameters] FeedQuery query, HttpContext http, CancellationToken ct)
    {
        var pageSize = query.PageSize;
        var (after, mark) = query.After(caller.Scope);
        string? afterId = null;
        if (after != FeedPosition.Start)
        {
            afterId = await feed.EventIdAtAsync(caller.Scope, after, ct);
            if (afterId is null || (mark is not null && mark != Mark(afterId)))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["cursor"] = [NotInThisHistory] });
            }
        }
        var (events, position, positionId, hasMore) = await feed.PageAsync(caller.Scope, caller.Now, after, pageSize, ct);
        // Which page was given (from it the events, and the records they carry, can be read back) and the highest marking
        // of the records it carries (tombstones and edges carry none).
        var audit = http.Audit();
        audit.Detail = $"view {FeedName(caller.Scope)} {AuditRecording.Page(PositionText(caller.Scope, after), PositionText(caller.Scope, position), events.Count, "events")}";
        audit.ServedHighest(events, FeedRecord.MarkingOf);
        return new ETagged<FeedPageDto>(new FeedPageDto(events.Select(e => FeedEventDto.From(e, caller.Scope)).ToList(),
            Cursor(caller.Scope, position, positionId ?? afterId), hasMore));
    }

    /// <summary>The refusal of a cursor whose event this registry's feed does not hold (<see cref="GetFeed"/>).</summary>
    public const string NotInThisHistory = "'cursor' names a place in the feed that this registry does not have: it was restored from a backup taken "
        + "before the cursor was issued, and its events since then are not the ones you followed. Export again and follow the feed from the export's cursor.";

    /// <summary>
    /// Streams the export line by line from one database snapshot: memory stays the same however large the catalogue,
    /// and a client that stops reading holds the stream (and the snapshot), not the server's memory. Record, then
    /// release: the entry saying what is being sent (<c>catalogue.export</c>) commits before the first byte, and a
    /// closing entry (<c>catalogue.export-end</c>) records how far it got and the highest classification of the lines
    /// it began to write (a line cut short counts: part of it may have left).
    /// </summary>
    public static async Task Export(Caller caller, FeedReader feed, AuditTrail trail, HttpContext http, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var options = json.Value.SerializerOptions;
        var position = FeedPosition.Start;
        await using var rows = feed.ExportAsync(caller.Scope, caller.Now, p => position = p, ct).GetAsyncEnumerator(ct);
        // The first step opens the snapshot and reads the position, before anything is sent: a failure there is still a problem response.
        var more = await rows.MoveNextAsync();
        // The event at that position is the same once written: read after the snapshot, it is still the snapshot's.
        var cursor = Cursor(caller.Scope, position, position == FeedPosition.Start ? null : await feed.EventIdAtAsync(caller.Scope, position, ct));
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        var audit = http.Audit();
        audit.Detail = $"view {FeedName(caller.Scope)} at feed position {PositionText(caller.Scope, position)}";
        await AuditRecording.ReleaseAsync(http);
        response.ContentType = NdJson;
        response.Headers[CursorHeader] = cursor;
        response.Headers.CacheControl = "no-store";
        long count = 0;
        long records = 0;
        Classification? highest = null;
        // Whether a line was being written: a stream that breaks inside a line (the client went away, the transport
        // failed) may already have handed part of it over — a large line is written in several pieces.
        var inLine = false;
        var complete = false;
        var body = response.Body;
        // A HEAD: the GET's status and headers, its start on record, and no line read or sent.
        var head = HeadRequests.IsHead(http);
        more &= !head;
        // A graceful stop (SIGTERM) ends the stream at once, cut short and on record as such: a client reading slowly kept
        // the process for the host's whole shutdown timeout, then was cut off anyway, its closing entry saying the client
        // had gone away — and an orchestrator's SIGKILL at the end of its grace period could lose that entry.
        var stopping = http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var streaming = CancellationTokenSource.CreateLinkedTokenSource(ct, stopping);
        var requestAborted = ct;
        // Which came first, taken the moment the stop begins (registered after the linked source's own callback, so run
        // before it: a token runs its callbacks latest first): a write cancelled by the stop makes Kestrel abort the
        // connection, which cancels the request's token too, so it cannot be told afterwards.
        var stoppedByService = false;
        using var stopped = stopping.Register(() => stoppedByService = !requestAborted.IsCancellationRequested);
        ct = streaming.Token;
        try
        {
            while (more)
            {
                var record = FeedRecord.From(rows.Current, caller.Scope);
                // Counted before its first byte is written, so the closing entry covers every line of which anything
                // left: it may name the marking of a line that broke before its first byte, never miss one that left.
                if (FeedRecord.MarkingOf(rows.Current) is { } marking)
                {
                    highest = (Classification)Math.Max((int)(highest ?? 0), (int)marking);
                }
                inLine = true;
                if (record.Version is { } version)
                {
                    await JsonSerializer.SerializeAsync(body, new ExportVersionDto("version", version), options, ct);
                }
                else
                {
                    await JsonSerializer.SerializeAsync(body, new ExportRecordDto(record.Subject, record.Ref!, record.Response, record.Relation, record.Equivalent,
                        record.Preferred, record.Table), options, ct);
                }
                await body.WriteAsync(NewLine, ct);
                inLine = false;
                // Counted once written whole, newline included, so that "cut short after n" and "while writing the
                // next" never both claim one line.
                if (record.Version is not null)
                {
                    count++;
                }
                else
                {
                    records++;
                }
                if ((count + records) % 64 == 0)
                {
                    await body.FlushAsync(ct);
                }
                more = await rows.MoveNextAsync();
            }
            if (!head)
            {
                await JsonSerializer.SerializeAsync(body, new ExportEndDto("end", cursor, count, records), options, ct);
                await body.WriteAsync(NewLine, ct);
                await body.FlushAsync(ct);
            }
            complete = true;
        }
        catch (OperationCanceledException) when (stoppedByService)
        {
            // Recorded below; the connection is cut, so the client sees a stream without its end line: cut short.
            http.Abort();
        }
        finally
        {
            // How far it got: lines written whole to the response (the last of them may not have reached the client),
            // and whether it broke inside the next one (whose marking the classification then includes).
            var sent = $"{count.ToString(CultureInfo.InvariantCulture)} versions and {records.ToString(CultureInfo.InvariantCulture)} other records";
            var detail = head ? AuditRecording.HeadOnly : complete
                ? $"complete: {sent} and the end line"
                : $"cut short after {sent}{(inLine ? ", while writing the next" : "")}{(stoppedByService ? " (the service stopped)" : requestAborted.IsCancellationRequested ? " (the client went away or the request timed out)" : "")}";
            // Dated when the stream ended (not the request's start, caller.Now): an export can run for hours.
            var ended = http.RequestServices.GetRequiredService<RegistryClock>().Now;
            var end = caller.Actor.Entry(AuditActions.CatalogueExportEnd, StatusCodes.Status200OK, ended, classification: highest, detail: $"{audit.Detail}: {detail}");
            await trail.RecordAsync(end, CancellationToken.None);
        }
    }

    /// <summary>Each line of the export is a version line, a record line or, last, the end line: the schema of a line is one of the three.</summary>
    private static async Task DocumentExportLines(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        if (operation.Responses?.TryGetValue("200", out var ok) == true && ok.Content?.TryGetValue(NdJson, out var lines) == true
            && lines.Schema is { } version && context.Document is { } document)
        {
            var record = await context.GetOrCreateSchemaAsync(typeof(ExportRecordDto), null, ct);
            // Made outside a response, the schema lost which members are nullable: only the member its type names is sent.
            if (record is OpenApiSchema members)
            {
                members.Required = new HashSet<string>(["type", "ref"], StringComparer.Ordinal);
            }
            document.AddComponent(nameof(ExportRecordDto), record);
            document.AddComponent(nameof(ExportEndDto), await context.GetOrCreateSchemaAsync(typeof(ExportEndDto), null, ct));
            lines.Schema = new OpenApiSchema
            {
                OneOf = [version, new OpenApiSchemaReference(nameof(ExportRecordDto), document), new OpenApiSchemaReference(nameof(ExportEndDto), document)],
            };
        }
    }

    /// <summary>The closing entry of an export.</summary>

    /// <summary>
    /// The caller's feed: its view (<c>EU.2</c>, <c>NATO.4.drafts</c>), and for a national delegate the view less the
    /// other nations' responses (<c>NATO.2.FRA</c>), numbered by itself (<see cref="FeedPosition"/>). The audit entries
    /// of the other lists name the view they were read in by it too: with the filters and the time, it says which rows
    /// the caller was given.
    /// </summary>
    internal static string FeedName(VisibilityScope scope) => FeedView.Of(scope).Name + (scope.Nation is { } nation ? "." + nation : "");

    /// <summary>A position as a cursor writes it: a number, or a delegate's two counts (<c>12.3</c>).</summary>
    private static string PositionText(VisibilityScope scope, FeedPosition position) => scope.Nation is null
        ? position.Sequence.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{position.Sequence}.{position.Responses}");

    /// <summary>
    /// A cursor: the view, the position, and the mark of the event at the position (none at the start), which lets
    /// <see cref="GetFeed"/> tell a cursor of this registry's history from one a restore undid.
    /// </summary>
    private static string Cursor(VisibilityScope scope, FeedPosition position, string? eventId) =>
        Paging.Encode(CursorKind, $"{FeedName(scope)}:{PositionText(scope, position)}{(eventId is null ? "" : ":" + Mark(eventId))}");

    /// <summary>
    /// An event's mark in a cursor: a truncated SHA-256 of its random id, which says nothing about the event (the cursor's
    /// position already says it is there) and is the same only for the same event.
    /// </summary>
    private static string Mark(string eventId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(eventId)))[..MarkLength];

    private const int MarkLength = 12;

    /// <summary>
    /// A cursor is a position in the caller's own feed; a cursor of another is refused, never reinterpreted.
    /// <paramref name="mark"/> is the mark of its event (<see cref="Mark"/>), null for a cursor issued before cursors carried one.
    /// </summary>
    internal static bool TryPosition(string? cursor, VisibilityScope scope, out FeedPosition after, out string? mark)
    {
        after = FeedPosition.Start;
        mark = null;
        if (!Paging.TryDecode(cursor, CursorKind, out var position))
        {
            return false;
        }
        if (position is null)
        {
            return true;
        }
        var prefix = FeedName(scope) + ":";
        if (!position.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }
        var text = position.AsSpan(prefix.Length);
        if (text.LastIndexOf(':') is var colon and >= 0)
        {
            var tail = text[(colon + 1)..];
            if (tail.Length != MarkLength || tail.ContainsAnyExcept("0123456789abcdef"))
            {
                return false;
            }
            mark = tail.ToString();
            text = text[..colon];
        }
        if (scope.Nation is null)
        {
            var parsed = long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence);
            after = new FeedPosition(sequence);
            return parsed;
        }
        var dot = text.IndexOf('.');
        if (dot < 0 || !long.TryParse(text[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var common)
            || !long.TryParse(text[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var responses))
        {
            return false;
        }
        after = new FeedPosition(common, responses);
        return true;
    }
}

/// <summary>The paging of the feed (names as in the query, as for <see cref="StandardsQuery"/>).</summary>
public sealed record FeedQuery : IValidatable
{
    public int? limit { get; init; }
    public string? cursor { get; init; }

    public int PageSize => Paging.PageSize(limit);

    /// <summary>
    /// The position the page starts after, in the caller's feed, and the mark of its event (valid once <see cref="Validate"/>
    /// found nothing wrong).
    /// </summary>
    public (FeedPosition After, string? Mark) After(VisibilityScope scope) =>
        FeedApi.TryPosition(cursor, scope, out var after, out var mark) ? (after, mark) : (FeedPosition.Start, null);

    public void Validate(ValidationErrors errors, Caller caller)
    {
        Paging.ValidateLimit(errors, limit);
        if (!FeedApi.TryPosition(cursor, caller.Scope, out _, out _))
        {
            errors.Add("cursor", Paging.CursorMessage + " A cursor belongs to one view of the catalogue: when your community or clearance changes, export again.");
        }
    }
}
