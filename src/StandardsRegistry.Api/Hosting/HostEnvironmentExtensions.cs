using System.Reflection;

namespace StandardsRegistry.Api.Hosting;

public static class HostEnvironmentExtensions
{
    /// <summary>
    /// Build-time OpenAPI generation (the GetDocument.Insider tool, or an environment named <c>Build</c>) starts the
    /// app only to read its endpoints: nothing may touch a database or start a background worker then.
    /// </summary>
    public static bool IsBuild(this IHostEnvironment environment) =>
        environment.IsEnvironment("Build") || Assembly.GetEntryAssembly()?.GetName().Name == "GetDocument.Insider";
}
