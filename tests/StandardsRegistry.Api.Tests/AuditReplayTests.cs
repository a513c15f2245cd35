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
/// and revoke from an audience, record a national response (marked NU or NC), release a nation's current response to an
/// audience and revoke its releases there, add and remove relations between the standards, add and remove civil
/// equivalents, mark a standard the category's preferred one (each with a rationale of its own) and unmark it — many of
/// which must be refused (a key that exists, a stale tag, a published draft, a release above the audience's ceiling, an
/// edition that does not exist, a response above PUBLIC's ceiling, a nation with no response, revoking what is not
/// released, an edge to itself or to no standard, removing an edge or equivalent that is not there, unmarking a standard
/// that is not the preferred one, a relation kind or civil source there is not). Then:
/// <list type="number">
/// <item>every write has exactly one entry, under the request id the service recorded (ASP.NET Core's
/// <c>TraceIdentifier</c>, which every response carries as <c>Registry-Request-Id</c>), with the status
/// answered, the action of its route, its key, its edition (for a draft created, the one answered) and its detail (the
/// audience, the nation, <c>FRA audience=EU</c>, the relation's kind and target, the civil source and identifier, a mark's
/// category); no write entry says 2xx for a request that was not answered 2xx;</item>
/// <item>the entries of the writes answered 2xx, taken in audit sequence order, replayed through a model of the
/// editorial rules (<see cref="Model"/>), are each accepted by the model — the trail's order is a serial order of the
/// committed writes, so no If-Match was honoured on a state it did not name and no acknowledged edit was overwritten out
/// of order — and the model's final state is what an editor cleared CTS reads: standards, editions (status, title, body,
/// marking, superseded-by), release records, each nation's response history (response and marking, oldest first), the
/// audiences its current response is released to (its label), and each standard's <c>…/relations</c> (edges out and in,
/// civil equivalents, the preferred mark and its rationale); and what an editor speaking for Poland reads of FRA's and
/// DEU's histories, the rows released to some audience, so older rows' releases count too; refused writes, absent from
/// the replay, left no trace;</item>
/// <item>each 2xx answer's status (201 or 200) and body is what the model says at its point of the replay (the edition
/// number a draft got, the status after a publish or withdrawal, the release's state, the response recorded, 201 or 200
/// for an edge, equivalent or mark added and for a response's release);</item>
/// <item>a full verification of the chain says it is valid and complete.</item>
/// </list>
/// About 700 writes per seed (one client of 400 steps alone, then five of 60 steps at once), two seeds, a fresh
/// in-process registry each; 2–8 s per case. The client writing alone decides the same way on every run (sequential,
/// on a fixed clock), so the not-vacuous checks at the end (every kind of write committed, every kind of refusal met)
/// are judged on its writes and cannot fail by the interleaving: on the concurrent writes alone, the rarer kinds
/// (revoking a response's release, removing an equivalent) committed 1–3 times a case and sometimes would not have.
/// A write wrongly refused is beyond these properties: its trail and the state agree (it is in neither), so only the
/// not-vacuous checks may notice it.
/// <para>
/// Planted mistakes (docs/audit.md, SECURITY.md), on both providers, each caught unless said: the entry of a write appended in a
/// transaction of its own after the write's commit (<c>RegistryWrites.RunAsync</c>) — properties 2 and 3, 3 of the 4
/// cases in each of three runs (2–84 failures: entries out of commit order make the replay honour stale tags, publish
/// non-drafts, revoke releases not yet granted); a draft replacement's row version no longer compared under the lock
/// (<c>EditorialStore.Sql.UpdateDraft</c>: the lost update between the two replacements on one tag) — property 2, 8 of
/// 8 cases (18–38 failures); a publication's entry naming the edition it superseded — property 1, 4 of 4 (4–11); a
/// release handler marking its entry committed whatever the outcome (its refusals left no entry) — property 1, 4 of 4
/// (the wait for every write's entry runs out). Since the relations and responses' releases were added (2026-12-06, two
/// runs each): a relation's removal deleting the edge in a transaction of its own, without its entry (the audited write
/// then found nothing) — property 2, 8 of 8 cases (1–5 failures: the edges read back, and adds answered 201 where the
/// trail says the edge was there); a response revocation's entry naming the other audience — property 1, 8 of 8 (2–4);
/// a revocation of one nation's releases revoking every nation's on the edition — property 2, 3 of 8 (1–2: the rows a
/// Polish editor sees released, a revocation answered 204 where the model had nothing to revoke). Not caught: a
/// revocation revoking the current row's release only, answered 404 where older rows were released — a wrongly refused
/// write, consistent with the trail; only the not-vacuous check (no revocation succeeded) failed, 1 of 4 cases in each of
/// three runs. The first run of the extended test found a real omission: an unmark's entry named no category
/// (<c>RelationStore.UnmarkPreferredAsync</c>), though docs/audit.md says both preferred-mark actions do.
/// </para>
/// </summary>
[Slow]
public abstract class AuditReplayTests(TestProvider provider, ITestOutputHelper output)
{
    private const int Clients = 6;
    private const int StepsPerClient = 60;

