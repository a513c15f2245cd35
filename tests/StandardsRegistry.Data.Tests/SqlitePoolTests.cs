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

    private SqlitePool Pool(int maxOpen = 8, int? waitSeconds = null)
    {
        var connectionString = SqlDialect.For(SqlDialect.Sqlite).Normalize(_database.ConnectionString);
        if (waitSeconds is { } seconds)
        {
            connectionString = new SqliteConnectionStringBuilder(connectionString) { DefaultTimeout = seconds }.ToString();
        }
        return new(connectionString, maxOpen);
    }

    [Fact]
    public async Task ABurstOfConcurrentReadsNeverOpensMoreConnectionsThanTheCap()
    {
        const int Cap = 3;
        using var pool = Pool(Cap, waitSeconds: 0);
        var inUse = 0;
        var most = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<long> Read()
        {
            await using var connection = new SqlitePooledConnection(pool, writes: false);
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            var now = Interlocked.Increment(ref inUse);
            for (var seen = Volatile.Read(ref most); now > seen && Interlocked.CompareExchange(ref most, now, seen) != seen; seen = Volatile.Read(ref most))
            {
            }
            Assert.True(pool.Open <= Cap, $"{pool.Open} connections open");
            // The first ones hold their connections until every read has asked for one, so the rest must wait.
            await gate.Task;
            var value = await connection.ExecuteScalarAsync<long>("SELECT 1");
            Interlocked.Decrement(ref inUse);
            return value;
        }

        var reads = Enumerable.Range(0, 40).Select(_ => Task.Run(Read)).ToList();
        // Waited for, not slept on: the first reads hold every connection of the pool.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Volatile.Read(ref inUse) < Cap)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"only {Volatile.Read(ref inUse)} reads got a connection");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
        Assert.All(reads, r => Assert.False(r.IsCompleted));
        gate.SetResult();
        Assert.Equal(Enumerable.Repeat(1L, reads.Count), await Task.WhenAll(reads));
        Assert.Equal(Cap, most);
        Assert.True(pool.Open <= Cap, $"{pool.Open} connections open");
    }

    [Fact]
    public async Task ARentalAtTheCapWaitsForAConnectionGivenBackOrItsTokenOrTheTimeout()
    {
        using var pool = Pool(maxOpen: 2, waitSeconds: 1);
        var first = await pool.RentAsync(TestContext.Current.CancellationToken);
        var second = await pool.RentAsync(TestContext.Current.CancellationToken);

        // Waits while both are out, and takes the one given back.
        var waiting = pool.RentAsync(TestContext.Current.CancellationToken).AsTask();
        Assert.False(waiting.IsCompleted);
        pool.Return(first);
        Assert.Same(first, await waiting);
        Assert.Equal(2, pool.Open);

        // Its token cancelled, it stops waiting.
        using (var cancel = new CancellationTokenSource())
        {
            var cancelled = pool.RentAsync(cancel.Token).AsTask();
            Assert.False(cancelled.IsCompleted);
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        }

        // Nothing given back within the connection string's timeout: the pool is exhausted, answered as a server's is.
        var exhausted = await Assert.ThrowsAsync<SqlitePoolExhaustedException>(() => pool.RentAsync(TestContext.Current.CancellationToken).AsTask());
        var dialect = SqlDialect.For(SqlDialect.Sqlite);
        Assert.True(dialect.IsPoolExhausted(exhausted) && dialect.IsUnavailable(exhausted));

        pool.Return(first);
        pool.Return(second);
        Assert.Equal(2, pool.Open);
    }

    /// <summary>
    /// A snapshot read (<c>GET /v1/standards/{key}/current</c>) is a request's read like any other: it takes one of the
    /// read pool's connections, not one of its own beside the cap, so a burst of them cannot open a connection each.
    /// </summary>
    [Fact]
    public async Task ASnapshotReadTakesOneOfTheCappedReadConnections()
    {
        using var db = OneConnectionEach();
        var ct = TestContext.Current.CancellationToken;

        async Task Holding(Func<Func<DbSession, Task<long>>, Task<long>> operation, Func<Task> meanwhile)
        {
            var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var held = operation(async s =>
            {
                var value = await s.ExecuteScalarAsync<long>("SELECT 1");
                holding.SetResult();
                await release.Task;
                return value;
            });
            await holding.Task;
            try
            {
                await meanwhile();
            }
            finally
            {
                release.SetResult();
            }
            Assert.Equal(1L, await held);
        }

        // The only connection held by a snapshot read: a read waits for it, and is answered as an exhausted pool.
        await Holding(w => db.SnapshotReadAsync(w, ct).AsTask(),
            () => Assert.ThrowsAsync<SqlitePoolExhaustedException>(() => db.ReadAsync(s => s.ExecuteScalarAsync<long>("SELECT 2"), ct).AsTask()));
        // And the other way round.
        await Holding(w => db.ReadAsync(w, ct).AsTask(),
            () => Assert.ThrowsAsync<SqlitePoolExhaustedException>(() => db.SnapshotReadAsync(s => s.ExecuteScalarAsync<long>("SELECT 2"), ct).AsTask()));

        // Given back, the connection serves both, its snapshot committed (not left open on a connection reused).
        Assert.Equal(3L, await db.SnapshotReadAsync(s => s.ExecuteScalarAsync<long>("SELECT 3"), ct));
        Assert.Equal(4L, await db.ReadAsync(s => s.ExecuteScalarAsync<long>("SELECT 4"), ct));
        Assert.Equal(5L, await db.SnapshotReadAsync(s => s.ExecuteScalarAsync<long>("SELECT 5"), ct));
    }

    /// <summary>
    /// Streams (the export's snapshot, the audit verification's pages) take their connections from a capped pool of
    /// their own, <c>Database:StreamPoolSize</c>, as on a server: until 2026-12-07 each opened a connection of its own
    /// beyond any cap, so exports of many principals at once (each within its own limit) opened a file handle and a
    /// page cache each. A stream beyond the cap waits, then is answered as an exhausted pool; the reads' pool is not
    /// theirs, so a request still reads while the streams hold every connection of theirs.
    /// </summary>
    [Fact]
    public async Task StreamsTakeTheirConnectionsFromACappedPoolOfTheirOwn()
    {
        using var db = OneConnectionEach();
        var ct = TestContext.Current.CancellationToken;
        IAsyncEnumerable<Row> Export() => db.SnapshotAsync(s => Task.FromResult(s.Stream<Row>("SELECT 1 AS x UNION ALL SELECT 2")), ct);

        // An export holding the streams' only connection, its first row read and the rest not yet.
        await using (var held = Export().GetAsyncEnumerator(ct))
        {
            Assert.True(await held.MoveNextAsync());

            // Another stream, an export or a verification's page, waits for it and is answered as an exhausted pool.
            await Assert.ThrowsAsync<SqlitePoolExhaustedException>(async () =>
            {
                await foreach (var _ in Export())
                {
                }
            });
            await Assert.ThrowsAsync<SqlitePoolExhaustedException>(() => db.StreamReadAsync(s => s.ExecuteScalarAsync<long>("SELECT 1"), ct).AsTask());
            // A request's read is served from its own pool meanwhile.
            Assert.Equal(3L, await db.ReadAsync(s => s.ExecuteScalarAsync<long>("SELECT 3"), ct));

            Assert.True(await held.MoveNextAsync());
            Assert.False(await held.MoveNextAsync());
        }

        // Given back, the connection serves the next stream, its snapshot committed.
        Assert.Equal([1L, 2L], await Export().Select(r => r.X).ToListAsync(ct));
        Assert.Equal(4L, await db.StreamReadAsync(s => s.ExecuteScalarAsync<long>("SELECT 4"), ct));
    }

    /// <summary>
    /// A stream left in any way (a consumer that stops, one that throws, a client gone mid-row or between rows, a read
    /// that fails inside its snapshot) gives its connection back with its snapshot closed: the streams' one slot serves
    /// the next stream, and no idle connection is left holding a read transaction that pins the WAL (a checkpoint
    /// truncates it whole).
    /// </summary>
    [Fact]
    public async Task AStreamLeftInAnyWayGivesItsSlotBackAndPinsNoWal()
    {
        using var db = OneConnectionEach();
        var ct = TestContext.Current.CancellationToken;
        using var plain = new SqliteConnection(SqlDialect.For(SqlDialect.Sqlite).Normalize(_database.ConnectionString));
        plain.Open();
        await plain.ExecuteAsync("CREATE TABLE streamed (x INTEGER NOT NULL)");
        await plain.ExecuteAsync("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO streamed (x) SELECT i FROM n");
        IAsyncEnumerable<Row> Export(CancellationToken token) => db.SnapshotAsync(s => Task.FromResult(s.Stream<Row>("SELECT x AS X FROM streamed ORDER BY x")), token);

        async Task AssertFreeAsync(string how)
        {
            await plain.ExecuteAsync("INSERT INTO streamed (x) VALUES (0)");
            var (busy, _, _) = plain.QuerySingle<(long, long, long)>("PRAGMA wal_checkpoint(TRUNCATE)");
            Assert.True(busy == 0, $"{how}: a connection still reads in a snapshot, the WAL is pinned.");
            Assert.Equal(1L, await db.StreamReadAsync(s => s.ExecuteScalarAsync<long>("SELECT 1"), ct));
        }

        for (var round = 0; round < 5; round++)
        {
            await foreach (var _ in Export(ct))
            {
                break;
            }
            await AssertFreeAsync("left after a row");

            await Assert.ThrowsAsync<InvalidTimeProviderException>(async () =>
            {
                await foreach (var _ in Export(ct))
                {
                    throw new InvalidTimeProviderException();
                }
            });
            await AssertFreeAsync("a consumer that threw");

            using (var gone = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
                {
                    await foreach (var _ in Export(gone.Token))
                    {
                        await gone.CancelAsync();
                    }
                });
            }
            await AssertFreeAsync("cancelled between rows");

            using (var gone = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                await using (var e = Export(gone.Token).GetAsyncEnumerator(gone.Token))
                {
                    Assert.True(await e.MoveNextAsync());
                    await gone.CancelAsync();
                }
            }
            await AssertFreeAsync("cancelled, then disposed");

            await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                await foreach (var _ in db.SnapshotAsync<Row>(async s =>
                {
                    await s.QueryAsync<long>("SELECT x FROM streamed LIMIT 1");
                    throw new InvalidTimeProviderException();
                }, ct))
                {
                }
            });
            await AssertFreeAsync("a read that failed in its snapshot");

            await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                await foreach (var _ in db.SnapshotAsync(s => Task.FromResult(s.Stream<Row>("SELECT x AS X FROM streamed WHERE no_such_column = 1")), ct))
                {
                }
            });
            await AssertFreeAsync("a statement that failed");
        }
        Assert.Equal(2000 + 30, await Export(ct).CountAsync(ct));
    }

    private sealed class InvalidTimeProviderException : Exception;

    private sealed class Row
    {
        public long X { get; set; }
    }

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

    /// <summary>
    /// A <see cref="Db"/> over the test's database whose read and stream pools hold one connection each, a rental beyond
    /// it waiting one second before it is answered as an exhausted pool.
    /// </summary>
    private Db OneConnectionEach()
    {
        var dialect = SqlDialect.For(SqlDialect.Sqlite);
        var connectionString = new SqliteConnectionStringBuilder(dialect.Normalize(_database.ConnectionString)) { DefaultTimeout = 1 }.ToString();
        return new Db(dialect, connectionString, Polly.ResiliencePipeline.Empty, requestPoolSize: 1, streamPoolSize: 1);
    }
}
