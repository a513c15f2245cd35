using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using StandardsRegistry.Api.Http;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// The audit trail replays to the registry's state. Several editors (each also a release authority, cleared CTS,
/// speaking for no nation) send at once seeded random sequences of editorial writes to a few shared standards — create a
/// standard, create a draft, replace it with a fresh, a stale or no If-Match (and, now and then, two replacements at once
/// on the same tag, as two editors who read the same draft), publish and withdraw with and without If-Match, release to
/// and revoke from an audience, record a national response — many of which must be refused (a key that exists, a stale
/// tag, a published draft, a release above the audience's ceiling, an edition that does not exist). Then:
/// <list type="number">
/// <item>every write has exactly one entry, under the request id the service recorded (ASP.NET Core's
/// <c>TraceIdentifier</c>, which every response carries as <c>Registry-Request-Id</c>), with the status
/// answered, the action of its route, its key, its edition (for a draft created, the one answered) and its audience or
/// nation; no write entry says 2xx for a request that was not answered 2xx;</item>
/// <item>the entries of the writes answered 2xx, taken in audit sequence order, replayed through a model of the
/// editorial rules (<see cref="Model"/>), are each accepted by the model — the trail's order is a serial order of the
/// committed writes, so no If-Match was honoured on a state it did not name and no acknowledged edit was overwritten out
/// of order — and the model's final state is what an editor cleared CTS reads: standards, editions (status, title, body,
/// marking, superseded-by), release records and national responses; refused writes, absent from the replay, left no
/// trace;</item>
/// <item>each 2xx answer's status (201 or 200) and body is what the model says at its point of the replay (the edition
/// number a draft got, the status after a publish or withdrawal, the release's state, the response recorded);</item>
/// <item>a full verification of the chain says it is valid and complete.</item>
/// </list>
/// About 250 writes per seed (six clients of 40 steps), two seeds, a fresh in-process registry each; 2–11 s per case.
/// <para>
/// Planted mistakes, each caught (docs/audit.md, SECURITY.md), on both providers: the entry of a write appended in a
/// transaction of its own after the write's commit (<c>RegistryWrites.RunAsync</c>) — properties 2 and 3, 3 of the 4
/// cases in each of three runs (2–84 failures: entries out of commit order make the replay honour stale tags, publish
/// non-drafts, revoke releases not yet granted); a draft replacement's row version no longer compared under the lock
/// (<c>EditorialStore.Sql.UpdateDraft</c>: the lost update between the two replacements on one tag) — property 2, 8 of
/// 8 cases (18–38 failures); a publication's entry naming the edition it superseded — property 1, 4 of 4 (4–11); a
/// release handler marking its entry committed whatever the outcome (its refusals left no entry) — property 1, 4 of 4
/// (the wait for every write's entry runs out).
/// </para>
/// </summary>
[Slow]
public abstract class AuditReplayTests(TestProvider provider, ITestOutputHelper output)
{
    private const int Clients = 6;
    private const int StepsPerClient = 40;
    private const string RequestIdHeader = RequestLimits.RequestIdHeader;

    private static readonly string[] Levels = ["NU", "NR", "NC", "NS", "CTS"];
    private static readonly string[] Audiences = ["EU", "PUBLIC"];
    private static readonly Dictionary<string, int> Ceilings = new() { ["EU"] = 4, ["PUBLIC"] = 0 };
    private static readonly string[] Nations = ["FRA", "DEU"];

    private static readonly string[] WriteActions =
        ["standard.create", "draft.create", "draft.update", "version.publish", "version.withdraw", "release.grant", "release.revoke", "response.record"];

    private enum Kind { CreateStandard, CreateDraft, UpdateDraft, Publish, Withdraw, Release, Revoke, Respond }

    /// <summary>What a draft looked like when its ETag was read: titles are unique per write, so this names one state.</summary>
    private sealed record TagState(string Title, string Classification, string Status);

