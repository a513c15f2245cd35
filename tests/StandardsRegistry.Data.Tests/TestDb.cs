using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Data.Tests;

/// <summary>The data layer over a test database, as the service builds it (the dialect's normalised connection string), without retries.</summary>
internal static class TestDb
{
    public static Db Open(TestDatabase database) => Open(database.Provider, database.ConnectionString);

    /// <summary><see cref="Open"/> with another connection string for the provider's database (through a proxy, say).</summary>
    public static Db Open(TestProvider provider, string connectionString)
    {
        var dialect = SqlDialect.For(provider.Name);
        return new Db(dialect, dialect.Normalize(connectionString), ResiliencePipeline.Empty);
    }

    /// <summary><see cref="Open"/>, with every migration applied.</summary>
    public static Db Migrated(TestDatabase database)
    {
        var db = Open(database);
        new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).Migrate();
        return db;
    }
}

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
