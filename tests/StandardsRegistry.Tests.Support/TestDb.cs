using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using StandardsRegistry.Data;

namespace StandardsRegistry.Tests.Support;

/// <summary>The data layer over a test database, as the service builds it (the dialect's normalised connection string), without retries.</summary>
public static class TestDb
{
    public static Db Open(TestDatabase database) => Open(database.Provider, database.ConnectionString);

    /// <summary><see cref="Open"/> with another connection string for the provider's database (through a proxy, say).</summary>
    public static Db Open(TestProvider provider, string connectionString)
    {
        var dialect = SqlDialect.For(provider.Name);
        return new Db(dialect, dialect.Normalize(connectionString), ResiliencePipeline.Empty);
    }

    /// <summary><see cref="Open"/>, with every migration applied.</summary>
    public static Db Migrated(TestDatabase database) => Migrated(database.Provider, database.ConnectionString);

    /// <summary><see cref="Open"/> with another connection string, with every migration applied.</summary>
    public static Db Migrated(TestProvider provider, string connectionString)
    {
        var db = Open(provider, connectionString);
        new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).Migrate();
        return db;
    }
}
