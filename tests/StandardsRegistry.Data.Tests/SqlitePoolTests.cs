using Microsoft.Data.Sqlite;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Data.Tests;

/// <summary>
/// A SQLite connection of the pool keeps its statements prepared, at most <see cref="SqlitePool.MaxStatements"/>: beyond
/// that the one used least recently is given up, so a statement first seen late is kept like any other, and one given
/// up runs again when asked for.
/// </summary>
public sealed class SqlitePoolTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async ValueTask InitializeAsync()
    {
        Assert.SkipWhen(TestProvider.Sqlite.UnavailableReason is not null, TestProvider.Sqlite.UnavailableReason ?? "");
        _database = await TestDatabase.CreateAsync(TestProvider.Sqlite);
    }

    public async ValueTask DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public void AConnectionKeepsTheStatementsUsedMostRecentlyAndRunsOneItGaveUpAgain()
    {
        using var pool = new SqlitePool(SqlDialect.For(SqlDialect.Sqlite).Normalize(_database.ConnectionString));
        var lease = pool.Rent();
        using var none = new SqliteCommand();
        long Select(string sql) => lease.Run(sql, none.Parameters, null, c => (long)c.ExecuteScalar()!);
        const string Hot = "SELECT -1";

        var distinct = SqlitePool.MaxStatements * 2;
        for (var i = 0; i < distinct; i++)
        {
            Assert.Equal(i, Select($"SELECT {i}"));
            Assert.Equal(-1, Select(Hot));
        }

        Assert.Equal(SqlitePool.MaxStatements, lease.Kept);
        // The statement used throughout, and the latest ones, are kept; the earliest were given up.
        Assert.True(lease.Keeps(Hot));
        Assert.True(lease.Keeps($"SELECT {distinct - 1}"));
        Assert.True(lease.Keeps($"SELECT {distinct - SqlitePool.MaxStatements + 1}"));
        Assert.False(lease.Keeps($"SELECT {distinct - SqlitePool.MaxStatements}"));
        Assert.False(lease.Keeps("SELECT 0"));
        // One given up runs again, and is kept again.
        Assert.Equal(0, Select("SELECT 0"));
        Assert.True(lease.Keeps("SELECT 0"));
        Assert.Equal(SqlitePool.MaxStatements, lease.Kept);
        pool.Return(lease);
    }
}
