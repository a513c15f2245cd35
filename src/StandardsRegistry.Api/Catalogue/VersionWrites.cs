using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using StandardsRegistry.Api.Audit;
using StandardsRegistry.Api.Http;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace StandardsRegistry.Api.Catalogue;

/// <summary>What editors do to a standard's editions: create a draft, replace it, publish, withdraw.</summary>
public static class VersionWrites
{
    public static RouteGroupBuilder MapVersionWrites(this RouteGroupBuilder group)
    {
        var editing = group.MapGroup("/")
            .RequireAuthorization(SecurityServiceCollectionExtensions.EditorPolicy)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            // Each write answers the edition as it left it, with the ETag its GET would send (Committed).
            .Sends(Microsoft.Net.Http.Headers.HeaderNames.ETag, StatusCodes.Status200OK, StatusCodes.Status201Created);

        editing.MapPost("/", CreateDraft)
            .WithName("CreateDraft")
            .Audited(AuditActions.DraftCreate)
            .WithSummary("Create a draft with the next edition number (editors)")
            .ProducesValidationProblem();

        editing.MapPut("/{edition}", UpdateDraft)
            .WithName("UpdateDraft")
            .Audited(AuditActions.DraftUpdate)
            .WithSummary("Replace a draft's content; requires If-Match with the draft's ETag (editors)")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status428PreconditionRequired);

