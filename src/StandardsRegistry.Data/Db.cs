using System.Data;
using System.Data.Common;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Dapper;
using Polly;

namespace StandardsRegistry.Data;

/// <summary>
/// One connection per operation, through the named resilience pipeline. Only whole units are retried:
/// an idempotent read, or a write transaction that surely rolled back as a whole (never one whose commit was under way
/// when the connection was lost: <see cref="CommitOutcomeUnknownException"/>). Each attempt is timed
/// (<c>registry.db.operation.duration</c>) and, when traces are exported, a span: the database calls of every
/// provider, SQLite's and SQL Server's included (PostgreSQL's driver adds its own per command).
/// <para>
/// Two pools: requests use <paramref name="connectionString"/>; streams (the export's snapshot, the audit
/// verification's pages) use <paramref name="streamConnectionString"/> — on a server, a pool of its own (a different
/// application name and size, see <see cref="SqlDialect.Pooled"/>); on SQLite, a pool of its own of at most
/// <paramref name="streamPoolSize"/> connections — so long streams cannot take every connection the requests need, and
/// a request pool sized for the database's cores stays small.
/// </para>
/// </summary>
public sealed class Db(SqlDialect dialect, string connectionString, ResiliencePipeline pipeline, RegistryMetrics? metrics = null,
    string? streamConnectionString = null, string? writeConnectionString = null, int? requestPoolSize = null, int? streamPoolSize = null) : IDisposable
{
    public const string Pipeline = "registry-db";

    private readonly Connections _reads = dialect.Connections(connectionString, writes: false, requestPoolSize ?? DatabaseOptions.DefaultRequestPoolSize);

    // On SQLite the process's writers pass one at a time (WriteGate); the cap only has to be at least 1.
    private readonly Connections _writes = dialect.Connections(writeConnectionString ?? connectionString, writes: true, requestPoolSize ?? DatabaseOptions.DefaultRequestPoolSize);

    private readonly Connections? _writerReads = writeConnectionString is null || writeConnectionString == connectionString
        ? null
        : new(() => dialect.CreateConnection(writeConnectionString), null);

    private static readonly AsyncLocal<bool> InWritersLane = new();

    /// <summary>
    /// Until disposed, the reads of this flow (a writing request: the checks before its write, the read-back after)
    /// take their connections from the writers' pool, like its write transactions: a writer does not queue behind the
    /// consumers' reads.
    /// </summary>
    public static IDisposable WritersLane()
    {
        var outer = InWritersLane.Value;
        InWritersLane.Value = true;
        return new Lane(outer);
    }

    private sealed class Lane(bool outer) : IDisposable
    {
        public void Dispose() => InWritersLane.Value = outer;
    }

    /// <summary>Where write transactions queue before they begin (<see cref="SqlDialect.WriteGate"/>); null when the database queues them.</summary>
    internal SemaphoreSlim? WriteGate { get; } = dialect.WriteGate(connectionString);
    private readonly RegistryMetrics _metrics = metrics ?? RegistryMetrics.Detached;

    // On SQLite a capped pool of its own, as a server's streams' pool is (each stream had a connection of its own, beyond
    // any cap: exports of many principals at once opened as many file handles), apart from the reads' so long exports
    // never take the connections requests need.
    private readonly Connections _streams = dialect.Connections(streamConnectionString ?? connectionString, writes: false, streamPoolSize ?? DatabaseOptions.DefaultStreamPoolSize);

    public SqlDialect Dialect => dialect;

    public string ConnectionString => connectionString;

    public RegistryMetrics Metrics => _metrics;

    public ValueTask<T> ReadAsync<T>(Func<DbSession, Task<T>> work, CancellationToken cancellationToken = default) =>
        ReadAsync(InWritersLane.Value ? _writerReads ?? _reads : _reads, work, cancellationToken);

    /// <summary>A read of a long job done piece by piece (a page of the audit verification), on the streams' pool.</summary>
    public ValueTask<T> StreamReadAsync<T>(Func<DbSession, Task<T>> work, CancellationToken cancellationToken = default) =>
        ReadAsync(_streams, work, cancellationToken);

    private ValueTask<T> ReadAsync<T>(Connections reads, Func<DbSession, Task<T>> work, CancellationToken cancellationToken, bool snapshot = false) =>
        pipeline.ExecuteAsync(
            static async (state, ct) =>
            {
                using var span = RegistryMetrics.Activities.StartActivity(state.snapshot ? "db.snapshot" : "db.read", ActivityKind.Client);
                var started = Stopwatch.GetTimestamp();
                var failed = true;
                try
                {
                    await using var connection = state.reads.Create();
                    await connection.OpenAsync(ct);
                    await using var transaction = state.snapshot ? await state.dialect.BeginSnapshotAsync(connection, ct) : null;
                    var result = await WhileOpen(state.dialect, connection, () => state.work(new DbSession(state.dialect, connection, transaction, ct)), ct);
                    if (transaction is not null)
                    {
                        await transaction.CommitAsync(CancellationToken.None);
                    }
                    failed = false;
                    return result;
                }
                finally
                {
                    state.metrics.DbOperation(started, state.dialect.Name, state.snapshot ? "snapshot" : "read", failed);
                }
            },
            (reads, dialect, work, metrics: _metrics, snapshot),
            cancellationToken);

    public void Dispose()
    {
        _reads.Owned?.Dispose();
        _writes.Owned?.Dispose();
        _streams.Owned?.Dispose();
    }

    /// <summary>
    /// Runs an operation's work on its open connection. An <see cref="InvalidOperationException"/> thrown once the
    /// connection is no longer open is the connection's failure, not the work's: when the server ends the session in the
    /// middle of a result (a restart), Dapper's grid reader asks the closed reader for its next result in a finally
    /// block, and its "The reader is closed" replaces the driver's own error. The filter runs before the connection is
    /// disposed, so it sees the state the failure left.
    /// <para>
    /// The operation cancelled (the request's timeout, the pipeline's) stops the statement it is running, on every
    /// provider: SQLite's driver would run it to its end (<see cref="SqlDialect.InterruptOnCancel"/>), and what it then
    /// throws is answered as the cancellation it is, as PostgreSQL's driver answers it. Not the commit, which runs after.
    /// </para>
    /// </summary>
    private static async Task<T> WhileOpen<T>(SqlDialect dialect, DbConnection connection, Func<Task<T>> work, CancellationToken ct)
    {
        try
        {
            using (dialect.InterruptOnCancel(connection, ct))
            {
                return await work();
            }
        }
        catch (Exception e) when (ct.IsCancellationRequested && dialect.IsInterrupted(e))
        {
            throw new OperationCanceledException("The operation was cancelled while a statement ran; the statement was interrupted.", e, ct);
        }
        catch (InvalidOperationException e) when (connection.State != ConnectionState.Open)
        {
            throw new ConnectionLostException(e);
        }
    }

    /// <summary>Runs <paramref name="work"/> in a transaction, committed only when it reports the write done.</summary>
    public ValueTask<Result<T>> WriteAsync<T>(Func<DbSession, Task<Result<T>>> work, CancellationToken cancellationToken = default) =>
        pipeline.ExecuteAsync(
            static async (state, ct) =>
            {
                using var span = RegistryMetrics.Activities.StartActivity("db.write", ActivityKind.Client);
                var started = Stopwatch.GetTimestamp();
                var failed = true;
                var gated = false;
                try
                {
                    if (state.gate is not null)
                    {
                        // A synchronous wait: woken directly when the writer before releases the gate (a thread blocked for
                        // at most one audit batch), not queued in the thread pool behind the reads while holding the gate;
                        // and served before the audit writer, which waits as an asynchronous waiter.
                        state.gate.Wait(ct);
                        gated = true;
                    }
                    await using var connection = state.connections.Create();
                    await connection.OpenAsync(ct);
                    await using var transaction = await connection.BeginTransactionAsync(state.dialect.WriteIsolation, ct);
                    var result = await WhileOpen(state.dialect, connection, () => state.work(new DbSession(state.dialect, connection, transaction, ct)), ct);
                    if (result.Succeeded)
                    {
                        // Not cancellable: once the work is done, commit (or fail) as a whole.
                        await CommitAsync(transaction, state.dialect);
                    }
                    else
                    {
                        await transaction.RollbackAsync(CancellationToken.None);
                    }
                    failed = false;
                    return result;
                }
                finally
                {
                    if (gated)
                    {
                        state.gate!.Release();
                    }
                    state.metrics.DbOperation(started, state.dialect.Name, "write", failed);
                }
            },
            (dialect, connections: _writes, work, metrics: _metrics, gate: WriteGate),
            cancellationToken);

    /// <summary>
    /// Commits; a connection lost meanwhile leaves the outcome unknown (the server may have committed and its answer been
    /// lost), so it is reported as <see cref="CommitOutcomeUnknownException"/>, which is not retried: running the work
    /// again would apply a committed write twice (a second edition, feed event, audit entry). An error the server
    /// answered (a conflict found at commit) means it rolled back, and stays retryable.
    /// </summary>
    private static async Task CommitAsync(DbTransaction transaction, SqlDialect dialect)
    {
        try
        {
            await transaction.CommitAsync(CancellationToken.None);
        }
        catch (Exception e) when (dialect.IsConnectionFailure(e))
        {
            throw new CommitOutcomeUnknownException(e);
        }
    }

    /// <summary>
    /// A read of several statements that must see one state of the database (a request's answer assembled from more
    /// than one query): run in one snapshot, as <see cref="SnapshotAsync{T}"/> opens it, and retried as a whole like
    /// <see cref="ReadAsync{T}(Func{DbSession, Task{T}}, CancellationToken)"/>, on the same pool (on a server: not the
    /// streams', where it would wait behind exports). On SQLite too: a connection of the capped read pool, its snapshot a
    /// deferred transaction committed before it is given back (one of its own beside the pool, a burst of snapshot reads
    /// opened a connection each past <c>Database:MaxPoolSize</c>).
    /// </summary>
    public ValueTask<T> SnapshotReadAsync<T>(Func<DbSession, Task<T>> work, CancellationToken cancellationToken = default) =>
        ReadAsync(InWritersLane.Value ? _writerReads ?? _reads : _reads, work, cancellationToken, snapshot: true);

    /// <summary>
    /// Streams rows read in one snapshot (a long read that writers do not wait for). Opening the snapshot goes through
    /// the pipeline; the stream itself is not retried, since its first rows may already have gone to the client, and
    /// it has no overall timeout, since it is as long as the caller reads.
    /// </summary>
    public async IAsyncEnumerable<T> SnapshotAsync<T>(Func<DbSession, Task<IAsyncEnumerable<T>>> read, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (connection, transaction) = await pipeline.ExecuteAsync(
            static async (state, ct) =>
            {
                using var span = RegistryMetrics.Activities.StartActivity("db.snapshot", ActivityKind.Client);
                var started = Stopwatch.GetTimestamp();
                var connection = state.streams.Create();
                try
                {
                    await connection.OpenAsync(ct);
                    var snapshot = (connection, await state.dialect.BeginSnapshotAsync(connection, ct));
                    state.metrics.DbOperation(started, state.dialect.Name, "snapshot", failed: false);
                    return snapshot;
                }
                catch
                {
                    state.metrics.DbOperation(started, state.dialect.Name, "snapshot", failed: true);
                    await connection.DisposeAsync();
                    throw;
                }
            },
            (dialect, streams: _streams, metrics: _metrics),
            cancellationToken);
        await using (connection)
        await using (transaction)
        {
            // A client gone (the export has no request timeout) stops the statement too, as WhileOpen's do.
            using (dialect.InterruptOnCancel(connection, cancellationToken))
            {
                var rows = await read(new DbSession(dialect, connection, transaction, cancellationToken));
                await foreach (var row in rows.WithCancellation(cancellationToken))
                {
                    yield return row;
                }
            }
            await transaction.CommitAsync(CancellationToken.None);
        }
    }
}

