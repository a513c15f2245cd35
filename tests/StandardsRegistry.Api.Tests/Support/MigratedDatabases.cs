using Npgsql;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// The databases of in-process hosts (<see cref="RegistryApp"/>). On PostgreSQL each is a copy of one database migrated
/// once per test run (CREATE DATABASE … TEMPLATE): migrating cost about 0.2 s per database, and the suites make hundreds.
/// The host still migrates at start, as the service does, and finds nothing left to apply. What tests migration itself
/// (the startup and migrate-command tests, instances migrating one database together) starts from empty databases
/// (<see cref="TestDatabase.CreateAsync"/>), and SQLite, whose migrations take milliseconds, always does.
/// </summary>
internal static class MigratedDatabases
{
    private const string PostgresTemplate = "registry_migrated";

    private static readonly Lazy<Task<string>> Postgres = new(MigratePostgresTemplateAsync);

    public static async Task<TestDatabase> CreateAsync(TestProvider provider) =>
        provider == TestProvider.Postgres
            ? await TestDatabase.CreateAsync(provider, template: await Postgres.Value)
            : await TestDatabase.CreateAsync(provider);

    private static async Task<string> MigratePostgresTemplateAsync()
    {
        var cluster = await TestDatabase.SharedPostgres.Value;
        var connectionString = await cluster.CreateDatabaseAsync(PostgresTemplate);
        // Unpooled: a template must have no connection left open when it is copied.
        var unpooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        TestDb.Migrated(TestProvider.Postgres, unpooled).Dispose();
        return PostgresTemplate;
    }
}
