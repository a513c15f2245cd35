using System.Data.Common;
using DbUp;
using DbUp.Builder;
using Microsoft.Data.SqlClient;

namespace StandardsRegistry.Data;

internal sealed class SqlServerDialect : SqlDialect
{
    /// <summary>
    /// SqlClient error numbers worth retrying: deadlock victim, lock and command timeouts, transport errors, and the
    /// Azure SQL / failover "try again" family.
    /// </summary>
    private static readonly HashSet<int> TransientNumbers =
    [
        -2, 20, 64, 233, 1205, 1222, 4060, 4221, 10053, 10054, 10060, 10928, 10929, 11001,
        40143, 40197, 40501, 40540, 40613, 41301, 41302, 41305, 41325, 41839, 49918, 49919, 49920,
    ];

    /// <summary>
    /// Of those, contention between callers: deadlock victim, lock request timeout, and In-Memory OLTP's commit
    /// dependency, update and validation conflicts.
    /// </summary>
    private static readonly HashSet<int> ContentionNumbers = [1205, 1222, 41301, 41302, 41305, 41325];

    private static readonly HashSet<int> ConnectionNumbers = [-2, 2, 53, 64, 233, 4060, 10053, 10054, 10060, 11001, 18456];

    public override string Name => SqlServer;

    public override DbConnection CreateConnection(string connectionString) => new SqlConnection(connectionString);

    public override string ForEachRow(string table, string alias, string condition) => $"CROSS APPLY (SELECT * FROM {table} {alias} WHERE {condition}) {alias}";

    public override string? ForEachRowOne(string subquery, string alias) => $"CROSS APPLY ({subquery}) {alias}";

    public override string Limit(string parameter) => $"OFFSET 0 ROWS FETCH NEXT {parameter} ROWS ONLY";

    public override string InsertReturning(string table, string columns, string values, string returned) =>
        $"INSERT INTO {table} ({columns}) OUTPUT INSERTED.{returned} VALUES ({values})";

    public override string UpdateReturning(string table, string set, string where, string returned) =>
        $"UPDATE {table} SET {set} OUTPUT {string.Join(", ", returned.Split(',').Select(c => "INSERTED." + c.Trim()))} WHERE {where}";

    /// <summary>
    /// A column's collation decides SQL Server's <c>=</c>: the default (SQL_Latin1_General_CP1_CI_AS) ignores case and
    /// width, and every collation ignores trailing spaces. The plain comparison stays first, so an index on the column
    /// is still sought; the binary collation and the length in bytes make it exact.
    /// </summary>
    public override string ExactlyEquals(string column, string parameter) =>
        $"{column} = {parameter} AND {column} = {parameter} COLLATE Latin1_General_100_BIN2 AND DATALENGTH({column}) = DATALENGTH({parameter})";

    public override bool IsTransient(Exception exception) =>
        exception is SqlException sql && sql.Errors.Cast<SqlError>().Any(e => TransientNumbers.Contains(e.Number))
        || IsPoolExhausted(exception);

    /// <summary>
    /// SqlClient's pool gave up waiting for a free connection: a plain <see cref="InvalidOperationException"/> (no server
    /// was asked, so no <see cref="SqlException"/> and no error number), told apart only by its message, SqlClient's own
    /// text for it (the service runs with invariant globalization: the neutral resource).
    /// </summary>
    public override bool IsPoolExhausted(Exception exception) =>
        exception.GetType() == typeof(InvalidOperationException) && exception.Message == PoolTimeoutMessage;

    private static readonly string PoolTimeoutMessage = SqlClientText("ADP_PooledOpenTimeout")
        ?? "Timeout expired.  The timeout period elapsed prior to obtaining a connection from the pool.  This may have occurred because all pooled connections were in use and max pool size was reached.";

    private static string? SqlClientText(string name)
    {
        try
        {
            return new System.Resources.ResourceManager("Microsoft.Data.SqlClient.Resources.Strings", typeof(SqlConnection).Assembly)
                .GetString(name, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (System.Resources.MissingManifestResourceException)
        {
            return null;
        }
    }

    protected override bool IsDriverConnectionFailure(Exception exception) =>
        exception is SqlException sql && sql.Errors.Cast<SqlError>().Any(e => ConnectionNumbers.Contains(e.Number));

    public override bool IsUniqueViolation(Exception exception) =>
        exception is SqlException sql && sql.Errors.Cast<SqlError>().Any(e => e.Number is 2601 or 2627);

    public override bool IsContention(Exception exception) =>
        exception is SqlException sql && sql.Errors.Cast<SqlError>().Any(e => ContentionNumbers.Contains(e.Number)) && !IsDriverConnectionFailure(exception);

    public override string Normalize(string connectionString)
    {
        var builder = new SqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrWhiteSpace(builder.DataSource))
        {
            throw new ConnectionStringProblem("the SQL Server connection string needs a Server (Data Source).");
        }
        if (builder.ConnectTimeout == 15)
        {
            builder.ConnectTimeout = 5;
        }
        return builder.ToString();
    }

    public override string Pooled(string connectionString, int maxSize, string pool)
    {
        var builder = new SqlConnectionStringBuilder(connectionString) { MaxPoolSize = maxSize };
        // SqlClient's default application name is its own, not the operator's.
        var configured = builder.ApplicationName == new SqlConnectionStringBuilder().ApplicationName ? null : builder.ApplicationName;
        builder.ApplicationName = ApplicationName(configured, pool);
        if (builder.MinPoolSize > maxSize)
        {
            throw new ConnectionStringProblem($"its Min Pool Size ({builder.MinPoolSize}) is above the {pool} pool's size ({maxSize}).");
        }
        return builder.ToString();
    }

    /// <summary>
    /// READ COMMITTED, named: a SNAPSHOT transaction's isolation stays the session's after it ends, and SqlClient's pool
    /// does not reset it (sp_reset_connection leaves it; dotnet/SqlClient#96), while a transaction begun without a level
    /// takes the session's. A snapshot read (<see cref="Db.SnapshotReadAsync{T}"/>) leaves its request-pool connection in
    /// SNAPSHOT, and the audit trail's appender, which opens its connection from that pool, then appended in SNAPSHOT: a
    /// head another instance updated since was refused (error 3960, an update conflict no retry expects) instead of
    /// waited for.
    /// </summary>
    internal override System.Data.IsolationLevel WriteIsolation => System.Data.IsolationLevel.ReadCommitted;

    internal override UpgradeEngineBuilder Migrations(string connectionString) => DeployChanges.To.SqlDatabase(connectionString);

    /// <summary>SNAPSHOT isolation (<see cref="SqlDialect.BeginSnapshotAsync"/>) must be allowed per database; ALTER DATABASE cannot run in a transaction.</summary>
    internal override string? DatabaseSettings => "ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON";
}