/// <summary>
/// One operation's connection, transaction (for writes) and cancellation, so every command runs in the
/// operation's transaction and stops when the operation is cancelled or times out.
/// </summary>
public sealed class DbSession(SqlDialect dialect, DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
{
    public SqlDialect Dialect => dialect;

    private CommandDefinition Command(string sql, object? parameters) => new(sql, dialect.Bound(parameters), transaction, cancellationToken: cancellationToken);

    public async Task<List<T>> QueryAsync<T>(string sql, object? parameters = null) =>
        (await connection.QueryAsync<T>(Command(sql, parameters))).AsList();

    public Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? parameters = null) =>
        connection.QuerySingleOrDefaultAsync<T>(Command(sql, parameters));

    public Task<T> QuerySingleAsync<T>(string sql, object? parameters = null) =>
        connection.QuerySingleAsync<T>(Command(sql, parameters));

    public Task<T?> ExecuteScalarAsync<T>(string sql, object? parameters = null) =>
        connection.ExecuteScalarAsync<T>(Command(sql, parameters));

    public Task<int> ExecuteAsync(string sql, object? parameters = null) =>
        connection.ExecuteAsync(Command(sql, parameters));

    /// <summary>Several statements sent as one command (one round trip), their results read in order from the reader.</summary>
    public Task<SqlMapper.GridReader> QueryMultipleAsync(string sql, object? parameters = null) =>
        connection.QueryMultipleAsync(Command(sql, parameters));

    /// <summary>
    /// Inserts <paramref name="rows"/> with multi-row INSERTs of a power of two rows each, at most the dialect's
    /// <see cref="SqlDialect.RowsPerInsert"/>: few round trips to a server, and few statement texts (a server that keeps
    /// prepared statements per text, as Npgsql's automatic preparation does, keeps these). <paramref name="insert"/>
    /// gives the statement for a number of rows; <paramref name="bind"/> adds one row's parameters under its index;
    /// <paramref name="shared"/> are parameters every INSERT binds. <paramref name="then"/>, a statement with its own
    /// parameters (named unlike the rows'), goes in the same command as the last INSERT: one round trip fewer.
    /// </summary>
    public async Task InsertRowsAsync<T>(IReadOnlyList<T> rows, Func<int, string> insert, Action<T, DynamicParameters, int> bind, object? shared = null,
        (string Sql, object Parameters)? then = null)
    {
        for (var offset = 0; offset < rows.Count;)
        {
            var size = Math.Min(dialect.RowsPerInsert, 1 << System.Numerics.BitOperations.Log2((uint)(rows.Count - offset)));
            var parameters = new DynamicParameters(shared);
            for (var i = 0; i < size; i++)
            {
                bind(rows[offset + i], parameters, i);
            }
            offset += size;
            if (offset == rows.Count && then is { } last)
            {
                parameters.AddDynamicParams(last.Parameters);
                await ExecuteAsync($"{insert(size)};\n{last.Sql}", parameters);
            }
            else
            {
                await ExecuteAsync(insert(size), parameters);
            }
        }
    }

    /// <summary>
    /// Rows one at a time as the reader asks for them, never a whole result in memory; each read stops when the
    /// operation is cancelled. Not Dapper's <c>QueryUnbufferedAsync</c>: it cancels the command when the enumeration
    /// ends even after the last row, and on PostgreSQL a cancellation is a connection of its own, which the server
    /// forks a process to take. A stream left early reads the rest of its result when its reader is disposed. Rows
    /// are classes: Dapper's row parser converts a column to a member's type, but casts a lone value as it is.
    /// </summary>
    public async IAsyncEnumerable<T> Stream<T>(string sql, object? parameters = null) where T : class
    {
        await using var reader = await connection.ExecuteReaderAsync(Command(sql, parameters), CommandBehavior.SequentialAccess | CommandBehavior.SingleResult);
        var parse = reader.GetRowParser<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return parse(reader);
        }
    }
}

