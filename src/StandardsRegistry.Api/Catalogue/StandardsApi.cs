using Microsoft.AspNetCore.Http.HttpResults;
using StandardsRegistry.Api.Audit;
using StandardsRegistry.Api.Http;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Catalogue;

public static class StandardsApi
{
    private const string CursorKind = "standards";

    public static RouteGroupBuilder MapStandardsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/standards").WithTags("Standards").WithRegistryProblems();

        group.MapGet("/", ListStandards)
            .WithName("ListStandards")
            .WithSummary("List the standards visible to the caller")
            .WithDescription("Filters (`category`, `q` over designation and visible titles) and paging apply after the release rule.")
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
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return group;
    }

    public static async Task<Results<ETagged<Page<StandardDto>>, ValidationProblem>> ListStandards(
        Caller caller, CatalogueQueries queries, string? category, string? q, int? limit, string? cursor, CancellationToken ct)
    {
        if (category is not null && !Categories.IsKnown(category))
        {
            return Problems.Invalid("category", Categories.UnknownMessage(category));
        }
        if (q is not null && (q.Length > Limits.QueryLength || string.IsNullOrWhiteSpace(q) || TextRules.HasForbiddenCharacters(q)))
        {
            return Problems.Invalid("q", $"'q' must be 1 to {Limits.QueryLength} characters, without {TextRules.ForbiddenCharacters}.");
        }
        if (!Paging.TryLimit(limit, out var pageSize))
        {
            return Problems.Invalid("limit", Paging.LimitMessage);
        }
        if (!Paging.TryDecode(cursor, CursorKind, out var afterKey))
        {
            return Problems.Invalid("cursor", Paging.CursorMessage);
        }

        var rows = await queries.ListStandardsAsync(caller.Scope, caller.Now, new(category, q, afterKey, pageSize + 1), ct);
        return new ETagged<Page<StandardDto>>(Paging.Of(rows, pageSize, StandardDto.From, r => Paging.Encode(CursorKind, r.StandardKey)));
    }

    public static async Task<Results<ETagged<StandardDto>, ProblemHttpResult>> GetStandard(string key, Caller caller, CatalogueQueries queries, CancellationToken ct) =>
        await queries.GetStandardAsync(caller.Scope, caller.Now, key, ct) is { } row
            ? new ETagged<StandardDto>(StandardDto.From(row))
            : Problems.NotFound();

    public static async Task<Results<Created<StandardDto>, ValidationProblem, ProblemHttpResult>> CreateStandard(
        CreateStandardRequest request, Caller caller, EditorialStore store, HttpContext http, CancellationToken ct)
    {
        var errors = request.Validate();
        if (request.Key is { } requested && StandardKey.IsValid(requested))
        {
            http.Audit().Key = request.Key;
        }
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        var result = await store.CreateStandardAsync(request.Key!, request.Designation!, request.Category!, request.Title!, caller.Actor, caller.Now, ct);
        if (result.Succeeded)
        {
            http.Audit().Committed();
        }
        return result.Succeeded
            ? TypedResults.Created($"/v1/standards/{request.Key}", new StandardDto(request.Key!, request.Designation!, request.Category!, request.Title!, null, 0))
            : Problems.From(result);
    }
}
