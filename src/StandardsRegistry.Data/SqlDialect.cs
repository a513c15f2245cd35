using System.Data.Common;
using DbUp;
using DbUp.Builder;
using DbUp.Engine;

namespace StandardsRegistry.Data;

/// <summary>
/// The few places where providers differ, behind one seam: connections, paging, returning generated values,
/// migrations and which errors are transient. Every query is written once, in the stores, against this seam.
/// </summary>
public abstract class SqlDialect
{
    public const string Sqlite = "sqlite";
    public const string SqlServer = "sqlserver";
    public const string Postgres = "postgres";

    public static IReadOnlyList<string> Providers { get; } = [Sqlite, SqlServer, Postgres];

    public abstract string Name { get; }

    public abstract DbConnection CreateConnection(string connectionString);

    /// <summary>
    /// Where a <see cref="Db"/> gets its connections for reads, or for write transactions (<paramref name="writes"/>);
    /// SQLite's keep their prepared statements, in a pool of each kind, at most <paramref name="maxOpen"/> open (a
    /// server's pool has its size in the connection string, <see cref="Pooled"/>).
    /// </summary>
    internal virtual Connections Connections(string connectionString, bool writes, int maxOpen) => new(() => CreateConnection(connectionString), null);

    /// <summary>
    /// Until disposed, <paramref name="ct"/> cancelled stops the statement running on <paramref name="connection"/>
    /// (SQLite: its driver runs a statement to its end whatever the token says); nothing where the driver stops its
    /// commands itself (Npgsql and SqlClient cancel them on the server).
    /// </summary>
    internal virtual CancellationTokenRegistration InterruptOnCancel(DbConnection connection, CancellationToken ct) => default;

    /// <summary>The statement failed because <see cref="InterruptOnCancel"/> stopped it.</summary>
    internal virtual bool IsInterrupted(Exception exception) => false;

    /// <summary>
    /// A parameter's name as the statements write every placeholder, <c>@name</c> (unchanged when it has a prefix).
    /// Microsoft.Data.Sqlite finds a name given without its prefix only after trying the bare name and then each of
    /// <c>@</c>, <c>$</c> and <c>:</c> in front of it — four lookups per parameter and execution, each converting the
    /// name and comparing it with every parameter of the statement — and Dapper always strips the prefix. Npgsql and
    /// SqlClient take the name with its prefix as well.
    /// </summary>
    internal static string ParameterName(string name) => name is ['@' or '$' or ':', ..] ? name : "@" + name;

    /// <summary>Dapper's parameters as this provider binds them best (SQLite: under their placeholders' names).</summary>
    internal virtual object? Bound(object? parameters) => parameters;

    /// <summary>Clause after ORDER BY that keeps the first <c>@limit</c> rows.</summary>
    public abstract string Limit(string parameter);

    /// <summary>An INSERT that returns one column of the new row.</summary>
    public virtual string InsertReturning(string table, string columns, string values, string returned) =>
        $"INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING {returned}";

    /// <summary>An UPDATE that returns <paramref name="returned"/> (comma-separated columns) of the rows it changed, as changed.</summary>
    public virtual string UpdateReturning(string table, string set, string where, string returned) =>
        $"UPDATE {table} SET {set} WHERE {where} RETURNING {returned}";

    /// <summary>The provider's own verdict that retrying the whole operation may succeed.</summary>
    public abstract bool IsTransient(Exception exception);

    /// <summary>The database could not be reached or opened at all, or the connection was lost during the operation.</summary>
    public bool IsConnectionFailure(Exception exception) => exception is ConnectionLostException || IsDriverConnectionFailure(exception);

    /// <summary>The driver's own report that the database could not be reached or the connection failed.</summary>
    protected abstract bool IsDriverConnectionFailure(Exception exception);

    /// <summary>
    /// No connection of the pool became free in time: the service's callers hold them all (exports streaming, a burst of
    /// requests), while the database serves. The driver may report it as it reports a server that cannot be reached (a
    /// timeout), but it must not open the circuit breaker, which would refuse every other caller's work too.
    /// </summary>
    public virtual bool IsPoolExhausted(Exception exception) => false;

    /// <summary>
    /// The database refused the operation because of another caller's (a deadlock, a serialization failure, a lock held
    /// elsewhere): contention between callers, retried whole (it is transient), but no sign of the database failing, so it
    /// must not open the circuit breaker, which would refuse every other caller's work too (a burst of writes to one
    /// standard did).
    /// </summary>
    public virtual bool IsContention(Exception exception) => false;

