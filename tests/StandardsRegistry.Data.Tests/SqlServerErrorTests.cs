using System.Reflection;
using Microsoft.Data.SqlClient;

namespace StandardsRegistry.Data.Tests;

/// <summary>
/// No SQL Server here: how the SQL Server dialect classifies the errors SqlClient raises without asking a server, each
/// made by SqlClient's own code (its internal factory, called by reflection), as it throws it.
/// </summary>
public sealed class SqlServerErrorTests
{
    private static readonly SqlDialect SqlServer = SqlDialect.For(SqlDialect.SqlServer);

    /// <summary>SqlClient's pool full: what <c>SqlConnection.Open</c> throws when no connection became free in time.</summary>
    private static InvalidOperationException PoolTimeout()
    {
        var adp = typeof(SqlConnection).Assembly.GetType("Microsoft.Data.Common.ADP", throwOnError: true)!;
        var factory = adp.GetMethod("PooledOpenTimeout", BindingFlags.NonPublic | BindingFlags.Static, Type.EmptyTypes)
            ?? throw new InvalidOperationException("SqlClient no longer has ADP.PooledOpenTimeout(): find how it reports a full pool now");
        return (InvalidOperationException)factory.Invoke(null, null)!;
    }

    /// <summary>
    /// The pool of the service's own callers full (a burst of requests, exports streaming) is a 503 to retry, as on
    /// PostgreSQL, and is no sign of the database failing, so it does not open the circuit breaker for every caller.
    /// Until 2026-12-07 SqlClient's <see cref="InvalidOperationException"/> was neither transient nor a connection
    /// failure: not retried, and answered with a bare 500.
    /// </summary>
    [Fact]
    public void AFullConnectionPoolIsUnavailableToRetryButNotTheDatabaseFailing()
    {
        var full = PoolTimeout();

        Assert.True(SqlServer.IsUnavailable(full), $"a full pool is answered 500: {full.Message}");
        Assert.True(SqlServer.IsTransient(full), "a full pool is not retried");
        Assert.True(SqlServer.IsPoolExhausted(full), "a full pool counts against the circuit breaker");
    }

    /// <summary>Any other misuse SqlClient reports as <see cref="InvalidOperationException"/> stays a 500: a bug, not an outage.</summary>
    [Fact]
    public void AnotherInvalidOperationIsNotTakenForAFullPool()
    {
        var other = new InvalidOperationException("ExecuteReader requires an open and available Connection. The connection's current state is closed.");

        Assert.False(SqlServer.IsUnavailable(other));
        Assert.False(SqlServer.IsPoolExhausted(other));
    }
}
