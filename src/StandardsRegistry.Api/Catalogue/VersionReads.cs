using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using StandardsRegistry.Api.Audit;
using StandardsRegistry.Api.Http;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Catalogue;

/// <summary>What consumers read of a standard's editions: the list, the latest in force, one edition.</summary>
public static class VersionReads
{
    public static RouteGroupBuilder MapVersionReads(this RouteGroupBuilder group)
    {
        group.MapGet("/", ListVersions)
            .WithName("ListVersions")
            .WithSummary("List the editions of a standard visible to the caller")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/latest", GetLatestVersion)
            .WithName("GetLatestVersion")
            .Audited(AuditActions.VersionReadLatest, contentRead: true)
            .WithSummary("Get the latest edition in force that the caller may see")
            .WithLabelHeaders()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{edition}", GetVersion)
            .WithName("GetVersion")
            .Audited(AuditActions.VersionRead, contentRead: true)
            .WithSummary("Get one edition of a standard")
            .WithLabelHeaders()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        return group;
    }

    public static async Task<Results<ETagged<Page<VersionSummaryDto>>, ProblemHttpResult>> ListVersions(
        string key, Caller caller, CatalogueQueries queries, [AsParameters] VersionsQuery query, CancellationToken ct)
    {
        var pageSize = query.PageSize;
        var rows = await queries.ListVersionsAsync(caller.Scope, caller.Now, key, query.AfterEdition, pageSize + 1, ct);
        return rows is null
            ? Problems.NotFound()
            : new ETagged<Page<VersionSummaryDto>>(Paging.Of(rows, pageSize, r => VersionSummaryDto.From(r, caller.Scope),
                r => Paging.Encode(VersionsQuery.CursorKind, r.Edition.ToString(CultureInfo.InvariantCulture))));
    }

    public static async Task<Results<ETagged<VersionDto>, ProblemHttpResult>> GetLatestVersion(
        string key, Caller caller, CatalogueQueries queries, HttpContext http, CancellationToken ct) =>
        await queries.GetLatestAsync(caller.Scope, caller.Now, key, ct) is { } row
            ? Labelled(http, row, caller)
            : Problems.NotFound();

    public static async Task<Results<ETagged<VersionDto>, ProblemHttpResult>> GetVersion(
        string key, int edition, Caller caller, CatalogueQueries queries, HttpContext http, CancellationToken ct) =>
        await queries.GetVersionAsync(caller.Scope, caller.Now, key, edition, ct) is { } row
            ? Labelled(http, row, caller)
            : Problems.NotFound();

    /// <summary>Only a version that is served gets the label headers; a 404 stays identical to every other 404.</summary>
    private static ETagged<VersionDto> Labelled(HttpContext http, VersionRow row, Caller caller)
    {
        var marking = MarkingDto.For(row.Classification, caller.Scope.Scheme);
        ConfidentialityLabels.AddHeaders(http.Response, row, marking);
        http.Audit().Served(row.Edition, row.Classification);
        return new ETagged<VersionDto>(VersionDto.From(row, marking));
    }

}

/// <summary>The paging of a standard's editions (names as in the query, as for <see cref="StandardsQuery"/>).</summary>
public sealed record VersionsQuery : IValidatable
{
    public int? limit { get; init; }
    public string? cursor { get; init; }

    public const string CursorKind = "versions";

    public int PageSize => Paging.PageSize(limit);

    /// <summary>The edition the page starts after, 0 for the first page (valid once <see cref="Validate"/> found nothing wrong).</summary>
    public int AfterEdition => TryAfterEdition(out var afterEdition) ? afterEdition : 0;

    public void Validate(ValidationErrors errors, Caller caller)
    {
        Paging.ValidateLimit(errors, limit);
        if (!TryAfterEdition(out _))
        {
            errors.Add("cursor", Paging.CursorMessage);
        }
    }

    private bool TryAfterEdition(out int afterEdition)
    {
        afterEdition = 0;
        return Paging.TryDecode(cursor, CursorKind, out var position)
            && (position is null || (int.TryParse(position, NumberStyles.None, CultureInfo.InvariantCulture, out afterEdition) && afterEdition > 0));
    }
}
