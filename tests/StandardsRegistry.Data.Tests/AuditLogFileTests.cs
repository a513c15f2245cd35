using System.Diagnostics;
using Microsoft.Data.Sqlite;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Data.Tests;

/// <summary>
/// The audit writer's SQLite log under steady reads. A passive checkpoint copies the write-ahead log into the database
/// but never lets the next commit start the log again while some read began before the copy ended, and under steady
/// reads one always has: the log grew without end (a gigabyte in half a minute of audited reads, every commit appending
/// to fresh pages). The writer's checkpointer also restarts the log, so the pages it holds stay bounded.
/// </summary>
public sealed class AuditLogFileTests() : DatabaseSuite(TestProvider.Sqlite, migrated: true)
{
    [Fact]
    public async Task UnderReadsThatAlwaysOverlapTheLogIsStartedAgainInsteadOfGrowing()
    {
        using var log = new AuditLog(Db);
        using var stop = new CancellationTokenSource();
        // Reads in relay: a read begins, then the one before it ends, a few milliseconds apart, so at every moment a
        // snapshot is held, nearly always from before the latest commit (what steady reads of a busy service look like).
        var relay = Task.Run(() => Read(stop.Token));
        try
        {
            // Pages in the log once the first hundred batches are in: with the log never started again, it only grows.
            for (var i = 0; i < 100; i++)
            {
                log.AppendBatch(Batch(i));
            }
            var grown = PagesInLog();
            Assert.True(grown >= 100, $"the first hundred batches wrote {grown} pages to the log");

            // The writer goes on; the checkpointer (every 250 ms) must bring the log back below what it held.
            var waited = Stopwatch.StartNew();
            var pages = grown;
            for (var i = 100; pages >= grown && waited.Elapsed < TimeSpan.FromSeconds(15); i++)
            {
                log.AppendBatch(Batch(i));
                pages = PagesInLog();
            }
            Assert.True(pages < grown, $"the log still holds {pages} pages after {waited.Elapsed.TotalSeconds:0.0} s of batches (it held {grown})");
        }
        finally
        {
            await stop.CancelAsync();
            await relay;
        }
        Assert.True((await log.VerifyFullAsync()).Complete);
    }

    private static IReadOnlyList<AuditEntry> Batch(int i) =>
        Enumerable.Range(0, 5).Select(j => new AuditEntry(1_764_000_000_000 + i, "version.read", 200, "reader@eu", "EU", "consumer",
            $"STD-{i}", j, null, null, "127.0.0.1", $"request-{i}-{j}")).ToList();

    private void Read(CancellationToken stop)
    {
        using var first = new SqliteConnection(Database.ConnectionString);
        using var second = new SqliteConnection(Database.ConnectionString);
        first.Open();
        second.Open();
        var (reading, next) = (first, second);
        var held = Begin(reading);
        while (!stop.IsCancellationRequested)
        {
            Thread.Sleep(3);
            var begun = Begin(next);
            held.Commit();
            held.Dispose();
            (held, reading, next) = (begun, next, reading);
        }
        held.Dispose();
    }

    /// <summary>A read transaction with its snapshot taken.</summary>
    private static SqliteTransaction Begin(SqliteConnection connection)
    {
        var transaction = connection.BeginTransaction(deferred: true);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT count(*) FROM audit_chain_head";
        command.ExecuteScalar();
        return transaction;
    }

    /// <summary>
    /// The pages the log holds since it last started (a passive checkpoint's second column; it is -1 while another
    /// checkpoint runs, so asked again).
    /// </summary>
    private long PagesInLog()
    {
        using var connection = new SqliteConnection(Database.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        while (true)
        {
            using var reader = command.ExecuteReader();
            reader.Read();
            if (reader.GetInt64(1) is var pages and >= 0)
            {
                return pages;
            }
        }
    }
}
