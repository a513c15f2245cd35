using Dapper;
using StandardsRegistry.Data;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// A test database's audit log reached behind the service's back, as someone with database access could: counting
/// entries, and making the log unwritable (a trigger that refuses every insert, as a full disk or a read-only file
/// would, which root's file permissions cannot imitate) and writable again.
/// </summary>
public sealed class AuditStore(TestProvider provider, string connectionString)
{
    private const string Trigger = "audit_log_frozen";

    public Db Db { get; } = TestDb.Open(provider, connectionString);

    /// <summary>Entries of <paramref name="subject"/> with one of <paramref name="actions"/> (the tests' own constants) and <paramref name="status"/>.</summary>
    public Task<long> CountAsync(string subject, IEnumerable<string> actions, int status) =>
        Db.ReadAsync(c => c.ExecuteScalarAsync<long>(
            $"SELECT COUNT(*) FROM audit_log WHERE subject = @subject AND status = @status AND action IN ({string.Join(", ", actions.Select(a => $"'{a}'"))})",
            new { subject, status })).AsTask();

    /// <summary>Every entry with this action, oldest first.</summary>
    public Task<List<AuditRow>> EntriesAsync(string action) =>
        Db.ReadAsync(c => c.QueryAsync<AuditRow>(
            "SELECT sequence AS Sequence, action AS Action, status AS Status, subject AS Subject, community AS Community, standard_key AS StandardKey, detail AS Detail, classification AS Classification FROM audit_log WHERE action = @action ORDER BY sequence",
            new { action })).AsTask();

    /// <summary>
    /// From now on every insert into the audit log fails — or, given <paramref name="action"/>, only the inserts of that
    /// action (so the rest of the trail, the outage's own record among it, still commits) — until <see cref="ThawAsync"/>.
    /// </summary>
    public Task FreezeAsync(string? action = null)
    {
        // An action is one of the tests' own constants, never input.
        var when = action is null ? "" : provider == TestProvider.Postgres ? $"WHEN (NEW.action = '{action}')" : $"WHEN NEW.action = '{action}'";
        return ExecuteAsync(provider == TestProvider.Postgres
            ? $"""
              CREATE FUNCTION {Trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the audit log is frozen by a test'; END $$;
              CREATE TRIGGER {Trigger} BEFORE INSERT ON audit_log FOR EACH ROW {when} EXECUTE FUNCTION {Trigger}();
              """
            : $"CREATE TRIGGER {Trigger} BEFORE INSERT ON audit_log {when} BEGIN SELECT RAISE(ABORT, 'the audit log is frozen by a test'); END");
    }

    public Task ThawAsync() => ExecuteAsync(provider == TestProvider.Postgres
        ? $"DROP TRIGGER {Trigger} ON audit_log; DROP FUNCTION {Trigger}();"
        : $"DROP TRIGGER {Trigger}");

    private async Task ExecuteAsync(string sql) =>
        await Db.WriteAsync(async c => Result.Done(await c.ExecuteAsync(sql)));
}
