using Npgsql;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// Waiting for PostgreSQL sessions to queue on a lock a test holds: the one condition a test that stalls a write inside
/// the database can wait for, rather than for a time.
/// </summary>
public static class PostgresLocks
{
    /// <summary>
    /// Until at least <paramref name="count"/> sessions of the database of <paramref name="connectionString"/> wait for a
    /// lock (those whose statement is <c>LIKE</c> <paramref name="query"/>, when one is given), or <paramref name="done"/>
    /// is done (a write that did not wait, as it would were the lock not there, ends the wait rather than failing it: the
    /// caller asserts what it expects of that); fails naming <paramref name="what"/> after <paramref name="within"/>
    /// (20 s unless given). Asked on a connection of its own, outside any transaction the test holds, whose view of the
    /// server's activity would stay as it first read it.
    /// </summary>
    public static Task UntilWaitingAsync(string connectionString, int count, string what, string? query = null, TimeSpan? within = null, Task? done = null) =>
        UntilWaitingAsync(connectionString, count, () => what, query, within, done);

    /// <summary>As the other, with what was waited for told only on failure (so that it can say what the service logged).</summary>
    public static async Task UntilWaitingAsync(string connectionString, int count, Func<string> what, string? query = null, TimeSpan? within = null, Task? done = null)
    {
        await using var watch = new NpgsqlConnection(connectionString);
        await watch.OpenAsync();
        await using var waiting = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'" + (query is null ? "" : " AND query LIKE @query"), watch);
        if (query is not null)
        {
            waiting.Parameters.AddWithValue("query", query);
        }
        long seen = 0;
        await Wait.UntilAsync(
            async () => done?.IsCompleted == true || (seen = (long)(await waiting.ExecuteScalarAsync())!) >= count,
            within ?? TimeSpan.FromSeconds(20),
            () => $"{what()}: {count} session(s) waiting for a lock; {seen} are");
    }
}
