using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using StandardsRegistry.Api.Audit;
using StandardsRegistry.Api.Http;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace StandardsRegistry.Api.Catalogue;

public static class VersionsApi
{
    private const string CursorKind = "versions";

    public static RouteGroupBuilder MapVersionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/standards/{key}/versions").WithTags("Versions").WithRegistryProblems().AddEndpointFilter(Problems.KeyMustBeValid);

        group.MapGet("/", ListVersions)
            .WithName("ListVersions")
            .WithSummary("List the editions of a standard visible to the caller")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/latest", GetLatestVersion)
            .WithName("GetLatestVersion")
            .Audited(AuditActions.VersionReadLatest, contentRead: true)
            .WithSummary("Get the latest edition in force that the caller may see")
            .WithDescription(LabelHeadersDescription)
            .AddOpenApiOperationTransformer(DocumentLabelHeaders)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{edition}", GetVersion)
            .WithName("GetVersion")
            .Audited(AuditActions.VersionRead, contentRead: true)
            .WithSummary("Get one edition of a standard")
            .WithDescription(LabelHeadersDescription)
            .AddOpenApiOperationTransformer(DocumentLabelHeaders)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{edition}/label", GetVersionLabel)
            .WithName("GetVersionLabel")
            .Audited(AuditActions.LabelRead, contentRead: true)
            .WithSummary("Get the STANAG 4774 confidentiality label of one edition, as far as the caller may know it")
            .WithDescription("`Accept: application/xml` (default) answers the STANAG 4774 form (XML schema in docs/stanag-4774/), `application/json` the same label as JSON; "
                + "anything else is 406. The `Releasable To` category names only audiences the caller may know of: every active release for NATO, the caller's own community otherwise.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status406NotAcceptable);

        var editing = group.MapGroup("/")
            .RequireAuthorization(SecurityServiceCollectionExtensions.EditorPolicy)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

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
            .WithSummary("Publish a draft; the current edition becomes superseded (editors)")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

        editing.MapPost("/{edition}/withdraw", Withdraw)
            .WithName("WithdrawVersion")
            .Audited(AuditActions.VersionWithdraw)
            .WithSummary("Withdraw a published or superseded edition, with a reason (editors)")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

        return group;
    }

    public static async Task<Results<ETagged<Page<VersionSummaryDto>>, ValidationProblem, ProblemHttpResult>> ListVersions(
        string key, Caller caller, CatalogueQueries queries, int? limit, string? cursor, CancellationToken ct)
    {
        if (!Paging.TryLimit(limit, out var pageSize))
        {
            return Problems.Invalid("limit", Paging.LimitMessage);
        }
        if (!Paging.TryDecode(cursor, CursorKind, out var after) || !TryAfterEdition(after, out var afterEdition))
        {
            return Problems.Invalid("cursor", Paging.CursorMessage);
        }
        var rows = await queries.ListVersionsAsync(caller.Scope, caller.Now, key, afterEdition, pageSize + 1, ct);
        return rows is null
            ? Problems.NotFound()
            : new ETagged<Page<VersionSummaryDto>>(Paging.Of(rows, pageSize, r => VersionSummaryDto.From(r, caller.Scope),
                r => Paging.Encode(CursorKind, r.Edition.ToString(CultureInfo.InvariantCulture))));
    }

    public static async Task<Results<ETagged<VersionDto>, ProblemHttpResult>> GetLatestVersion(
        string key, Caller caller, CatalogueQueries queries, HttpContext http, CancellationToken ct) =>
        await queries.GetLatestAsync(caller.Scope, caller.Now, key, ct) is { } row
            ? Labelled(http, row, caller)
            : Problems.NotFound();

    public static async Task<Results<ETagged<VersionDto>, ValidationProblem, ProblemHttpResult>> GetVersion(
        string key, int edition, Caller caller, CatalogueQueries queries, HttpContext http, CancellationToken ct)
    {
        if (edition < 1)
        {
            return EditionProblem();
        }
        return await queries.GetVersionAsync(caller.Scope, caller.Now, key, edition, ct) is { } row
            ? Labelled(http, row, caller)
            : Problems.NotFound();
    }

