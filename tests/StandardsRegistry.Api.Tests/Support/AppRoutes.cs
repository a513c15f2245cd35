using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// The application's own routes, read from the running app, so a test over "every route" covers a route added later
/// without being edited; and a route's URL with its parameters filled in.
/// </summary>
public static partial class AppRoutes
{
    /// <summary>One method of one route pattern, with the endpoint's name (when it has one) and the authorization policies it requires.</summary>
    public sealed record Route(string Method, string Pattern, string[] Policies, string? Name = null);

    public static List<Route> Of(IServiceProvider services)
    {
        var routes = new List<Route>();
        foreach (var endpoint in services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy ?? "(default)").Distinct().ToArray();
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            var name = endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;
            routes.AddRange(methods.Select(m => new Route(m, endpoint.RoutePattern.RawText!, policies, name)));
        }
        return routes;
    }

    /// <summary>The route's path with each <c>{parameter}</c> replaced by <paramref name="valueOf"/>(its name).</summary>
    public static string Url(Route route, Func<string, string> valueOf) =>
        Parameter().Replace(route.Pattern.StartsWith('/') ? route.Pattern : "/" + route.Pattern, m => valueOf(m.Groups[1].Value));

    [GeneratedRegex(@"\{\*?([A-Za-z]+)[^}]*\}")]
    private static partial Regex Parameter();
}
