using System.Reflection;
using Dapper;
using StandardsRegistry.Tests.Support;
using Xunit.v3;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// One registry host, seeded once, for every test of a suite that reads and refuses (bad input, authorization) on one
/// provider: starting and seeding a host per test was most of such a suite's time. Tests of a class run one after the
/// other, so each still sees the seeded catalogue, and each ends with <see cref="EndTestAsync"/>, which proves the test
/// wrote nothing: the catalogue as a CTS editor reads it (drafts and release histories included) is the seeded one,
/// every table but the audit log's holds as many rows as after seeding, and the host answered no server error and
/// nothing outside the OpenAPI document. A test that writes says so with <see cref="WritesAttribute"/> and gets a
/// host of its own, seeded the same way. On a provider that is not available here nothing starts and the tests skip.
/// </summary>
public abstract class SharedRegistry(TestProvider provider) : IAsyncLifetime
{
    private RegistryApp? _shared;
    private string _snapshot = "";
    private IReadOnlyDictionary<string, long> _rows = new Dictionary<string, long>();

    public TestProvider Provider => provider;

    /// <summary>Puts the suite's catalogue into a freshly started host (as a test would, through the API).</summary>
    protected virtual Task SeedAsync(RegistryApp app) => Task.CompletedTask;

    /// <summary>The suite's host before it starts: the tests' defaults, or settings (or the sample catalogue) it needs.</summary>
    protected virtual RegistryApp Create(TestProvider provider) => new(provider: provider);

    public async ValueTask InitializeAsync()
    {
        if (provider.UnavailableReason is null)
        {
            _shared = await StartSeededAsync();
            _snapshot = await _shared.As(TestCaller.Editor()).SnapshotAsync();
            _rows = await RowsAsync(_shared);
        }
    }

    /// <summary>The host for the test about to run: the shared one, or a fresh seeded one if the test writes.</summary>
    public async Task<RegistryApp> StartTestAsync()
    {
        Assert.SkipWhen(provider.UnavailableReason is not null, provider.UnavailableReason ?? "");
        var method = (TestContext.Current.TestMethod as IXunitTestMethod)?.Method;
        return method?.IsDefined(typeof(WritesAttribute)) == true ? await StartSeededAsync() : _shared!;
    }

    /// <summary>Ends a test: its own host is disposed (which checks it); on the shared one nothing may have been written.</summary>
    public async ValueTask EndTestAsync(RegistryApp? app)
    {
        if (app is null)
        {
            return;
        }
        if (app != _shared)
        {
            await app.DisposeAsync();
            return;
        }
        app.AssertNoServerErrorsOrContractViolations();
        Assert.Equal(_snapshot, await app.As(TestCaller.Editor()).SnapshotAsync());
        Assert.Equal(_rows, await RowsAsync(app));
    }

    public async ValueTask DisposeAsync()
    {
        if (_shared is not null)
        {
            await _shared.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }

    private async Task<RegistryApp> StartSeededAsync()
    {
        var app = Create(provider).Start();
        await SeedAsync(app);
        return app;
    }

    /// <summary>The row count of every table but the audit log's (refusals are audited), read behind the service's back.</summary>
    private static async Task<IReadOnlyDictionary<string, long>> RowsAsync(RegistryApp app)
    {
        using var db = TestDb.Open(app.Provider, app.ConnectionString);
        var tables = await db.ReadAsync(c => c.QueryAsync<string>(app.Provider.Name switch
        {
            "sqlite" => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'",
            "postgres" => "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()",
            _ => "SELECT name FROM sys.tables",
        }));
        var rows = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in tables.Where(t => !t.StartsWith("audit", StringComparison.Ordinal)))
        {
            rows[table] = await db.ReadAsync(c => c.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}"));
        }
        return rows;
    }
}

/// <summary>
/// On a test of a suite with a <see cref="SharedRegistry"/>: the test writes (creates, publishes, releases), so it runs
/// on a host of its own, seeded as the shared one, which it may change.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class WritesAttribute : Attribute;

/// <summary>The sample catalogue the service loads on first start (db/seed), in one host shared by a suite that only reads it.</summary>
public sealed class SampleCatalogue<TProvider>() : SharedRegistry(TProvider.Provider) where TProvider : IProviderChoice
{
    protected override RegistryApp Create(TestProvider provider) => new(seed: true, provider: provider);
}
