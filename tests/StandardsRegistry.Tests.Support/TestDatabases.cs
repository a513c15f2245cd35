using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace StandardsRegistry.Tests.Support;

/// <summary>A database provider the tests run on. Tests of an unavailable provider are skipped with its reason.</summary>
public sealed record TestProvider(string Name)
{
    public static TestProvider Sqlite { get; } = new("sqlite");

    public static TestProvider Postgres { get; } = new("postgres");

    public static TestProvider SqlServer { get; } = new("sqlserver");

    /// <summary>Set to a SQL Server connection string (with rights to create databases) to run the SQL Server tests.</summary>
    public const string SqlServerVariable = "REGISTRY_TEST_SQLSERVER";

    /// <summary>Why this provider's tests cannot run here, or null when they can.</summary>
    public string? UnavailableReason => Name switch
    {
        "postgres" => PostgresCluster.UnavailableReason(),
        "sqlserver" => string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(SqlServerVariable))
            ? $"SQL Server tests run only when {SqlServerVariable} holds a connection string."
            : null,
        _ => null,
    };

    public override string ToString() => Name;
}

/// <summary>
/// A provider as a type, for what xunit constructs once per provider (a class fixture such as a shared seeded host):
/// <c>BadInputCatalogue&lt;OnPostgres&gt;</c>.
/// </summary>
public interface IProviderChoice
{
    static abstract TestProvider Provider { get; }
}

public sealed class OnSqlite : IProviderChoice
{
    public static TestProvider Provider => TestProvider.Sqlite;
}

public sealed class OnPostgres : IProviderChoice
{
    public static TestProvider Provider => TestProvider.Postgres;
}

public sealed class OnSqlServer : IProviderChoice
{
    public static TestProvider Provider => TestProvider.SqlServer;
}

/// <summary>A fresh database of one provider, empty unless made from a template, removed when disposed.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly Func<Task> _drop;

    private TestDatabase(TestProvider provider, string connectionString, Func<Task> drop)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _drop = drop;
    }

    public TestProvider Provider { get; }

    public string ConnectionString { get; }

    /// <param name="template">On PostgreSQL, a database of the shared cluster to copy instead of starting empty.</param>
    public static async Task<TestDatabase> CreateAsync(TestProvider provider, string? template = null)
    {
        if (provider.UnavailableReason is { } reason)
        {
            throw new InvalidOperationException(reason);
        }
        if (template is not null && provider.Name != "postgres")
        {
            throw new ArgumentException($"Only PostgreSQL databases are made from a template here, not {provider.Name} ones.", nameof(template));
        }

        switch (provider.Name)
        {
            case "sqlite":
                var directory = ScratchDirectories.Create("registry-test-").FullName;
                return new TestDatabase(provider, $"Data Source={Path.Combine(directory, "registry.db")}", () =>
                {
                    SqliteConnection.ClearAllPools();
                    try
                    {
                        Directory.Delete(directory, recursive: true);
                    }
                    catch (IOException)
                    {
                        // A file still open on a slow shutdown; the temp directory is left for the OS to clean.
                    }
                    return Task.CompletedTask;
                });

            case "postgres":
                var cluster = await SharedPostgres.Value;
                var connectionString = await cluster.CreateDatabaseAsync(template: template);
                return new TestDatabase(provider, connectionString, async () =>
                {
                    // Each test has its own database and so its own pool: close it, or idle connections pile up
                    // across the run until the server refuses new clients.
                    await using (var pooled = new NpgsqlConnection(connectionString))
                    {
                        NpgsqlConnection.ClearPool(pooled);
                    }
                    var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
                    await using var admin = new NpgsqlConnection(cluster.ConnectionString());
                    await admin.OpenAsync();
                    await using var drop = admin.CreateCommand();
                    drop.CommandText = $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)";
                    await drop.ExecuteNonQueryAsync();
                });

            case "sqlserver":
                var server = new SqlConnectionStringBuilder(Environment.GetEnvironmentVariable(TestProvider.SqlServerVariable));
                var name = $"registry_test_{Guid.NewGuid():N}";
                await ExecuteAsync(server.ConnectionString, $"CREATE DATABASE [{name}]");
                var database = new SqlConnectionStringBuilder(server.ConnectionString) { InitialCatalog = name };
                return new TestDatabase(provider, database.ConnectionString, async () =>
                {
                    SqlConnection.ClearAllPools();
                    await ExecuteAsync(server.ConnectionString, $"ALTER DATABASE [{name}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [{name}]");
                });

            default:
                throw new ArgumentOutOfRangeException(nameof(provider), provider.Name, "Unknown provider.");
        }
    }

    /// <summary>
    /// One PostgreSQL cluster for the whole test run (initdb costs about a second); each test gets its own database
    /// in it. The cluster stops and its directory is removed when the test process exits.
    /// </summary>
    public static Lazy<Task<PostgresCluster>> SharedPostgres { get; } = new(() => PostgresCluster.StartAsync());

    public async ValueTask DisposeAsync() => await _drop();

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new SqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
