using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;

namespace StandardsRegistry.Data;

/// <summary>
/// SQLite reads, and write transactions, through a few long-lived open connections that keep their prepared
/// statements (one pool for reads, one for writes). Microsoft.Data.Sqlite compiles a command's SQL on every execution
/// (dotnet/efcore#14044): compiling a release-rule query (three correlated subqueries) costs more than running it, and
/// compiling a write's statements was about half of SQLite's share of the write's CPU (bench/RESULTS.md). A statement
/// is reset after each use, so an idle connection holds no lock; one that failed, or was given back with its
/// transaction still open, is closed rather than reused.
/// </summary>
internal sealed class SqlitePool(string connectionString, int maxOpen) : IDisposable
{
    /// <summary>
    /// Statements kept per connection, the one used least recently given up beyond this (a statement first seen late is
    /// kept too). The stores issue about a hundred distinct texts: at most 96 on one connection over the random-request
    /// property's every route.
    /// </summary>
    internal const int MaxStatements = 128;

    private readonly ConcurrentBag<Lease> _idle = [];
    private readonly int _maxIdle = Math.Max(8, Environment.ProcessorCount * 4);
    private int _disposed;

    /// <summary>
    /// Connections open at most, in use or idle: a burst of reads beyond it waits for one to be given back (a file
    /// handle, a page cache and a thread each otherwise, as many as requests arrive at once), as a server's pool makes
    /// them wait; for as long as the connection string's <c>Default Timeout</c>, then <see cref="SqlitePoolExhaustedException"/>.
    /// </summary>
    private readonly SemaphoreSlim _slots = new(maxOpen, maxOpen);

    private readonly TimeSpan _wait = new SqliteConnectionStringBuilder(connectionString).DefaultTimeout is > 0 and var seconds
        ? TimeSpan.FromSeconds(seconds)
        : Timeout.InfiniteTimeSpan;

    private int _open;

    public string ConnectionString => connectionString;

    /// <summary>Connections open now, in use or idle (tests).</summary>
    internal int Open => Volatile.Read(ref _open);

    public Lease Rent()
    {
        if (!_slots.Wait(_wait))
        {
            throw new SqlitePoolExhaustedException(maxOpen, _wait);
        }
        return Take();
    }

    /// <summary>A connection: an idle one, a new one while fewer than the cap are open, else the first given back.</summary>
    public async ValueTask<Lease> RentAsync(CancellationToken ct)
    {
        if (!await _slots.WaitAsync(_wait, ct))
        {
            throw new SqlitePoolExhaustedException(maxOpen, _wait);
        }
        return Take();
    }

    private Lease Take()
    {
        if (_idle.TryTake(out var lease))
        {
            return lease;
        }
        var connection = SqliteDialect.Connect(connectionString);
        try
        {
            connection.Open();
        }
        catch
        {
            connection.Dispose();
            _slots.Release();
            throw;
        }
        Interlocked.Increment(ref _open);
        return new Lease(connection);
    }

    public void Return(Lease lease)
    {
        if (lease.Broken || Volatile.Read(ref _disposed) != 0 || _idle.Count >= _maxIdle)
        {
            Interlocked.Decrement(ref _open);
            lease.Dispose();
        }
        else
        {
            _idle.Add(lease);
        }
        // Only now: a waiter woken takes the connection just given back.
        _slots.Release();
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _disposed, 1);
        while (_idle.TryTake(out var lease))
        {
            Interlocked.Decrement(ref _open);
            lease.Dispose();
        }
    }

    /// <summary>One open connection and its prepared statements, used by one operation at a time.</summary>
    internal sealed class Lease(SqliteConnection connection) : IDisposable
    {
        private readonly Dictionary<string, LinkedListNode<SqliteCommand>> _statements = new(StringComparer.Ordinal);

        /// <summary>The prepared statements, the one used most recently first.</summary>
        private readonly LinkedList<SqliteCommand> _byUse = [];

        public bool Broken { get; private set; }

        /// <summary>Not to be reused (a transaction left open on it).</summary>
        public void Break() => Broken = true;

        public SqliteConnection Connection => connection;

        /// <summary>Whether the statement for the text is kept prepared (tests).</summary>
        internal bool Keeps(string sql) => _statements.ContainsKey(sql);

        internal int Kept => _statements.Count;

        /// <summary>Runs <paramref name="execute"/> on the prepared statement for the text, with these parameters bound.</summary>
        public T Run<T>(string sql, DbParameterCollection parameters, SqliteTransaction? transaction, Func<SqliteCommand, T> execute)
        {
            SqliteCommand command;
            if (_statements.TryGetValue(sql, out var kept))
            {
                _byUse.Remove(kept);
                _byUse.AddFirst(kept);
                command = kept.Value;
            }
            else
            {
                command = connection.CreateCommand();
                command.CommandText = sql;
            }
            try
            {
                command.Transaction = transaction;
                command.Parameters.Clear();
                foreach (SqliteParameter parameter in parameters)
                {
                    command.Parameters.Add(parameter);
                }
                if (kept is null)
                {
                    command.Prepare();
                    if (_statements.Count == MaxStatements && _byUse.Last is { } oldest)
                    {
                        _byUse.RemoveLast();
                        _statements.Remove(oldest.Value.CommandText);
                        oldest.Value.Dispose();
                    }
                    kept = _byUse.AddFirst(command);
                    _statements.Add(sql, kept);
                }
                return execute(command);
            }
            catch
            {
                Broken = true;
                if (kept is null)
                {
                    command.Dispose();
                }
                throw;
            }
        }

        public void Dispose()
        {
            foreach (var command in _byUse)
            {
                command.Dispose();
            }
            _byUse.Clear();
            _statements.Clear();
            connection.Dispose();
        }
    }
}

