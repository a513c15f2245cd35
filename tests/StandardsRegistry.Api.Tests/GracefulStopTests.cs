using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// The service asked to stop while busy (SIGTERM, as an orchestrator stops it; a SIGKILL is AuditFaultTests' and
/// WebhookCrashTests'): the built service as a real process, stopped under load and started again on the same database.
/// Record, then release holds through the stop: every read answered 200 and every write answered 2xx has its entry
/// after the restart, no write is committed that was answered an error, nothing is answered 500, the chain verifies,
/// and the process exits within a bounded time.
/// </summary>
[Slow]
public abstract class GracefulStopTests(TestProvider provider)
{
    private const string Key = "stanag-7300";
    private static readonly TestCaller Reader = TestCaller.Eu("NS");
    private static readonly TestCaller Prober = new("prober@eu", "EU", "NU");
    private static readonly string[] ContentActions = ["version.read", "version.read-latest", "label.read", "feed.read"];
    private static readonly string[] ContentPaths =
        [$"/v1/standards/{Key}/versions/1", $"/v1/standards/{Key}/versions/latest", $"/v1/standards/{Key}/versions/1/label", "/v1/feed?limit=5"];

    /// <summary>Well above what a stop with nothing stuck takes on a loaded machine, well below the host's 30 s shutdown timeout.</summary>
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(15);

    private static ITestOutputHelper? Output => TestContext.Current.TestOutputHelper;

    private static bool Unanswered(Exception e) =>
        e is HttpRequestException or TaskCanceledException or IOException or System.Net.Sockets.SocketException;

