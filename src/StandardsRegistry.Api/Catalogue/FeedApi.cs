using System.Globalization;
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

/// <summary>
/// One event of the caller's change feed. <c>version</c> is the version as <c>GET …/versions/{edition}</c> answers it
/// now, present while the caller sees it; an event without it means the version left the caller's view.
/// </summary>
public sealed record FeedEventDto(string Id, long Sequence, string Type, DateTimeOffset OccurredAt, string Key, int Edition, VersionDto? Version)
{
    public static FeedEventDto From(FeedEventRow row, VisibilityScope scope) => new(
        row.EventId,
        row.Sequence,
        row.Type,
        DateTimeOffset.FromUnixTimeMilliseconds(row.OccurredAt),
        row.StandardKey,
        row.Edition,
        row.Version is { } version ? VersionDto.From(version, scope) : null);
}

/// <summary>A page of the feed; <c>cursor</c> resumes after its last event (or where the request started, when it is empty).</summary>
public sealed record FeedPageDto(IReadOnlyList<FeedEventDto> Events, string Cursor, bool HasMore);

/// <summary>The last line of an export: the feed cursor the export is consistent with, and how many versions it held.</summary>
public sealed record ExportEndDto(string Type, string Cursor, long Versions);

/// <summary>One version line of an export.</summary>
public sealed record ExportVersionDto(string Type, VersionDto Version);

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
            .WithDescription("Events are `visible`, `updated`, `withdrawn` and `hidden`. Apply them in order: an event with `version` puts that version "
                + "(as `GET …/versions/{edition}` answers it now), one without removes `key`/`edition`. Start without `cursor` (or from an export's "
                + "cursor) and pass back the `cursor` of each page. Only the caller's own view is in it: nothing about versions it cannot see. "
                + "A release with a future effective time appears when it takes effect. Guide: docs/consuming.md.")
            .ProducesValidationProblem();

        group.MapGet("/export", Export)
            .WithName("ExportCatalogue")
            .Audited(AuditActions.CatalogueExport, contentRead: true)
            .WithSummary("Every version the caller sees, with content, as NDJSON, and the feed cursor it is consistent with")
            .WithDescription("Lines are `{\"type\":\"version\",\"version\":{…}}`, ordered by key and edition, then one `{\"type\":\"end\",\"cursor\":…,\"versions\":n}`; "
                + "a stream without its end line was cut short. The cursor is also in the `Feed-Cursor` header. Follow the feed from it to stay in step.")
            .Produces<ExportVersionDto>(StatusCodes.Status200OK, NdJson)
            .AddOpenApiOperationTransformer(DocumentExportLines)
            // A stream runs as long as the client keeps reading: the request timeout would cut a large export or a
            // slow link short. Kestrel's minimum data rate still drops a client that stops reading.
            .DisableRequestTimeout();

        return app;
    }

    public static async Task<ETagged<FeedPageDto>> GetFeed(Caller caller, FeedReader feed, [AsParameters] FeedQuery query, CancellationToken ct)
    {
        var pageSize = query.PageSize;
        var view = FeedView.Of(caller.Scope);
        var after = query.After(view);
        var rows = await feed.PageAsync(caller.Scope, caller.Now, after, pageSize + 1, ct);
        var events = rows.Take(pageSize).ToList();
        var last = events.Count > 0 ? events[^1].Sequence : after;
        return new ETagged<FeedPageDto>(new FeedPageDto(events.Select(e => FeedEventDto.From(e, caller.Scope)).ToList(), Cursor(view, last), rows.Count > pageSize));
    }

    /// <summary>
    /// Streams the export line by line from one database snapshot: memory stays the same however large the catalogue,
    /// and a client that stops reading holds the stream (and the snapshot), not the server's memory. Record, then
    /// release: the entry saying what is being sent (<c>catalogue.export</c>) commits before the first byte, and a
    /// closing entry (<c>catalogue.export-end</c>) records how far it got and the highest classification sent.
    /// </summary>
    public static async Task Export(Caller caller, FeedReader feed, AuditTrail trail, HttpContext http, IOptions<JsonOptions> json, CancellationToken ct)
    {
        var options = json.Value.SerializerOptions;
        var view = FeedView.Of(caller.Scope);
        long position = 0;
        await using var rows = feed.ExportAsync(caller.Scope, caller.Now, p => position = p, ct).GetAsyncEnumerator(ct);
        // The first step opens the snapshot and reads the position, before anything is sent: a failure there is still a problem response.
        var more = await rows.MoveNextAsync();
        var cursor = Cursor(view, position);
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        var audit = http.Audit();
        audit.Detail = $"view {view.Name} at feed position {position.ToString(CultureInfo.InvariantCulture)}";
        await AuditRecording.ReleaseAsync(http);
        response.ContentType = NdJson;
        response.Headers[CursorHeader] = cursor;
        response.Headers.CacheControl = "no-store";
        long count = 0;
        Classification? highest = null;
        var complete = false;
        var body = response.Body;
        try
        {
            while (more)
            {
                var version = VersionDto.From(rows.Current, caller.Scope);
                await JsonSerializer.SerializeAsync(body, new ExportVersionDto("version", version), options, ct);
                await body.WriteAsync(NewLine, ct);
                highest = (Classification)Math.Max((int)(highest ?? 0), (int)rows.Current.Classification);
                if (++count % 64 == 0)
                {
                    await body.FlushAsync(ct);
                }
                more = await rows.MoveNextAsync();
            }
            await JsonSerializer.SerializeAsync(body, new ExportEndDto("end", cursor, count), options, ct);
            await body.WriteAsync(NewLine, ct);
            await body.FlushAsync(ct);
            complete = true;
        }
        finally
        {
            // How far it got: versions written to the response (the last of them may not have reached the client).
            var detail = complete
                ? $"complete: {count.ToString(CultureInfo.InvariantCulture)} versions and the end line"
                : $"cut short after {count.ToString(CultureInfo.InvariantCulture)} versions{(ct.IsCancellationRequested ? " (the client went away or the request timed out)" : "")}";
            var end = caller.Actor.Entry(AuditActions.CatalogueExportEnd, StatusCodes.Status200OK, caller.Now, classification: highest, detail: $"{audit.Detail}: {detail}");
            await trail.RecordAsync(end, CancellationToken.None);
        }
    }

    /// <summary>Each line of the export is a version line or, last, the end line: the schema of a line is one of the two.</summary>
    private static async Task DocumentExportLines(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        if (operation.Responses?.TryGetValue("200", out var ok) == true && ok.Content?.TryGetValue(NdJson, out var lines) == true
            && lines.Schema is { } version && context.Document is { } document)
        {
            document.AddComponent(nameof(ExportEndDto), await context.GetOrCreateSchemaAsync(typeof(ExportEndDto), null, ct));
            lines.Schema = new OpenApiSchema { OneOf = [version, new OpenApiSchemaReference(nameof(ExportEndDto), document)] };
        }
    }

    /// <summary>The closing entry of an export.</summary>

    private static string Cursor(FeedView view, long sequence) =>
        Paging.Encode(CursorKind, $"{view.Name}:{sequence.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>A cursor is a position in the caller's own view; a cursor of another view is refused, never reinterpreted.</summary>
    internal static bool TryPosition(string? cursor, FeedView view, out long sequence)
    {
        sequence = 0;
        if (!Paging.TryDecode(cursor, CursorKind, out var position))
        {
            return false;
        }
        if (position is null)
        {
            return true;
        }
        var prefix = view.Name + ":";
        return position.StartsWith(prefix, StringComparison.Ordinal)
            && long.TryParse(position.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out sequence);
    }
}

/// <summary>The paging of the feed (names as in the query, as for <see cref="StandardsQuery"/>).</summary>
public sealed record FeedQuery(int? limit, string? cursor) : IValidatable
{
    public int PageSize => Paging.PageSize(limit);

    /// <summary>The sequence the page starts after, in the caller's view (valid once <see cref="Validate"/> found nothing wrong).</summary>
    public long After(FeedView view) => FeedApi.TryPosition(cursor, view, out var sequence) ? sequence : 0;

    public void Validate(ValidationErrors errors, Caller caller)
    {
        Paging.ValidateLimit(errors, limit);
        if (!FeedApi.TryPosition(cursor, FeedView.Of(caller.Scope), out _))
        {
            errors.Add("cursor", Paging.CursorMessage + " A cursor belongs to one view of the catalogue: when your community or clearance changes, export again.");
        }
    }
}
