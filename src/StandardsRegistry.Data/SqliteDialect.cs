using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using Dapper;
using DbUp;
using DbUp.Builder;
using Microsoft.Data.Sqlite;

namespace StandardsRegistry.Data;

internal sealed class SqliteDialect : SqlDialect
{
    private const int Busy = 5;
    private const int Locked = 6;
    private const int ReadOnly = 8;
    private const int IoError = 10;
    private const int CantOpen = 14;
    private const int Constraint = 19;
    private const int ConstraintUnique = 2067;
    private const int ConstraintPrimaryKey = 1555;

    public override string Name => Sqlite;

    public override DbConnection CreateConnection(string connectionString) => Connect(connectionString);

    /// <summary>A connection that has <see cref="FoldFunction"/> (<see cref="SqlDialect.Fold"/>) once open (SQLite's own LOWER folds ASCII only).</summary>
    internal static SqliteConnection Connect(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        connection.StateChange += (_, e) =>
        {
            if (e.CurrentState == System.Data.ConnectionState.Open)
            {
                connection.CreateFunction(FoldFunction, (string? text) => text is null ? null : Fold(text), isDeterministic: true);
            }
        };
        return connection;
    }

    private const string FoldFunction = "registry_fold";

    /// <summary>SQLite's planner never reorders the tables of a CROSS JOIN (which takes an ON clause like any join).</summary>
    public override string OrderedJoin => "CROSS JOIN";

    /// <summary>SQLite has no LATERAL; its ordered join probes the table's index once per row of the tables before it.</summary>
    public override string ForEachRow(string table, string alias, string condition) => $"CROSS JOIN {table} {alias} ON {condition}";

    public override string StoredInteger(string column) =>
        $"CASE WHEN typeof({column}) IN ('integer', 'null') THEN {column} ELSE 9223372036854775807 END";

    public override string HoldsText(string column, bool nullable) =>
        nullable ? $"typeof({column}) IN ('text', 'null')" : $"typeof({column}) = 'text'";

    public override string StoredText(string column, bool nullable) =>
        $"CASE WHEN {HoldsText(column, nullable)} THEN {column} ELSE '(not text: ' || quote({column}) || ')' END";

    public override string FoldCase(string expression) => $"{FoldFunction}({expression})";

    internal override Connections Connections(string connectionString, bool writes, int maxOpen)
    {
        var pool = new SqlitePool(connectionString, maxOpen);
        return new(() => new SqlitePooledConnection(pool, writes), pool);
    }

    /// <summary>
    /// Microsoft.Data.Sqlite checks a token only before a statement starts: once it runs (a search over a large
    /// catalogue, a deep page), it runs to its end on the request's thread, holding its connection long after the request
    /// timed out. <c>sqlite3_interrupt</c> stops it at its next step (it fails with SQLITE_INTERRUPT, and a write's
    /// transaction is rolled back); a pooled connection interrupted is closed when given back, not reused. Safe from
    /// another thread while the connection is open, which the registration guarantees: it is disposed (waiting for a
    /// callback under way) before the connection is closed.
    /// </summary>
    internal override CancellationTokenRegistration InterruptOnCancel(DbConnection connection, CancellationToken ct)
    {
        if (!ct.CanBeCanceled)
        {
            return default;
        }
        // Every connection Db opens on SQLite is a pool's (reads, writes, streams).
        var lease = ((SqlitePooledConnection)connection).Lease;
        return ct.Register(() =>
        {
            lease.Break();
            SQLitePCL.raw.sqlite3_interrupt(lease.Connection.Handle);
        });
    }

    private const int Interrupt = 9;

    internal override bool IsInterrupted(Exception exception) => exception is SqliteException { SqliteErrorCode: Interrupt };

    /// <summary>Dapper's parameters under the names the statements give them (see <see cref="PlaceholderNames"/>).</summary>
    internal override object? Bound(object? parameters) => parameters is null ? null : new PlaceholderNames(parameters);

