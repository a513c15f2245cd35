using System.Data.Common;
using DbUp;
using DbUp.Builder;
using DbUp.Engine;
using Microsoft.Data.Sqlite;

namespace StandardsRegistry.Data;

/// <summary>
/// The few places where providers differ, behind one seam: connections, paging, returning generated values,
/// migrations and which errors are transient. Every query is written once, in the stores, against this seam.
/// </summary>
public abstract class SqlDialect
{
    public const string Sqlite = "sqlite";

    public static IReadOnlyList<string> Providers { get; } = [Sqlite];

    public abstract string Name { get; }

    public abstract DbConnection CreateConnection(string connectionString);

    /// <summary>Clause after ORDER BY that keeps the first <c>@limit</c> rows.</summary>
    public abstract string Limit(string parameter);

    /// <summary>An INSERT that returns one column of the new row.</summary>
    public abstract string InsertReturning(string table, string columns, string values, string returned);

    /// <summary>The provider's own verdict that retrying the whole operation may succeed.</summary>
    public abstract bool IsTransient(Exception exception);

    /// <summary>The database could not be reached or opened at all.</summary>
    public abstract bool IsConnectionFailure(Exception exception);

    /// <summary>A unique constraint refused the write (a concurrent writer got there first).</summary>
    public abstract bool IsUniqueViolation(Exception exception);

    /// <summary>Checks the connection string's syntax; throws <see cref="ArgumentException"/> with the reason.</summary>
    public abstract string Normalize(string connectionString);

    internal abstract UpgradeEngineBuilder Migrations(string connectionString);

    public static SqlDialect For(string provider) => provider switch
    {
        Sqlite => new SqliteDialect(),
        _ => throw new ArgumentException($"Unknown database provider '{provider}': use one of {string.Join(", ", Providers)}."),
    };

    internal UpgradeEngine MigrationEngine(string connectionString, DbUp.Engine.Output.IUpgradeLog log) =>
        Migrations(connectionString)
            .WithScriptsEmbeddedInAssembly(typeof(SqlDialect).Assembly, name => name.StartsWith($"db.{Name}/", StringComparison.Ordinal))
            .WithTransactionPerScript()
            .LogTo(log)
            .Build();
}

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

    internal override UpgradeEngineBuilder Migrations(string connectionString) => DeployChanges.To.SqliteDatabase(connectionString);
}
