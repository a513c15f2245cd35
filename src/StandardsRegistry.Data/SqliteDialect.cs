using System.Data.Common;
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

    public override DbConnection CreateConnection(string connectionString) => new SqliteConnection(connectionString);

    public override string Limit(string parameter) => $"LIMIT {parameter}";

    public override string InsertReturning(string table, string columns, string values, string returned) =>
        $"INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING {returned}";

    public override bool IsTransient(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: Busy or Locked };

    public override bool IsConnectionFailure(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: CantOpen or IoError or ReadOnly };

    public override bool IsUniqueViolation(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: Constraint, SqliteExtendedErrorCode: ConstraintUnique or ConstraintPrimaryKey };

    public override string Normalize(string connectionString)
    {
        // Foreign keys on, and a busy timeout so concurrent writers wait for the lock instead of failing at once.
        var builder = new SqliteConnectionStringBuilder(connectionString) { ForeignKeys = true };
        if (string.IsNullOrWhiteSpace(builder.DataSource))
        {
            throw new ArgumentException("the SQLite connection string needs a Data Source (a file path).");
        }
        if (builder.DefaultTimeout == 30)
        {
            builder.DefaultTimeout = 10;
        }
        return builder.ToString();
    }

    /// <summary>
    /// Write-ahead logging: readers never wait for a writer (nor a writer for readers), and a read takes no file lock.
    /// Proposal P6 of bench/PROFILE.md; needed by the audit trail, which turns every read load into a mixed one (its
    /// batches are writes). The mode is stored in the database file, so this is a no-op after the first start.
    /// </summary>
    internal override void Configure(string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL";
        command.ExecuteScalar();
    }

    internal override UpgradeEngineBuilder Migrations(string connectionString) => DeployChanges.To.SqliteDatabase(connectionString);
}