    /// <summary>A unique constraint refused the write (a concurrent writer got there first).</summary>
    public abstract bool IsUniqueViolation(Exception exception);

    /// <summary>
    /// Checks the connection string's syntax: a value the registry cannot use is a <see cref="ConnectionStringProblem"/>
    /// with the reason; text the driver cannot read, the driver's own exception.
    /// </summary>
    public abstract string Normalize(string connectionString);

    /// <summary>
    /// <paramref name="connectionString"/> for a pool of its own of at most <paramref name="maxSize"/> connections:
    /// the drivers keep one pool per distinct connection string, so the request pool and the streams' pool differ in
    /// their application name (<paramref name="pool"/> appended to the one configured). SQLite has no server to spare:
    /// its connections are files opened in the process, so nothing changes (see <see cref="DatabaseOptions"/>).
    /// </summary>
    public virtual string Pooled(string connectionString, int maxSize, string pool) => connectionString;

    /// <summary>The application name of a pool: the configured one, or the registry's, with the pool's name.</summary>
    private protected static string ApplicationName(string? configured, string pool) =>
        $"{(string.IsNullOrWhiteSpace(configured) ? "standards-registry" : configured)} ({pool})";

    internal abstract UpgradeEngineBuilder Migrations(string connectionString);

    /// <summary>
    /// Holds the database's migration lock until disposed, so instances starting together migrate one after another: the
    /// journal is read and the scripts run under it, and a second instance finds what the first applied. Null where the
    /// provider takes none (SQLite: one process serves a file; SQL Server: not yet, see README).
    /// </summary>
    internal virtual IDisposable? LockMigrations(string connectionString) => null;

    /// <summary>
    /// What the process's write transactions on this database queue on before they begin, in arrival order; null when
    /// the database queues them itself (a server's row locks).
    /// </summary>
    internal virtual SemaphoreSlim? WriteGate(string connectionString) => null;

