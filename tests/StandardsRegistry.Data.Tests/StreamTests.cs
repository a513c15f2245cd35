using System.Net;
using System.Net.Sockets;
using Npgsql;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Data.Tests;

/// <summary>
/// Streams (<see cref="DbSession.Stream{T}"/>, what the export reads with): every row arrives, a stream left early
/// leaves its connection fit for the next statement, and a stream read to its end ends without a cancellation. And on
/// PostgreSQL, a read the server cuts off in the middle of a result fails as a lost connection.
/// </summary>
public abstract class StreamTests(TestProvider provider) : DatabaseSuite(provider, migrated: false)
{
    protected const int Rows = 500;

    private const string Digits = "SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 "
        + "UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9";

    /// <summary>The numbers 1 to <see cref="Rows"/>, one row each, in order, in every dialect.</summary>
    protected const string Numbers = $"""
        SELECT h.d * 100 + t.d * 10 + u.d + 1 AS i
        FROM ({Digits}) u CROSS JOIN ({Digits}) t CROSS JOIN ({Digits}) h
        WHERE h.d < 5
        ORDER BY i
        """;

    [Fact]
    public async Task EveryRowOfEachStreamArrivesInOrder()
    {
        var rows = new List<long>();
        await foreach (var row in Db.SnapshotAsync(c => Task.FromResult(Twice(c)), TestContext.Current.CancellationToken))
        {
            rows.Add(row);
        }
        var once = Enumerable.Range(1, Rows).Select(i => (long)i);
        Assert.Equal(once.Concat(once), rows);
    }

    [Fact]
    public async Task AStreamLeftAfterItsFirstRowLeavesTheSessionFitForTheNextStatement()
    {
        var read = new List<long>();
        await foreach (var row in Db.SnapshotAsync(c => Task.FromResult(FirstThenNext(c)), TestContext.Current.CancellationToken))
        {
            read.Add(row);
        }
        Assert.Equal([1L, 42L], read);

        // And the connection went back to the pool usable: the next snapshot reads from it.
        Assert.Equal(Rows, await Db.SnapshotAsync(c => Task.FromResult(c.Stream<NumberRow>(Numbers)), TestContext.Current.CancellationToken).CountAsync());
    }

    /// <summary>A row of <see cref="Numbers"/> (a class, as every streamed row is; Dapper converts the dialect's integer).</summary>
    protected sealed class NumberRow
    {
        public long I { get; set; }
    }

    /// <summary>Two streams, one after the other, in one snapshot.</summary>
    protected static async IAsyncEnumerable<long> Twice(DbSession c)
    {
        for (var pass = 0; pass < 2; pass++)
        {
            await foreach (var row in c.Stream<NumberRow>(Numbers))
            {
                yield return row.I;
            }
        }
    }

    private static async IAsyncEnumerable<long> FirstThenNext(DbSession c)
    {
        await foreach (var row in c.Stream<NumberRow>(Numbers))
        {
            yield return row.I;
            break;
        }
        yield return await c.ExecuteScalarAsync<long>("SELECT 42");
    }
}

public sealed class StreamTestsOnSqlite() : StreamTests(TestProvider.Sqlite);

public sealed class StreamTestsOnSqlServer() : StreamTests(TestProvider.SqlServer);

public sealed class StreamTestsOnPostgres() : StreamTests(TestProvider.Postgres)
{
    /// <summary>
    /// PostgreSQL cancels a statement through a connection of its own: the server forks a process to take it, and
    /// the export reads several streams. A stream read to its end has nothing left to cancel, so the only connection
    /// the server sees is the pooled one (counted by a forwarder between the data layer and the server).
    /// </summary>
    [Fact]
    public async Task StreamsReadToTheirEndOpenNoConnectionBesideTheirOwn()
    {
        using var forwarder = new CountingForwarder(new NpgsqlConnectionStringBuilder(Database.ConnectionString).Port);
        using var db = TestDb.Open(Provider, new NpgsqlConnectionStringBuilder(Database.ConnectionString) { Port = forwarder.Port }.ConnectionString);

        for (var snapshot = 0; snapshot < 3; snapshot++)
        {
            Assert.Equal(2 * Rows, await db.SnapshotAsync(c => Task.FromResult(Twice(c)), TestContext.Current.CancellationToken).CountAsync());
        }

        Assert.Equal(1, forwarder.Connections);
    }

    /// <summary>
    /// The server ends the session in the middle of a multi-statement read's first result (as a restart does): Dapper's
    /// grid reader then asks the closed reader for the next result in a finally block, and its "The reader is closed"
    /// replaced the server's own error, so a read or write cut off by a restart was answered 500 instead of 503 (once in
    /// the PostgreSQL fault test). Such a failure is the connection's, which the service answers 503 and retries.
    /// </summary>
    [Fact]
    public async Task AReadCutOffByTheServerInTheMiddleOfAResultIsAConnectionFailure()
    {
        const string cutOff = """
            SELECT g, CASE WHEN g = 20000 THEN pg_terminate_backend(pg_backend_pid()) END AS ended FROM generate_series(1, 20000) g;
            SELECT 1
            """;
        async Task<int> Read(DbSession c)
        {
            using var grid = await c.QueryMultipleAsync(cutOff);
            var rows = await grid.ReadAsync<(int, bool?)>();
            return rows.Count() + await grid.ReadSingleAsync<int>();
        }

        var read = await Assert.ThrowsAnyAsync<Exception>(async () => await Db.ReadAsync(Read, TestContext.Current.CancellationToken));
        Assert.True(Db.Dialect.IsUnavailable(read), $"A read cut off by the server is not a connection failure: {read}");
        var write = await Assert.ThrowsAnyAsync<Exception>(async () => await Db.WriteAsync(async c => Result.Done(await Read(c)), TestContext.Current.CancellationToken));
        Assert.True(Db.Dialect.IsUnavailable(write), $"A write cut off by the server is not a connection failure: {write}");
    }

    /// <summary>
    /// Forwards each connection to 127.0.0.1:<c>target</c> and counts those that open a PostgreSQL session or cancel a
    /// statement (their first message names the protocol). Not every connection: its port was free when it bound it, and
    /// another test on the machine may have been given the same port a moment before and still be trying it (a process
    /// polling a service it started on a port it had picked free), which counted a stranger's connection once.
    /// </summary>
    private sealed class CountingForwarder : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private int _connections;

        public CountingForwarder(int target)
        {
            _listener.Start();
            _ = AcceptAsync(target);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Connections => Volatile.Read(ref _connections);

        private async Task AcceptAsync(int target)
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    _ = ForwardAsync(client, target);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private async Task ForwardAsync(TcpClient client, int target)
        {
            using (client)
            using (var server = new TcpClient())
            {
                try
                {
                    // A PostgreSQL client's first message: its length, then the protocol version (3.0) or the code of
                    // an SSL, GSS encryption or cancel request. Counted before it is passed on, so before any answer.
                    var first = new byte[8];
                    await client.GetStream().ReadExactlyAsync(first, _stop.Token);
                    if (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(first.AsSpan(4)) is 196608 or 80877102 or 80877103 or 80877104)
                    {
                        Interlocked.Increment(ref _connections);
                    }
                    await server.ConnectAsync(IPAddress.Loopback, target, _stop.Token);
                    await server.GetStream().WriteAsync(first, _stop.Token);
                    await Task.WhenAny(
                        client.GetStream().CopyToAsync(server.GetStream(), _stop.Token),
                        server.GetStream().CopyToAsync(client.GetStream(), _stop.Token));
                }
                catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
                {
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }
}