    [Fact]
    public async Task ASigtermUnderConcurrentReadsAndWritesLeavesEveryAnswerOnRecordAndNoWriteAnsweredWrongly()
    {
        Assert.SkipWhen(provider.UnavailableReason is not null, provider.UnavailableReason ?? "");
        await using var database = await TestDatabase.CreateAsync(provider);
        var first = await ServiceProcess.StartAsync(database);
        long readsAnswered = 0;
        long probesAnswered = 0;
        var statuses = new ConcurrentQueue<(string What, HttpStatusCode Status, string Body)>();
        var writes = new ConcurrentDictionary<string, HttpStatusCode?>(StringComparer.Ordinal);
        var stopped = false;
        var clients = new List<Task>();
        TimeSpan took;
        try
        {
            var editor = first.Client(TestCaller.Editor());
            await editor.CreateStandardAsync(Key);
            await editor.PublishAsync(Key, await editor.CreateDraftAsync(Key, "NR"));
            await first.Client(TestCaller.ReleaseAuthority()).ReleaseAsync(Key, 1, "EU");
            for (var i = 0; i < 12; i++)
            {
                var client = first.Client(Reader, TimeSpan.FromSeconds(30));
                var offset = i;
                clients.Add(Task.Run(async () =>
                {
                    for (var n = offset; !Volatile.Read(ref stopped); n++)
                    {
                        try
                        {
                            using var response = await client.GetAsync(ContentPaths[n % ContentPaths.Length]);
                            if (response.StatusCode == HttpStatusCode.OK)
                            {
                                Interlocked.Increment(ref readsAnswered);
                            }
                            else
                            {
                                statuses.Enqueue(("read", response.StatusCode, await response.Content.ReadAsStringAsync()));
                            }
                        }
                        catch (Exception e) when (Unanswered(e))
                        {
                            // Refused, or cut off before an answer: the server has stopped taking requests.
                            await Task.Yield();
                        }
                    }
                }));
            }
            // Answers whose entries nobody waits for (queued as the response starts): the stop must drain them.
            for (var i = 0; i < 2; i++)
            {
                var client = first.Client(Prober, TimeSpan.FromSeconds(30));
                var offset = i;
                clients.Add(Task.Run(async () =>
                {
                    for (var n = offset; !Volatile.Read(ref stopped); n += 2)
                    {
                        try
                        {
                            using var response = await client.GetAsync($"/v1/standards/stanag-7399/versions/{n + 1}");
                            if (response.StatusCode == HttpStatusCode.NotFound)
                            {
                                Interlocked.Increment(ref probesAnswered);
                            }
                            else
                            {
                                statuses.Enqueue(("probe", response.StatusCode, await response.Content.ReadAsStringAsync()));
                            }
                        }
                        catch (Exception e) when (Unanswered(e))
                        {
                            await Task.Yield();
                        }
                    }
                }));
            }
            for (var i = 0; i < 4; i++)
            {
                var client = first.Client(TestCaller.Editor(), TimeSpan.FromSeconds(30));
                var writer = i;
                clients.Add(Task.Run(async () =>
                {
                    for (var n = 0; !Volatile.Read(ref stopped); n++)
                    {
                        var key = $"stanag-{8000 + writer * 1000 + n}";
                        writes[key] = null;
                        try
                        {
                            using var response = await client.PostAsJsonAsync("/v1/standards", new { key, designation = key.ToUpperInvariant(), category = "caliber", title = $"Title of {key}" });
                            writes[key] = response.StatusCode;
                            if (response.StatusCode != HttpStatusCode.Created)
                            {
                                statuses.Enqueue(("write", response.StatusCode, await response.Content.ReadAsStringAsync()));
                            }
                        }
                        catch (Exception e) when (Unanswered(e))
                        {
                            await Task.Yield();
                        }
                    }
                }));
            }
            var load = Stopwatch.StartNew();
            await Wait.UntilAsync(() => load.Elapsed > TimeSpan.FromSeconds(2) && Interlocked.Read(ref readsAnswered) >= 300 && writes.Values.Count(s => s == HttpStatusCode.Created) >= 20,
                TimeSpan.FromSeconds(60), "300 reads and 20 writes answered");
            took = await first.TerminateAsync(StopBound);
            Assert.True(first.Failures() == "", $"The stop logged failures:{Environment.NewLine}{first.Failures()}");
        }
        finally
        {
            Volatile.Write(ref stopped, true);
            await Task.WhenAll(clients);
            await first.DisposeAsync();
        }

        await using var second = await ServiceProcess.StartAsync(database);
        var store = new AuditStore(provider, database.ConnectionString);
        var recorded = await store.CountAsync(Reader.Subject, ContentActions, 200);
        var probesRecorded = await store.CountAsync(Prober.Subject, ["version.read"], 404);
        var created = (await store.EntriesAsync("standard.create")).Where(e => e.Status == 201).Select(e => e.StandardKey!).ToHashSet(StringComparer.Ordinal);
        var verification = await second.Client(TestCaller.Admin()).GetJsonAsync("/v1/audit/verify");
        Output?.WriteLine($"{provider}: stopped in {took.TotalMilliseconds:0} ms; {readsAnswered} reads answered 200, {recorded} on record; {probesAnswered} probes answered 404, {probesRecorded} on record; "
            + $"{writes.Values.Count(s => s == HttpStatusCode.Created)} writes answered 201, {created.Count} on record; other answers: "
            + string.Join(", ", statuses.GroupBy(s => $"{s.What} {(int)s.Status}").Select(g => $"{g.Key} ×{g.Count()}")));

        Assert.All(statuses, s => Assert.True(s.Status == HttpStatusCode.ServiceUnavailable && s.Body.Contains("\"status\":503", StringComparison.Ordinal),
            $"a {s.What} answered {(int)s.Status} during the stop: {s.Body}"));
        Assert.True(recorded >= readsAnswered, $"{readsAnswered} reads were answered 200, but only {recorded} have an entry.");
        Assert.True(probesRecorded >= probesAnswered, $"{probesAnswered} probes were answered 404, but only {probesRecorded} have an entry.");
        var editor2 = second.Client(TestCaller.Editor());
        foreach (var (key, status) in writes)
        {
            if (status == HttpStatusCode.Created)
            {
                Assert.Contains(key, created);
            }
            if (status is { } answered && answered != HttpStatusCode.Created)
            {
                Assert.DoesNotContain(key, created);
                Assert.Equal(HttpStatusCode.NotFound, (await editor2.GetAsync($"/v1/standards/{key}")).StatusCode);
            }
        }
        Assert.True((bool)verification["valid"]!, verification.ToJsonString());
    }

