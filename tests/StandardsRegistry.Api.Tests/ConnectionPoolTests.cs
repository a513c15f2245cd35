using System.Net;
using Dapper;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// Connection pools: on PostgreSQL the requests' pool is as large as <c>Database:MaxPoolSize</c> says, and streams (the
/// export, the audit verification) take their connections from a pool of their own, so long streams cannot take the
/// connections reads need. The server sees the two pools under their application names.
/// </summary>
public sealed class ConnectionPoolTests
{
    private const int RequestPool = 3;

    [Fact]
    public async Task RequestsStayWithinTheirPoolAndStreamsUseAnotherOne()
    {
        await using var app = new RegistryApp(provider: TestProvider.Postgres, settings: new Dictionary<string, string>(RegistryApp.UnlimitedRate)
        {
            ["Database:MaxPoolSize"] = RequestPool.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Database:StreamPoolSize"] = "2",
        });
        app.Start();
        var editor = app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("stanag-1");
        await editor.PublishAsync("stanag-1", await editor.CreateDraftAsync("stanag-1", "NR"));
        var reader = app.As(TestCaller.Admin());

        var reads = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => reader.GetAsync("/v1/standards/stanag-1/versions/latest")));
        var export = await reader.GetAsync("/v1/export");
        var verify = await reader.GetAsync("/v1/audit/verify");

        Assert.All(reads, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (export.StatusCode, verify.StatusCode));
        // Npgsql keeps idle connections open for minutes: the server still lists every connection each pool opened.
        var store = new AuditStore(app.Provider, app.ConnectionString);
        var names = await store.Db.ReadAsync(c => c.QueryAsync<string>(
            "SELECT application_name FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'standards-registry%'"));
        Assert.InRange(names.Count(n => n == "standards-registry (requests)"), 1, RequestPool);
        Assert.InRange(names.Count(n => n == "standards-registry (streams)"), 1, 2);
    }
}