    /// <summary>
    /// The label of a visible edition. Acceptability is decided before anything is looked up, so a hidden edition
    /// and one that never existed answer alike whatever is asked for.
    /// </summary>
    public static async Task<Results<LabelResult, ValidationProblem, ProblemHttpResult>> GetVersionLabel(
        string key, int edition, Caller caller, CatalogueQueries queries, HttpContext http, CancellationToken ct)
    {
        if (edition < 1)
        {
            return EditionProblem();
        }
        if (LabelResult.Negotiate(http.Request.Headers.Accept) is not { } format)
        {
            return Problems.Status(StatusCodes.Status406NotAcceptable, LabelResult.NotAcceptableDetail);
        }
        if (await queries.GetVersionAsync(caller.Scope, caller.Now, key, edition, ct) is not { } row)
        {
            return Problems.NotFound();
        }
        http.Audit().Served(row.Edition, row.Classification);
        var releasedTo = await queries.ReleasedToAsync(caller.Scope, caller.Now, key, edition, ct);
        return new LabelResult(ConfidentialityLabels.For(row, releasedTo, caller.Scope), format);
    }

    private const string LabelHeadersDescription =
        "The response binds the edition's confidentiality label: `Confidentiality-Label` carries its marking in the caller's scheme "
        + "(policy and classification, and for EU readers the EU equivalent), and `Link` (rel=\"describedby\") points at the full label. "
        + "See docs/confidentiality-labels.md.";

    /// <summary>Only a version that is served gets the label headers; a 404 stays identical to every other 404.</summary>
    private static ETagged<VersionDto> Labelled(HttpContext http, VersionRow row, Caller caller)
    {
        ConfidentialityLabels.AddHeaders(http.Response, row, caller.Scope);
        http.Audit().Served(row.Edition, row.Classification);
        return new ETagged<VersionDto>(VersionDto.From(row, caller.Scope));
    }

    private static Task DocumentLabelHeaders(OpenApiOperation operation, Microsoft.AspNetCore.OpenApi.OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        if (operation.Responses?.TryGetValue("200", out var ok) == true && ok is OpenApiResponse response)
        {
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers[ConfidentialityLabels.HeaderName] = new OpenApiHeader
            {
                Description = "The edition's marking as an RFC 9651 dictionary: policy, classification, and for EU readers equivalent-policy and equivalent-classification.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            };
            response.Headers["Link"] = new OpenApiHeader
            {
                Description = "rel=\"describedby\": the edition's full confidentiality label (GET …/label).",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            };
        }
        return Task.CompletedTask;
    }

    public static async Task<Results<Created<VersionDto>, ValidationProblem, ProblemHttpResult>> CreateDraft(
        string key, DraftRequest request, Caller caller, CatalogueQueries queries, EditorialStore store, HttpContext http, CancellationToken ct)
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
        http.Audit().Committed();
        var version = await ReadBackAsync(queries, caller, key, result.Value, http, ct);
        return TypedResults.Created($"/v1/standards/{key}/versions/{result.Value}", version);
    }

