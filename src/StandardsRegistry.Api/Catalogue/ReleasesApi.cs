using Microsoft.AspNetCore.Http.HttpResults;
using StandardsRegistry.Api.Audit;
using StandardsRegistry.Api.Http;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Catalogue;

public static class ReleasesApi
{
    public static RouteGroupBuilder MapReleasesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/standards/{key}/versions/{edition}/releases")
            .WithTags("Releases")
            .WithRegistryProblems()
            .AddEndpointFilter(Problems.KeyMustBeValid)
            .AddEndpointFilter(Problems.EditionMustBeValid)
            .WithRequestValidation()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/", ListReleases)
            .WithName("ListReleases")
            .WithSummary("The release history of an edition (NATO only)")
            .RequireAuthorization(SecurityServiceCollectionExtensions.NatoPolicy);

        group.MapPut("/{audience}", Release)
            .WithName("ReleaseVersion")
            .Audited(AuditActions.ReleaseGrant)
            .WithSummary("Release an edition to an audience, now or from a future time (release authorities)")
            .RequireAuthorization(SecurityServiceCollectionExtensions.ReleaseAuthorityPolicy)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapDelete("/{audience}", Revoke)
            .WithName("RevokeRelease")
            .Audited(AuditActions.ReleaseRevoke)
            .WithSummary("Revoke the active release of an edition to an audience; the record stays (release authorities)")
            .RequireAuthorization(SecurityServiceCollectionExtensions.ReleaseAuthorityPolicy);

        return group;
    }

    public static async Task<Results<Ok<IReadOnlyList<ReleaseDto>>, ProblemHttpResult>> ListReleases(
        string key, int edition, Caller caller, ReleaseStore store, CancellationToken ct)
    {
        // Release authorities decide on every edition their clearance covers, drafts included; any other NATO reader
        // reads in its own scope, where a draft exists only for editors: an empty history would give a draft away.
        var scope = caller.Principal.HasRole(Roles.ReleaseAuthority) ? caller.WriterScope : caller.Scope;
        var rows = await store.HistoryAsync(scope, key, edition, caller.Now, ct);
        return rows is null ? Problems.NotFound() : TypedResults.Ok<IReadOnlyList<ReleaseDto>>(rows.Select(r => ReleaseDto.From(r, caller.Now)).ToList());
    }

    public static async Task<Results<Created<ReleaseDto>, Ok<ReleaseDto>, ValidationProblem, ProblemHttpResult>> Release(
        string key, int edition, string audience, ReleaseRequest request, Caller caller, ReleaseStore store, AudienceCache audiences, HttpContext http, CancellationToken ct)
    {
        if (await audiences.FindAsync(audience, ct) is not { } target)
        {
            return Problems.NoSuchAudience(audience);
        }

        var result = await store.ReleaseAsync(caller.WriterScope, key, edition, target, request.Reason!, request.EffectiveFrom, caller.Actor, caller.Now, ct);
        if (result.Succeeded)
        {
            http.Audit().Committed();
        }
        return result.Outcome switch
        {
            Outcome.Created => TypedResults.Created($"/v1/standards/{key}/versions/{edition}/releases", ReleaseDto.From(result.Value!, caller.Now)),
            Outcome.Done => TypedResults.Ok(ReleaseDto.From(result.Value!, caller.Now)),
            Outcome.Invalid => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["effectiveFrom"] = [result.Problem!] }),
            _ => Problems.From(result),
        };
    }

    public static async Task<Results<Ok<ReleaseDto>, ProblemHttpResult>> Revoke(
        string key, int edition, string audience, [AsParameters] RevokeQuery query, Caller caller, ReleaseStore store, AudienceCache audiences, HttpContext http, CancellationToken ct)
    {
        if (await audiences.FindAsync(audience, ct) is null)
        {
            return Problems.NoSuchAudience(audience);
        }
        var result = await store.RevokeAsync(caller.WriterScope, key, edition, audience, query.reason, caller.Actor, caller.Now, ct);
        if (result.Succeeded)
        {
            http.Audit().Committed();
        }
        return result.Succeeded ? TypedResults.Ok(ReleaseDto.From(result.Value!, caller.Now)) : Problems.From(result);
    }
}

/// <summary>Why a release is revoked, if said (the name as in the query, as for <see cref="StandardsQuery"/>).</summary>
public sealed record RevokeQuery : IValidatable
{
    public string? reason { get; init; }

    public void Validate(ValidationErrors errors, Caller caller) => errors.Optional("reason", reason, Limits.ReasonLength, multiLine: true);
}
