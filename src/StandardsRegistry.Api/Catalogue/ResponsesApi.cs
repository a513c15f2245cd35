using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using StandardsRegistry.Api.Audit;
using StandardsRegistry.Api.Http;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Catalogue;

/// <summary>
/// Nations' responses to editions: an edition's matrix, one nation's history, recording (editors; a delegate, and
/// anyone speaking for a nation, for its own nation only), releasing a response to an audience, and the responses across the catalogue. Every read answers only
/// what the caller may see of both the edition and the response (<see cref="ResponseStore"/>).
/// </summary>
public static class ResponsesApi
{
    public static void MapResponsesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/standards/{key}/versions/{edition}/responses")
            .WithTags("National responses")
            .WithRegistryProblems()
            .AddEndpointFilter(Problems.KeyMustBeValid)
            .AddEndpointFilter(Problems.EditionMustBeValid)
            .AddEndpointFilter(NationMustBeValid)
            .WithRequestValidation()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/", GetResponseMatrix)
            .WithName("GetResponseMatrix")
            .Audited(AuditActions.ResponseRead, contentRead: true)
            .WithSummary("Each nation's current response to an edition, as far as the caller may see");

        group.MapGet("/{nation}", GetResponseHistory)
            .WithName("GetResponseHistory")
            .Audited(AuditActions.ResponseRead, contentRead: true)
            .WithSummary("One nation's responses to an edition, oldest first, as far as the caller may see");

        group.MapGet("/{nation}/label", GetResponseLabel)
            .WithName("GetResponseLabel")
            .Audited(AuditActions.LabelRead, contentRead: true)
            .WithSummary("Get the STANAG 4774 confidentiality label of a nation's current response to an edition, as far as the caller may know it")
            .WithDescription("`Accept: application/xml` (default) or `application/json`, as for an edition's label; anything else is 406. "
                + "`Releasable To` names every active release of the response for NATO, the caller's own community otherwise.")
            .ProducesProblem(StatusCodes.Status406NotAcceptable);

