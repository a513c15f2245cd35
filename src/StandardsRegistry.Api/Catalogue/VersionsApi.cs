using StandardsRegistry.Api.Http;

namespace StandardsRegistry.Api.Catalogue;

/// <summary>
/// The editions of a standard, <c>/v1/standards/{key}/versions</c>: the one route group, mapped in this order (the
/// order of the OpenAPI document) — consumer reads (<see cref="VersionReads"/>), the label
/// (<see cref="VersionLabelApi"/>), editor writes (<see cref="VersionWrites"/>).
/// </summary>
public static class VersionsApi
{
    public static RouteGroupBuilder MapVersionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/standards/{key}/versions")
            .WithTags("Versions").WithRegistryProblems()
            .AddEndpointFilter(Problems.KeyMustBeValid)
            .AddEndpointFilter(Problems.EditionMustBeValid)
            .WithRequestValidation();
        group.MapVersionReads();
        group.MapVersionLabel();
        group.MapVersionWrites();
        return group;
    }
}