    public static async Task<Results<Ok<VersionDto>, ValidationProblem, ProblemHttpResult>> UpdateDraft(
        string key, int edition, DraftRequest request, [FromHeader(Name = "If-Match")] string? ifMatch,
        Caller caller, CatalogueQueries queries, EditorialStore store, IOptions<JsonOptions> json, HttpContext http, CancellationToken ct)
    {
        if (edition < 1)
        {
            return EditionProblem();
        }
        if (await store.WritableCategoryAsync(caller.Scope, key, caller.Now, ct) is null
            || await queries.GetVersionAsync(caller.Scope, caller.Now, key, edition, ct) is not { } current)
        {
            return Problems.NotFound();
        }
        if (current.Status != VersionStatus.Draft)
        {
            return Problems.Status(StatusCodes.Status409Conflict, $"Edition {edition} is {Lifecycle.ToText(current.Status)}: published versions are immutable; create a new edition instead.");
        }
        if (string.IsNullOrWhiteSpace(ifMatch))
        {
            return Problems.Status(StatusCodes.Status428PreconditionRequired, "Send If-Match with the ETag of the draft you are changing.");
        }
        if (!ETags.Matches(ifMatch, ETags.Of(VersionDto.From(current, caller.Scope), json.Value.SerializerOptions)))
        {
            return Problems.Status(StatusCodes.Status412PreconditionFailed, "The draft has changed since you read it: fetch it again and reapply your change.");
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
        return result.Succeeded ? TypedResults.Ok(await CommittedAsync(queries, caller, key, edition, http, ct)) : Problems.From(result);
    }

    public static async Task<Results<Ok<VersionDto>, ValidationProblem, ProblemHttpResult>> Publish(
        string key, int edition, Caller caller, CatalogueQueries queries, EditorialStore store, HttpContext http, CancellationToken ct)
    {
        if (edition < 1)
        {
            return EditionProblem();
        }
        var result = await store.PublishAsync(caller.Scope, key, edition, caller.Actor, caller.Now, ct);
        return result.Succeeded ? TypedResults.Ok(await CommittedAsync(queries, caller, key, edition, http, ct)) : Problems.From(result);
    }

    public static async Task<Results<Ok<VersionDto>, ValidationProblem, ProblemHttpResult>> Withdraw(
        string key, int edition, WithdrawRequest request, Caller caller, CatalogueQueries queries, EditorialStore store, HttpContext http, CancellationToken ct)
    {
        if (edition < 1)
        {
            return EditionProblem();
        }
        var errors = new ValidationErrors();
        errors.Required("reason", request.Reason, Limits.ReasonLength);
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        var result = await store.WithdrawAsync(caller.Scope, key, edition, request.Reason!, caller.Actor, caller.Now, ct);
        return result.Succeeded ? TypedResults.Ok(await CommittedAsync(queries, caller, key, edition, http, ct)) : Problems.From(result);
    }

    internal static ValidationProblem EditionProblem() => Problems.Invalid("edition", "'edition' must be a whole number from 1.");

    private static ProblemHttpResult? AboveClearance(Caller caller, Classification classification) =>
        classification > caller.Scope.MaxLevel
            ? Problems.Status(StatusCodes.Status403Forbidden, $"You may not mark a version above your clearance ({caller.Scope.MaxLevel}).")
            : null;

    private static bool TryAfterEdition(string? position, out int afterEdition)
    {
        afterEdition = 0;
        return position is null || (int.TryParse(position, NumberStyles.None, CultureInfo.InvariantCulture, out afterEdition) && afterEdition > 0);
    }

    /// <summary>After a write that committed with its audit entry: the version as the writer now sees it.</summary>
    private static Task<VersionDto> CommittedAsync(CatalogueQueries queries, Caller caller, string key, int edition, HttpContext http, CancellationToken ct)
    {
        http.Audit().Committed();
        return ReadBackAsync(queries, caller, key, edition, http, ct);
    }

    /// <summary>The version as the writer now sees it, with its ETag, so an editor can chain If-Match writes.</summary>
    private static async Task<VersionDto> ReadBackAsync(CatalogueQueries queries, Caller caller, string key, int edition, HttpContext http, CancellationToken ct)
    {
        var row = await queries.GetVersionAsync(caller.Scope, caller.Now, key, edition, ct)
            ?? throw new InvalidOperationException($"{key} edition {edition} vanished after a committed write.");
        var dto = VersionDto.From(row, caller.Scope);
        http.Response.Headers.ETag = ETags.Of(dto, http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions);
        return dto;
    }
}