        group.MapPut("/{nation}", RecordResponse)
            .WithName("RecordResponse")
            .Audited(AuditActions.ResponseRecord)
            .WithSummary("Record a nation's response to an edition as a new entry of its history (editors; a delegate, or anyone speaking for a nation, for its own nation only)")
            .RequireAuthorization(SecurityServiceCollectionExtensions.ResponseRecorderPolicy)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPut("/{nation}/releases/{audience}", ReleaseResponse)
            .WithName("ReleaseResponse")
            .Audited(AuditActions.ResponseRelease)
            .WithSummary("Release a nation's current response to an audience (release authorities; speaking for a nation, its own nation's only)")
            .RequireAuthorization(SecurityServiceCollectionExtensions.ReleaseAuthorityPolicy)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapDelete("/{nation}/releases/{audience}", RevokeResponseRelease)
            .WithName("RevokeResponseRelease")
            .Audited(AuditActions.ResponseRevoke)
            .WithSummary("Revoke the releases of a nation's responses to an edition to an audience; the records stay (release authorities; speaking for a nation, its own nation's only)")
            .RequireAuthorization(SecurityServiceCollectionExtensions.ReleaseAuthorityPolicy)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        app.MapGroup("/v1/responses")
            .WithTags("National responses")
            .WithRegistryProblems()
            .WithRequestValidation()
            .MapGet("/", ListResponses)
            .WithName("ListResponses")
            .Audited(AuditActions.ResponseRead, contentRead: true)
            .WithSummary("Nations' current responses across the catalogue, filtered by nation and response, as far as the caller may see")
            .ProducesValidationProblem();
    }

    public static async Task<Results<ETagged<IReadOnlyList<ResponseDto>>, ProblemHttpResult>> GetResponseMatrix(
        string key, int edition, Caller caller, ResponseStore store, HttpContext http, CancellationToken ct) =>
        Served(http, await store.MatrixAsync(caller.Scope, key, edition, caller.Now, ct), caller);

    public static async Task<Results<ETagged<IReadOnlyList<ResponseDto>>, ProblemHttpResult>> GetResponseHistory(
        string key, int edition, string nation, Caller caller, ResponseStore store, HttpContext http, CancellationToken ct) =>
        Served(http, await store.HistoryAsync(caller.Scope, key, edition, nation, caller.Now, ct), caller);

    /// <summary>
    /// The label of the nation's current response as the caller sees it (its latest visible row). Acceptability is
    /// decided first, so a hidden response and one that was never recorded answer alike whatever is asked for.
    /// </summary>
    public static async Task<Results<LabelResult, ProblemHttpResult>> GetResponseLabel(
        string key, int edition, string nation, Caller caller, ResponseStore store, HttpContext http, CancellationToken ct)
    {
        if (LabelResult.Negotiate(http.Request.Headers.Accept) is not { } format)
        {
            return Problems.Status(StatusCodes.Status406NotAcceptable, LabelResult.NotAcceptableDetail);
        }
        // The nation's current response is the last row of its history the caller may see.
        if ((await store.HistoryAsync(caller.Scope, key, edition, nation, caller.Now, ct))?.LastOrDefault() is not { } row)
        {
            return Problems.NotFound();
        }
        http.Audit().Served(row.Edition, row.Classification);
        var releasedTo = await store.ReleasedToAsync(caller.Scope, row.Id, ct);
        return new LabelResult(ConfidentialityLabels.For($"{ConfidentialityLabels.VersionPath(key, edition)}/responses/{nation}", row.Classification,
            DateTimeOffset.FromUnixTimeMilliseconds(row.RecordedAt), releasedTo, caller.Scope), format);
    }

    private static Results<ETagged<IReadOnlyList<ResponseDto>>, ProblemHttpResult> Served(HttpContext http, IReadOnlyList<ResponseRow>? rows, Caller caller)
    {
        if (rows is null)
        {
            return Problems.NotFound();
        }
        // Which responses were given: those of the edition (and nation) asked for that the caller's view holds now, and how
        // many; and the highest marking among them.
        var audit = http.Audit();
        audit.Detail = $"{(audit.Detail is { } asked ? asked + " " : "")}view {FeedApi.FeedName(caller.Scope)}: {rows.Count.ToString(CultureInfo.InvariantCulture)} responses";
        if (rows.Count > 0)
        {
            audit.Served(rows[0].Edition, rows.Max(r => r.Classification));
        }
        return new ETagged<IReadOnlyList<ResponseDto>>(rows.Select(r => ResponseDto.From(r, caller)).ToList());
    }

    public static async Task<Results<Created<ResponseDto>, Ok<ResponseDto>, ProblemHttpResult>> RecordResponse(
        string key, int edition, string nation, ResponseRequest request, Caller caller, ResponseStore store, HttpContext http, CancellationToken ct)
    {
        if (AnotherNation(caller, nation) is { } refused)
        {
            return refused;
        }
        var content = request.Content();
        if (content.Classification > caller.Scope.MaxLevel)
        {
            return Problems.Status(StatusCodes.Status403Forbidden, $"You may not mark a response above your clearance ({caller.Scope.MaxLevel}).");
        }
        var result = await store.RecordAsync(caller.Scope, key, edition, nation, content, caller.Actor, caller.Now, ct);
        if (!result.Succeeded)
        {
            return Problems.From(result);
        }
        http.Audit().Committed();
        var dto = ResponseDto.From(result.Value!, caller);
        return result.Outcome == Outcome.Created
            ? TypedResults.Created($"/v1/standards/{key}/versions/{edition}/responses/{nation}", dto)
            : TypedResults.Ok(dto);
    }

    public static async Task<Results<Created<ResponseReleaseDto>, Ok<ResponseReleaseDto>, ProblemHttpResult>> ReleaseResponse(
        string key, int edition, string nation, string audience, ReleaseReasonRequest request, Caller caller, ResponseStore store, AudienceCache audiences, HttpContext http, CancellationToken ct)
    {
        if (AnotherNation(caller, nation) is { } refused)
        {
            return refused;
        }
        if (await audiences.FindAsync(audience, ct) is not { } target)
        {
            return Problems.NoSuchAudience(audience);
        }
        // In the caller's own scope, not the writer's: an edition's release may say it is a draft (WriterScope), but the
        // responses to a draft are no release authority's to learn of unless it is an editor too (drafts are theirs).
        var result = await store.ReleaseAsync(caller.Scope, key, edition, nation, target, request.Reason!, caller.Actor, caller.Now, ct);
        if (!result.Succeeded)
        {
            return Problems.From(result);
        }
        http.Audit().Committed();
        var dto = ResponseReleaseDto.From(result.Value!);
        return result.Outcome == Outcome.Created
            ? TypedResults.Created($"/v1/standards/{key}/versions/{edition}/responses/{nation}", dto)
            : TypedResults.Ok(dto);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeResponseRelease(
        string key, int edition, string nation, string audience, Caller caller, ResponseStore store, AudienceCache audiences, HttpContext http, CancellationToken ct)
    {
        if (AnotherNation(caller, nation) is { } refused)
        {
            return refused;
        }
        if (await audiences.FindAsync(audience, ct) is null)
        {
            return Problems.NoSuchAudience(audience);
        }
        var result = await store.RevokeAsync(caller.Scope, key, edition, nation, audience, caller.Actor, caller.Now, ct);
        if (!result.Succeeded)
        {
            return Problems.From(result);
        }
        http.Audit().Committed();
        return TypedResults.NoContent();
    }

    public static async Task<ETagged<Page<ResponseDto>>> ListResponses(
        [AsParameters] ResponsesQuery query, Caller caller, ResponseStore store, HttpContext http, CancellationToken ct)
    {
        var pageSize = query.PageSize;
        var after = query.After;
        var rows = await store.ListAsync(caller.Scope, caller.Now, new ResponseStore.Filter(query.nation, query.Kind, after, pageSize + 1), ct);
        // Which page was given, as for a feed page: the view and filters, the response its cursor started after, the last
        // one given (the position its next cursor starts after) and how many; and the highest marking among them.
        var given = rows.Take(pageSize).ToList();
        var audit = http.Audit();
        audit.Detail = $"view {FeedApi.FeedName(caller.Scope)}{(query.nation is { } nation ? $" nation={nation}" : "")}{(query.Kind is { } kind ? $" response={EnumText.Of(kind)}" : "")}"
            + " " + AuditRecording.Page(after is var (key, edition, from) ? Position(key, edition, from) : null,
                given.Count > 0 ? Position(given[^1].StandardKey, given[^1].Edition, given[^1].Nation) : null, given.Count, "responses");
        audit.ServedHighest(given, r => r.Classification);
        return new ETagged<Page<ResponseDto>>(Paging.Of(rows, pageSize, r => ResponseDto.From(r, caller),
            r => Paging.Encode(ResponsesQuery.CursorKind, $"{r.StandardKey}|{r.Edition.ToString(CultureInfo.InvariantCulture)}|{r.Nation}")));
    }

    /// <summary>A response's place in the list, as the audit entry writes it: <c>stanag-4107/2/FRA</c>.</summary>
    private static string Position(string key, int edition, string nation) => string.Create(CultureInfo.InvariantCulture, $"{key}/{edition}/{nation}");

    /// <summary>A <c>{nation}</c> that is not an ISO 3166-1 alpha-3 code is the one validation problem naming it, before the handler runs.</summary>
    /// <summary>
    /// A caller speaking for a nation records, releases and revokes that nation's responses only, whatever its roles (as
    /// a planner speaking for a nation records that nation's targets only): decided from the principal and the URL alone,
    /// before anything is looked up, so the answer is the same whatever the other nation holds. NATO staff speaking for
    /// no nation write for every nation.
    /// </summary>
    private static ProblemHttpResult? AnotherNation(Caller caller, string nation) =>
        caller.SpeaksForAnotherNation(nation, out var own)
            ? Problems.Status(StatusCodes.Status403Forbidden, $"A caller speaking for a nation records, releases and revokes the responses of its own nation ({own}) only.")
            : null;

    private static async ValueTask<object?> NationMustBeValid(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        context.HttpContext.Request.RouteValues["nation"] is string nation && !NationCode.IsValid(nation)
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["nation"] = [$"'nation' {NationCode.Message}"] })
            : await next(context);
}

