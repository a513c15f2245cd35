using System.Net;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Data;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// README's "Backup and restore", done as written while the service runs under load — an EU consumer reading and an
/// editor creating standards one after another — and the backup then started as a registry of its own: its trail
/// verifies from the first entry and is a prefix of the running registry's; every write it holds has its audit entry and
/// every write entry it holds has its write (a write and its entry commit together, so a consistent copy has both or
/// neither); every read answered before the backup began has its entry in it; and it takes new writes and reads, its
/// chain going on from the restored head. SQLite: <c>VACUUM INTO</c> from a connection of its own. PostgreSQL:
/// <c>pg_dump -Fc</c>, then <c>pg_restore</c> into an empty database.
/// </summary>
public abstract class BackupRestoreTests(TestProvider provider)
{
    private static readonly TestCaller Reader = TestCaller.Eu("NS");

    [Fact]
    public async Task ABackupTakenUnderLoadRestoresToARegistryWhoseWritesAndTrailAgreeAndThatGoesOn()
    {
        await using var source = new RegistryApp(provider: provider).Start();
        var editor = source.As(TestCaller.Editor("CTS"));
        await editor.CreateStandardAsync("base-0");
        await editor.CreateDraftAsync("base-0", "NR");
        await editor.PublishAsync("base-0", 1);
        await source.As(TestCaller.ReleaseAuthority("CTS")).ReleaseAsync("base-0", 1, "EU");

        using var stop = new CancellationTokenSource();
        long answered = 0;
        var created = 0;
        var reader = Task.Run(async () =>
        {
            var eu = source.As(Reader);
            while (!stop.IsCancellationRequested)
            {
                using var response = await eu.GetAsync("/v1/standards/base-0/versions/latest");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Interlocked.Increment(ref answered);
            }
        });
        var writer = Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                await editor.CreateStandardAsync($"load-{n}");
                Volatile.Write(ref created, n + 1);
            }
        });

        // The backup starts once both are under way, and both go on while it is taken and after it.
        await Wait.UntilAsync(() => Volatile.Read(ref created) >= 10 && Interlocked.Read(ref answered) >= 50, TimeSpan.FromSeconds(60), "10 writes and 50 reads before the backup");
        var answeredBefore = Interlocked.Read(ref answered);
        var backup = await TestDatabase.CreateAsync(provider);
        await BackUpAsync(source.ConnectionString, backup);
        var createdAtBackup = Volatile.Read(ref created);
        await Wait.UntilAsync(() => Volatile.Read(ref created) >= createdAtBackup + 5, TimeSpan.FromSeconds(60), "5 writes after the backup");
        await stop.CancelAsync();
        await Task.WhenAll(reader, writer);

        await using var restored = RegistryApp.Over(backup).Start();
        var admin = restored.As(TestCaller.Admin());
        var verified = await VerifyFullyAsync(admin);
        var head = verified["headSequence"]!.GetValue<long>();
        var sourceDb = TestDb.Open(provider, source.ConnectionString);
        var restoredDb = TestDb.Open(provider, backup.ConnectionString);

        // The restored chain is the running registry's up to the restored head: the same hash at that sequence.
        Assert.Equal(await HashAtAsync(sourceDb, head), await HashAtAsync(restoredDb, head));

        // Writes and their entries: the same keys, and those keys the first ones the editor created.
        var keys = await ReadAsync(restoredDb, "SELECT standard_key FROM standards WHERE standard_key LIKE 'load-%'");
        var entries = await ReadAsync(restoredDb, $"SELECT standard_key FROM audit_log WHERE action = '{AuditActions.StandardCreate}' AND status = 201 AND standard_key LIKE 'load-%'");
        Assert.Equal(keys.Order(StringComparer.Ordinal), entries.Order(StringComparer.Ordinal));
        Assert.Equal(Enumerable.Range(0, keys.Count).Select(n => $"load-{n}").Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
        Assert.True(keys.Count >= 10 && keys.Count < Volatile.Read(ref created), $"The backup holds {keys.Count} of {created} writes: it was not taken while they went on.");

        // Every read answered before the backup began has its entry in the backup.
        var reads = await ReadAsync(restoredDb, $"SELECT subject FROM audit_log WHERE action = '{AuditActions.VersionReadLatest}' AND status = 200 AND subject = '{Reader.Subject}'");
        Assert.True(reads.Count >= answeredBefore, $"{answeredBefore} reads were answered before the backup began; it holds the entries of {reads.Count}.");

        // The restored registry goes on: new writes (their ids drawn after the restored ones) and reads, chained on.
        var restoredEditor = restored.As(TestCaller.Editor("CTS"));
        await restoredEditor.CreateStandardAsync("after-restore");
        Assert.Equal(1, await restoredEditor.CreateDraftAsync("after-restore", "NR"));
        await restoredEditor.PublishAsync("after-restore", 1);
        await restored.As(TestCaller.ReleaseAuthority("CTS")).ReleaseAsync("after-restore", 1, "EU");
        Assert.Equal(2, await restoredEditor.CreateDraftAsync("base-0", "NR"));
        Assert.Equal(HttpStatusCode.OK, (await restored.As(Reader).GetAsync("/v1/standards/after-restore/versions/latest")).StatusCode);
        var after = await VerifyFullyAsync(admin);
        Assert.True(after["headSequence"]!.GetValue<long>() > head, after.ToJsonString());
    }

    /// <summary>
    /// A mirror that followed the feed past the backup point and asks the restored registry for the next page: the
    /// restored registry numbers its new events as the lost ones were, so following on from that cursor would skip them
    /// for good (a release, a revocation's tombstone). Its cursor is refused instead, as a cursor of another view is,
    /// telling it to export again: beyond the restored head, and once new events have passed it.
    /// </summary>
    [Fact]
    public async Task AFeedCursorIssuedAfterTheBackupIsRefusedByTheRestoredRegistryRatherThanSkippingItsNewEvents()
    {
        await using var source = new RegistryApp(provider: provider).Start();
        await PublishToEuAsync(source, "before-backup");
        var mirror = new FeedFollower(source.As(Reader));
        await mirror.FollowAsync();
        var atBackup = mirror.Cursor!;
        var backup = await TestDatabase.CreateAsync(provider);
        await BackUpAsync(source.ConnectionString, backup);

        // After the backup: an edition released to the EU, which the mirror follows.
        await PublishToEuAsync(source, "lost-after-backup");
        await mirror.FollowAsync();
        Assert.Contains(mirror.Copy.Keys, k => k.Key == "lost-after-backup");
        var afterBackup = mirror.Cursor!;
        Assert.NotEqual(atBackup, afterBackup);

        await using var restored = RegistryApp.Over(backup).Start();
        var eu = restored.As(Reader);
        // The cursor of the backup point still follows on.
        Assert.Equal(HttpStatusCode.OK, (await eu.GetAsync($"/v1/feed?cursor={atBackup}")).StatusCode);
        // Beyond the restored head: refused, not an empty page that waits for new events to pass it.
        await ProblemAssertions.ProblemAsync(await eu.GetAsync($"/v1/feed?cursor={afterBackup}"), HttpStatusCode.BadRequest, "cursor");
        // A cursor from before cursors carried their event's mark: followed on while its event is there, refused beyond the head.
        Assert.Equal(HttpStatusCode.OK, (await eu.GetAsync($"/v1/feed?cursor={Unmarked(atBackup)}")).StatusCode);
        await ProblemAssertions.ProblemAsync(await eu.GetAsync($"/v1/feed?cursor={Unmarked(afterBackup)}"), HttpStatusCode.BadRequest, "cursor");

        // The restored registry's own next event for the EU takes the number the lost one had: the mirror must not skip it.
        await PublishToEuAsync(restored, "new-after-restore");
        var problem = await ProblemAssertions.ProblemAsync(await eu.GetAsync($"/v1/feed?cursor={afterBackup}"), HttpStatusCode.BadRequest, "cursor");
        Assert.Equal(Catalogue.FeedApi.NotInThisHistory, problem["errors"]!["cursor"]![0]!.GetValue<string>());
        var fresh = new FeedFollower(eu);
        fresh.Resume(atBackup, mirror.Copy.Where(c => c.Key.Key != "lost-after-backup").Select(c => c.Value));
        await fresh.FollowAsync();
        Assert.Contains(fresh.Copy.Keys, k => k.Key == "new-after-restore");
    }

    /// <summary>A cursor as the registry wrote it before cursors carried their event's mark: view and position only.</summary>
    private static string Unmarked(string cursor)
    {
        var text = System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(cursor));
        Assert.Matches(":[0-9a-f]{12}$", text);
        return System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(text[..text.LastIndexOf(':')]));
    }

    private static async Task PublishToEuAsync(RegistryApp app, string key)
    {
        var editor = app.As(TestCaller.Editor("CTS"));
        await editor.CreateStandardAsync(key);
        await editor.CreateDraftAsync(key, "NR");
        await editor.PublishAsync(key, 1);
        await app.As(TestCaller.ReleaseAuthority("CTS")).ReleaseAsync(key, 1, "EU");
    }

    /// <summary>README's backup of the running registry's database into <paramref name="target"/>, which is empty.</summary>
    private async Task BackUpAsync(string connectionString, TestDatabase target)
    {
        if (provider == TestProvider.Sqlite)
        {
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync();
            await connection.ExecuteAsync("VACUUM INTO @file", new { file = new SqliteConnectionStringBuilder(target.ConnectionString).DataSource });
            return;
        }
        Assert.Equal(TestProvider.Postgres, provider);
        var cluster = await TestDatabase.SharedPostgres.Value;
        var file = await cluster.DumpAsync(new NpgsqlConnectionStringBuilder(connectionString).Database!);
        try
        {
            await cluster.RestoreAsync(file, new NpgsqlConnectionStringBuilder(target.ConnectionString).Database!);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>GET /v1/audit/verify?full=true, followed until complete; it must be valid.</summary>
    private static async Task<System.Text.Json.Nodes.JsonObject> VerifyFullyAsync(HttpClient admin)
    {
        var verification = await admin.GetJsonAsync("/v1/audit/verify?full=true");
        while (verification["valid"]!.GetValue<bool>() && !verification["complete"]!.GetValue<bool>())
        {
            verification = await admin.GetJsonAsync($"/v1/audit/verify?full=true&cursor={Uri.EscapeDataString(verification["nextCursor"]!.GetValue<string>())}");
        }
        Assert.True(verification["valid"]!.GetValue<bool>() && verification["complete"]!.GetValue<bool>(), verification.ToJsonString());
        return verification;
    }

    private static async Task<string> HashAtAsync(Db db, long sequence) =>
        await db.ReadAsync(c => c.ExecuteScalarAsync<string>("SELECT hash FROM audit_log WHERE sequence = @sequence", new { sequence })) ?? "(no entry)";

    private static async Task<List<string>> ReadAsync(Db db, string sql) =>
        [.. await db.ReadAsync(c => c.QueryAsync<string>(sql))];
}