    /// <summary>A read-only transaction that sees one snapshot of the database throughout, without blocking writers.</summary>
    public virtual async ValueTask<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken ct) =>
        await connection.BeginTransactionAsync(System.Data.IsolationLevel.Snapshot, ct);

    /// <summary>
    /// The isolation a write transaction asks for (the audit trail's appends too); <see cref="System.Data.IsolationLevel.Unspecified"/>
    /// leaves the driver's and the session's default, READ COMMITTED where nothing changed it.
    /// </summary>
    internal virtual System.Data.IsolationLevel WriteIsolation => System.Data.IsolationLevel.Unspecified;

    /// <summary>Database-wide settings the service relies on, applied before the migrations and outside a transaction; null when none.</summary>
    internal virtual string? DatabaseSettings => null;

    /// <summary>
    /// Why the database cannot hold what the registry writes, read on <paramref name="connection"/> before anything is
    /// migrated; null when it can.
    /// </summary>
    internal virtual string? Unusable(DbConnection connection) => null;

    /// <summary>
    /// Rows per INSERT at most when a batch is written (the audit log), a power of two: many rows per statement save
    /// round trips to a server; 15 parameters a row stays well under every provider's limit (SQL Server's is 2100).
    /// </summary>
    internal virtual int RowsPerInsert => 32;

    /// <summary>
    /// A text column equal to a bound text exactly, code unit for code unit. SQLite's <c>=</c> (BINARY) and
    /// PostgreSQL's (a deterministic collation) are exact already.
    /// </summary>
    public virtual string ExactlyEquals(string column, string parameter) => $"{column} = {parameter}";

    /// <summary>
    /// An integer column as read: what it holds, or, where it holds something else (only SQLite's dynamic typing stores
    /// text, a fraction or bytes in an integer column, and only tampering writes one there), <see cref="long.MaxValue"/>,
    /// a value no column the registry writes holds and the reading code can convert. The servers' columns are typed.
    /// </summary>
    public virtual string StoredInteger(string column) => column;

    /// <summary>
    /// A condition: the text column <paramref name="column"/> holds text, or NULL where <paramref name="nullable"/>;
    /// null where its type guarantees that. Only SQLite's dynamic typing stores bytes in a text column; NULL in one
    /// declared NOT NULL is there only once its constraint was dropped (the table rebuilt without it, on SQLite): only
    /// tampering writes either. The servers' columns are typed, but their NOT NULL can be dropped too.
    /// </summary>
    public virtual string? HoldsText(string column, bool nullable) => nullable ? null : $"{column} IS NOT NULL";

    /// <summary>
    /// A text column as read: what it holds, or, where it holds something else (<see cref="HoldsText"/>), text saying
    /// what: <c>(not text: X'41')</c>, <c>(not text: NULL)</c>, which the reading code converts (where bytes failed
    /// Dapper's conversion, and NULL was read as the empty text) and shows marked. Text can read the same:
    /// <see cref="HoldsText"/> tells them apart.
    /// </summary>
    public virtual string StoredText(string column, bool nullable) => nullable ? column : $"COALESCE({column}, '(not text: NULL)')";

    /// <summary>
    /// <paramref name="expression"/> folded as <see cref="Fold"/> folds a search term: French titles (<c>ÉCLAIR</c>)
    /// must match <c>éclair</c> on every provider. SQL Server's <c>LOWER</c> on nvarchar lowers by Unicode's rules
    /// already, a letter for a letter; final sigma is made sigma as there.
    /// </summary>
    public virtual string FoldCase(string expression) => $"REPLACE(LOWER({expression}), N'ς', N'σ')";

    /// <summary>
    /// Text as the search compares it (the search term here, a column by <see cref="FoldCase"/>, SQLite's through this
    /// very function): in lower case by Unicode's rules, with the two letters whose lower case is not one letter for one
    /// letter made so on every provider. Greek final sigma <c>ς</c> is <c>σ</c> (as Unicode's case folding has it):
    /// ICU lowers a word-final <c>Σ</c> to <c>ς</c>, .NET to <c>σ</c>, and a reader writes <c>ς</c>; and Turkish
    /// <c>İ</c> is <c>i</c> with a combining dot above, as ICU lowers it (.NET leaves it as it is). Until 2026-12-07 the
    /// two providers folded these apart: on PostgreSQL <c>ΧΑΡΤΗΣ</c> did not find a title <c>ΧΑΡΤΗΣ</c>, nor
    /// <c>İZMİR</c> <c>İZMİR</c>; on SQLite <c>χαρτης</c> did not find <c>ΧΑΡΤΗΣ</c>.
    /// </summary>
    internal static string Fold(string text) =>
        text.ToLowerInvariant().Replace('ς', 'σ').Replace("\u0130", "i\u0307", StringComparison.Ordinal);

    /// <summary>
    /// An inner join that keeps the tables in the written order: for a lookup that must start from a selective index
    /// the planner may not know to be selective (SQLite without statistics), such as attribute search's.
    /// </summary>
    public virtual string OrderedJoin => "JOIN";

    /// <summary>
    /// Joins, for each row of the tables before it, the rows of <paramref name="table"/> (as <paramref name="alias"/>)
    /// that meet <paramref name="condition"/>, which refers to that row: a lookup per row (an index range each), which
    /// a planner left to itself may turn into a scan of the table when it misjudges how few rows the condition leaves.
    /// PostgreSQL: <c>CROSS JOIN LATERAL</c>, with <c>OFFSET 0</c> so the planner does not flatten the subquery into
    /// an ordinary join again.
    /// </summary>
    public virtual string ForEachRow(string table, string alias, string condition) =>
        $"CROSS JOIN LATERAL (SELECT * FROM {table} {alias} WHERE {condition} OFFSET 0) {alias}";

    /// <summary>
    /// Joins, for each row of the tables before it, the one row <paramref name="subquery"/> makes from it (as
    /// <paramref name="alias"/>): an aggregate per row, say. Null where the provider cannot correlate a derived table
    /// (SQLite), so the caller writes the query another way. PostgreSQL: <c>CROSS JOIN LATERAL</c>.
    /// </summary>
    public virtual string? ForEachRowOne(string subquery, string alias) => $"CROSS JOIN LATERAL ({subquery}) {alias}";

    public static SqlDialect For(string provider) => provider switch
    {
        Sqlite => new SqliteDialect(),
        SqlServer => new SqlServerDialect(),
        Postgres => new PostgresDialect(),
        _ => throw new ArgumentException($"Unknown database provider '{provider}': use one of {string.Join(", ", Providers)}."),
    };

    /// <summary>
    /// The provider's scripts (db/&lt;provider&gt;/, embedded), journaled, one transaction per script. A script whose first
    /// line is <c>-- when: SELECT …</c> runs only where that query answers non-zero (<see cref="GuardedScript"/>); a script
    /// that needs C# first is run by it (<see cref="CodeSteps"/>).
    /// </summary>
    internal UpgradeEngine MigrationEngine(string connectionString, DbUp.Engine.Output.IUpgradeLog log, params SqlScript[] extra)
    {
        var builder = Migrations(connectionString)
            .WithScriptsEmbeddedInAssembly(typeof(SqlDialect).Assembly, name => IsScript(name) && !GuardedScript.All.ContainsKey(name) && !IsCodeStep(name));
        foreach (var (name, guarded) in GuardedScript.All.Where(g => IsScript(g.Key)))
        {
            builder.WithScript(name, guarded);
        }
        foreach (var (name, step) in CodeSteps(log))
        {
            builder.WithScript(name, step);
        }
        return builder
            .WithScripts(extra)
            .WithTransactionPerScript()
            .LogTo(log)
            .Build();
    }

    internal bool IsScript(string resourceName) => resourceName.StartsWith($"db.{Name}/", StringComparison.Ordinal);

    /// <summary>A script run by C# that works before it (<see cref="CodeSteps"/>), not as it stands.</summary>
    internal bool IsCodeStep(string resourceName) => resourceName == $"db.{Name}/{DesignationIdentities.Script}";

    /// <summary>
    /// The provider's scripts that need C# to prepare what they run on, by resource name: 0033 needs each designation's
    /// identity, which only <see cref="StandardsRegistry.Domain.Designations.Identity"/> computes (<see cref="DesignationIdentities"/>).
    /// </summary>
    internal IEnumerable<(string Name, IScript Step)> CodeSteps(DbUp.Engine.Output.IUpgradeLog log)
    {
        var name = $"db.{Name}/{DesignationIdentities.Script}";
        using var stream = typeof(SqlDialect).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The migration script {name} is not in the assembly.");
        using var reader = new StreamReader(stream);
        yield return (name, new DesignationIdentities(reader.ReadToEnd(), log));
    }
}

