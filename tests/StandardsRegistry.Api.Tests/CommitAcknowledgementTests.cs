using System.Net;
using System.Net.Http.Json;
using Npgsql;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// A write transaction whose COMMIT the database carried out, but whose acknowledgement the connection lost on the way
/// back (the network failing right after the commit). The registry cannot tell it from a commit that never arrived: it
/// must neither run the write again (a second edition, feed event and audit entry for one request) nor claim it failed.
/// </summary>
public sealed class CommitAcknowledgementTests
{
    /// <summary>
    /// A relay that can drop the answer to a COMMIT, put between <paramref name="app"/> (not started yet) and its
    /// PostgreSQL for the connections of <paramref name="pool"/> (the application name the server sees); the answer it
    /// can drop is the one tagged <paramref name="tag"/>.
    /// </summary>
    private static CommitAckDropper Relayed(RegistryApp app, string pool, string tag = "COMMIT")
    {
        var relay = new CommitAckDropper(new NpgsqlConnectionStringBuilder(app.ConnectionString).Port, pool, tag);
        app.With("ConnectionStrings:Registry", new NpgsqlConnectionStringBuilder(app.ConnectionString)
        {
            Host = "127.0.0.1",
            Port = relay.Port,
            SslMode = SslMode.Disable,
        }.ConnectionString);
        return relay;
    }

    /// <summary>An audited request whose entry nobody waits for: a 404 read by an EU consumer named <paramref name="subject"/>.</summary>
    private static async Task ProbeAsync(RegistryApp app, string subject)
    {
        using var absent = await app.As(new TestCaller(subject, "EU", "NU", "consumer")).GetAsync("/v1/standards/absent/versions/latest", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);
    }

    private static Task<long> EntriesAsync(AuditStore store, string subject) =>
        store.Db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE subject = @subject", new { subject })).AsTask();

