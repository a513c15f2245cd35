using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Tests.Support;
using static StandardsRegistry.Api.Tests.Support.ProblemAssertions;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// No content leaves the registry before its audit entry is committed (record, then release), and while the
/// trail cannot be written nothing audited is served (fail secure). Real faults: the service process killed with
/// SIGKILL under load, the audit log made unwritable under load, the chain head held by another transaction.
/// </summary>
[Slow]
public abstract class AuditFaultTests(TestProvider provider)
{
    private const string Key = "stanag-7100";
    private static readonly TestCaller Reader = TestCaller.Eu("NS");
    private static readonly string[] ContentActions = ["version.read", "version.read-latest", "label.read", "feed.read"];
    private static readonly string[] ContentPaths =
        [$"/v1/standards/{Key}/versions/1", $"/v1/standards/{Key}/versions/latest", $"/v1/standards/{Key}/versions/1/label", "/v1/feed?limit=5"];
    private static readonly string[] AllContentActions = [.. ContentActions, "target.read", "table.read", "catalogue.export"];

    private static ITestOutputHelper? Output => TestContext.Current.TestOutputHelper;

    /// <summary>Edition 1 (NR) of <see cref="Key"/> published and released to the EU.</summary>
    private static async Task ReleasedAsync(HttpClient editor, HttpClient authority)
    {
        await editor.CreateStandardAsync(Key);
        await editor.PublishAsync(Key, await editor.CreateDraftAsync(Key, "NR"));
        await authority.ReleaseAsync(Key, 1, "EU");
    }

    [Fact]
    public async Task AfterASigkillUnderConcurrentReadsEveryAnsweredReadHasItsEntryAndAnExportItsStart()
    {
        Assert.SkipWhen(provider.UnavailableReason is not null, provider.UnavailableReason ?? "");
        await using var database = await TestDatabase.CreateAsync(provider);
        var first = await ServiceProcess.StartAsync(database);
        long answered = 0;
        var killed = false;
        var clients = new List<Task>();
        try
        {
            await ReleasedAsync(first.Client(TestCaller.Editor()), first.Client(TestCaller.ReleaseAuthority()));
            // 16 clients read content flat out; a 200 counts as soon as its status line arrives.
            for (var i = 0; i < 16; i++)
            {
                var client = first.Client(Reader, TimeSpan.FromSeconds(10));
                var offset = i;
                clients.Add(Task.Run(async () =>
                {
                    for (var n = offset; !Volatile.Read(ref killed); n++)
                    {
                        try
                        {
                            using var response = await client.GetAsync(ContentPaths[n % ContentPaths.Length], HttpCompletionOption.ResponseHeadersRead);
                            if (response.StatusCode == HttpStatusCode.OK)
                            {
                                Interlocked.Increment(ref answered);
                            }
                        }
                        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or System.Net.Sockets.SocketException)
                        {
                            // The process is gone (or going): this read was not answered. A connection the dying process
                            // accepted surfaces as a bare SocketException ("not connected", from the pool reading its
                            // remote end point), not wrapped in an HttpRequestException.
                        }
                    }
                }));
            }
            // An export under way when the process dies: its headers, and its first line, have arrived.
            using var exporter = first.Client(Reader);
            using var export = await exporter.GetAsync("/v1/export", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, export.StatusCode);
            using var lines = new StreamReader(await export.Content.ReadAsStreamAsync());
            Assert.Contains("\"version\"", await lines.ReadLineAsync(), StringComparison.Ordinal);

            // Two seconds of load (and at least 300 reads answered), then the kill, with reads in flight.
            var load = Stopwatch.StartNew();
            await Wait.UntilAsync(() => load.Elapsed > TimeSpan.FromSeconds(2) && Interlocked.Read(ref answered) >= 300, TimeSpan.FromSeconds(30), "300 reads answered");
        }
        finally
        {
            await first.DisposeAsync(); // SIGKILL to the process tree: no graceful shutdown, nothing drained
            Volatile.Write(ref killed, true);
            await Task.WhenAll(clients);
        }

        await using var second = await ServiceProcess.StartAsync(database);
        var store = new AuditStore(provider, database.ConnectionString);
        var recorded = await store.CountAsync(Reader.Subject, ContentActions, 200);
        var exports = await store.EntriesAsync("catalogue.export");
        var verification = await second.Client(TestCaller.Admin()).GetJsonAsync("/v1/audit/verify");
        Output?.WriteLine($"{provider}: {answered} content reads answered 200 before the SIGKILL; {recorded} entries of content reads answered 200 after the restart "
            + $"({recorded - answered} committed whose answer had not arrived); chain: {verification.ToJsonString()}");