/// <summary>The connection to the database was lost while an operation was using it (<see cref="SqlDialect.IsConnectionFailure"/>).</summary>
public sealed class ConnectionLostException(Exception inner) : Exception("The connection to the database was lost during the operation.", inner);

/// <summary>
/// The connection to the database was lost while a write transaction committed: it may or may not have been written.
/// Not retried; answered 503, to be re-read before it is retried.
/// </summary>
public sealed class CommitOutcomeUnknownException(Exception inner)
    : Exception("The connection to the database was lost while the write committed; it may have been written.", inner);

public enum Outcome
{
    /// <summary>Written (or, for an idempotent request, already in the requested state).</summary>
    Done,
    Created,
    /// <summary>Removed: done, with nothing left to show.</summary>
    Removed,
    /// <summary>Refused for the writer's clearance (a refusal it may be told of, unlike one answered as absent).</summary>
    Forbidden,
    NotFound,
    Conflict,
    PreconditionFailed,
    Unprocessable,
    /// <summary>A request whose terms are refused only once they are compared with what is stored (answered 400, naming the field).</summary>
    Invalid,
}

/// <summary>What a write did; <see cref="Problem"/> says why when it did nothing.</summary>
public sealed record Result<T>(Outcome Outcome, T? Value = default, string? Problem = null)
{
    public bool Succeeded => Outcome is Outcome.Done or Outcome.Created or Outcome.Removed;
}

public static class Result
{
    public static Result<T> Done<T>(T value) => new(Outcome.Done, value);

    public static Result<T> Created<T>(T value) => new(Outcome.Created, value);

    public static Result<T> Removed<T>(T value) => new(Outcome.Removed, value);

    public static Result<T> Fail<T>(Outcome outcome, string? problem = null) => new(outcome, default, problem);
}
