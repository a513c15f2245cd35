using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Data.Tests;

/// <summary>The data layer over a test database, as the service builds it (the dialect's normalised connection string), without retries.</summary>
internal static class TestDb
{
    public static Db Open(TestDatabase database)
    {
        var dialect = SqlDialect.For(database.Provider.Name);
        return new Db(dialect, dialect.Normalize(database.ConnectionString), ResiliencePipeline.Empty);
    }

    /// <summary><see cref="Open"/>, with every migration applied.</summary>
    public static Db Migrated(TestDatabase database)
    {
        var db = Open(database);
        new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).Migrate();
        return db;
    }
}