/// <summary>
/// No connection of a <see cref="SqlitePool"/> was given back in time: the service's own callers hold them all. A timeout,
/// as a server's pool reports it: answered 503, and not the database failing (<see cref="SqlDialect.IsPoolExhausted"/>).
/// </summary>
public sealed class SqlitePoolExhaustedException(int size, TimeSpan waited)
    : TimeoutException($"All {size} connections of the SQLite pool were in use for {waited.TotalSeconds} s.");

/// <summary>
/// A connection over a <see cref="SqlitePool"/> lease; Dapper runs its commands through it. A reads' connection has no
/// transaction but a read-only snapshot (<see cref="BeginSnapshot"/>); a writes' connection has the one it began, in which
/// its commands run.
/// </summary>
internal sealed class SqlitePooledConnection(SqlitePool pool, bool writes) : DbConnection
{
    private SqlitePool.Lease? _lease;

    /// <summary>The transaction this connection began (a write's, or a read's snapshot), in which its commands run.</summary>
    internal SqliteTransaction? Transaction { get; private set; }

    [AllowNull]
    public override string ConnectionString
    {
        get => pool.ConnectionString;
        set => throw new NotSupportedException();
    }

    public override string Database => "main";

    public override string DataSource => Lease.Connection.DataSource;

    public override string ServerVersion => Lease.Connection.ServerVersion;

    public override ConnectionState State => _lease is null ? ConnectionState.Closed : ConnectionState.Open;

    internal SqlitePool.Lease Lease => _lease ?? throw new InvalidOperationException("The connection is not open.");

    public override void Open() => _lease ??= pool.Rent();

    public override async Task OpenAsync(CancellationToken cancellationToken) => _lease ??= await pool.RentAsync(cancellationToken);

    public override void Close()
    {
        if (_lease is { } lease)
        {
            if (Transaction is { Connection: not null })
            {
                lease.Break();
            }
            Transaction = null;
            _lease = null;
            pool.Return(lease);
        }
    }

    public override void ChangeDatabase(string databaseName) => throw new NotSupportedException();

    protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) =>
        writes ? Transaction = Lease.Connection.BeginTransaction(isolationLevel)
            : throw new NotSupportedException("Reads run outside transactions but a snapshot (BeginSnapshot); write transactions take their connections from the writes' pool.");

    /// <summary>
    /// A read-only snapshot (a deferred transaction) on either pool's connection, in which its commands run; committed or
    /// rolled back before the connection is given back, else the connection is closed, not reused (<see cref="Close"/>).
    /// </summary>
    internal SqliteTransaction BeginSnapshot() => Transaction = Lease.Connection.BeginTransaction(deferred: true);

    protected override DbCommand CreateDbCommand() => new SqlitePooledCommand(this);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Close();
        }
        base.Dispose(disposing);
    }

    private sealed class SqlitePooledCommand(SqlitePooledConnection connection) : DbCommand
    {
        private readonly SqliteCommand _parameters = new();

        [AllowNull]
        public override string CommandText { get; set; } = "";

        public override int CommandTimeout { get; set; } = 30;

        public override CommandType CommandType { get; set; } = CommandType.Text;

        public override bool DesignTimeVisible { get; set; }

        public override UpdateRowSource UpdatedRowSource { get; set; }

        protected override DbConnection? DbConnection
        {
            get => connection;
            set => throw new NotSupportedException();
        }

        // A detached SqliteCommand only to hold the parameters Dapper adds; it never executes.
        protected override DbParameterCollection DbParameterCollection => _parameters.Parameters;

        protected override DbTransaction? DbTransaction
        {
            get => connection.Transaction;
            set
            {
                if (value is not null && value != connection.Transaction)
                {
                    throw new NotSupportedException("A command runs in its connection's transaction.");
                }
            }
        }

        public override void Cancel()
        {
        }

        public override void Prepare()
        {
        }

        protected override DbParameter CreateDbParameter() => new SqliteParameter();

        protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) =>
            connection.Lease.Run(CommandText, DbParameterCollection, connection.Transaction, c => c.ExecuteReader(behavior & ~CommandBehavior.CloseConnection));

        public override int ExecuteNonQuery() => connection.Lease.Run(CommandText, DbParameterCollection, connection.Transaction, c => c.ExecuteNonQuery());

        public override object? ExecuteScalar() => connection.Lease.Run(CommandText, DbParameterCollection, connection.Transaction, c => c.ExecuteScalar());

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _parameters.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
