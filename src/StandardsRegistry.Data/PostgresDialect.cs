using System.Data.Common;
using DbUp;
using DbUp.Builder;
using Npgsql;

namespace StandardsRegistry.Data;

internal sealed class PostgresDialect : SqlDialect
{
    private const string UniqueViolation = "23505";

    public override string Name => Postgres;

    public override DbConnection CreateConnection(string connectionString) => new NpgsqlConnection(connectionString);

    public override string Limit(string parameter) => $"LIMIT {parameter}";

    /// <summary>Npgsql's own classification: connection failures, serialization failures, deadlocks, shutdowns.</summary>
    public override bool IsTransient(Exception exception) => exception is NpgsqlException { IsTransient: true };

    protected override bool IsDriverConnectionFailure(Exception exception) =>
        exception is NpgsqlException { InnerException: System.Net.Sockets.SocketException or IOException or TimeoutException }
            or NpgsqlException { SqlState: ['0', '8', ..] };

    /// <summary>
    /// Npgsql's pool gave up waiting for a free connection: an <see cref="NpgsqlException"/> around a
    /// <see cref="TimeoutException"/>, as a server that does not answer, told apart only by its message (no server was asked).
    /// </summary>
    public override bool IsPoolExhausted(Exception exception) =>
        exception is NpgsqlException { InnerException: TimeoutException } and not PostgresException
        && exception.Message.StartsWith("The connection pool has been exhausted", StringComparison.Ordinal);

    public override bool IsUniqueViolation(Exception exception) => exception is PostgresException { SqlState: UniqueViolation };

    /// <summary>serialization_failure and deadlock_detected.</summary>
    public override bool IsContention(Exception exception) => exception is PostgresException { SqlState: "40001" or "40P01" };

    public override string Normalize(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw new ConnectionStringProblem("the PostgreSQL connection string needs a Host.");
        }
        // Each setting below is the dialect's only where the operator's string does not name it: a value named is the
        // operator's choice, Npgsql's own default too (Max Auto Prepare=0 behind a pooler that cannot keep prepared
        // statements, Timeout=15 over a slow link).
        var named = Named(connectionString);
        // Fail fast when the server is gone, so callers get a 503 in bounded time rather than a hang.
        if (!named.Contains("timeout"))
        {
            builder.Timeout = 5;
        }
        // Prepare the statements a connection keeps running (every consumer read is one of a few texts): planning the
        // release-rule queries costs more than executing them.
        if (!named.Contains("maxautoprepare"))
        {
            builder.MaxAutoPrepare = 64;
        }
        if (!named.Contains("autoprepareminusages"))
        {
            builder.AutoPrepareMinUsages = 2;
        }
        // The registry keeps no session state on a connection (no SET, temporary table, advisory lock or LISTEN; each
        // transaction names its isolation level), so a pooled connection need not be reset when it is returned:
        // Npgsql's reset is seven statements the server runs on every checkout, a third of all statements under load.
        if (!named.Contains("noresetonclose"))
        {
            builder.NoResetOnClose = true;
        }
        return builder.ToString();
    }

    /// <summary>The keys the connection string as given sets itself, without spaces, compared in any case.</summary>
    private static HashSet<string> Named(string connectionString) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", "", StringComparison.Ordinal)).ToHashSet(StringComparer.OrdinalIgnoreCase);

    public override string Pooled(string connectionString, int maxSize, string pool)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = maxSize };
        builder.ApplicationName = ApplicationName(builder.ApplicationName, pool);
        if (builder.MinPoolSize > maxSize)
        {
            throw new ConnectionStringProblem($"its Minimum Pool Size ({builder.MinPoolSize}) is above the {pool} pool's size ({maxSize}).");
        }
        return builder.ToString();
    }

    internal override UpgradeEngineBuilder Migrations(string connectionString) => DeployChanges.To.PostgresqlDatabase(connectionString);

    /// <summary>The key of the advisory lock migrations run under (any constant the registry alone uses).</summary>
    private const long MigrationLockKey = 0x5354_414E_4147_0001;

    /// <summary>
    /// A transaction-level advisory lock, in a transaction held open on a connection of its own outside the pool: DbUp
    /// keeps no lock, so two instances starting together both read the journal, both ran a missing script, and the
    /// second failed on what the first had made and did not start. Disposing rolls the transaction back (or the process
    /// dying ends the session), which releases the lock; being transaction-level, it can never stay on a session (see
    /// <see cref="Normalize"/>). Waits as long as the other instance migrates (no command timeout): a large database's
    /// script may take minutes.
    /// </summary>
    internal override IDisposable? LockMigrations(string connectionString)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        try
        {
            connection.Open();
            var transaction = connection.BeginTransaction();
            using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction) { CommandTimeout = 0 };
            command.Parameters.AddWithValue("key", MigrationLockKey);
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A database in another encoding than UTF8 stores only that encoding's characters, and the registry accepts any
    /// Unicode text, the audit trail recording a requested key or a token's subject as sent: the first entry holding
    /// another character (an anonymous <c>GET /v1/standards/€</c> on LATIN1) would be refused, and the trail with it.
    /// </summary>
    internal override string? Unusable(DbConnection connection) =>
        Dapper.SqlMapper.ExecuteScalar<string>(connection, "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()")
            is var encoding and not "UTF8"
            ? $"The PostgreSQL database's encoding is {encoding}; the Standards Registry stores any Unicode text and needs UTF8 "
              + "(CREATE DATABASE ... ENCODING 'UTF8' TEMPLATE template0)."
            : null;

    /// <summary>REPEATABLE READ is PostgreSQL's snapshot isolation; readers never block writers.</summary>
    public override async ValueTask<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken ct) =>
        await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);

    /// <summary>
    /// ICU's root-locale rules, whatever the database's own locale (a <c>C</c>-locale database folds ASCII only):
    /// PostgreSQL built with ICU, as every major distribution's is, has the <c>und-x-icu</c> collation. Its lower case
    /// is .NET's but for <c>İ</c>, which <see cref="SqlDialect.Fold"/> lowers as ICU does, and a word-final <c>Σ</c>,
    /// <c>ς</c> here, which both make <c>σ</c>.
    /// </summary>
    public override string FoldCase(string expression) => $"REPLACE(LOWER({expression} COLLATE \"und-x-icu\"), 'ς', 'σ')";
}
