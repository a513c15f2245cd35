using DbUp.Engine.Output;
using Microsoft.Extensions.Logging;

namespace StandardsRegistry.Data;

/// <summary>
/// Applies the provider's journaled migration scripts (db/&lt;provider&gt;/), one transaction per script, under the
/// database's migration lock (<see cref="SqlDialect.LockMigrations"/>) where the provider has one.
/// </summary>
public sealed class DatabaseMigrator(Db db, ILogger<DatabaseMigrator> logger)
{
    /// <summary>Applies what the journal lacks; returns the names of the scripts applied.</summary>
    public IReadOnlyList<string> Migrate()
    {
        string? unusable;
        try
        {
            using var connection = db.Dialect.CreateConnection(db.ConnectionString);
            connection.Open();
            unusable = db.Dialect.Unusable(connection);
            if (unusable is null && db.Dialect.DatabaseSettings is { } settings)
            {
                Dapper.SqlMapper.Execute(connection, settings);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"The database could not be migrated: {e.Message}", e);
        }
        if (unusable is not null)
        {
            throw new InvalidOperationException(unusable);
        }
        IDisposable? migrationLock;
        try
        {
            migrationLock = db.Dialect.LockMigrations(db.ConnectionString);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"The database could not be migrated: {e.Message}", e);
        }
        using var held = migrationLock;
        var engine = db.Dialect.MigrationEngine(db.ConnectionString, new Log(logger));
        RefuseANewerDatabase(engine);
        var result = engine.PerformUpgrade();
        if (!result.Successful)
        {
            throw new InvalidOperationException(result.ErrorScript is { } script
                ? $"Migration script '{script.Name}' failed: {result.Error.Message}"
                : $"The database could not be migrated: {result.Error.Message}", result.Error);
        }
        return result.Scripts.Select(s => s.Name).ToList();
    }

    /// <summary>
    /// A database whose journal lists a script this build does not ship was migrated by a newer version (DbUp alone
    /// would ignore it): this build's writes do not know that schema (0022 made <c>releases.standard_id</c> NOT NULL on
    /// PostgreSQL, and an older build's releases then failed with a 500; on SQLite they would have been stored without
    /// it), so it does not start on it.
    /// </summary>
    private static void RefuseANewerDatabase(DbUp.Engine.UpgradeEngine engine)
    {
        List<string> unknown;
        try
        {
            unknown = engine.GetExecutedButNotDiscoveredScripts();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"The database could not be migrated: {e.Message}", e);
        }
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException($"{Newer(unknown)} Run that version or a later one, or restore the backup taken before the upgrade.");
        }
    }

    private static string Newer(List<string> unknown) =>
        $"The database was migrated by a newer version of the Standards Registry: its journal (schemaversions) lists "
        + $"{string.Join(", ", unknown)}, which this version does not have.";

    /// <summary>
    /// Why this build may not serve on the database as it is now, or null: scripts still to apply, or a journal that
    /// lists scripts of a newer version. <see cref="Migrate"/> refuses the latter at start; the readiness probe asks
    /// again while the instance runs, since a newer instance may migrate the database under it (an upgrade that left the
    /// old instances running), and the old one then serves on a schema it does not know.
    /// </summary>
    public string? SchemaProblem()
    {
        var engine = db.Dialect.MigrationEngine(db.ConnectionString, new NoOpUpgradeLog());
        var unknown = engine.GetExecutedButNotDiscoveredScripts();
        if (unknown.Count > 0)
        {
            return $"{Newer(unknown)} Stop this instance: run that version instead.";
        }
        return engine.IsUpgradeRequired() ? "The database has migrations to apply." : null;
    }

    private sealed class Log(ILogger logger) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) { }

        public void LogDebug(string format, params object[] args) { }

        public void LogInformation(string format, params object[] args)
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                logger.LogInformation("{Migration}", string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
            }
        }

        public void LogWarning(string format, params object[] args) =>
            logger.LogWarning("{Migration}", string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));

        // Failures are not logged here: DbUp's text carries the stack trace, and the exception that Migrate throws
        // says what failed once, in one line, where the caller reports it.
        public void LogError(string format, params object[] args) { }

        public void LogError(Exception ex, string format, params object[] args) { }
    }
}