        editing.MapPost("/{edition}/publish", Publish)
            .WithName("PublishVersion")
            .Audited(AuditActions.VersionPublish)
            .WithSummary("Publish a draft; the current edition becomes superseded; If-Match, when sent, must hold the draft's ETag (editors)")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);

        editing.MapPost("/{edition}/withdraw", Withdraw)
            .WithName("WithdrawVersion")
            .Audited(AuditActions.VersionWithdraw)
            .WithSummary("Withdraw a published or superseded edition, with a reason; If-Match, when sent, must hold the edition's ETag (editors)")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);

        return group;
    }

    public static async Task<Results<Created<VersionDto>, ValidationProblem, ProblemHttpResult>> CreateDraft(
        string key, DraftRequest request, Caller caller, EditorialStore store, HttpContext http, CancellationToken ct)
    {
        if (await store.WritableCategoryAsync(caller.Scope, key, caller.Now, ct) is not { } category)
        {
            return Problems.NotFound();
        }
        if (request.Validate(category, out var errors) is not { } content)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        if (AboveClearance(caller, content.Classification) is { } forbidden)
        {
            return forbidden;
        }

        var result = await store.CreateDraftAsync(caller.Scope, key, content, caller.Actor, caller.Now, ct);
        if (!result.Succeeded)
        {
            return Problems.From(result);
        }
        var version = Committed(result.Value!, caller, http);
        return TypedResults.Created($"/v1/standards/{key}/versions/{version.Edition}", version);
    }

    public static async Task<Results<Ok<VersionDto>, ValidationProblem, ProblemHttpResult>> UpdateDraft(
        string key, int edition, DraftRequest request, [FromHeader(Name = "If-Match")] string? ifMatch,
        Caller caller, CatalogueQueries queries, EditorialStore store, IOptions<JsonOptions> json, HttpContext http, CancellationToken ct)
    {
        if (await WritableVersionAsync(key, edition, caller, queries, store, ct) is not { } current)
        {
            return Problems.NotFound();
        }
        if (current.Status != VersionStatus.Draft)
        {
            return Problems.Status(StatusCodes.Status409Conflict, EditorialStore.NotADraft(edition, current.Status));
        }
        // '*' says only that the draft exists, which it always does: it proves nothing was read, and accepted it let an
        // editor overwrite another editor's change unseen. Only the ETag of the draft read makes the edit conditional.
        if (ETags.NamesNoState(ifMatch))
        {
            return Problems.Status(StatusCodes.Status428PreconditionRequired, "Send If-Match with the ETag of the draft you are changing ('*' names no state of it).");
        }
        if (!TagNames(ifMatch!, current, caller, json.Value.SerializerOptions))
        {
            return Problems.Status(StatusCodes.Status412PreconditionFailed, EditorialStore.DraftChanged);
        }
        if (request.Validate(current.Category, out var errors) is not { } content)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        if (AboveClearance(caller, content.Classification) is { } forbidden)
        {
            return forbidden;
        }

        var result = await store.UpdateDraftAsync(caller.Scope, key, edition, current.RowVersion, content, caller.Actor, caller.Now, ct);
        return result.Succeeded ? TypedResults.Ok(Committed(result.Value!, caller, http)) : Problems.From(result);
    }

    public static async Task<Results<Ok<VersionDto>, ProblemHttpResult>> Publish(
        string key, int edition, [FromHeader(Name = "If-Match")] string? ifMatch,
        Caller caller, CatalogueQueries queries, EditorialStore store, IOptions<JsonOptions> json, HttpContext http, CancellationToken ct)
    {
        var (expected, refused) = await IfMatchAsync(ifMatch, key, edition, caller, queries, store, json.Value.SerializerOptions, ct);
        if (refused is not null)
        {
            return refused;
        }
        var result = await store.PublishAsync(caller.Scope, key, edition, expected, caller.Actor, caller.Now, ct);
        return result.Succeeded ? TypedResults.Ok(Committed(result.Value!, caller, http)) : Problems.From(result);
    }

    public static async Task<Results<Ok<VersionDto>, ProblemHttpResult>> Withdraw(
        string key, int edition, WithdrawRequest request, [FromHeader(Name = "If-Match")] string? ifMatch,
        Caller caller, CatalogueQueries queries, EditorialStore store, IOptions<JsonOptions> json, HttpContext http, CancellationToken ct)
    {
        var (expected, refused) = await IfMatchAsync(ifMatch, key, edition, caller, queries, store, json.Value.SerializerOptions, ct);
        if (refused is not null)
        {
            return refused;
        }
        var result = await store.WithdrawAsync(caller.Scope, key, edition, request.Reason!, expected, caller.Actor, caller.Now, ct);
        return result.Succeeded ? TypedResults.Ok(Committed(result.Value!, caller, http)) : Problems.From(result);
    }

    /// <summary>
    /// The If-Match of a publish or a withdrawal, which is optional (a client that sends none acts on the edition as it
    /// is), but holds when sent (RFC 9110 §13.1.1): an editor who publishes the draft it read, or withdraws the edition
    /// it read, gets a 412 if another editor changed it since, instead of publishing content it never saw. No header or
    /// <c>*</c>: no condition. Otherwise the row version the write must still find (the store compares it in the write's
    /// transaction, after the lock), or the refusal: 404 when the caller may not write to the standard (as the write
    /// itself answers, so a tag never says more than the write would) or does not see the edition, 412 when the tag is
    /// not its current one.
    /// </summary>
    private static async Task<(long? Expected, ProblemHttpResult? Refused)> IfMatchAsync(
        string? ifMatch, string key, int edition, Caller caller, CatalogueQueries queries, EditorialStore store, System.Text.Json.JsonSerializerOptions json, CancellationToken ct)
    {
        if (ETags.NamesNoState(ifMatch))
        {
            return (null, null);
        }
        if (await WritableVersionAsync(key, edition, caller, queries, store, ct) is not { } current)
        {
            return (null, Problems.NotFound());
        }
        return TagNames(ifMatch!, current, caller, json)
            ? (current.RowVersion, null)
            : (null, Problems.Status(StatusCodes.Status412PreconditionFailed, EditorialStore.EditionChanged));
    }

    /// <summary>
    /// The edition as the writer reads it, before a conditional write compares a tag with it; null when the writer may
    /// not write to the standard (<see cref="EditorialStore.WritableCategoryAsync"/>: an edition above its clearance) or
    /// does not see the edition — both answered 404, as the write itself answers, so a tag never says more than it.
    /// </summary>
    private static async Task<VersionRow?> WritableVersionAsync(string key, int edition, Caller caller, CatalogueQueries queries, EditorialStore store, CancellationToken ct) =>
        await store.WritableCategoryAsync(caller.Scope, key, caller.Now, ct) is null ? null : await queries.GetVersionAsync(caller.Scope, caller.Now, key, edition, ct);

    /// <summary>Whether an <c>If-Match</c> holds the edition's strong ETag as the writer reads it: the one its GET answered with.</summary>
    private static bool TagNames(string ifMatch, VersionRow current, Caller caller, System.Text.Json.JsonSerializerOptions json) =>
        ETags.Matches(ifMatch, ETags.Of(VersionDto.From(current, caller.Scope), json));

    private static ProblemHttpResult? AboveClearance(Caller caller, Classification classification) =>
        classification > caller.Scope.MaxLevel
            ? Problems.Status(StatusCodes.Status403Forbidden, $"You may not mark a version above your clearance ({caller.Scope.MaxLevel}).")
            : null;

    /// <summary>
    /// After a write that committed with its audit entry: the version as the write left it, read in its transaction
    /// (<see cref="EditorialStore"/>), with its ETag, so an editor can chain If-Match writes.
    /// </summary>
    private static VersionDto Committed(VersionRow row, Caller caller, HttpContext http)
    {
        http.Audit().Committed();
        var dto = VersionDto.From(row, caller.Scope);
        http.Response.Headers.ETag = ETags.Of(dto, http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions);
        return dto;
    }
}
