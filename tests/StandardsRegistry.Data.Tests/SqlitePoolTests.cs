using Dapper;
using Microsoft.Data.Sqlite;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Data.Tests;

/// <summary>
/// A SQLite connection of the pool keeps its statements prepared, at most <see cref="SqlitePool.MaxStatements"/>: beyond
/// that the one used least recently is given up, so a statement first seen late is kept like any other, and one given
/// up runs again when asked for. A connection whose statement failed, or that was given back with its transaction still
/// open, is closed, never handed to the next caller.
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
        using var pool = Pool();
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

    private SqlitePool Pool() => new(SqlDialect.For(SqlDialect.Sqlite).Normalize(_database.ConnectionString));

    [Fact]
    public void AConnectionWhoseStatementFailedIsClosedNotReused()
    {
        using var pool = Pool();
        SqlitePool.Lease Used(string sql)
        {
            using var connection = new SqlitePooledConnection(pool, writes: false);
            connection.Open();
            var lease = connection.Lease;
            try
            {
                connection.ExecuteScalar<long>(sql);
            }
            catch (SqliteException)
            {
            }
            return lease;
        }

        // The control: a connection given back after a statement that succeeded is the next one handed out.
        var sound = Used("SELECT 1");
        Assert.Same(sound, Used("SELECT 1"));

        var failed = Used("SELECT * FROM no_such_table");
        var next = Used("SELECT 1");
        Assert.NotSame(failed, next);
        // Closed: its connection can run nothing more.
        Assert.Equal(System.Data.ConnectionState.Closed, failed.Connection.State);
    }

    [Fact]
    public async Task AWritesConnectionGivenBackWithItsTransactionOpenIsClosedAndItsWriteUndone()
    {
        // The table is made through a pool of its own, so the one under test holds no connection but the one abandoned.
        using (var setupPool = Pool())
        using (var setup = new SqlitePooledConnection(setupPool, writes: true))
        {
            setup.Open();
            using var create = setup.BeginTransaction();
            await setup.ExecuteAsync("CREATE TABLE scratch (x INTEGER NOT NULL)");
            await create.CommitAsync();
        }

        using var pool = Pool();
        SqlitePool.Lease abandoned;
        using (var connection = new SqlitePooledConnection(pool, writes: true))
        {
            connection.Open();
            abandoned = connection.Lease;
            var transaction = connection.BeginTransaction();
            await connection.ExecuteAsync("INSERT INTO scratch (x) VALUES (1)");
            // Given back without a commit or a rollback (a write that threw past its own cleanup, say).
            GC.KeepAlive(transaction);
        }

        using (var next = new SqlitePooledConnection(pool, writes: true))
        {
            next.Open();
            Assert.NotSame(abandoned, next.Lease);
            // A transaction of its own, not one left open by the caller before it.
            using var transaction = next.BeginTransaction();
            Assert.Equal(0L, await next.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM scratch"));
            await next.ExecuteAsync("INSERT INTO scratch (x) VALUES (2)");
            await transaction.CommitAsync();
        }
        Assert.Equal(System.Data.ConnectionState.Closed, abandoned.Connection.State);
        using var reader = new SqlitePooledConnection(pool, writes: false);
        Assert.Equal([2L], await reader.QueryAsync<long>("SELECT x FROM scratch"));
    }
}
