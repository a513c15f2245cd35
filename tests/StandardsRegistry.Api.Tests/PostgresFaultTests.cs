using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// docs/design.md §5 (faults): the database server goes away under load and comes back. The API answers 2xx, an expected 4xx or
/// 503 with Retry-After (never 500, never a hang), keeps every write it acknowledged, half-applies none, and its
/// readiness follows the database down and back up by itself.
/// </summary>
[Slow]
public sealed class PostgresFaultTests
{
    private const int Workers = 6;
    private const int RequestsPerWorker = 120;
    // Requests from this index on wait until the database is back, so the load is certain to span the restart.
    private const int AfterRestartFrom = 80;
    // The stop is issued when this many requests have completed (about a quarter of the load).
    private const int StopAfter = 180;
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(20);
    private static readonly string[] Keys = ["fault-a", "fault-b", "fault-c"];

    private sealed record Call(
        int Worker, int Index, string Op, string Key, int? Edition, string? Tag, int Status, string? Failure,
        bool ProblemJson, bool RetryAfter, TimeSpan Started, TimeSpan Elapsed, JsonObject? Body, string Text)
    {
        public bool Ok => Status is >= 200 and < 300;

        public string Describe() =>
            $"w{Worker}#{Index} {Op} {Key}{(Edition is { } e ? "/" + e.ToString(CultureInfo.InvariantCulture) : "")} at {Started.TotalSeconds:0.000}s " +
            $"-> {(Status == 0 ? "no response (" + Failure + ")" : Status.ToString(CultureInfo.InvariantCulture))} after {Elapsed.TotalMilliseconds:0} ms {Truncate(Text)}";

        private static string Truncate(string text) => text.Length > 300 ? text[..300] + "…" : text;
    }