    /// <summary>Dapper's parameters renamed to the placeholders' form (<see cref="SqlDialect.ParameterName"/>).</summary>
    private sealed class PlaceholderNames(object parameters) : SqlMapper.IDynamicParameters
    {
        public void AddParameters(IDbCommand command, SqlMapper.Identity identity)
        {
            var dynamic = parameters as SqlMapper.IDynamicParameters ?? new DynamicParameters(parameters);
            dynamic.AddParameters(command, identity);
            foreach (IDataParameter parameter in command.Parameters)
            {
                parameter.ParameterName = ParameterName(parameter.ParameterName);
            }
        }
    }

    /// <summary>SQLite cannot correlate a derived table with the tables before it.</summary>
    public override string? ForEachRowOne(string subquery, string alias) => null;

    public override string Limit(string parameter) => $"LIMIT {parameter}";

    public override bool IsTransient(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: Busy or Locked };

    protected override bool IsDriverConnectionFailure(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: CantOpen or IoError or ReadOnly } or SqlitePoolExhaustedException;

    public override bool IsPoolExhausted(Exception exception) => exception is SqlitePoolExhaustedException;

    /// <summary>The file (or a table) locked by another writer past the busy timeout: every transient error SQLite has.</summary>
    public override bool IsContention(Exception exception) => IsTransient(exception);

    public override bool IsUniqueViolation(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: Constraint, SqliteExtendedErrorCode: ConstraintUnique or ConstraintPrimaryKey };

    public override string Normalize(string connectionString)
    {
        // Foreign keys on, and a busy timeout so concurrent writers wait for the lock instead of failing at once.
        var builder = new SqliteConnectionStringBuilder(connectionString) { ForeignKeys = true };
        if (string.IsNullOrWhiteSpace(builder.DataSource))
        {
            throw new ConnectionStringProblem("the SQLite connection string needs a Data Source (a file path).");
        }
        if (builder.DefaultTimeout == 30)
        {
            builder.DefaultTimeout = 10;
        }
        return builder.ToString();
    }

    internal override UpgradeEngineBuilder Migrations(string connectionString) => DeployChanges.To.SqliteDatabase(connectionString);

    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    /// <summary>
    /// One gate per database file, shared by every <see cref="Db"/> of the process on it. SQLite has one writer at a
    /// time, and a transaction that finds the file locked is retried by Microsoft.Data.Sqlite after sleeping 150 ms
    /// (a thread blocked, and an editor's write that waited behind one audit batch answered 150 ms or more later).
    /// Queued here first, a writer takes the lock as soon as the one before commits; an editor's write goes before the
    /// audit writer's next batch (<see cref="Db.WriteAsync{T}"/>). Writers of other processes (another instance, a
    /// loader) still meet the lock and the busy retries.
    /// </summary>
    internal override SemaphoreSlim? WriteGate(string connectionString) =>
        Gates.GetOrAdd(Path.GetFullPath(new SqliteConnectionStringBuilder(connectionString).DataSource), _ => new SemaphoreSlim(1, 1));

    /// <summary>
    /// A deferred transaction: its first read fixes the snapshot, and in WAL mode (<see cref="DatabaseSettings"/>)
    /// writers go on committing while it reads. On a pool's connection (the streams' or the reads', <see cref="Db.SnapshotReadAsync{T}"/>).
    /// </summary>
    public override ValueTask<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken ct) =>
        ValueTask.FromResult<DbTransaction>(((SqlitePooledConnection)connection).BeginSnapshot());

    /// <summary>Write-ahead logging: readers (a long export above all) and the writer no longer block one another. Persistent in the file.</summary>
    internal override string? DatabaseSettings => "PRAGMA journal_mode = WAL";

    /// <summary>
    /// One row per INSERT, the statement prepared once and run per row: there is no round trip to save, and
    /// Microsoft.Data.Sqlite binds each parameter by a linear search of the statement's names, so a 750-parameter
    /// INSERT spent most of its time matching names (a quarter of the service's CPU under read load, audit on).
    /// </summary>
    internal override int RowsPerInsert => 1;
}
