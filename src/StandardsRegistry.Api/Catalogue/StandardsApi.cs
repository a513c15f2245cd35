using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using StandardsRegistry.Api.Audit;
using StandardsRegistry.Api.Http;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Catalogue;

public static class StandardsApi
{
    public static RouteGroupBuilder MapStandardsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/standards").WithTags("Standards").WithRegistryProblems();

        group.MapGet("/", ListStandards)
            .WithName("ListStandards")
            .WithSummary("List the standards visible to the caller")
            .WithDescription("Filters (`category`, `q` over designation and visible titles, and attribute search on the latest edition in force the caller sees: "
                + "`boreMm`, `caseLengthMm`, `lowMHz`, `highMHz`, `dataRateKbps` equal to a number or within `<name>.min`/`<name>.max`, inclusive; "
                + "for radio bands `covers=f` and `overlaps=a,b` in MHz) and paging apply after the release rule.")
            .WithRequestValidation()
            .ProducesValidationProblem();

        group.MapGet("/{key}", GetStandard)
            .AddEndpointFilter(Problems.KeyMustBeValid)
            .WithName("GetStandard")
            .WithSummary("Get a standard visible to the caller")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/", CreateStandard)
            .WithName("CreateStandard")
            .WithSummary("Create a standard (editors)")
            .RequireAuthorization(SecurityServiceCollectionExtensions.EditorPolicy)
            .Audited(AuditActions.StandardCreate)
            .AddEndpointFilter(AuditRequestedKey)
            .WithRequestValidation()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return group;
    }

    public static async Task<ETagged<Page<StandardDto>>> ListStandards(Caller caller, CatalogueQueries queries, [AsParameters] StandardsQuery query, CancellationToken ct)
    {
        var pageSize = query.PageSize;
        var rows = await queries.ListStandardsAsync(caller.Scope, caller.Now, new(query.category, query.q, query.AfterKey, pageSize + 1, query.Attributes), ct);
        return new ETagged<Page<StandardDto>>(Paging.Of(rows, pageSize, StandardDto.From, r => Paging.Encode(StandardsQuery.CursorKind, r.StandardKey)));
    }

    public static async Task<Results<ETagged<StandardDto>, ProblemHttpResult>> GetStandard(string key, Caller caller, CatalogueQueries queries, CancellationToken ct) =>
        await queries.GetStandardAsync(caller.Scope, caller.Now, key, ct) is { } row
            ? new ETagged<StandardDto>(StandardDto.From(row))
            : Problems.NotFound();

    public static async Task<Results<Created<StandardDto>, ProblemHttpResult>> CreateStandard(
        CreateStandardRequest request, Caller caller, EditorialStore store, HttpContext http, CancellationToken ct)
    {
        var result = await store.CreateStandardAsync(caller.Scope, request.Key!, request.Designation!, request.Category!, request.Title!, caller.Actor, caller.Now, ct);
        if (result.Succeeded)
        {
            http.Audit().Committed();
        }
        return result.Succeeded
            ? TypedResults.Created($"/v1/standards/{request.Key}", new StandardDto(request.Key!, request.Designation!, request.Category!, request.Title!, null, 0))
            : Problems.From(result);
    }

    /// <summary>The key asked for is recorded when it is a key at all, whether or not the rest of the request is valid.</summary>
    private static ValueTask<object?> AuditRequestedKey(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (context.GetArgument<CreateStandardRequest?>(0)?.Key is { } requested && StandardKey.IsValid(requested))
        {
            context.HttpContext.Audit().Key = requested;
        }
        return next(context);
    }
}

/// <summary>
/// The filters and paging of <c>GET /v1/standards</c>. The names are the query parameters' own (lowercase): binding
/// names them so when a value is not even of the right type. The attribute filters (<see cref="AttributeQuery"/>) are
/// text here and parsed in <see cref="Validate"/>, so every bad one is named in the one answer.
/// </summary>
public sealed record StandardsQuery : IValidatable
{
    public string? category { get; init; }
    public string? q { get; init; }
    public int? limit { get; init; }
    public string? cursor { get; init; }
    public string? boreMm { get; init; }
    [FromQuery(Name = "boreMm.min")] public string? boreMmMin { get; init; }
    [FromQuery(Name = "boreMm.max")] public string? boreMmMax { get; init; }
    public string? caseLengthMm { get; init; }
    [FromQuery(Name = "caseLengthMm.min")] public string? caseLengthMmMin { get; init; }
    [FromQuery(Name = "caseLengthMm.max")] public string? caseLengthMmMax { get; init; }
    public string? lowMHz { get; init; }
    [FromQuery(Name = "lowMHz.min")] public string? lowMHzMin { get; init; }
    [FromQuery(Name = "lowMHz.max")] public string? lowMHzMax { get; init; }
    public string? highMHz { get; init; }
    [FromQuery(Name = "highMHz.min")] public string? highMHzMin { get; init; }
    [FromQuery(Name = "highMHz.max")] public string? highMHzMax { get; init; }
    public string? dataRateKbps { get; init; }
    [FromQuery(Name = "dataRateKbps.min")] public string? dataRateKbpsMin { get; init; }
    [FromQuery(Name = "dataRateKbps.max")] public string? dataRateKbpsMax { get; init; }
    public string? covers { get; init; }
    public string? overlaps { get; init; }

    /// <summary>The attribute filters as given, each numeric attribute's (equal, min, max) in <see cref="Categories.NumericAttributes"/> order.</summary>
    private AttributeQuery AttributeQuery => new(
        [(boreMm, boreMmMin, boreMmMax), (caseLengthMm, caseLengthMmMin, caseLengthMmMax), (lowMHz, lowMHzMin, lowMHzMax),
         (highMHz, highMHzMin, highMHzMax), (dataRateKbps, dataRateKbpsMin, dataRateKbpsMax)],
        covers, overlaps);

    /// <summary>The attribute search (valid once <see cref="Validate"/> found nothing wrong); null without one.</summary>
    public AttributeFilter? Attributes => AttributeQuery.Filter(category, new ValidationErrors());

    public const string CursorKind = "standards";

    public int PageSize => Paging.PageSize(limit);

    /// <summary>The key the page starts after (valid once <see cref="Validate"/> found nothing wrong).</summary>
    public string? AfterKey => Paging.TryDecode(cursor, CursorKind, out var afterKey) ? afterKey : null;

    public void Validate(ValidationErrors errors, Caller caller)
    {
        if (category is not null && !Categories.IsKnown(category))
        {
            errors.Add("category", Categories.UnknownMessage(category));
        }
        if (q is not null && (q.Length > Limits.QueryLength || string.IsNullOrWhiteSpace(q) || TextRules.HasForbiddenCharacters(q)))
        {
            errors.Add("q", $"'q' must be 1 to {Limits.QueryLength} characters, without {TextRules.ForbiddenCharacters}.");
        }
        Paging.ValidateLimit(errors, limit);
        if (!Paging.TryDecode(cursor, CursorKind, out _))
        {
            errors.Add("cursor", Paging.CursorMessage);
        }
        AttributeQuery.Filter(category, errors);
    }
}
