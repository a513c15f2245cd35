using Microsoft.AspNetCore.Http.HttpResults;
using StandardsRegistry.Api.Audit;
using StandardsRegistry.Api.Http;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Data;

namespace StandardsRegistry.Api.Catalogue;

/// <summary>The STANAG 4774 confidentiality label of one edition.</summary>
public static class VersionLabelApi
{
    public static RouteGroupBuilder MapVersionLabel(this RouteGroupBuilder group)
    {
        group.MapGet("/{edition}/label", GetVersionLabel)
            .WithName("GetVersionLabel")
            .Audited(AuditActions.LabelRead, contentRead: true)
            .WithSummary("Get the STANAG 4774 confidentiality label of one edition, as far as the caller may know it")
            .WithDescription("`Accept: application/xml` (default) answers the STANAG 4774 form (XML schema in docs/stanag-4774/), `application/json` the same label as JSON; "
                + "anything else is 406. The `Releasable To` category names only audiences the caller may know of: every active release for NATO, the caller's own community otherwise.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status406NotAcceptable);
        return group;
    }

    /// <summary>
    /// The label of a visible edition. Acceptability is decided before anything is looked up, so a hidden edition
    /// and one that never existed answer alike whatever is asked for.
    /// </summary>
    public static async Task<Results<LabelResult, ProblemHttpResult>> GetVersionLabel(
        string key, int edition, Caller caller, CatalogueQueries queries, HttpContext http, CancellationToken ct)
    {
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
}
