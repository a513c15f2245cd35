using System.Net;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Tests.Support;
using static StandardsRegistry.Api.Tests.Support.ServiceProcess;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// The built service, started with its shipped appsettings.json, listens where the .NET conventions say
/// (<c>ASPNETCORE_URLS</c>, <c>--urls</c>), and on its default port only when nothing says.
/// </summary>
[Slow]
[Collection(DefaultPortCollection)]
public sealed class ListenAddressTests
{
    /// <summary>Tests that start the service on its default port (5080), one at a time.</summary>
    public const string DefaultPortCollection = "default port 5080";

    [Theory]
    [InlineData(ListenBy.AspNetCoreUrls)]
    [InlineData(ListenBy.CommandLine)]
    public async Task TheConventionalSettingDecidesWhereTheServiceListens(ListenBy listenBy)
    {
        var data = ScratchDirectories.Create("registry-listen-");
        try
        {
            // The start waits for /health/ready on the port it chose; before the fix the service listened on 5080 instead.
            await using var service = await StartSqliteAsync(Path.Combine(data.FullName, "registry.db"), listenBy: listenBy);
            using var client = service.Client();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
            Assert.Contains(service.Output, l => l.Contains($"Now listening on: {service.BaseAddress.ToString().TrimEnd('/')}", StringComparison.Ordinal));
            Assert.DoesNotContain(service.Output, l => l.Contains($":{DefaultPort}", StringComparison.Ordinal));
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task WithNothingSaidTheServiceListensOnItsDefaultPort()
    {
        var data = ScratchDirectories.Create("registry-listen-");
        try
        {
            await using var service = await StartSqliteAsync(Path.Combine(data.FullName, "registry.db"), listenBy: ListenBy.Nothing);
            Assert.Contains(service.Output, l => l.Contains($"Now listening on: http://localhost:{DefaultPort}", StringComparison.Ordinal));
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }
}