/// <summary>
/// A national response as the caller may see it: <c>id</c> is the record's opaque identity (random; feed events name it
/// in their <c>ref</c>). Who recorded it is told to NATO callers only.
/// </summary>
public sealed record ResponseDto(
    string Id,
    string Key,
    string Designation,
    int Edition,
    string Nation,
    string Response,
    string? Reservation,
    DateOnly? IntendedImplementation,
    DateOnly? ActualImplementation,
    string? ImplementingDocument,
    string Classification,
    string Marking,
    string? EquivalentMarking,
    DateTimeOffset RecordedAt,
    string? RecordedBy)
{
    public static ResponseDto From(ResponseRow row, Caller caller) => From(row, caller.Scope);

    /// <summary>As <paramref name="scope"/> sees it: NATO callers (originators) are told who recorded it.</summary>
    public static ResponseDto From(ResponseRow row, VisibilityScope scope)
    {
        var marking = MarkingDto.For(row.Classification, scope.Scheme);
        return new(row.PublicId, row.StandardKey, row.Designation, row.Edition, row.Nation, row.Response, row.Reservation,
            ResponseContent.Date(row.IntendedImplementation), ResponseContent.Date(row.ActualImplementation), row.ImplementingDocument,
            marking.Classification, marking.Marking, marking.EquivalentMarking, DateTimeOffset.FromUnixTimeMilliseconds(row.RecordedAt),
            scope.Originator ? row.RecordedBy : null);
    }
}