/// <summary>A source of connections (for reads, streams or write transactions), and what to dispose with the <see cref="Db"/> that uses it.</summary>
internal sealed record Connections(Func<DbConnection> Create, IDisposable? Owned);

/// <summary>
/// A migration script that repairs what only some databases lack, where the provider cannot say so in SQL (SQLite has no
/// <c>ADD COLUMN IF NOT EXISTS</c>): its first line, <c>-- when: SELECT …</c>, is asked on the migration's connection
/// and the script runs only when it answers non-zero; otherwise it is journaled having done nothing.
/// </summary>
internal sealed class GuardedScript(string guard, string contents) : IScript
{
    private const string Marker = "-- when: ";

    /// <summary>
    /// Every guarded script of every provider, by resource name: read once, since the engine is built again for each
    /// readiness probe (<see cref="DatabaseMigrator.SchemaProblem"/>).
    /// </summary>
    public static IReadOnlyDictionary<string, GuardedScript> All { get; } = ReadAll();

    private static Dictionary<string, GuardedScript> ReadAll()
    {
        var assembly = typeof(SqlDialect).Assembly;
        var all = new Dictionary<string, GuardedScript>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("db.", StringComparison.Ordinal)))
        {
            if (Read(assembly, name) is { } guarded)
            {
                all.Add(name, guarded);
            }
        }
        return all;
    }

    private static GuardedScript? Read(System.Reflection.Assembly assembly, string resourceName)
    {
        using var stream = assembly.GetManifestResourceStream(resourceName)!;
        using var reader = new StreamReader(stream);
        var first = reader.ReadLine();
        return first is not null && first.StartsWith(Marker, StringComparison.Ordinal)
            ? new GuardedScript(first[Marker.Length..], first + "\n" + reader.ReadToEnd())
            : null;
    }

    public string ProvideScript(Func<System.Data.IDbCommand> dbCommandFactory)
    {
        using var command = dbCommandFactory();
        command.CommandText = guard;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 0
            ? contents
            : "SELECT 1;";
    }
}

/// <summary>
/// A connection string the registry cannot use, in words of its own that quote none of the string's text (which may
/// hold a password); the drivers' own parse errors quote the text they could not read, so they are never shown.
/// </summary>
internal sealed class ConnectionStringProblem(string message) : ArgumentException(message);