    /// <summary>One write sent, and what it was answered.</summary>
    private sealed record Sent(
        int Client, int Step, Kind Kind, string Key, int? Edition, string? Title, string? Body, string? Classification,
        TagState? Tag, bool Conditional, string? Audience, string? Nation, int Content)
    {
        public int Status { get; set; }
        public JsonObject? Answer { get; set; }
        public string RequestId { get; set; } = "";

        public string Action => Kind switch
        {
            Kind.CreateStandard => "standard.create",
            Kind.CreateDraft => "draft.create",
            Kind.UpdateDraft => "draft.update",
            Kind.Publish => "version.publish",
            Kind.Withdraw => "version.withdraw",
            Kind.Release => "release.grant",
            Kind.Revoke => "release.revoke",
            _ => "response.record",
        };

        public override string ToString() =>
            $"client {Client} step {Step}: {Kind} {Key}/{Edition?.ToString() ?? "-"}{(Title is null ? "" : $" title={Title}")}{(Classification is null ? "" : $" {Classification}")}"
            + $"{(Conditional ? $" If-Match={(Tag is null ? "bogus" : $"{Tag.Title}/{Tag.Status}")}" : "")}{(Audience is null ? "" : $" to {Audience}")}{(Nation is null ? "" : $" {Nation}#{Content}")}"
            + $" -> {Status} (request {RequestId})";
    }

    /// <summary>An audit entry as stored.</summary>
    private sealed class Entry
    {
        public long Sequence { get; init; }
        public string Action { get; init; } = "";
        public int Status { get; init; }
        public string Subject { get; init; } = "";
        public string? StandardKey { get; init; }
        public int? Edition { get; init; }
        public string? Detail { get; init; }
        public string? RequestId { get; init; }

        public override string ToString() => $"#{Sequence} {Action} {Status} {StandardKey}/{Edition?.ToString() ?? "-"} {Detail} (request {RequestId})";
    }