    /// <summary>The steps of the client that writes alone first.</summary>
    private const int SoloSteps = 400;
    private const string RequestIdHeader = RequestLimits.RequestIdHeader;

    private static readonly string[] Levels = ["NU", "NR", "NC", "NS", "CTS"];
    private static readonly string[] Audiences = ["EU", "PUBLIC"];
    private static readonly Dictionary<string, int> Ceilings = new() { ["EU"] = 4, ["PUBLIC"] = 0 };
    private static readonly string[] Nations = ["FRA", "DEU"];
    private static readonly string[] RelationKinds = ["covers", "supersedes", "references"];
    private static readonly string[] Civil = ["EN 16341", "ISO 9001:2015", "IEC 60068"];
    private const string Category = "caliber";

    private static readonly string[] WriteActions =
        ["standard.create", "draft.create", "draft.update", "version.publish", "version.withdraw", "release.grant", "release.revoke", "response.record",
         "response.release", "response.revoke", "relation.add", "relation.remove", "equivalent.add", "equivalent.remove", "preferred.mark", "preferred.unmark"];

    private enum Kind
    {
        CreateStandard, CreateDraft, UpdateDraft, Publish, Withdraw, Release, Revoke, Respond,
        ReleaseResponse, RevokeResponse, Relate, Unrelate, AddEquivalent, RemoveEquivalent, Mark, Unmark,
    }

    /// <summary>What a draft looked like when its ETag was read: titles are unique per write, so this names one state.</summary>
    private sealed record TagState(string Title, string Classification, string Status);

