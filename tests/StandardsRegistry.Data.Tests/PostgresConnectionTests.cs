using Npgsql;

namespace StandardsRegistry.Data.Tests;

/// <summary>What the PostgreSQL dialect adds to an operator's connection string, and what it leaves as the operator set it.</summary>
public sealed class PostgresConnectionTests
{
    private static NpgsqlConnectionStringBuilder Normalized(string connectionString) =>
        new(SqlDialect.For("postgres").Normalize(connectionString));

    [Fact]
    public void APooledConnectionIsNotResetOnReturnUnlessTheOperatorAsksForIt()
    {
        // The registry keeps no session state on a connection, so the reset (seven statements per checkout) is skipped.
        Assert.True(Normalized("Host=db;Database=registry").NoResetOnClose);
        Assert.False(Normalized("Host=db;Database=registry;No Reset On Close=false").NoResetOnClose);
        Assert.False(Normalized("Host=db;Database=registry;NoResetOnClose=false").NoResetOnClose);
    }

    [Fact]
    public void StatementsArePreparedAndAGoneServerFailsFastUnlessTheOperatorSaysOtherwise()
    {
        var defaults = Normalized("Host=db;Database=registry");
        Assert.Equal(64, defaults.MaxAutoPrepare);
        Assert.Equal(5, defaults.Timeout);
        var explicitly = Normalized("Host=db;Database=registry;Max Auto Prepare=8;Timeout=30");
        Assert.Equal(8, explicitly.MaxAutoPrepare);
        Assert.Equal(30, explicitly.Timeout);
    }
}