    /// <summary>
    /// An export read slowly (a client well above Kestrel's minimum data rate, far from the end of a 12 MiB catalogue)
    /// when the service is asked to stop: the stop does not wait for the reader, the export is cut short, and its
    /// closing entry says so — how far it got and that the service stopped, not that the client went away.
    /// </summary>
    [Fact]
    public async Task ASigtermDuringASlowlyReadExportEndsItAtOnceWithItsClosingEntry()
    {
        Assert.SkipUnless(provider == TestProvider.Sqlite, "The large catalogue is bulk-loaded into a SQLite file (ExportMemoryTests.Load).");
        var directory = ScratchDirectories.Create("registry-stop-export-");
        try
        {
            var file = Path.Combine(directory.FullName, "registry.db");
            await (await ServiceProcess.StartSqliteAsync(file)).DisposeAsync();
            ExportMemoryTests.Load(file, standards: 50);
            var service = await ServiceProcess.StartSqliteAsync(file, readyTimeout: TimeSpan.FromMinutes(2));
            TimeSpan took;
            long read = 0;
            try
            {
                using var client = service.Client(TestCaller.Eu("CTS"), TimeSpan.FromMinutes(2));
                using var response = await client.GetAsync("/v1/export", HttpCompletionOption.ResponseHeadersRead);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var stream = await response.Content.ReadAsStreamAsync();
                var buffer = new byte[4096];
                // 4 KiB every 50 ms (80 KiB/s, far above the minimum data rate): the whole export would take minutes.
                using var reading = new CancellationTokenSource();
                var reader = Task.Run(async () =>
                {
                    try
                    {
                        int n;
                        while ((n = await stream.ReadAsync(buffer, reading.Token)) > 0)
                        {
                            Interlocked.Add(ref read, n);
                            await Task.Delay(50, reading.Token);
                        }
                    }
                    catch (Exception e) when (Unanswered(e) || e is OperationCanceledException)
                    {
                    }
                });
                await Wait.UntilAsync(() => Interlocked.Read(ref read) >= 64 * 1024, TimeSpan.FromSeconds(30), "the export's first 64 KiB read");
                try
                {
                    took = await service.TerminateAsync(StopBound);
                    Assert.True(service.Failures() == "", $"The stop logged failures:{Environment.NewLine}{service.Failures()}");
                }
                finally
                {
                    await reading.CancelAsync();
                    await reader;
                }
            }
            finally
            {
                await service.DisposeAsync();
            }

            await using var second = await ServiceProcess.StartSqliteAsync(file, readyTimeout: TimeSpan.FromMinutes(2));
            var store = new AuditStore(TestProvider.Sqlite, $"Data Source={file}");
            Output?.WriteLine($"stopped in {took.TotalMilliseconds:0} ms after {read} bytes read");
            Assert.Single(await store.EntriesAsync("catalogue.export"));
            var end = Assert.Single(await store.EntriesAsync("catalogue.export-end"));
            Assert.Contains("cut short after ", end.Detail, StringComparison.Ordinal);
            Assert.True(end.Detail?.Contains("the service stopped", StringComparison.Ordinal) == true, end.Detail);
            var verification = await second.Client(TestCaller.Admin()).GetJsonAsync("/v1/audit/verify");
            Assert.True((bool)verification["valid"]!, verification.ToJsonString());
        }
        finally
        {
            try
            {
                directory.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
