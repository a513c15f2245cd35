using Microsoft.AspNetCore.Http.HttpResults;
using StandardsRegistry.Api.Audit;
using StandardsRegistry.Api.Http;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Catalogue;

/// <summary>
/// Relations between documents: a standard's edges in and out (only those whose far end the caller can see), its civil
/// equivalents and its preferred mark; the current applicable document along supersessions; and the editors' writes.
/// </summary>
public static class RelationsApi
{
    public static void MapRelationsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/standards/{key}")
            .WithTags("Relations")
            .WithRegistryProblems()
            .AddEndpointFilter(Problems.KeyMustBeValid)
            .WithRequestValidation()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/relations", GetRelations)
            .WithName("GetRelations")
            .WithSummary("A standard's relations to the standards the caller can see, its civil equivalents and its preferred mark");

        group.MapGet("/current", GetCurrentDocument)
            .WithName("GetCurrentDocument")
            .WithSummary("The current applicable document: the standard's successors along 'supersedes', as far as the caller can see");

        var editing = group.MapGroup("/")
            .RequireAuthorization(SecurityServiceCollectionExtensions.EditorPolicy)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden);

        editing.MapPut("/relations/{kind}/{target}", Relate)
            .WithName("AddRelation")
            .Audited(AuditActions.RelationAdd)
            .WithSummary("Record that the standard covers, supersedes or references the target standard (editors)")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        editing.MapDelete("/relations/{kind}/{target}", Unrelate)
            .WithName("RemoveRelation")
            .Audited(AuditActions.RelationRemove)
            .WithSummary("Remove a relation (editors)");

        editing.MapPut("/equivalents/{source}/{identifier}", AddEquivalent)
            .WithName("AddEquivalent")
            .Audited(AuditActions.EquivalentAdd)
            .WithSummary("Record a civil standard the standard is equivalent to, e.g. EN/16341 or ISO/9001:2015; a slash inside the identifier is sent as %2F (editors)")
            .ProducesProblem(StatusCodes.Status409Conflict);

        editing.MapDelete("/equivalents/{source}/{identifier}", RemoveEquivalent)
            .WithName("RemoveEquivalent")
            .Audited(AuditActions.EquivalentRemove)
            .WithSummary("Remove a civil equivalent (editors)");

        editing.MapPut("/preferred", MarkPreferred)
            .WithName("MarkPreferred")
            .Audited(AuditActions.PreferredMark)
            .WithSummary("Mark the standard the preferred one of its category, with a rationale; each caller's preferred standard is the latest mark it can see (editors)")
            .ProducesProblem(StatusCodes.Status409Conflict);

        editing.MapDelete("/preferred", UnmarkPreferred)
            .WithName("UnmarkPreferred")
            .Audited(AuditActions.PreferredUnmark)
            .WithSummary("Remove the standard's preferred mark (editors)");
    }

    public static async Task<Results<ETagged<RelationsDto>, ProblemHttpResult>> GetRelations(string key, Caller caller, RelationStore store, CancellationToken ct) =>
        await store.RelationsAsync(caller.Scope, key, caller.Now, ct) is { } view
            ? new ETagged<RelationsDto>(RelationsDto.From(key, view))
            : Problems.NotFound();

    public static async Task<Results<ETagged<CurrentDocumentDto>, ProblemHttpResult>> GetCurrentDocument(
        string key, Caller caller, RelationStore store, CancellationToken ct) =>
        await store.CurrentAsync(caller.Scope, key, caller.Now, ct) is (var chain, var current)
            ? new ETagged<CurrentDocumentDto>(new CurrentDocumentDto(key, StandardDto.From(current), chain))
            : Problems.NotFound();

    public static async Task<Results<Created, Ok, ValidationProblem, ProblemHttpResult>> Relate(
        string key, string kind, string target, Caller caller, RelationStore store, HttpContext http, CancellationToken ct)
    {
        if (!EnumText.TryParse<RelationKind>(kind, out var relation))
        {
            return Invalid("kind", EnumText.OneOf<RelationKind>("kind"));
        }
        if (!StandardKey.IsValid(target))
        {
            return Problems.NotFound();
        }
        return Answer(http, await store.RelateAsync(caller.Scope, key, relation, target, caller.Actor, caller.Now, ct), $"/v1/standards/{key}/relations");
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> Unrelate(
        string key, string kind, string target, Caller caller, RelationStore store, HttpContext http, CancellationToken ct)
    {
        if (!EnumText.TryParse<RelationKind>(kind, out var relation))
        {
            return Invalid("kind", EnumText.OneOf<RelationKind>("kind"));
        }
        return StandardKey.IsValid(target)
            ? Removed(http, await store.UnrelateAsync(caller.Scope, key, relation, target, caller.Actor, caller.Now, ct))
            : Problems.NotFound();
    }

    public static async Task<Results<Created, Ok, ValidationProblem, ProblemHttpResult>> AddEquivalent(
        string key, string source, string identifier, Caller caller, RelationStore store, HttpContext http, CancellationToken ct)
    {
        identifier = UrlRules.Segment(identifier);
        var errors = new ValidationErrors();
        CivilStandards.Validate(errors, source, identifier);
        return errors.IsEmpty
            ? Answer(http, await store.AddEquivalentAsync(caller.Scope, key, source, identifier, caller.Actor, caller.Now, ct), $"/v1/standards/{key}/relations")
            : TypedResults.ValidationProblem(errors.ToDictionary());
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> RemoveEquivalent(
        string key, string source, string identifier, Caller caller, RelationStore store, HttpContext http, CancellationToken ct)
    {
        identifier = UrlRules.Segment(identifier);
        var errors = new ValidationErrors();
        CivilStandards.Validate(errors, source, identifier);
        return errors.IsEmpty
            ? Removed(http, await store.RemoveEquivalentAsync(caller.Scope, key, source, identifier, caller.Actor, caller.Now, ct))
            : TypedResults.ValidationProblem(errors.ToDictionary());
    }

    public static async Task<Results<Created, Ok, ValidationProblem, ProblemHttpResult>> MarkPreferred(
        string key, PreferredRequest request, Caller caller, RelationStore store, HttpContext http, CancellationToken ct) =>
        Answer(http, await store.MarkPreferredAsync(caller.Scope, key, request.Rationale!, caller.Actor, caller.Now, ct), $"/v1/standards/{key}/relations");

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> UnmarkPreferred(
        string key, Caller caller, RelationStore store, HttpContext http, CancellationToken ct) =>
        Removed(http, await store.UnmarkPreferredAsync(caller.Scope, key, caller.Actor, caller.Now, ct));

    private static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>A write that adds: 201 with where to read it, 200 when it was already so.</summary>
    private static Results<Created, Ok, ValidationProblem, ProblemHttpResult> Answer(HttpContext http, Result<bool> result, string location)
    {
        if (!result.Succeeded)
        {
            return Problems.From(result);
        }
        http.Audit().Committed();
        return result.Outcome == Outcome.Created ? TypedResults.Created(location) : TypedResults.Ok();
    }

    private static Results<NoContent, ValidationProblem, ProblemHttpResult> Removed(HttpContext http, Result<bool> result)
    {
        if (!result.Succeeded)
        {
            return Problems.From(result);
        }
        http.Audit().Committed();
        return TypedResults.NoContent();
    }
}

public sealed record EdgeDto(string Kind, string Key, string Designation, string Title);

public sealed record EquivalentDto(string Source, string Identifier);

public sealed record PreferredDto(string Category, string Rationale);

/// <summary>
/// A standard's relations as the caller sees them: <c>outgoing</c> (this standard covers, supersedes, references the
/// other), <c>incoming</c> (the other covers, supersedes, references this one), each only where the caller can see the
/// other standard; civil <c>equivalents</c>; the <c>preferred</c> mark of its category, if it has it.
/// </summary>
public sealed record RelationsDto(string Key, IReadOnlyList<EdgeDto> Outgoing, IReadOnlyList<EdgeDto> Incoming, IReadOnlyList<EquivalentDto> Equivalents, PreferredDto? Preferred)
{
    public static RelationsDto From(string key, RelationsView view) => new(
        key,
        view.Edges.Where(e => e.Outgoing == 1).Select(Edge).ToList(),
        view.Edges.Where(e => e.Outgoing == 0).Select(Edge).ToList(),
        view.Equivalents.Select(e => new EquivalentDto(e.Source, e.Identifier)).ToList(),
        view.Preferred is { } p ? new PreferredDto(p.Category, p.Rationale) : null);

    private static EdgeDto Edge(EdgeRow row) => new(row.Kind, row.StandardKey, row.Designation, row.Title);
}

/// <summary>The current applicable document for <c>key</c>: the last of <c>chain</c> (the key itself when nothing the caller sees supersedes it).</summary>
public sealed record CurrentDocumentDto(string Key, StandardDto Current, IReadOnlyList<string> Chain);

public sealed record PreferredRequest(string? Rationale) : IValidatable
{
    public void Validate(ValidationErrors errors, Caller caller) => errors.Required("rationale", Rationale, Limits.ReasonLength, multiLine: true);
}