    /// <summary>One write sent, and what it was answered.</summary>
    private sealed record Sent(
        int Client, int Step, Kind Kind, string Key, int? Edition, string? Title, string? Body, string? Classification,
        TagState? Tag, bool Conditional, string? Audience, string? Nation, int Content, string? Other = null)
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
            Kind.Respond => "response.record",
            Kind.ReleaseResponse => "response.release",
            Kind.RevokeResponse => "response.revoke",
            Kind.Relate => "relation.add",
            Kind.Unrelate => "relation.remove",
            Kind.AddEquivalent => "equivalent.add",
            Kind.RemoveEquivalent => "equivalent.remove",
            Kind.Mark => "preferred.mark",
            _ => "preferred.unmark",
        };

        public override string ToString() =>
            $"client {Client} step {Step}: {Kind} {Key}/{Edition?.ToString() ?? "-"}{(Title is null ? "" : $" title={Title}")}{(Classification is null ? "" : $" {Classification}")}"
            + $"{(Conditional ? $" If-Match={(Tag is null ? "bogus" : $"{Tag.Title}/{Tag.Status}")}" : "")}{(Audience is null ? "" : $" to {Audience}")}{(Nation is null ? "" : $" {Nation}#{Content}")}{(Other is null ? "" : $" {Other}")}"
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

        // First one client alone, whose writes (sequential, on a fixed clock) decide the same way on every run: it is what
        // makes the not-vacuous checks below hold whatever the interleaving. Then the others at once.
        await RunClientAsync(app, seed, 0, keys, lastEdition, known, sent, SoloSteps);
        await Task.WhenAll(Enumerable.Range(1, Clients - 1).Select(c => Task.Run(() => RunClientAsync(app, seed, c, keys, lastEdition, known, sent, StepsPerClient))));
        var writes = sent.OrderBy(s => s.Client).ThenBy(s => s.Step).ToList();
        var solo = writes.Where(w => w.Client == 0).ToList();
        var sending = clock.Elapsed;

        // Refused writes are recorded through the queue: wait for every request's entry, never for a time.
        var store = new AuditStore(app.Provider, app.ConnectionString);
        var ids = writes.Select(w => w.RequestId).ToHashSet();
        List<Entry> entries = [];
        HashSet<string?> recorded = [];
        await Wait.UntilAsync(
            async () =>
            {
                entries = await store.Db.ReadAsync(c => c.QueryAsync<Entry>(
                    "SELECT sequence AS Sequence, action AS Action, status AS Status, subject AS Subject, standard_key AS StandardKey, edition AS Edition, detail AS Detail, request_id AS RequestId FROM audit_log ORDER BY sequence"));
                recorded = entries.Select(e => e.RequestId).ToHashSet();
                return ids.All(recorded.Contains);
            },
            TimeSpan.FromSeconds(15),
            () => $"an entry for every write; missing {string.Join("; ", writes.Where(w => !recorded.Contains(w.RequestId)).Take(10))}");

        var failures = new List<string>();
        CheckEveryWriteHasItsEntry(writes, entries, failures);
        var model = Replay(writes, entries, failures);
        var editor = app.As(Editor(0));
        // An editor speaking for another nation sees FRA's and DEU's rows only while released to some audience: the
        // releases of rows no longer current, which no label shows.
        var polishEditor = app.As(Editor(0) with { Nation = "POL" });
        await CompareFinalStateAsync(editor, polishEditor, model, keys, failures);

        var verified = await app.As(TestCaller.Admin()).GetJsonAsync("/v1/audit/verify?full=true");
        if (verified["valid"]!.GetValue<bool>() is not true || verified["complete"]!.GetValue<bool>() is not true)
        {
            failures.Add($"4. verification: {verified.ToJsonString()}");
        }

        var statuses = string.Join(", ", writes.GroupBy(w => w.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"));
        output.WriteLine($"{provider.Name} seed {seed}: {writes.Count} writes ({statuses}), {entries.Count} entries; sent in {sending.TotalSeconds:0.0} s, checked by {clock.Elapsed.TotalSeconds:0.0} s");
        output.WriteLine(string.Join("; ", writes.GroupBy(w => w.Kind).OrderBy(g => g.Key)
            .Select(g => $"{g.Key} {string.Join("/", g.GroupBy(w => w.Status).OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Count()}"))}")));
        Assert.True(failures.Count == 0, $"{failures.Count} failure(s):{Environment.NewLine}{string.Join(Environment.NewLine, failures.Take(30))}");
        // Not vacuous: writes of every kind committed, and refusals of stale tags and conflicts were among them; of the
        // relations and responses' releases, an edge to itself and to no standard, a response above the audience's
        // ceiling, a revocation of nothing released, an unmark of a standard not preferred, a bad kind or source.
        var expected = Enum.GetValues<Kind>().Select(k => ($"{k} 2xx", (Func<Sent, bool>)(w => w.Kind == k && w.Status is >= 200 and < 300))).Concat(
        [
            ("412", w => w.Status == 412),
            ("409", w => w.Status == 409),
            ("Relate 422", w => w.Kind == Kind.Relate && w.Status == 422),
            ("relation to no standard 404", w => w.Kind is Kind.Relate or Kind.Unrelate && w.Status == 404 && w.Other!.EndsWith("-absent", StringComparison.Ordinal)),
            ("ReleaseResponse 422", w => w.Kind == Kind.ReleaseResponse && w.Status == 422),
            ("RevokeResponse 404", w => w.Kind == Kind.RevokeResponse && w.Status == 404),
            ("Unmark 404", w => w.Kind == Kind.Unmark && w.Status == 404),
            ("relation or equivalent 400", w => w.Kind is Kind.Relate or Kind.Unrelate or Kind.AddEquivalent or Kind.RemoveEquivalent && w.Status == 400),
        ]);
        Assert.Empty(expected.Where(e => !solo.Any(e.Item2)).Select(e => $"no write {e.Item1} from the client writing alone"));
    }

    private static TestCaller Editor(int client) => new($"replay-editor-{client}@nato", "NATO", "CTS", "editor", "release-authority");

    /// <summary>One editor's seeded sequence of writes, with the reads its conditional writes take their tags from.</summary>
    private static async Task RunClientAsync(RegistryApp app, int seed, int client, string[] keys, ConcurrentDictionary<string, int> lastEdition,
        Known known, ConcurrentQueue<Sent> sent, int steps)
    {
        var random = new Random(seed * 97 + client);
        var http = app.As(Editor(client));
        // Tags this client has read, to send stale ones later.
        var seen = new List<(string Key, int Edition, string ETag, TagState State)>();

        for (var step = 0; step < steps; step++)
        {
            var key = keys[random.Next(keys.Length)];
            var roll = step == 0 ? 0 : random.Next(140);
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
                if (kind == Kind.Revoke && known.Granted.Keys.Order().ToList() is { Count: > 0 } granted && random.Next(3) > 0)
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
            else if (roll < 100)
            {
                var nation = Nations[random.Next(Nations.Length)];
                var content = random.Next(WriteBodies.Contents.Length);
                // Now and then marked above PUBLIC's ceiling, so that releasing it there is refused.
                var marking = random.Next(2) == 0 ? "NC" : "NU";
                // Often a new row where one was released, so that a revocation has older rows' releases to revoke.
                if (known.ResponseReleased.Keys.Order().ToList() is { Count: > 0 } released && random.Next(2) == 0)
                {
                    (key, edition, nation, _) = released[random.Next(released.Count)];
                }
                var write = await SendAsync(http, HttpMethod.Put, $"/v1/standards/{key}/versions/{edition}/responses/{nation}", WriteBodies.Response(content, marking), null,
                    new Sent(client, step, Kind.Respond, key, edition, null, null, marking, null, false, null, nation, content));
                Learn(write, known);
                sent.Enqueue(write);
            }
            else if (roll < 113)
            {
                // A nation's current response released to an audience, or its releases there revoked: mostly where a
                // response was recorded (or released), else anywhere (404: no response, nothing released).
                var kind = roll < 109 ? Kind.ReleaseResponse : Kind.RevokeResponse;
                var nation = Nations[random.Next(Nations.Length)];
                var audience = Audiences[random.Next(Audiences.Length)];
                if (kind == Kind.ReleaseResponse && known.Responded.OrderBy(r => r.Key).ToList() is { Count: > 0 } responded && random.Next(5) > 0)
                {
                    var (picked, marking) = responded[random.Next(responded.Count)];
                    (key, edition, nation) = picked;
                    // A response marked above PUBLIC's ceiling to PUBLIC, to be refused (if it is still the current one).
                    audience = marking == "NC" ? "PUBLIC" : audience;
                }
                if (kind == Kind.RevokeResponse && known.ResponseReleased.Keys.Order().ToList() is { Count: > 0 } released && random.Next(3) > 0)
                {
                    (key, edition, nation, audience) = released[random.Next(released.Count)];
                }
                var path = $"/v1/standards/{key}/versions/{edition}/responses/{nation}/releases/{audience}";
                var write = kind == Kind.ReleaseResponse
                    ? await SendAsync(http, HttpMethod.Put, path, new { reason = "Needed." }, null,
                        new Sent(client, step, kind, key, edition, null, null, null, null, false, audience, nation, 0))
                    : await SendAsync(http, HttpMethod.Delete, path, null, null,
                        new Sent(client, step, kind, key, edition, null, null, null, null, false, audience, nation, 0));
                Learn(write, known);
                sent.Enqueue(write);
            }
            else if (roll < 125)
            {
                // An edge to another of the standards, to itself (422), to a standard that does not exist (404), or of a
                // kind there is not (400); removing one mostly that some client added (it may be gone since: 404).
                var kind = roll < 120 ? Kind.Relate : Kind.Unrelate;
                var relation = random.Next(6) == 0 ? "cites" : RelationKinds[random.Next(RelationKinds.Length)];
                var target = random.Next(keys.Length + 1) is var t && t < keys.Length ? keys[t] : $"replay-{seed}-absent";
                if (kind == Kind.Unrelate && known.Related.Keys.Order().ToList() is { Count: > 0 } related && random.Next(3) > 0)
                {
                    (key, relation, target) = related[random.Next(related.Count)];
                }
                var write = await SendAsync(http, kind == Kind.Relate ? HttpMethod.Put : HttpMethod.Delete, $"/v1/standards/{key}/relations/{relation}/{target}", null, null,
                    new Sent(client, step, kind, key, null, null, null, null, null, false, null, null, 0, $"{relation} {target}"));
                Learn(write, known);
                sent.Enqueue(write);
            }
            else if (roll < 131)
            {
                // A civil equivalent added or removed; now and then of a source there is not (400).
                var kind = roll < 127 ? Kind.AddEquivalent : Kind.RemoveEquivalent;
                var civil = random.Next(6) == 0 ? "DIN 1025" : Civil[random.Next(Civil.Length)];
                if (kind == Kind.RemoveEquivalent && known.Equivalents.Keys.Order().ToList() is { Count: > 0 } added && random.Next(3) > 0)
                {
                    (key, civil) = added[random.Next(added.Count)];
                }
                var (source, identifier) = (civil.Split(' ')[0], civil.Split(' ')[1]);
                var write = await SendAsync(http, kind == Kind.AddEquivalent ? HttpMethod.Put : HttpMethod.Delete,
                    $"/v1/standards/{key}/equivalents/{source}/{Uri.EscapeDataString(identifier)}", null, null,
                    new Sent(client, step, kind, key, null, null, null, null, null, false, null, null, 0, civil));
                Learn(write, known);
                sent.Enqueue(write);
            }
            else
            {
                // The category's preferred mark, each with a rationale of its own, or the standard unmarked (404 unless it
                // is the category's preferred standard).
                var kind = roll < 135 ? Kind.Mark : Kind.Unmark;
                if (kind == Kind.Unmark && known.Marked is { } marked && random.Next(2) > 0)
                {
                    key = marked;
                }
                var rationale = $"Rationale {client}.{step}";
                var write = kind == Kind.Mark
                    ? await SendAsync(http, HttpMethod.Put, $"/v1/standards/{key}/preferred", new { rationale }, null,
                        new Sent(client, step, kind, key, null, null, null, null, null, false, null, null, 0, rationale))
                    : await SendAsync(http, HttpMethod.Delete, $"/v1/standards/{key}/preferred", null, null,
                        new Sent(client, step, kind, key, null, null, null, null, null, false, null, null, 0));
                Learn(write, known);
                sent.Enqueue(write);
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
        if (write.Kind == Kind.Respond && write.Status is 200 or 201)
        {
            known.Responded[(write.Key, write.Edition!.Value, write.Nation!)] = write.Classification!;
        }
        if (write.Kind == Kind.AddEquivalent && write.Status is 200 or 201)
        {
            known.Equivalents[(write.Key, write.Other!)] = true;
        }
        if (write.Kind == Kind.Mark && write.Status is 200 or 201)
        {
            known.Marked = write.Key;
        }
        if (write.Kind == Kind.ReleaseResponse && write.Status is 200 or 201)
        {
            known.ResponseReleased[(write.Key, write.Edition!.Value, write.Nation!, write.Audience!)] = true;
        }
        if (write.Kind == Kind.Relate && write.Status is 200 or 201 && write.Other!.Split(' ') is [var relation, var target])
        {
            known.Related[(write.Key, relation, target)] = true;
        }
    }

    /// <summary>What the clients have learnt from their answers, to aim later writes where they are decided on their merits.</summary>
    private sealed class Known
    {
        public ConcurrentDictionary<(string Key, int Edition), bool> Published { get; } = new();
        public ConcurrentDictionary<(string Key, int Edition, string Audience), bool> Granted { get; } = new();
        /// <summary>Responses recorded, with the marking of the latest recorded here.</summary>
        public ConcurrentDictionary<(string Key, int Edition, string Nation), string> Responded { get; } = new();
        public ConcurrentDictionary<(string Key, string Civil), bool> Equivalents { get; } = new();
        /// <summary>The standard of the last mark acknowledged to some client (likely the preferred one, unless unmarked since).</summary>
        public volatile string? Marked;
        public ConcurrentDictionary<(string Key, int Edition, string Nation, string Audience), bool> ResponseReleased { get; } = new();
        public ConcurrentDictionary<(string Key, string Kind, string Target), bool> Related { get; } = new();
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
                Kind.ReleaseResponse or Kind.RevokeResponse => $"{write.Nation} audience={write.Audience}",
                Kind.Relate or Kind.Unrelate or Kind.AddEquivalent or Kind.RemoveEquivalent => write.Other,
                // The route names no more than the key; a mark's entry, once the standard is found, names its category.
                Kind.Mark or Kind.Unmark when write.Status is >= 200 and < 300 => Category,
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
    private static async Task CompareFinalStateAsync(HttpClient editor, HttpClient polishEditor, Model model, string[] keys, List<string> failures)
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
            await CompareRelationsAsync(editor, model, key, failures);
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
                    // The history oldest first, and the audiences the current row is released to as its label says them (an
                    // editor is told every active release; an older row's releases show in which revocations succeeded).
                    var readRows = rows.Select(r => $"{r!["response"]} {r["classification"]}").ToList();
                    var modelledRows = e.Responses.GetValueOrDefault(nation, []);
                    var modelledRead = modelledRows.Select(r => $"{WriteBodies.Contents[r.Content].Response} {r.Classification}").ToList();
                    if (!readRows.SequenceEqual(modelledRead))
                    {
                        failures.Add($"2. {key}/{e.Number}'s responses of {nation}: the registry has [{string.Join(", ", readRows)}], the model [{string.Join(", ", modelledRead)}]");
                    }
                    var released = (await polishEditor.GetJsonArrayAsync($"/v1/standards/{key}/versions/{e.Number}/responses/{nation}"))
                        .Select(r => $"{r!["response"]} {r["classification"]}").ToList();
                    var modelledReleased = modelledRows.Where(r => r.ReleasedTo.Count > 0)
                        .Select(r => $"{WriteBodies.Contents[r.Content].Response} {r.Classification}").ToList();
                    if (!released.SequenceEqual(modelledReleased))
                    {
                        failures.Add($"2. {key}/{e.Number}'s responses of {nation} released to some audience: the registry has [{string.Join(", ", released)}], the model [{string.Join(", ", modelledReleased)}]");
                    }
                    if (modelledRows is [.., var current])
                    {
                        var releasedTo = await ResponseReleasedToAsync(editor, key, e.Number, nation);
                        var modelledReleasedTo = string.Join(",", current.ReleasedTo);
                        if (releasedTo != modelledReleasedTo)
                        {
                            failures.Add($"2. {key}/{e.Number}'s current response of {nation} is released to [{releasedTo}] by its label, to [{modelledReleasedTo}] by the model");
                        }
                    }
                }
            }
        }
    }

    /// <summary>A standard's relations as an editor reads them (<c>…/relations</c>): edges out and in, civil equivalents, the preferred mark.</summary>
    private static async Task CompareRelationsAsync(HttpClient editor, Model model, string key, List<string> failures)
    {
        var relations = await editor.GetJsonAsync($"/v1/standards/{key}/relations");
        static string Edges(JsonNode? edges) => string.Join(", ", edges!.AsArray().Select(e => $"{e!["kind"]} {e["key"]}").Order(StringComparer.Ordinal));
        var read = $"out [{Edges(relations["outgoing"])}] in [{Edges(relations["incoming"])}] equivalents ["
            + string.Join(", ", relations["equivalents"]!.AsArray().Select(e => $"{e!["source"]} {e["identifier"]}").Order(StringComparer.Ordinal))
            + $"] preferred {(relations["preferred"] is { } p ? $"{p["category"]}: {p["rationale"]}" : "-")}";
        var want = $"out [{string.Join(", ", model.Edges.Where(e => e.From == key).Select(e => $"{e.Kind} {e.To}").Order(StringComparer.Ordinal))}]"
            + $" in [{string.Join(", ", model.Edges.Where(e => e.To == key).Select(e => $"{e.Kind} {e.From}").Order(StringComparer.Ordinal))}]"
            + $" equivalents [{string.Join(", ", model.Equivalents.Where(e => e.Key == key).Select(e => e.Civil).Order(StringComparer.Ordinal))}]"
            + $" preferred {(model.Preferred is { } m && m.Key == key ? $"{Category}: {m.Rationale}" : "-")}";
        if (read != want)
        {
            failures.Add($"2. {key}'s relations: the registry has {read}, the model {want}");
        }
    }

    /// <summary>The audiences a nation's current response is released to, as its label (JSON) names them to an editor.</summary>
    private static async Task<string> ResponseReleasedToAsync(HttpClient editor, string key, int edition, string nation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/standards/{key}/versions/{edition}/responses/{nation}/label");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await editor.SendAsync(request);
        if (response.StatusCode != System.Net.HttpStatusCode.OK)
        {
            return $"label answered {(int)response.StatusCode}";
        }
        var label = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var categories = label["originatorConfidentialityLabel"]!["confidentialityInformation"]!["categories"]!.AsArray();
        return string.Join(",", categories.Where(c => c!["tagName"]!.GetValue<string>() == "Releasable To")
            .SelectMany(c => c!["genericValues"]!.AsArray().Select(v => v!.GetValue<string>())).Order(StringComparer.Ordinal));
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
            /// <summary>Each nation's history on the edition, oldest first.</summary>
            public Dictionary<string, List<Response>> Responses { get; } = [];

            public TagState State => new(Title, Classification, Status);
        }

        /// <summary>A row of a nation's history: its content, its marking, the audiences it is released to now.</summary>
        public sealed record Response(int Content, string Classification)
        {
            public SortedSet<string> ReleasedTo { get; } = new(StringComparer.Ordinal);
        }

        public Dictionary<string, List<Edition>> Standards { get; } = [];

        /// <summary>Edges between standards: (from, kind, to).</summary>
        public HashSet<(string From, string Kind, string To)> Edges { get; } = [];

        /// <summary>Civil equivalents: (standard, "source identifier").</summary>
        public HashSet<(string Key, string Civil)> Equivalents { get; } = [];

        /// <summary>The category's history of marks (a rationale) and unmarks (none), oldest first; every standard here is of one category.</summary>
        public List<(string Key, string? Rationale)> Marks { get; } = [];

        /// <summary>The category's preferred standard and why, as an editor who sees every standard reads it: the latest row, if a mark.</summary>
        public (string Key, string Rationale)? Preferred => Marks.Count > 0 && Marks[^1] is (var key, { } rationale) ? (key, rationale) : null;

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
            switch (w.Kind)
            {
                case Kind.Relate or Kind.Unrelate:
                    var (relation, target) = (w.Other!.Split(' ')[0], w.Other!.Split(' ')[1]);
                    if (!Standards.ContainsKey(target))
                    {
                        return (404, $"no standard {target}", []);
                    }
                    if (w.Kind == Kind.Unrelate)
                    {
                        return Edges.Remove((w.Key, relation, target)) ? (204, "", []) : (404, "no such edge", []);
                    }
                    if (target == w.Key)
                    {
                        return (422, "a standard does not relate to itself", []);
                    }
                    return Edges.Add((w.Key, relation, target)) ? (201, "", []) : (200, "", []);
                case Kind.AddEquivalent:
                    return Equivalents.Add((w.Key, w.Other!)) ? (201, "", []) : (200, "", []);
                case Kind.RemoveEquivalent:
                    return Equivalents.Remove((w.Key, w.Other!)) ? (204, "", []) : (404, "no such equivalent", []);
                case Kind.Mark:
                    var held = Preferred is not null;
                    Marks.Add((w.Key, w.Other!));
                    return (held ? 200 : 201, "", []);
                case Kind.Unmark:
                    if (Preferred?.Key != w.Key)
                    {
                        return (404, $"the preferred standard is {Preferred?.Key ?? "none"}", []);
                    }
                    Marks.Add((w.Key, null));
                    return (204, "", []);
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
                case Kind.Respond when e.Status == "withdrawn":
                case Kind.ReleaseResponse when e.Status == "withdrawn":
                    return (409, "edition is withdrawn", []);
                case Kind.Respond:
                    var history = e.Responses.TryGetValue(w.Nation!, out var h) ? h : e.Responses[w.Nation!] = [];
                    var answer = new List<(string, string?)>
                    {
                        ("nation", w.Nation), ("edition", e.Number.ToString()), ("response", WriteBodies.Contents[w.Content].Response), ("classification", w.Classification),
                    };
                    if (history is [.., var last] && last.Content == w.Content && last.Classification == w.Classification)
                    {
                        return (200, "", answer);
                    }
                    history.Add(new Response(w.Content, w.Classification!));
                    return (201, "", answer);
                case Kind.ReleaseResponse:
                    // The nation's current row (an editor cleared CTS sees every row), within the audience's ceiling.
                    if (e.Responses.GetValueOrDefault(w.Nation!) is not [.., var latest])
                    {
                        return (404, $"no response of {w.Nation}", []);
                    }
                    if (Array.IndexOf(Levels, latest.Classification) > Ceilings[w.Audience!])
                    {
                        return (422, $"{latest.Classification} is above {w.Audience}'s ceiling", []);
                    }
                    var released = new List<(string, string?)> { ("audience", w.Audience), ("state", "active") };
                    return latest.ReleasedTo.Add(w.Audience!) ? (201, "", released) : (200, "", released);
                default:
                    // Every active release of the nation's rows to the audience, older rows' too.
                    var revoked = e.Responses.GetValueOrDefault(w.Nation!, []).Count(r => r.ReleasedTo.Remove(w.Audience!));
                    return revoked > 0 ? (204, "", []) : (404, $"no response of {w.Nation} released to {w.Audience}", []);
            }
        }
    }
}