        Assert.True(recorded >= answered, $"{answered} reads were answered 200, but only {recorded} have an entry.");
        Assert.True((bool)verification["valid"]!, verification.ToJsonString());
        var start = Assert.Single(exports);
        Assert.Equal((200, Reader.Subject), (start.Status, start.Subject));
        Assert.StartsWith("view EU.3 at feed position ", start.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhileTheTrailIsUnwritableNoContentIsServedAndItRecoversByItself()
    {
        await using var app = new RegistryApp(provider: provider).Start();
        await ReleasedAsync(app.As(TestCaller.Editor()), app.As(TestCaller.ReleaseAuthority()));
        var store = new AuditStore(provider, app.ConnectionString);
        var clock = Stopwatch.StartNew();
        var calls = new ConcurrentQueue<(TimeSpan Started, TimeSpan Ended, HttpResponseMessage Response)>();
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var client = app.As(Reader);
            for (var n = i; !stop.IsCancellationRequested; n++)
            {
                var started = clock.Elapsed;
                var response = await client.GetAsync(ContentPaths[n % ContentPaths.Length]);
                await response.Content.LoadIntoBufferAsync();
                calls.Enqueue((started, clock.Elapsed, response));
            }
        })).ToList();
        int Count(Func<(TimeSpan Started, TimeSpan Ended, HttpResponseMessage Response), bool> which) => calls.Count(which);

        await Wait.UntilAsync(() => Count(c => c.Response.StatusCode == HttpStatusCode.OK) >= 100, TimeSpan.FromSeconds(20), "100 reads served");
        await store.FreezeAsync();
        var frozen = clock.Elapsed;
        await Wait.UntilAsync(() => Count(c => c.Started > frozen) >= 100, TimeSpan.FromSeconds(20), "100 reads sent while the trail is unwritable");
        var ready = await app.Anonymous().GetAsync("/health/ready");
        var export = await app.As(Reader).GetAsync("/v1/export");
        // Answered before the thaw began is answered while frozen. Not "before ThawAsync returned": the writer, waiting at
        // the write gate the thaw holds, commits the held batch the moment the thaw lets go, and a reader can record its
        // 200 before this test's continuation reads the clock.
        var thawing = clock.Elapsed;
        await store.ThawAsync();
        var thawed = clock.Elapsed;
        await Wait.UntilAsync(() => Count(c => c.Started > thawed && c.Response.StatusCode == HttpStatusCode.OK) >= 20, TimeSpan.FromSeconds(20), "reads served again after the trail is writable");
        await stop.CancelAsync();
        await Task.WhenAll(readers);
        await app.StopAsync();

        var during = calls.Where(c => c.Started > frozen && c.Ended < thawing).ToList();
        Output?.WriteLine($"{provider}: {calls.Count} reads; {calls.Count(c => c.Started < frozen)} before the freeze, {during.Count} sent and answered while frozen "
            + $"({during.Count(c => c.Response.StatusCode == HttpStatusCode.OK)} of them 200), recovered {(calls.Where(c => c.Started > thawed && c.Response.StatusCode == HttpStatusCode.OK).Min(c => c.Ended) - thawed).TotalMilliseconds:0} ms after the thaw");
        Assert.NotEmpty(during);
        foreach (var (_, _, response) in during)
        {
            await ProblemAsync(response, HttpStatusCode.ServiceUnavailable, "audit trail");
            Assert.NotNull(response.Headers.RetryAfter);
        }
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("audit: The audit trail cannot be written since ", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await ProblemAsync(export, HttpStatusCode.ServiceUnavailable, "audit trail");

        // Every 200 has its entry, and no refused read left one saying 200; the outage is on record; the chain holds.
        var served = calls.Count(c => c.Response.StatusCode == HttpStatusCode.OK);
        Assert.Equal(served, await store.CountAsync(Reader.Subject, ContentActions, 200));
        var outage = Assert.Single(await store.EntriesAsync("audit.outage"));
        Assert.Equal(503, outage.Status);
        Assert.Contains("requests to audited routes refused with 503", outage.Detail, StringComparison.Ordinal);
        var verification = await new Data.AuditLog(store.Db).VerifyAsync();
        Assert.True(verification.Valid, verification.Problem);
    }

    /// <summary>
    /// The outage's record counts every request refused with 503 during it: the content reads waiting in the batch that
    /// failed, those queued behind it, and those refused before they began. Leaving the failed batch's waiters out of the
    /// count passed every suite, since the outage test reads the record's wording only. The record is composed at the
    /// start of each attempt to write it, so the trail is made writable again only once an attempt has failed after the
    /// last refusal was answered (the next attempt, the one that succeeds, then begins after it): waited for, not raced.
    /// </summary>
    [Fact]
    public async Task TheOutagesRecordCountsEveryRequestRefusedDuringIt()
    {
        await using var app = new RegistryApp(provider: provider).Start();
        using var metrics = new AuditWriterMetrics(app.Services.GetRequiredService<Data.RegistryMetrics>().Meter);
        await ReleasedAsync(app.As(TestCaller.Editor()), app.As(TestCaller.ReleaseAuthority()));
        var store = new AuditStore(provider, app.ConnectionString);
        var answers = new ConcurrentQueue<HttpStatusCode>();
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var client = app.As(Reader);
            for (var n = i; !stop.IsCancellationRequested; n++)
            {
                using var response = await client.GetAsync(ContentPaths[n % ContentPaths.Length]);
                answers.Enqueue(response.StatusCode);
            }
        })).ToList();
        int Count(HttpStatusCode status) => answers.Count(a => a == status);

        await Wait.UntilAsync(() => Count(HttpStatusCode.OK) >= 20, TimeSpan.FromSeconds(20), "20 reads served");
        await store.FreezeAsync();
        await Wait.UntilAsync(() => Count(HttpStatusCode.ServiceUnavailable) >= 50, TimeSpan.FromSeconds(20), "50 reads refused while the trail is unwritable");
        await stop.CancelAsync();
        await Task.WhenAll(readers);
        var failed = metrics.FailedFlushes;
        await Wait.UntilAsync(() => metrics.FailedFlushes > failed, TimeSpan.FromSeconds(20), "an attempt failed after the last refusal was answered");
        await store.ThawAsync();
        List<Data.AuditRow> outages = [];
        await Wait.UntilAsync(async () => (outages = await store.EntriesAsync("audit.outage")).Count > 0, TimeSpan.FromSeconds(20), "the outage on record");

        var refused = Count(HttpStatusCode.ServiceUnavailable);
        Assert.Equal(answers.Count, Count(HttpStatusCode.OK) + refused);
        Assert.EndsWith($"; {refused} requests to audited routes refused with 503 meanwhile", Assert.Single(outages).Detail, StringComparison.Ordinal);
    }

    /// <summary>
    /// A content read whose entry is the first to meet an unwritable trail: the fail-secure 503 problem with Retry-After,
    /// on every content route. Raw capability targets and a preview (answered as plain JSON, not through ETagged) used to
    /// leave the commit to the safety net when the response started, where its failure can only abort the response:
    /// nothing was sent, but the caller got no 503 (Kestrel answers an application error, 500; the test server throws).
    /// The other routes release through <c>ETags.WriteAsync</c> — a table's CSV form wrote its body first and left the
    /// commit to the net, and passed every suite, since the outage test reads neither tables nor their CSV; so did an export
    /// committing its start only after its first line (caught only, by chance, by the test of a HEAD of the export).
    /// A HEAD of a content read commits the same entry as its GET, so it is refused alike.
    /// </summary>
    [Theory]
    [InlineData("/v1/capability-targets/2025")]
    [InlineData("/v1/capability-targets/2025/preview")]
    [InlineData("/v1/capability-tables")]
    [InlineData("/v1/capability-tables/2025/EU")]
    [InlineData("/v1/capability-tables/2025/EU?format=csv")]
    [InlineData("/v1/capability-tables/2025/EU/label")]
    [InlineData($"/v1/standards/{Key}/versions/1")]
    [InlineData($"/v1/standards/{Key}/versions/latest")]
    [InlineData($"/v1/standards/{Key}/versions/1/label")]
    [InlineData("/v1/feed?limit=5")]
    [InlineData("/v1/export")]
    [InlineData($"/v1/standards/{Key}/versions/latest", true)]
    [InlineData($"/v1/standards/{Key}/versions/1/label", true)]
    [InlineData("/v1/capability-tables/2025/EU?format=csv", true)]
    [InlineData("/v1/export", true)]
    public async Task AContentReadWhoseEntryCannotBeCommittedIsAnsweredTheFailSecure503(string path, bool head = false)
    {
        await using var app = new RegistryApp(provider: provider)
            .WithHorizons(2027, 2029)
            .Start();
        var planner = app.As(new TestCaller("planner-CTS@nato", "NATO", "CTS", "planner"));
        await planner.RecordTargetsAsync(2025, "NR");
        await app.As(TestCaller.ReleaseAuthority()).PublishTableAsync(2025, "EU", "NR");
        await ReleasedAsync(app.As(TestCaller.Editor()), app.As(TestCaller.ReleaseAuthority()));
        var subject = TestCaller.NatoReader("NS").Subject;
        var reader = app.As(TestCaller.NatoReader("NS"));
        await RegistryClient.Expect(await reader.GetAsync(path), HttpStatusCode.OK);
        var store = new AuditStore(provider, app.ConnectionString);
        // An export's closing entry is queued when its stream ends, not waited for: wait until it is written.
        await Wait.UntilAsync(async () => path != "/v1/export" || (await store.EntriesAsync("catalogue.export-end")).Count > 0, TimeSpan.FromSeconds(10),
            "the export's closing entry written");
        // Committed before it was answered; nothing else is queued, so the next read's own entry is the first to meet the
        // frozen log (readiness still says the trail is writable: the read is not refused as one during an outage).
        Assert.Equal(1, await store.CountAsync(subject, AllContentActions, 200));
        await store.FreezeAsync();
        try
        {
            Assert.Equal(HttpStatusCode.OK, (await app.Anonymous().GetAsync("/health/ready")).StatusCode);

            // A HEAD (the GET's status and headers, no body) is refused alike: it commits the same entry first.
            var refused = await reader.SendAsync(new HttpRequestMessage(head ? HttpMethod.Head : HttpMethod.Get, path));

            if (head)
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.Empty(await refused.Content.ReadAsByteArrayAsync());
            }
            else
            {
                await ProblemAsync(refused, HttpStatusCode.ServiceUnavailable, "audit trail");
            }
            Assert.NotNull(refused.Headers.RetryAfter);
        }
        finally
        {
            await store.ThawAsync();
        }
        // Only the first read says it was served.
        Assert.Equal(1, await store.CountAsync(subject, AllContentActions, 200));
    }

    /// <summary>
    /// Entries nobody waits for are never dropped by an outage: the one in the batch that failed (a 404 answered just
    /// before), and one queued while the trail stays unwritable (the closing entry of an export its client left then),
    /// are held and written after the outage's own entry once the trail is writable again. Clearing the failed batch, or
    /// not holding what is queued during the outage, passed every suite; so did refusing only content reads during it. The
    /// writer's log says how many entries it holds: the test waits for both to be held before it makes the trail writable,
    /// rather than racing the export's end.
    /// </summary>
    [Fact]
    public async Task EntriesThatDoNotWaitAreHeldThroughAnOutageAndWrittenAfterIt()
    {
        await using var app = new RegistryApp(provider: provider).Start();
        using var metrics = new AuditWriterMetrics(app.Services.GetRequiredService<Data.RegistryMetrics>().Meter);
        var editor = app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("stanag-7101");
        await editor.PublishAsync("stanag-7101", await editor.CreateDraftAsync("stanag-7101", "NR", body: new string('x', 150_000)));
        var reader = app.As(TestCaller.NatoReader("NS"));
        var store = new AuditStore(provider, app.ConnectionString);
        // An export under way (its start committed), stopped by the transport's 64 KiB until the client reads on.
        var export = await reader.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/export"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        var stream = await export.Content.ReadAsStreamAsync();
        Assert.Equal(1, await stream.ReadAsync(new byte[1]));

        await store.FreezeAsync();
        string missing;
        try
        {
            // Answered before the outage began (nothing had failed yet); its entry is the batch that fails.
            var notFound = await reader.GetAsync("/v1/standards/stanag-7101/versions/9");
            Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
            missing = notFound.Headers.GetValues("Registry-Request-Id").Single();
            // As an operator sees it: readiness failing, and the 404's entry held (not dropped) by the writer.
            var probe = app.Anonymous();
            await Wait.UntilAsync(async () => (await probe.GetAsync("/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable && metrics.Held() >= 1,
                TimeSpan.FromSeconds(20), "readiness failing and the 404's entry held by the failing writer");
            // Meanwhile every audited route is refused before it does anything, not only content: a probe and a write too.
            await ProblemAsync(await reader.GetAsync("/v1/standards/stanag-7101/versions/8"), HttpStatusCode.ServiceUnavailable, "audit trail");
            await ProblemAsync(await editor.PostAsync("/v1/standards/stanag-7101/versions/1/withdraw", null), HttpStatusCode.ServiceUnavailable, "audit trail");
            // The client leaves the export during the outage: its closing entry is queued then, and must be held too.
            await stream.DisposeAsync();
            export.Dispose();
            await Wait.UntilAsync(() => metrics.Held() >= 2, TimeSpan.FromSeconds(20), "the export's closing entry held too");
        }
        finally
        {
            await store.ThawAsync();
        }

        List<Data.AuditRow> ends = [];
        await Wait.UntilAsync(async () => (ends = await store.EntriesAsync("catalogue.export-end")).Count > 0 && (await store.EntriesAsync("version.read")).Any(e => e.Status == 404),
            TimeSpan.FromSeconds(20), "the held entries written");
        var outage = Assert.Single(await store.EntriesAsync("audit.outage"));
        var refused = Assert.Single(await store.EntriesAsync("version.read"), e => e.Status == 404);
        Assert.Contains("cut short after 0 versions", Assert.Single(ends).Detail, StringComparison.Ordinal);
        Assert.True(outage.Sequence < refused.Sequence && outage.Sequence < ends[0].Sequence, "The outage's entry comes first in the batch that succeeds.");
        Assert.Equal(missing, await store.Db.ReadAsync(c => c.ExecuteScalarAsync<string>("SELECT request_id FROM audit_log WHERE sequence = @sequence", new { sequence = refused.Sequence })));
        var verification = await new Data.AuditLog(store.Db).VerifyAsync();
        Assert.True(verification.Valid, verification.Problem);
    }

    /// <summary>
    /// The audit writer's metrics, as an operator's would read them when collected: the <c>registry.audit.held</c> gauge
    /// and the failed attempts of <c>registry.audit.flush.duration</c>.
    /// </summary>
    private sealed class AuditWriterMetrics : IDisposable
    {
        private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
        private int _held = -1;
        private int _failedFlushes;

        public AuditWriterMetrics(System.Diagnostics.Metrics.Meter meter)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == meter && instrument.Name is "registry.audit.held" or "registry.audit.flush.duration")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<int>((_, value, _, _) => Volatile.Write(ref _held, value));
            _listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag is { Key: "outcome", Value: "error" })
                    {
                        Interlocked.Increment(ref _failedFlushes);
                    }
                }
            });
            _listener.Start();
        }

        public int Held()
        {
            _listener.RecordObservableInstruments();
            return Volatile.Read(ref _held);
        }

        /// <summary>Attempts to write a batch that failed since this listener started.</summary>
        public int FailedFlushes => Volatile.Read(ref _failedFlushes);

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task AContentReadIsAnsweredOnlyOnceItsEntryIsCommitted()
    {
        await using var app = new RegistryApp(provider: provider).Start();
        await ReleasedAsync(app.As(TestCaller.Editor()), app.As(TestCaller.ReleaseAuthority()));
        var store = new AuditStore(provider, app.ConnectionString);
        var reader = app.As(Reader);

        Task<HttpResponseMessage> read;
        // Another transaction holds the audit chain head: no audit entry can commit until it ends.
        await using (var connection = store.Db.Dialect.CreateConnection(store.Db.ConnectionString))
        {
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var lockHead = connection.CreateCommand())
            {
                lockHead.Transaction = transaction;
                lockHead.CommandText = "UPDATE audit_chain_head SET sequence = sequence WHERE id = 1";
                await lockHead.ExecuteNonQueryAsync();
            }
            read = reader.GetAsync($"/v1/standards/{Key}/versions/1");
            // Meanwhile the service answers what it does not audit, and the content read is still waiting.
            Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/v1/standards")).StatusCode);
            await Task.WhenAny(read, Task.Delay(TimeSpan.FromMilliseconds(300)));
            Assert.False(read.IsCompleted, "The content read was answered while its audit entry could not be committed.");
            Assert.Equal(0, await store.CountAsync(Reader.Subject, ContentActions, 200));
            await transaction.RollbackAsync();
        }

        Assert.Equal(HttpStatusCode.OK, (await read.WaitAsync(TimeSpan.FromSeconds(10))).StatusCode);
        Assert.Equal(1, await store.CountAsync(Reader.Subject, ContentActions, 200));
    }
}
