using System.Reflection;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;

using StandardsRegistry.Data;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// The <c>registry-db</c> pipeline's one circuit breaker, shared by every caller, as the service registers it (no database
/// asked: each operation throws what the driver throws). Deadlocks, serialization failures and a database locked by
/// another writer are contention between callers, retried by the pipeline: until 2026-12-07 the breaker counted them as
/// the database failing, so a burst of contention on one standard opened it and every other caller's read and write
/// answered 503 while the database served.
/// </summary>
public sealed class DatabaseBreakerTests
{
    public static TheoryData<string, string> Contention => new()
    {
        { SqlDialect.Postgres, "40001" },
        { SqlDialect.Postgres, "40P01" },
        { SqlDialect.Sqlite, "5" },
        { SqlDialect.Sqlite, "6" },
        { SqlDialect.SqlServer, "1205" },
        { SqlDialect.SqlServer, "1222" },
        { SqlDialect.SqlServer, "41302" },
    };

    [Theory]
    [MemberData(nameof(Contention))]
    public async Task ContentionBetweenCallersDoesNotOpenTheBreaker(string provider, string error)
    {
        var (dialect, pipeline) = Pipeline(provider);
        var contention = Error(provider, error);
        Assert.True(dialect.IsTransient(contention), "contention is retried");

        // Six operations of five attempts each: more than the breaker's minimum throughput (20), every one failing.
        for (var i = 0; i < 6; i++)
        {
            var failure = await Assert.ThrowsAnyAsync<Exception>(() => pipeline.ExecuteAsync<int>(_ => throw contention, TestContext.Current.CancellationToken).AsTask());
            Assert.IsNotType<BrokenCircuitException>(failure);
        }

        Assert.Equal(1, await pipeline.ExecuteAsync(_ => ValueTask.FromResult(1), TestContext.Current.CancellationToken));
    }

    /// <summary>The database failing still opens it: a lost connection (PostgreSQL's admin shutdown, SQLite's I/O error, SQL Server's transport error).</summary>
    [Theory]
    [InlineData(SqlDialect.Postgres, "57P01")]
    [InlineData(SqlDialect.Sqlite, "10")]
    [InlineData(SqlDialect.SqlServer, "10054")]
    public async Task TheDatabaseFailingOpensTheBreaker(string provider, string error)
    {
        var (_, pipeline) = Pipeline(provider);
        var failing = Error(provider, error);
        for (var i = 0; i < 8; i++)
        {
            if (await Assert.ThrowsAnyAsync<Exception>(() => pipeline.ExecuteAsync<int>(_ => throw failing, TestContext.Current.CancellationToken).AsTask()) is BrokenCircuitException)
            {
                return;
            }
        }
        Assert.Fail("the breaker did not open");
    }

    private static (SqlDialect Dialect, ResiliencePipeline Pipeline) Pipeline(string provider)
    {
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Database:Provider"] = provider }).Build())
            .AddRegistryDatabase()
            .BuildServiceProvider();
        return (services.GetRequiredService<SqlDialect>(), services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(Db.Pipeline));
    }

    private static Exception Error(string provider, string error) => provider switch
    {
        SqlDialect.Postgres => new PostgresException("contention", "ERROR", "ERROR", error),
        SqlDialect.Sqlite => new SqliteException("database is locked", int.Parse(error, System.Globalization.CultureInfo.InvariantCulture)),
        _ => SqlServerError(int.Parse(error, System.Globalization.CultureInfo.InvariantCulture)),
    };

    /// <summary>A <see cref="SqlException"/> with one error of <paramref name="number"/>, made by SqlClient's own internal factory.</summary>
    private static SqlException SqlServerError(int number)
    {
        const BindingFlags Internal = BindingFlags.NonPublic | BindingFlags.Instance;
        var ctor = typeof(SqlError).GetConstructors(Internal).OrderByDescending(c => c.GetParameters().Length).First();
        var error = (SqlError)ctor.Invoke([.. ctor.GetParameters().Select(p => p.Name switch
        {
            "infoNumber" => number,
            "errorState" or "errorClass" => (byte)16,
            "exception" => null,
            _ when p.ParameterType == typeof(string) => "contention",
            _ => p.ParameterType.IsValueType ? Activator.CreateInstance(p.ParameterType) : null,
        })]);
        var errors = (SqlErrorCollection)typeof(SqlErrorCollection).GetConstructors(Internal).Single(c => c.GetParameters().Length == 0).Invoke(null);
        typeof(SqlErrorCollection).GetMethod("Add", Internal)!.Invoke(errors, [error]);
        var create = typeof(SqlException).GetMethod("CreateException", BindingFlags.NonPublic | BindingFlags.Static, [typeof(SqlErrorCollection), typeof(string)])
            ?? throw new InvalidOperationException("SqlClient no longer has SqlException.CreateException(errors, serverVersion)");
        return (SqlException)create.Invoke(null, [errors, "16.0"])!;
    }
}