    [Fact]
    public async Task ARestartOfTheDatabaseUnderMixedLoadLosesNoAcknowledgedWriteAndNeverAnswers500()
    {
        Assert.SkipWhen(TestProvider.Postgres.UnavailableReason is not null, TestProvider.Postgres.UnavailableReason ?? "");
        var output = TestContext.Current.TestOutputHelper;
        var total = Stopwatch.StartNew();

        // A cluster of its own: the shared one serves the other tests and must stay up.
        await using var cluster = await PostgresCluster.StartAsync();
        var connectionString = await cluster.CreateDatabaseAsync("fault");
        await using var api = await ServiceProcess.StartAsync(connectionString);

        using var editor = api.Client(TestCaller.Editor(), ClientTimeout);
        using var authority = api.Client(TestCaller.ReleaseAuthority(), ClientTimeout);
        using var eu = api.Client(TestCaller.Eu("NS"), ClientTimeout);
        using var probe = api.Client(timeout: ClientTimeout);

        // Each standard starts with edition 1 published and released to the EU.
        foreach (var key in Keys)
        {
            await editor.CreateStandardAsync(key);
            Assert.Equal(1, await editor.CreateDraftAsync(key, title: $"setup {key}"));
            await editor.PublishAsync(key, 1);
            await authority.ReleaseAsync(key, 1, "EU");
        }

        var clock = Stopwatch.StartNew();
        var calls = new ConcurrentQueue<Call>();
        var completed = 0;
        var recovered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var published = new ConcurrentDictionary<string, ConcurrentBag<int>>(Keys.ToDictionary(k => k, _ => new ConcurrentBag<int>([1])));

        async Task WorkerAsync(int worker)
        {
            var random = new Random(4242 + worker);
            var drafts = Keys.ToDictionary(k => k, _ => new Stack<int>());
            var toRelease = Keys.ToDictionary(k => k, _ => new Stack<int>());
            for (var i = 0; i < RequestsPerWorker; i++)
            {
                if (i == AfterRestartFrom)
                {
                    await recovered.Task.WaitAsync(TimeSpan.FromSeconds(60));
                }
                var key = Keys[random.Next(Keys.Length)];
                var roll = random.Next(100);
                Call call;
                if (roll < 40)
                {
                    call = await ReadAsync(random.Next(4), key);
                }
                else if (roll < 65)
                {
                    var tag = $"w{worker}-{i}";
                    call = await SendAsync(worker, i, "create", key, null, tag, editor, () => new HttpRequestMessage(HttpMethod.Post, $"/v1/standards/{key}/versions")
                    {
                        Content = JsonContent.Create(new { title = tag, summary = $"summary {tag}", body = $"body {tag}", classification = "NU", attributes = RegistryClient.AttributesFor("caliber") }),
                    });
                    if (call.Status == 201)
                    {
                        drafts[key].Push(call.Body!["edition"]!.GetValue<int>());
                    }
                }
                else if (roll < 85)
                {
                    var edition = drafts[key].TryPop(out var draft) ? draft : 1;
                    call = await SendAsync(worker, i, "publish", key, edition, null, editor, () => new HttpRequestMessage(HttpMethod.Post, $"/v1/standards/{key}/versions/{edition}/publish"));
                    if (call.Status == 200)
                    {
                        published[key].Add(edition);
                        toRelease[key].Push(edition);
                    }
                }
                else
                {
                    var edition = toRelease[key].TryPop(out var mine) ? mine : published[key].ElementAt(random.Next(published[key].Count));
                    var tag = $"w{worker}-{i}";
                    call = await SendAsync(worker, i, "release", key, edition, tag, authority, () => new HttpRequestMessage(HttpMethod.Put, $"/v1/standards/{key}/versions/{edition}/releases/EU")
                    {
                        Content = JsonContent.Create(new { reason = tag }),
                    });
                }
                calls.Enqueue(call);
                Interlocked.Increment(ref completed);
                // A client that honours Retry-After backs off; a short back-off keeps the test fast.
                await Task.Delay(call.Status == 503 ? 300 : 15);

                Task<Call> ReadAsync(int which, string key) => which switch
                {
                    0 => SendAsync(worker, i, "read-list", key, null, null, eu, () => new HttpRequestMessage(HttpMethod.Get, "/v1/standards?limit=100")),
                    1 => SendAsync(worker, i, "read-versions", key, null, null, editor, () => new HttpRequestMessage(HttpMethod.Get, $"/v1/standards/{key}/versions?limit=100")),
                    2 => SendAsync(worker, i, "read-latest", key, null, null, eu, () => new HttpRequestMessage(HttpMethod.Get, $"/v1/standards/{key}/versions/latest")),
                    _ => SendAsync(worker, i, "read-edition", key, 1, null, editor, () => new HttpRequestMessage(HttpMethod.Get, $"/v1/standards/{key}/versions/1")),
                };
            }
        }

        async Task<Call> SendAsync(int worker, int index, string op, string key, int? edition, string? tag, HttpClient client, Func<HttpRequestMessage> request)
        {
            var started = clock.Elapsed;
            try
            {
                using var message = request();
                using var response = await client.SendAsync(message);
                var text = await response.Content.ReadAsStringAsync();
                JsonObject? body = null;
                try
                {
                    body = text.Length > 0 ? JsonNode.Parse(text) as JsonObject : null;
                }
                catch (System.Text.Json.JsonException)
                {
                    // Kept as text; the assertions say what was expected.
                }
                return new Call(worker, index, op, key, edition, tag, (int)response.StatusCode, null,
                    response.Content.Headers.ContentType?.MediaType == "application/problem+json",
                    response.Headers.RetryAfter is not null, started, clock.Elapsed - started, body, text);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return new Call(worker, index, op, key, edition, tag, 0, e is TaskCanceledException ? "client timeout" : e.Message,
                    false, false, started, clock.Elapsed - started, null, "");
            }
        }

        // The fault: stop the server in the middle of the load, keep it down ~2 s, start it again.
        var health = new List<(TimeSpan At, int Status)>();
        async Task<int> ReadyAsync()
        {
            try
            {
                using var response = await probe.GetAsync("/health/ready");
                health.Add((clock.Elapsed, (int)response.StatusCode));
                return (int)response.StatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                health.Add((clock.Elapsed, 0));
                return 0;
            }
        }

        var load = Enumerable.Range(0, Workers).Select(w => Task.Run(() => WorkerAsync(w))).ToArray();
        TimeSpan stoppedAt, startedAt, readyAgainAt;
        var downReadiness = new List<int>();
        try
        {
            var wait = Stopwatch.StartNew();
            while (Volatile.Read(ref completed) < StopAfter && wait.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(10);
            }
            await cluster.StopAsync();
            stoppedAt = clock.Elapsed;
            var down = Stopwatch.StartNew();
            while (down.Elapsed < Outage)
            {
                downReadiness.Add(await ReadyAsync());
                await Task.Delay(250);
            }
            await cluster.StartAgainAsync();
            startedAt = clock.Elapsed;
            var recovery = Stopwatch.StartNew();
            while (await ReadyAsync() != 200 && recovery.Elapsed < RecoveryBound)
            {
                await Task.Delay(100);
            }
            readyAgainAt = clock.Elapsed;
        }
        finally
        {
            recovered.TrySetResult();
        }
        await Task.WhenAll(load).WaitAsync(TimeSpan.FromSeconds(120));
        var loadTime = clock.Elapsed;

        var all = calls.OrderBy(c => c.Started).ToList();
        var problems = new List<string>();

        // Readiness: down while the server is down, back to 200 by itself within the bound.
        if (downReadiness.Count == 0 || downReadiness.Any(s => s != 503))
        {
            problems.Add($"/health/ready while the server was down answered [{string.Join(", ", downReadiness)}], expected only 503.");
        }
        if (health[^1].Status != 200)
        {
            problems.Add($"/health/ready did not recover to 200 within {RecoveryBound.TotalSeconds:0} s of the restart (last: {health[^1].Status}).");
        }

        // Every response: 2xx, an expected 4xx, or 503 as problem+json with Retry-After; never 500, never a timeout.
        foreach (var call in all)
        {
            var expected = call.Op switch
            {
                "create" => call.Status is 201,
                "publish" => call.Status is 200 or 409,
                "release" => call.Status is 201 or 200 or 409,
                _ => call.Status is 200,
            };
            if (call.Status == 503)
            {
                if (!call.ProblemJson || !call.RetryAfter)
                {
                    problems.Add($"503 without problem+json and Retry-After: {call.Describe()}");
                }
            }
            else if (!expected)
            {
                problems.Add($"unexpected answer: {call.Describe()}");
            }
            if (call.Elapsed >= ClientTimeout - TimeSpan.FromSeconds(1))
            {
                problems.Add($"(near) client timeout: {call.Describe()}");
            }
        }

        // Acknowledged answers carry what was asked for.
        foreach (var call in all.Where(c => c.Ok))
        {
            var body = call.Body;
            var sound = call.Op switch
            {
                "create" => body?["title"]?.GetValue<string>() == call.Tag && body?["status"]?.GetValue<string>() == "draft" && body?["key"]?.GetValue<string>() == call.Key,
                // Published; or already superseded when another publish committed before this one's read-back.
                "publish" => body?["edition"]?.GetValue<int>() == call.Edition && body?["status"]?.GetValue<string>() is "published" or "superseded",
                "release" => body?["audience"]?.GetValue<string>() == "EU" && (call.Status == 200 || body?["reason"]?.GetValue<string>() == call.Tag),
                "read-list" => body?["items"] is JsonArray items && items.Count >= Keys.Length,
                "read-versions" => body?["items"] is JsonArray versions && versions.Count >= 1,
                "read-latest" => body?["key"]?.GetValue<string>() == call.Key && body?["status"] is not null,
                _ => body?["key"]?.GetValue<string>() == call.Key && body?["edition"]?.GetValue<int>() == 1,
            };
            if (!sound)
            {
                problems.Add($"acknowledged answer does not carry the write: {call.Describe()}");
            }
        }

        // Afterwards: every acknowledged write is there, whole; nothing answered 503 is half-applied.
        var verified = 0;
        var committedThough503 = 0;
        foreach (var key in Keys)
        {
            var versions = await VersionListing.AllAsync(editor, key);
            var editions = versions.Select(v => v["edition"]!.GetValue<int>()).ToList();
            if (!editions.SequenceEqual(Enumerable.Range(1, editions.Count)))
            {
                problems.Add($"{key}: editions are not 1..N: [{string.Join(", ", editions)}]");
            }
            var titles = versions.GroupBy(v => v["title"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.ToList());
            foreach (var (title, holders) in titles.Where(t => t.Value.Count > 1))
            {
                problems.Add($"{key}: the draft '{title}' was written {holders.Count} times (editions {string.Join(", ", holders.Select(h => h["edition"]))}).");
            }
            var creates = all.Where(c => c.Key == key && c.Op == "create").ToList();
            var sent = creates.Select(c => c.Tag!).ToHashSet(StringComparer.Ordinal);
            foreach (var stray in titles.Keys.Where(t => t != $"setup {key}" && !sent.Contains(t)))
            {
                problems.Add($"{key}: a version titled '{stray}' that no request created.");
            }
            var acknowledged = creates.Where(c => c.Ok).ToList();
            var unacknowledgedButPresent = creates.Where(c => !c.Ok && titles.ContainsKey(c.Tag!)).ToList();
            committedThough503 += unacknowledgedButPresent.Count;
            var explained = 1 + acknowledged.Count + unacknowledgedButPresent.Count;
            if (editions.Count != explained)
            {
                problems.Add($"{key}: {editions.Count} editions, but 1 + {acknowledged.Count} acknowledged + {unacknowledgedButPresent.Count} committed-though-503 = {explained}.");
            }

            // Each acknowledged draft, re-read by its edition, exactly as written.
            foreach (var create in acknowledged)
            {
                var edition = create.Body!["edition"]!.GetValue<int>();
                using var response = await editor.GetAsync($"/v1/standards/{key}/versions/{edition}");
                var version = response.StatusCode == HttpStatusCode.OK ? await response.JsonAsync() : null;
                if (version is null || version["title"]?.GetValue<string>() != create.Tag || version["summary"]!.GetValue<string>() != $"summary {create.Tag}"
                    || version["body"]!.GetValue<string>() != $"body {create.Tag}" || version["attributes"]?["cartridge"]?.GetValue<string>() != "5.56x45mm")
                {
                    problems.Add($"{key}: acknowledged draft {edition} ('{create.Tag}') reads back as {(int)response.StatusCode} {version?.ToJsonString()}");
                }
                else
                {
                    verified++;
                }
            }
            // A draft answered 503 exists whole or not at all.
            foreach (var create in unacknowledgedButPresent)
            {
                var version = titles[create.Tag!][0];
                if (version["summary"]!.GetValue<string>() != $"summary {create.Tag}")
                {
                    problems.Add($"{key}: draft '{create.Tag}' answered {create.Status} is present but not whole: {version.ToJsonString()}");
                }
            }

            // Exactly one current edition, and it is the latest edition in force (no out-of-order publish).
            var current = versions.Where(v => v["status"]!.GetValue<string>() == "published").Select(v => v["edition"]!.GetValue<int>()).ToList();
            var inForce = versions.Where(v => v["status"]!.GetValue<string>() is "published" or "superseded").Select(v => v["edition"]!.GetValue<int>()).ToList();
            if (current.Count != 1)
            {
                problems.Add($"{key}: {current.Count} current editions [{string.Join(", ", current)}], expected exactly one.");
            }
            else if (current[0] != inForce.Max())
            {
                problems.Add($"{key}: the current edition is {current[0]} but edition {inForce.Max()} is in force too (published out of order).");
            }
            var statusOf = versions.ToDictionary(v => v["edition"]!.GetValue<int>(), v => v["status"]!.GetValue<string>());
            foreach (var publish in all.Where(c => c.Key == key && c.Op == "publish" && c.Ok))
            {
                if (statusOf.GetValueOrDefault(publish.Edition!.Value) is "published" or "superseded")
                {
                    verified++;
                }
                else
                {
                    problems.Add($"{key}: acknowledged publish of edition {publish.Edition} but it is {statusOf.GetValueOrDefault(publish.Edition.Value)}.");
                }
            }

            // Releases: each acknowledged one is in the history; none answered 503 is recorded twice.
            foreach (var group in all.Where(c => c.Key == key && c.Op == "release").GroupBy(c => c.Edition!.Value))
            {
                var history = await authority.GetJsonArrayAsync($"/v1/standards/{key}/versions/{group.Key}/releases");
                var reasons = history.Select(r => r!["reason"]!.GetValue<string>()).ToList();
                if (history.Count(r => r!["audience"]!.GetValue<string>() == "EU" && r["state"]!.GetValue<string>() == "active") > 1)
                {
                    problems.Add($"{key}/{group.Key}: more than one active EU release: {history.ToJsonString()}");
                }
                foreach (var release in group)
                {
                    var recorded = reasons.Count(r => r == release.Tag);
                    if (release.Status == 201 && recorded != 1)
                    {
                        problems.Add($"{key}/{group.Key}: acknowledged release '{release.Tag}' is recorded {recorded} times: {history.ToJsonString()}");
                    }
                    else if (release.Status == 201)
                    {
                        verified++;
                    }
                    else if (release.Status == 200 && history.Any(r => r!["audience"]!.GetValue<string>() == "EU" && r["state"]!.GetValue<string>() == "active"))
                    {
                        verified++;
                    }
                    else if (recorded > 1)
                    {
                        problems.Add($"{key}/{group.Key}: release '{release.Tag}' answered {release.Status} is recorded {recorded} times.");
                    }
                }
                // What is released to the EU is what the EU reads.
                if (group.Any(r => r.Ok))
                {
                    using var response = await eu.GetAsync($"/v1/standards/{key}/versions/{group.Key}");
                    if (response.StatusCode != HttpStatusCode.OK || (await response.JsonAsync())["edition"]?.GetValue<int>() != group.Key)
                    {
                        problems.Add($"{key}/{group.Key}: released to the EU but the EU consumer gets {(int)response.StatusCode}.");
                    }
                }
            }
        }

        // The figures, for the log.
        var writes = all.Where(c => c.Op is "create" or "publish" or "release").ToList();
        var afterReady = all.Where(c => c.Started > readyAgainAt).ToList();
        var figures = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"fault test: {all.Count} requests by {Workers} workers in {loadTime.TotalSeconds:0.0} s; whole test {total.Elapsed.TotalSeconds:0.0} s")
            .AppendLine(CultureInfo.InvariantCulture, $"  server stopped at {stoppedAt.TotalSeconds:0.00} s, started again at {startedAt.TotalSeconds:0.00} s, /health/ready 200 again at {readyAgainAt.TotalSeconds:0.00} s")
            .AppendLine(CultureInfo.InvariantCulture, $"  /health/ready while down: [{string.Join(", ", downReadiness)}]; after restart: [{string.Join(", ", health.Where(h => h.At > startedAt).Select(h => h.Status))}]")
            .AppendLine(CultureInfo.InvariantCulture, $"  2xx {all.Count(c => c.Ok)}, 4xx {all.Count(c => c.Status is >= 400 and < 500)} ({Breakdown(all.Where(c => c.Status is >= 400 and < 500))}), 503 {all.Count(c => c.Status == 503)}, 500 {all.Count(c => c.Status == 500)}, other {all.Count(c => c.Status is not (>= 200 and < 300) and not (>= 400 and < 500) and not 503 and not 500)}, no response {all.Count(c => c.Status == 0)}")
            .AppendLine(CultureInfo.InvariantCulture, $"  by operation: {string.Join("; ", all.GroupBy(c => c.Op).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()} ({Breakdown(g)})"))}")
            .AppendLine(CultureInfo.InvariantCulture, $"  writes: {writes.Count} sent, {writes.Count(c => c.Ok)} acknowledged, {verified} verified afterwards, {writes.Count(c => c.Status == 503)} answered 503 ({committedThough503} of them drafts that had committed, present whole)")
            .AppendLine(CultureInfo.InvariantCulture, $"  503s between {FirstLast(all.Where(c => c.Status == 503))}; after /health/ready was 200 again: {afterReady.Count(c => c.Status == 503)} of {afterReady.Count}")
            .AppendLine(CultureInfo.InvariantCulture, $"  service log: {api.LinesContaining("Execution attempt")} failed attempts retried by the pipeline, {api.LinesContaining("57P01")} lines naming 57P01 (admin shutdown), {api.LinesContaining("OnCircuitOpened")} circuit openings, {api.LinesContaining("Request failed with 503")} requests answered 503, {api.LinesContaining("Request failed with 500")} answered 500")
            .AppendLine(CultureInfo.InvariantCulture, $"  slowest request {all.Max(c => c.Elapsed).TotalMilliseconds:0} ms; median {Median(all.Select(c => c.Elapsed.TotalMilliseconds)):0} ms");
        output?.WriteLine(figures.ToString());

        if (problems.Count > 0)
        {
            Assert.Fail($"{problems.Count} problem(s):{Environment.NewLine}{string.Join(Environment.NewLine, problems.Take(40))}{Environment.NewLine}{figures}" +
                $"{Environment.NewLine}service log (exceptions):{Environment.NewLine}{api.Failures(containing: "with 500")}");
        }
        Assert.Contains(all, c => c.Status == 503);
        Assert.Contains(afterReady, c => c.Ok && c.Op is "create" or "publish" or "release");
    }

    private static string Breakdown(IEnumerable<Call> calls) =>
        string.Join(", ", calls.GroupBy(c => c.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}"));

    private static string FirstLast(IEnumerable<Call> calls)
    {
        var list = calls.ToList();
        return list.Count == 0 ? "(none)" : $"{list.Min(c => c.Started).TotalSeconds:0.00} s and {list.Max(c => c.Started + c.Elapsed).TotalSeconds:0.00} s";
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[sorted.Count / 2];
    }
}

/// <summary>Every version of a standard an editor sees, across pages, oldest first.</summary>
internal static class VersionListing
{
    public static Task<List<JsonObject>> AllAsync(HttpClient editor, string key) => editor.EveryItemAsync($"/v1/standards/{key}/versions?limit=100");
}