/// <summary>A release of a national response. <c>state</c> is <c>active</c> or <c>revoked</c>.</summary>
public sealed record ResponseReleaseDto(string Audience, string State, string Reason, DateTimeOffset ReleasedAt, string ReleasedBy)
{
    public static ResponseReleaseDto From(ResponseReleaseRow row) =>
        new(row.Audience, row.RevokedAt is null ? "active" : "revoked", row.Reason, DateTimeOffset.FromUnixTimeMilliseconds(row.ReleasedAt), row.ReleasedBy);
}

/// <summary>A nation's response to an edition, as recorded. Dates are <c>yyyy-MM-dd</c>.</summary>
public sealed record ResponseRequest(
    string? Response,
    string? Reservation,
    DateOnly? IntendedImplementation,
    DateOnly? ActualImplementation,
    string? ImplementingDocument,
    string? Classification) : IValidatable
{
    public void Validate(ValidationErrors errors, Caller caller) => Check(errors);

    /// <summary>The content to record (valid once <see cref="Validate"/> found nothing wrong).</summary>
    public ResponseContent Content() => Check(new ValidationErrors()) ?? throw new InvalidOperationException("The response was not validated.");

    private ResponseContent? Check(ValidationErrors errors) =>
        ResponseContent.Validate(errors, Response, Reservation, IntendedImplementation, ActualImplementation, ImplementingDocument, Classification);
}

/// <summary>Why a response is released.</summary>
public sealed record ReleaseReasonRequest(string? Reason) : IValidatable
{
    public void Validate(ValidationErrors errors, Caller caller) => errors.Required("reason", Reason, Limits.ReasonLength, multiLine: true);
}

/// <summary>The filters and paging of <c>/v1/responses</c> (names as in the query, as for <see cref="StandardsQuery"/>).</summary>
public sealed record ResponsesQuery : IValidatable
{
    public string? nation { get; init; }
    public string? response { get; init; }
    public int? limit { get; init; }
    public string? cursor { get; init; }

    public const string CursorKind = "responses";

    public int PageSize => Paging.PageSize(limit);

    public ResponseKind? Kind => response is null ? null : EnumText.Parse<ResponseKind>(response);

    /// <summary>The position the page starts after (valid once <see cref="Validate"/> found nothing wrong).</summary>
    public (string Key, int Edition, string Nation)? After => TryAfter(out var after) ? after : null;

    public void Validate(ValidationErrors errors, Caller caller)
    {
        Paging.ValidateLimit(errors, limit);
        if (nation is not null && !NationCode.IsValid(nation))
        {
            errors.Add("nation", $"'nation' {NationCode.Message}");
        }
        if (response is not null && !EnumText.TryParse<ResponseKind>(response, out _))
        {
            errors.Add("response", EnumText.OneOf<ResponseKind>("response"));
        }
        if (cursor is not null && !TryAfter(out _))
        {
            errors.Add("cursor", Paging.CursorMessage);
        }
    }

    private bool TryAfter(out (string Key, int Edition, string Nation)? after)
    {
        after = null;
        if (!Paging.TryDecode(cursor, CursorKind, out var position))
        {
            return false;
        }
        if (position is null)
        {
            return true;
        }
        var parts = position.Split('|');
        if (parts.Length == 3 && StandardKey.IsValid(parts[0]) && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var edition)
            && edition > 0 && NationCode.IsValid(parts[2]))
        {
            after = (parts[0], edition, parts[2]);
            return true;
        }
        return false;
    }
}
