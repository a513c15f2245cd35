using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;

namespace StandardsRegistry.Data;

/// <summary>
/// SQLite reads through a few long-lived open connections that keep their prepared statements. Microsoft.Data.Sqlite
/// compiles a command's SQL on every execution (dotnet/efcore#14044), and compiling a release-rule query (three
/// correlated subqueries) costs more than running it. A statement is reset after each use, so an idle connection
/// holds no lock; one that failed is closed rather than reused.
/// </summary>
internal sealed class SqliteReadPool(string connectionString) : IDisposable
{
    /// <summary>Statements kept per connection: the stores issue a few dozen distinct texts.</summary>
    private const int MaxStatements = 128;

    private readonly ConcurrentBag<Lease> _idle = [];
    private readonly int _maxIdle = Math.Max(8, Environment.ProcessorCount * 4);
    private int _disposed;

    public string ConnectionString => connectionString;

    public Lease Rent()
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
            throw;
        }
        return new Lease(connection);
    }

    public void Return(Lease lease)
    {
        if (lease.Broken || Volatile.Read(ref _disposed) != 0 || _idle.Count >= _maxIdle)
        {
            lease.Dispose();
            return;
        }
        _idle.Add(lease);
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _disposed, 1);
        while (_idle.TryTake(out var lease))
        {
            lease.Dispose();
        }
    }

    /// <summary>One open connection and its prepared statements, used by one operation at a time.</summary>
    internal sealed class Lease(SqliteConnection connection) : IDisposable
    {
        private readonly Dictionary<string, SqliteCommand> _statements = new(StringComparer.Ordinal);

        public bool Broken { get; private set; }

        public SqliteConnection Connection => connection;

        /// <summary>Runs <paramref name="execute"/> on the prepared statement for the text, with these parameters bound.</summary>
        public T Run<T>(string sql, DbParameterCollection parameters, Func<SqliteCommand, T> execute)
        {
            var cached = _statements.TryGetValue(sql, out var command);
            if (!cached)
            {
                command = connection.CreateCommand();
                command.CommandText = sql;
            }
            try
            {
                command!.Parameters.Clear();
                foreach (SqliteParameter parameter in parameters)
                {
                    command.Parameters.Add(parameter);
                }
                if (!cached && _statements.Count < MaxStatements)
                {
                    command.Prepare();
                    _statements.Add(sql, command);
                    cached = true;
                }
                return execute(command);
            }
            catch
            {
                Broken = true;
                throw;
            }
            finally
            {
                if (!cached)
                {
                    command!.Dispose();
                }
            }
        }

        public void Dispose()
        {
            foreach (var command in _statements.Values)
            {
                command.Dispose();
            }
            _statements.Clear();
            connection.Dispose();
        }
    }
}

/// <summary>A read-only connection over a <see cref="SqliteReadPool"/> lease; Dapper runs its commands through it.</summary>
internal sealed class SqliteReadConnection(SqliteReadPool pool) : DbConnection
{
    private SqliteReadPool.Lease? _lease;

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

    internal SqliteReadPool.Lease Lease => _lease ?? throw new InvalidOperationException("The connection is not open.");

    public override void Open() => _lease ??= pool.Rent();

    public override Task OpenAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Open();
        return Task.CompletedTask;
    }

    public override void Close()
    {
        if (_lease is { } lease)
        {
            _lease = null;
            pool.Return(lease);
        }
    }

    public override void ChangeDatabase(string databaseName) => throw new NotSupportedException();

    protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) =>
        throw new NotSupportedException("Reads run outside transactions; writes use their own connection.");

    protected override DbCommand CreateDbCommand() => new SqliteReadCommand(this);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Close();
        }
        base.Dispose(disposing);
    }

    private sealed class SqliteReadCommand(SqliteReadConnection connection) : DbCommand
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
            get => null;
            set
            {
                if (value is not null)
                {
                    throw new NotSupportedException("Reads run outside transactions.");
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
            connection.Lease.Run(CommandText, DbParameterCollection, c => c.ExecuteReader(behavior & ~CommandBehavior.CloseConnection));

        public override int ExecuteNonQuery() => connection.Lease.Run(CommandText, DbParameterCollection, c => c.ExecuteNonQuery());

        public override object? ExecuteScalar() => connection.Lease.Run(CommandText, DbParameterCollection, c => c.ExecuteScalar());

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