    /// <summary>
    /// Waits until the trail is writable again: a content read of stanag-1 is answered once its own entry, queued after
    /// any batch being tried again, is committed (until then it is refused, as every audited request while the trail
    /// cannot be written).
    /// </summary>
    private static Task UntilTheTrailIsWritableAsync(RegistryApp app)
    {
        var admin = app.As(TestCaller.Admin());
        return Wait.UntilAsync(async () =>
        {
            using var read = await admin.GetAsync("/v1/standards/stanag-1/versions/latest");
            return read.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(30), "the audit trail writable again");
    }

    /// <summary>
    /// Publishes stanag-1 in the started <paramref name="app"/>, whose editorial writes move the chain's head, then has a
    /// first probe's entry written: its batch takes the head's lock, and the writer then knows the head it wrote, so its
    /// next batch goes as one statement, committed on its own (PostgreSQL). Returns the trail as the test reads it.
    /// </summary>
    private static async Task<AuditStore> AWriterThatKnowsTheHeadAsync(RegistryApp app)
    {
        var editor = app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("stanag-1");
        await editor.PublishAsync("stanag-1", await editor.CreateDraftAsync("stanag-1"));
        var store = new AuditStore(app.Provider, app.ConnectionString);
        await ProbeAsync(app, "first@eu");
        await Wait.UntilAsync(async () => await EntriesAsync(store, "first@eu") == 1, TimeSpan.FromSeconds(30), "the first probe's entry written");
        return store;
    }

    /// <summary>
    /// Until 2026-12-07 the database pipeline retried the whole transaction on the lost connection, as if it had rolled
    /// back: one POST of a draft made two editions, and was answered 201 with the second. A connection lost during the
    /// commit is now answered 503 (re-read before retrying, as SECURITY.md says of a write stopped by the request
    /// timeout), and the write is there once.
    /// </summary>
    [Fact]
    public async Task AWriteWhoseCommitAcknowledgementIsLostIsNotAppliedTwice()
    {
        await using var app = new RegistryApp(provider: TestProvider.Postgres);
        // Only the writers' pool goes through the relay's fault (editorial writes; the audit trail writes on its own).
        await using var relay = Relayed(app, "standards-registry (writes)");
        app.With("Webhooks:PollInterval", "01:00:00").Start();
        // The webhook dispatcher leases in a write transaction on every run: its first (at start) over, the next an hour
        // away, the POST's is the only COMMIT on the writers' pool once the relay is armed. Its run's COMMIT was the one
        // dropped in one run of four, the POST then answered 201.
        var dispatcher = app.Dispatcher;
        await Wait.UntilAsync(() => dispatcher.RunsEnded >= 1, TimeSpan.FromSeconds(20), "the dispatcher's first run");
        var editor = app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("stanag-1");

        relay.Arm();
        using var response = await editor.PostAsJsonAsync("/v1/standards/stanag-1/versions", new
        {
            title = "written once",
            summary = "A summary.",
            body = "The body.",
            classification = "NU",
            attributes = RegistryClient.AttributesFor("caliber"),
        }, TestContext.Current.CancellationToken);

        Assert.Equal(1, relay.Dropped);
        var versions = await VersionListing.AllAsync(editor, "stanag-1");
        Assert.Equal(["written once"], versions.Select(v => v["title"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
    }

    /// <summary>
    /// The audit trail's writer, its batch's COMMIT acknowledgement lost, tries the batch again. Until 2026-12-07 it
    /// chained the entries again on the head the lost commit had moved: an entry nobody waited for (a 404's) was twice
    /// in the chain. It now looks for the batch's last row first and leaves out what is there.
    /// </summary>
    [Fact]
    public async Task AnAuditBatchWhoseCommitAcknowledgementIsLostIsNotWrittenTwice()
    {
        await using var app = new RegistryApp(provider: TestProvider.Postgres);
        // The audit trail's writer keeps a connection of the requests' pool; reads there commit nothing.
        await using var relay = Relayed(app, "standards-registry (requests)");
        app.Start();
        var editor = app.As(TestCaller.Editor());
        // Editorial writes move the chain's head: the writer's next batch takes the head's lock and commits.
        await editor.CreateStandardAsync("stanag-1");
        await editor.PublishAsync("stanag-1", await editor.CreateDraftAsync("stanag-1"));

        relay.Arm();
        const string subject = "prober@eu";
        await ProbeAsync(app, subject);
        await Wait.UntilAsync(() => relay.Dropped == 1, TimeSpan.FromSeconds(30), "the batch's COMMIT acknowledgement lost");
        await UntilTheTrailIsWritableAsync(app);
        Assert.Equal(1, await EntriesAsync(new AuditStore(app.Provider, app.ConnectionString), subject));
    }

    /// <summary>
    /// As the batch above, but written the one-statement way: on PostgreSQL a batch chained on from the head its writer
    /// wrote last is one statement, committed on its own (an implicit transaction), and the answer lost is that
    /// statement's (<c>INSERT 0 1</c>), not a COMMIT's. Its entry is in the chain once. Until the sweep of the audit writer
    /// (2026-12-07) nothing held this way: the batch not marked as possibly written before its statement ran wrote the
    /// entry twice, through every suite.
    /// </summary>
    [Fact]
    public async Task AnAuditBatchWrittenInOneStatementWhoseAcknowledgementIsLostIsNotWrittenTwice()
    {
        await using var app = new RegistryApp(provider: TestProvider.Postgres);
        await using var relay = Relayed(app, "standards-registry (requests)", tag: "INSERT 0 1");
        app.Start();
        var store = await AWriterThatKnowsTheHeadAsync(app);

        relay.Arm();
        const string subject = "prober@eu";
        await ProbeAsync(app, subject);
        await Wait.UntilAsync(() => relay.Dropped == 1, TimeSpan.FromSeconds(30), "the one-statement batch's acknowledgement lost");
        await UntilTheTrailIsWritableAsync(app);
        Assert.Equal(1, await EntriesAsync(store, subject));
    }

    /// <summary>
    /// The other way a batch's outcome is unknown: its statement never reached the server (the connection lost on the
    /// way there), and meanwhile another writer — an editorial write, here of the same instance — chained an entry of its
    /// own at the very sequence the lost batch had taken. The writer, looking for its batch's last row before trying
    /// again, must find that row is not its own (another hash) and write the batch after it. Until the sweep of the audit
    /// writer (2026-12-07) nothing proved the hash was compared: a row at that sequence taken as the batch written dropped
    /// the batch's entries from the trail, through every suite.
    /// </summary>
    [Fact]
    public async Task AnAuditBatchThatNeverReachedTheServerIsWrittenAfterAnotherWritersEntryAtItsSequence()
    {
        await using var app = new RegistryApp(provider: TestProvider.Postgres);
        await using var relay = Relayed(app, "standards-registry (requests)");
        app.Start();
        // The held batch is then one statement, holding no lock the editorial write below would wait for.
        var store = await AWriterThatKnowsTheHeadAsync(app);

        const string subject = "held-probe@eu";
        relay.HoldNext(subject);
        await ProbeAsync(app, subject);
        await relay.Held.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        // The editorial write chains its entry on the head, at the sequence the held batch took.
        await app.As(TestCaller.Editor()).CreateStandardAsync("stanag-2");
        relay.Break();

        await UntilTheTrailIsWritableAsync(app);
        Assert.Equal(1, await EntriesAsync(store, subject));
        Assert.Equal(2, await store.CountAsync(TestCaller.Editor().Subject, [StandardsRegistry.Data.AuditActions.StandardCreate], 201));
        var verification = await app.As(TestCaller.Admin()).GetJsonAsync("/v1/audit/verify?full=true");
        Assert.True((bool)verification["valid"]!, verification.ToJsonString());
        // The verification's own entry is queued, not waited for: written before the relay goes, so that the service's
        // stop has nothing left to write through it (it would hold the entry for the whole shutdown timeout).
        await Wait.UntilAsync(async () => await store.CountAsync(TestCaller.Admin().Subject, [StandardsRegistry.Data.AuditActions.AuditVerify], 200) == 1,
            TimeSpan.FromSeconds(30), "the verification's entry written");
    }

    /// <summary>
    /// The batch that ends an outage — its record (<c>audit.outage</c>) first — has its COMMIT acknowledgement lost too.
    /// The writer built the outage's record afresh for each attempt, so the record of the committed batch was not among
    /// the entries it looked for, and was written again; and the entries of the first lost batch, found written and left
    /// out of the second, were tried again with the third, chained on once more. Each entry is now in the chain once,
    /// the outage's record too.
    /// </summary>
    [Fact]
    public async Task AnOutageWhoseRecordsCommitAcknowledgementIsLostIsRecordedOnce()
    {
        await using var app = new RegistryApp(provider: TestProvider.Postgres);
        await using var relay = Relayed(app, "standards-registry (requests)");
        app.Start();
        var editor = app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("stanag-1");
        await editor.PublishAsync("stanag-1", await editor.CreateDraftAsync("stanag-1"));

        // The first batch's acknowledgement lost begins the outage; the next batch, which carries its record, loses its own.
        relay.Arm(times: 2);
        const string subject = "prober@eu";
        await ProbeAsync(app, subject);
        await Wait.UntilAsync(() => relay.Dropped == 2, TimeSpan.FromSeconds(30), "two batches' COMMIT acknowledgements lost");
        await UntilTheTrailIsWritableAsync(app);

        var store = new AuditStore(app.Provider, app.ConnectionString);
        var outages = await store.EntriesAsync(StandardsRegistry.Data.AuditActions.AuditOutage);
        Assert.True(outages.Count == 1, $"the outage is on record {outages.Count} times: {string.Join("; ", outages.Select(o => o.Detail))}");
        Assert.Equal(1, await EntriesAsync(store, subject));
    }
}
