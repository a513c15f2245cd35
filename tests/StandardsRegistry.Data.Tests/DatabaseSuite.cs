using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Data.Tests;

/// <summary>
/// A suite over one test database of <paramref name="provider"/> for each test: skipped, with why, when the provider is
/// unavailable; <see cref="Db"/> the data layer over it (<see cref="TestDb.Open"/>, or <see cref="TestDb.Migrated"/>
/// when <paramref name="migrated"/>), disposed before the database is removed.
/// </summary>
public abstract class DatabaseSuite(TestProvider provider, bool migrated) : IAsyncLifetime
{
    protected TestProvider Provider => provider;

    protected TestDatabase Database { get; private set; } = null!;

    protected Db Db { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Assert.SkipWhen(provider.UnavailableReason is not null, provider.UnavailableReason ?? "");
        Database = await TestDatabase.CreateAsync(provider);
        Db = migrated ? TestDb.Migrated(Database) : TestDb.Open(Database);
    }

    public async ValueTask DisposeAsync()
    {
        Db?.Dispose();
        if (Database is not null)
        {
            await Database.DisposeAsync();
        }
    }
}