    [Theory]
    [InlineData(4101)]
    [InlineData(90210)]
    public async Task TheTrailOfConcurrentWritesReplaysToTheRegistrysState(int seed)
    {
        var clock = Stopwatch.StartNew();
        await using var app = new RegistryApp(provider: provider).Start();
        var keys = Enumerable.Range(0, 3).Select(i => $"replay-{seed}-{i}").ToArray();
        var lastEdition = new ConcurrentDictionary<string, int>();
        var known = new Known();
        var sent = new ConcurrentQueue<Sent>();

        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(() => RunClientAsync(app, seed, c, keys, lastEdition, known, sent))));
        var writes = sent.OrderBy(s => s.Client).ThenBy(s => s.Step).ToList();
        var sending = clock.Elapsed;

        // Refused writes are recorded through the queue: wait for every request's entry, never for a time.
        var store = new AuditStore(app.Provider, app.ConnectionString);
        var ids = writes.Select(w => w.RequestId).ToHashSet();
        List<Entry> entries = [];
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            entries = await store.Db.ReadAsync(c => c.QueryAsync<Entry>(
                "SELECT sequence AS Sequence, action AS Action, status AS Status, subject AS Subject, standard_key AS StandardKey, edition AS Edition, detail AS Detail, request_id AS RequestId FROM audit_log ORDER BY sequence"));
            var recorded = entries.Select(e => e.RequestId).ToHashSet();
            if (ids.All(recorded.Contains))
            {
                break;
            }
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(15),
                $"Not within 15 s: an entry for every write; missing {string.Join("; ", writes.Where(w => !recorded.Contains(w.RequestId)).Take(10))}");
            await Task.Delay(20);
        }

        var failures = new List<string>();
        CheckEveryWriteHasItsEntry(writes, entries, failures);
        var model = Replay(writes, entries, failures);
        var editor = app.As(Editor(0));
        await CompareFinalStateAsync(editor, model, keys, failures);

        var verified = await app.As(TestCaller.Admin()).GetJsonAsync("/v1/audit/verify?full=true");
        if (verified["valid"]!.GetValue<bool>() is not true || verified["complete"]!.GetValue<bool>() is not true)
        {
            failures.Add($"4. verification: {verified.ToJsonString()}");
        }

        var statuses = string.Join(", ", writes.GroupBy(w => w.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"));
        output.WriteLine($"{provider.Name} seed {seed}: {writes.Count} writes ({statuses}), {entries.Count} entries; sent in {sending.TotalSeconds:0.0} s, checked by {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(failures.Count == 0, $"{failures.Count} failure(s):{Environment.NewLine}{string.Join(Environment.NewLine, failures.Take(30))}");
        // Not vacuous: writes of every kind committed, and refusals of stale tags and conflicts were among them.
        Assert.All(Enum.GetValues<Kind>(), k => Assert.Contains(writes, w => w.Kind == k && w.Status is >= 200 and < 300));
        Assert.Contains(writes, w => w.Status == 412);
        Assert.Contains(writes, w => w.Status == 409);
    }

    private static TestCaller Editor(int client) => new($"replay-editor-{client}@nato", "NATO", "CTS", "editor", "release-authority");

    /// <summary>One editor's seeded sequence of writes, with the reads its conditional writes take their tags from.</summary>
    private static async Task RunClientAsync(RegistryApp app, int seed, int client, string[] keys, ConcurrentDictionary<string, int> lastEdition,
        Known known, ConcurrentQueue<Sent> sent)
    {
        var random = new Random(seed * 97 + client);
        var http = app.As(Editor(client));
        // Tags this client has read, to send stale ones later.
        var seen = new List<(string Key, int Edition, string ETag, TagState State)>();

        for (var step = 0; step < StepsPerClient; step++)
        {
            var key = keys[random.Next(keys.Length)];
            var roll = step == 0 ? 0 : random.Next(100);
            // Mostly an edition that is likely to be decided on its merits: a recent one (a draft) to replace or publish, a
            // published one to withdraw, release, revoke or respond to; sometimes any, or one past the last (404).
            var last = lastEdition.GetValueOrDefault(key);
            var releasable = known.Published.Keys.Where(p => p.Key == key).Select(p => p.Edition).ToList();
            var edition = random.Next(4) switch
            {
                0 => random.Next(1, last + 2),
                > 0 when roll >= 60 && releasable.Count > 0 => releasable[random.Next(releasable.Count)],
                _ => Math.Max(1, last - random.Next(2)),
            };
            var title = $"Title {client}.{step}";
            if (roll < 8)
            {
                var body = new { key, designation = key.ToUpperInvariant(), category = "caliber", title = $"Title of {key}" };
                sent.Enqueue(await SendAsync(http, HttpMethod.Post, "/v1/standards", body, null,
                    new Sent(client, step, Kind.CreateStandard, key, null, null, null, null, null, false, null, null, 0)));
            }
            else if (roll < 28)
            {
                var classification = Levels[random.Next(Levels.Length)];
                var write = await SendAsync(http, HttpMethod.Post, $"/v1/standards/{key}/versions", DraftBody(title, classification), null,
                    new Sent(client, step, Kind.CreateDraft, key, null, title, BodyOf(title), classification, null, false, null, null, 0));
                if (write.Status == 201)
                {
                    var created = write.Answer!["edition"]!.GetValue<int>();
                    lastEdition.AddOrUpdate(key, created, (_, e) => Math.Max(e, created));
                }
                sent.Enqueue(write);
            }
            else if (roll < 50)
            {
                var classification = Levels[random.Next(Levels.Length)];
                var how = random.Next(10);
                if (how == 0)
                {
                    // No If-Match: 428.
                    sent.Enqueue(await SendAsync(http, HttpMethod.Put, $"/v1/standards/{key}/versions/{edition}", DraftBody(title, classification), null,
                        new Sent(client, step, Kind.UpdateDraft, key, edition, title, BodyOf(title), classification, null, false, null, null, 0)));
                    continue;
                }
                var (etag, state) = how <= 2 && Stale(seen, key, edition, random) is { } stale ? stale : await ReadTagAsync(http, key, edition, seen);
                if (how >= 7)
                {
                    // Two editors who read the same draft replace it at once on the same tag: one of them must be refused.
                    var other = $"Title {client}.{step}b";
                    var otherClassification = Levels[random.Next(Levels.Length)];
                    var both = await Task.WhenAll(
                        SendAsync(http, HttpMethod.Put, $"/v1/standards/{key}/versions/{edition}", DraftBody(title, classification), etag,
                            new Sent(client, step, Kind.UpdateDraft, key, edition, title, BodyOf(title), classification, state, true, null, null, 0)),
                        SendAsync(app.As(Editor(client)), HttpMethod.Put, $"/v1/standards/{key}/versions/{edition}", DraftBody(other, otherClassification), etag,
                            new Sent(client, step, Kind.UpdateDraft, key, edition, other, BodyOf(other), otherClassification, state, true, null, null, 0)));
                    foreach (var write in both)
                    {
                        sent.Enqueue(write);
                    }
                    continue;
                }
                sent.Enqueue(await SendAsync(http, HttpMethod.Put, $"/v1/standards/{key}/versions/{edition}", DraftBody(title, classification), etag,
                    new Sent(client, step, Kind.UpdateDraft, key, edition, title, BodyOf(title), classification, state, true, null, null, 0)));
            }
            else if (roll < 70)
            {
                var kind = roll < 62 ? Kind.Publish : Kind.Withdraw;
                var path = $"/v1/standards/{key}/versions/{edition}/{(kind == Kind.Publish ? "publish" : "withdraw")}";
                object? body = kind == Kind.Withdraw ? new { reason = "Obsolete." } : null;
                var how = random.Next(3);
                if (how == 0)
                {
                    var unconditional = await SendAsync(http, HttpMethod.Post, path, body, null,
                        new Sent(client, step, kind, key, edition, null, null, null, null, false, null, null, 0));
                    Learn(unconditional, known);
                    sent.Enqueue(unconditional);
                    continue;
                }
                var (etag, state) = how == 1 && Stale(seen, key, edition, random) is { } stale ? stale : await ReadTagAsync(http, key, edition, seen);
                var write = await SendAsync(http, HttpMethod.Post, path, body, etag,
                    new Sent(client, step, kind, key, edition, null, null, null, state, true, null, null, 0));
                Learn(write, known);
                sent.Enqueue(write);
            }
            else if (roll < 90)
            {
                var kind = roll < 82 ? Kind.Release : Kind.Revoke;
                var audience = Audiences[random.Next(Audiences.Length)];
                // A revocation mostly of a release some client was granted (it may have been revoked since: 404).
                if (kind == Kind.Revoke && known.Granted.Keys.ToList() is { Count: > 0 } granted && random.Next(3) > 0)
                {
                    (key, edition, audience) = granted[random.Next(granted.Count)];
                }
                var path = $"/v1/standards/{key}/versions/{edition}/releases/{audience}";
                var write = kind == Kind.Release
                    ? await SendAsync(http, HttpMethod.Put, path, new { reason = "Needed." }, null,
                        new Sent(client, step, kind, key, edition, null, null, null, null, false, audience, null, 0))
                    : await SendAsync(http, HttpMethod.Delete, $"{path}?reason=test", null, null,
                        new Sent(client, step, kind, key, edition, null, null, null, null, false, audience, null, 0));
                Learn(write, known);
                sent.Enqueue(write);
            }
            else
            {
                var nation = Nations[random.Next(Nations.Length)];
                var content = random.Next(WriteBodies.Contents.Length);
                sent.Enqueue(await SendAsync(http, HttpMethod.Put, $"/v1/standards/{key}/versions/{edition}/responses/{nation}", WriteBodies.Response(content, "NU"), null,
                    new Sent(client, step, Kind.Respond, key, edition, null, null, null, null, false, null, nation, content)));
            }
        }
    }

    /// <summary>An edition published is one to withdraw, release and respond to later; a release granted, one to revoke.</summary>
    private static void Learn(Sent write, Known known)
    {
        if (write.Kind == Kind.Publish && write.Status == 200)
        {
            known.Published[(write.Key, write.Edition!.Value)] = true;
        }
        if (write.Kind == Kind.Release && write.Status is 200 or 201)
        {
            known.Granted[(write.Key, write.Edition!.Value, write.Audience!)] = true;
        }
    }

    /// <summary>What the clients have learnt from their answers, to aim later writes where they are decided on their merits.</summary>
    private sealed class Known
    {
        public ConcurrentDictionary<(string Key, int Edition), bool> Published { get; } = new();
        public ConcurrentDictionary<(string Key, int Edition, string Audience), bool> Granted { get; } = new();
    }

    private static string BodyOf(string title) => $"Body of {title}.";

    private static object DraftBody(string title, string classification) =>
        new { title, summary = "A summary.", body = BodyOf(title), classification, attributes = RegistryClient.AttributesFor("caliber") };

    /// <summary>A tag this client read of that edition before (most likely stale by now), if any.</summary>
    private static (string, TagState)? Stale(List<(string Key, int Edition, string ETag, TagState State)> seen, string key, int edition, Random random)
    {
        var earlier = seen.Where(s => s.Key == key && s.Edition == edition).ToList();
        if (earlier.Count == 0)
        {
            return null;
        }
        var pick = earlier[random.Next(earlier.Count)];
        return (pick.ETag, pick.State);
    }

    /// <summary>The edition's current tag and what it names; for an edition not found, a tag that names nothing.</summary>
    private static async Task<(string, TagState?)> ReadTagAsync(HttpClient http, string key, int edition, List<(string, int, string, TagState)> seen)
    {
        var response = await http.GetAsync($"/v1/standards/{key}/versions/{edition}");
        if (response.StatusCode != System.Net.HttpStatusCode.OK)
        {
            return ("\"no-such-edition\"", null);
        }
        var body = await response.JsonAsync();
        var state = new TagState(body["title"]!.GetValue<string>(), body["classification"]!.GetValue<string>(), body["status"]!.GetValue<string>());
        var etag = response.Headers.ETag!.ToString();
        seen.Add((key, edition, etag, state));
        return (etag, state);
    }

    private static async Task<Sent> SendAsync(HttpClient http, HttpMethod method, string path, object? body, string? ifMatch, Sent write)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(System.Text.Json.JsonSerializer.Serialize(body, RegistryClient.Json), Encoding.UTF8, "application/json");
        }
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        using var response = await http.SendAsync(request);
        write.Status = (int)response.StatusCode;
        write.RequestId = response.Headers.GetValues(RequestIdHeader).Single();
        var text = await response.Content.ReadAsStringAsync();
        write.Answer = write.Status is >= 200 and < 300 && text.StartsWith('{') ? JsonNode.Parse(text)!.AsObject() : null;
        return write;
    }

    /// <summary>Property 1: one entry per write, saying what was answered and asked; no 2xx entry of a write not answered 2xx.</summary>
    private static void CheckEveryWriteHasItsEntry(List<Sent> writes, List<Entry> entries, List<string> failures)
    {
        var byRequest = entries.GroupBy(e => e.RequestId ?? "").ToDictionary(g => g.Key, g => g.ToList());
        foreach (var write in writes)
        {
            var own = byRequest.GetValueOrDefault(write.RequestId) ?? [];
            if (own.Count != 1)
            {
                failures.Add($"1. {write}: {own.Count} entries ({string.Join("; ", own)})");
                continue;
            }
            var entry = own[0];
            var edition = write.Kind == Kind.CreateDraft ? (write.Status == 201 ? write.Answer!["edition"]!.GetValue<int>() : null) : write.Edition;
            var detail = write.Kind switch
            {
                Kind.Release or Kind.Revoke => write.Audience,
                Kind.Respond => write.Nation,
                _ => null,
            };
            if (entry.Action != write.Action || entry.Status != write.Status || entry.StandardKey != write.Key || entry.Edition != edition
                || (detail is not null && entry.Detail != detail) || entry.Subject != Editor(write.Client).Subject)
            {
                failures.Add($"1. {write}: its entry says {entry} (expected {write.Action} {write.Status} {write.Key}/{edition?.ToString() ?? "-"} {detail})");
            }
        }
        var answered2xx = writes.Where(w => w.Status is >= 200 and < 300).Select(w => w.RequestId).ToHashSet();
        foreach (var entry in entries.Where(e => WriteActions.Contains(e.Action) && e.Status is >= 200 and < 300 && !answered2xx.Contains(e.RequestId ?? "")))
        {
            failures.Add($"1. entry {entry} says a write succeeded that was not answered 2xx");
        }
    }

    /// <summary>Properties 2 and 3: the 2xx writes in audit order, each accepted by the model with the answer it gave.</summary>
    private static Model Replay(List<Sent> writes, List<Entry> entries, List<string> failures)
    {
        var model = new Model();
        var byRequest = writes.ToDictionary(w => w.RequestId);
        foreach (var entry in entries.Where(e => WriteActions.Contains(e.Action) && e.Status is >= 200 and < 300))
        {
            if (!byRequest.TryGetValue(entry.RequestId ?? "", out var write) || write.Status is < 200 or >= 300)
            {
                continue; // reported by property 1
            }
            var (status, why, expected) = model.Apply(write);
            if (status != write.Status)
            {
                failures.Add($"2. at entry #{entry.Sequence} {write}: the model, replaying the trail, answers {status} ({why})");
                continue;
            }
            foreach (var (field, value) in expected)
            {
                var actual = write.Answer?[field]?.ToString();
                if (actual != value)
                {
                    failures.Add($"3. at entry #{entry.Sequence} {write}: answered {field}={actual ?? "null"}, the model says {value ?? "null"}");
                }
            }
        }
        return model;
    }

    /// <summary>Property 2: what an editor cleared CTS reads is the model's state after the replay.</summary>
    private static async Task CompareFinalStateAsync(HttpClient editor, Model model, string[] keys, List<string> failures)
    {
        foreach (var key in keys)
        {
            var standard = await editor.GetAsync($"/v1/standards/{key}");
            var exists = model.Standards.TryGetValue(key, out var editions);
            if ((standard.StatusCode == System.Net.HttpStatusCode.OK) != exists)
            {
                failures.Add($"2. {key}: the registry answers {(int)standard.StatusCode}, the model {(exists ? "has it" : "has none")}");
                continue;
            }
            if (!exists)
            {
                continue;
            }
            var listed = (await editor.GetJsonAsync($"/v1/standards/{key}/versions?limit=100"))["items"]!.AsArray()
                .Select(v => $"{v!["edition"]} {v["status"]} {v["title"]} {v["classification"]} supersededBy={v["supersededBy"]}").ToList();
            // Only a superseded edition names its successor (a withdrawn one that was superseded no longer does).
            var modelled = editions!.Select(e => $"{e.Number} {e.Status} {e.Title} {e.Classification} supersededBy={(e.Status == "superseded" ? e.SupersededBy : null)}").ToList();
            if (!listed.Order().SequenceEqual(modelled.Order()))
            {
                failures.Add($"2. {key}'s editions: the registry lists [{string.Join(" | ", listed.Order())}], the model [{string.Join(" | ", modelled.Order())}]");
            }
            foreach (var e in editions!)
            {
                var version = await editor.GetAsync($"/v1/standards/{key}/versions/{e.Number}");
                if (version.StatusCode != System.Net.HttpStatusCode.OK)
                {
                    failures.Add($"2. {key}/{e.Number}: the registry answers {(int)version.StatusCode}");
                    continue;
                }
                var v = await version.JsonAsync();
                var read = $"{v["status"]} {v["title"]} {v["body"]} {v["classification"]}";
                var want = $"{e.Status} {e.Title} {e.Body} {e.Classification}";
                if (read != want)
                {
                    failures.Add($"2. {key}/{e.Number}: the registry has {read}, the model {want}");
                }
                var releases = (await editor.GetJsonArrayAsync($"/v1/standards/{key}/versions/{e.Number}/releases"))
                    .Select(r => $"{r!["audience"]}:{r["state"]}").ToList();
                var modelledReleases = e.Releases.Select(r => $"{r.Audience}:{(r.Revoked ? "revoked" : "active")}").ToList();
                if (!releases.SequenceEqual(modelledReleases))
                {
                    failures.Add($"2. {key}/{e.Number}'s releases: the registry has [{string.Join(", ", releases)}], the model [{string.Join(", ", modelledReleases)}]");
                }
                foreach (var nation in Nations)
                {
                    var history = await editor.GetAsync($"/v1/standards/{key}/versions/{e.Number}/responses/{nation}");
                    var rows = history.StatusCode == System.Net.HttpStatusCode.OK
                        ? JsonNode.Parse(await history.Content.ReadAsStringAsync())! is JsonArray array ? array : (JsonNode.Parse(await history.Content.ReadAsStringAsync())!["items"] as JsonArray ?? [])
                        : [];
                    var kinds = rows.Select(r => r!["response"]!.GetValue<string>()).Order().ToList();
                    var modelledKinds = e.Responses.GetValueOrDefault(nation, []).Select(c => WriteBodies.Contents[c].Response).Order().ToList();
                    if (!kinds.SequenceEqual(modelledKinds))
                    {
                        failures.Add($"2. {key}/{e.Number}'s responses of {nation}: the registry has [{string.Join(", ", kinds)}], the model [{string.Join(", ", modelledKinds)}]");
                    }
                }
            }
        }
    }

    /// <summary>The editorial rules, as docs/design.md §3 states them, over an editor's view of everything.</summary>
    private sealed class Model
    {
        public sealed class Edition
        {
            public int Number { get; init; }
            public string Title { get; set; } = "";
            public string Body { get; set; } = "";
            public string Classification { get; set; } = "";
            public string Status { get; set; } = "draft";
            public bool EverPublished { get; set; }
            public int? SupersededBy { get; set; }
            public List<(string Audience, bool Revoked)> Releases { get; } = [];
            public Dictionary<string, List<int>> Responses { get; } = [];

            public TagState State => new(Title, Classification, Status);
        }

        public Dictionary<string, List<Edition>> Standards { get; } = [];

        /// <summary>The status the write is answered with on the model's state, why, and the fields its 2xx answer must carry; applies it when 2xx.</summary>
        public (int Status, string Why, List<(string Field, string? Value)> Answer) Apply(Sent w)
        {
            if (w.Kind == Kind.CreateStandard)
            {
                if (Standards.ContainsKey(w.Key))
                {
                    return (409, "the key exists", []);
                }
                Standards[w.Key] = [];
                return (201, "", [("key", w.Key)]);
            }
            if (!Standards.TryGetValue(w.Key, out var editions))
            {
                return (404, "no such standard", []);
            }
            if (w.Kind == Kind.CreateDraft)
            {
                var created = new Edition { Number = editions.Count + 1, Title = w.Title!, Body = w.Body!, Classification = w.Classification! };
                editions.Add(created);
                return (201, "", [("edition", created.Number.ToString()), ("status", "draft"), ("title", w.Title), ("classification", w.Classification)]);
            }
            if (editions.ElementAtOrDefault(w.Edition!.Value - 1) is not { } e)
            {
                return (404, "no such edition", []);
            }
            var stale = w.Conditional && w.Tag != e.State;
            switch (w.Kind)
            {
                case Kind.UpdateDraft:
                    if (e.Status != "draft")
                    {
                        return (409, $"edition is {e.Status}", []);
                    }
                    if (!w.Conditional)
                    {
                        return (428, "no If-Match", []);
                    }
                    if (stale)
                    {
                        return (412, $"the tag names {w.Tag}, the draft is {e.State}", []);
                    }
                    (e.Title, e.Body, e.Classification) = (w.Title!, w.Body!, w.Classification!);
                    return (200, "", [("edition", e.Number.ToString()), ("status", "draft"), ("title", w.Title), ("body", w.Body), ("classification", w.Classification)]);
                case Kind.Publish:
                    if (stale)
                    {
                        return (412, $"the tag names {w.Tag}, the edition is {e.State}", []);
                    }
                    if (e.Status != "draft")
                    {
                        return (409, $"edition is {e.Status}", []);
                    }
                    if (editions.Any(l => l.Number > e.Number && l.EverPublished))
                    {
                        return (409, "a later edition was published", []);
                    }
                    foreach (var current in editions.Where(c => c.Status == "published"))
                    {
                        current.Status = "superseded";
                        current.SupersededBy = e.Number;
                    }
                    e.Status = "published";
                    e.EverPublished = true;
                    return (200, "", [("edition", e.Number.ToString()), ("status", "published"), ("title", e.Title)]);
                case Kind.Withdraw:
                    if (stale)
                    {
                        return (412, $"the tag names {w.Tag}, the edition is {e.State}", []);
                    }
                    if (e.Status is not ("published" or "superseded"))
                    {
                        return (409, $"edition is {e.Status}", []);
                    }
                    e.Status = "withdrawn";
                    return (200, "", [("edition", e.Number.ToString()), ("status", "withdrawn"), ("title", e.Title)]);
                case Kind.Release:
                    if (e.Status is not ("published" or "superseded"))
                    {
                        return (409, $"edition is {e.Status}", []);
                    }
                    if (Array.IndexOf(Levels, e.Classification) > Ceilings[w.Audience!])
                    {
                        return (422, $"{e.Classification} is above {w.Audience}'s ceiling", []);
                    }
                    if (e.Releases.Any(r => r.Audience == w.Audience && !r.Revoked))
                    {
                        return (200, "", [("audience", w.Audience), ("state", "active")]);
                    }
                    e.Releases.Add((w.Audience!, false));
                    return (201, "", [("audience", w.Audience), ("state", "active")]);
                case Kind.Revoke:
                    var active = e.Releases.FindIndex(r => r.Audience == w.Audience && !r.Revoked);
                    if (active < 0)
                    {
                        return (404, $"no active release to {w.Audience}", []);
                    }
                    e.Releases[active] = (w.Audience!, true);
                    return (200, "", [("audience", w.Audience), ("state", "revoked")]);
                default:
                    var history = e.Responses.TryGetValue(w.Nation!, out var h) ? h : e.Responses[w.Nation!] = [];
                    var answer = new List<(string, string?)> { ("nation", w.Nation), ("edition", e.Number.ToString()), ("response", WriteBodies.Contents[w.Content].Response) };
                    if (history.Count > 0 && history[^1] == w.Content)
                    {
                        return (200, "", answer);
                    }
                    history.Add(w.Content);
                    return (201, "", answer);
            }
        }
    }
}
