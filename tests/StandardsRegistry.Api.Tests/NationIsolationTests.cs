using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Tests.Support;
using Route = StandardsRegistry.Api.Tests.Support.AppRoutes.Route;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// Nation isolation, proven over generated data and generated principals: a caller speaking for a nation (a NATO
/// principal with a <c>nation</c> claim, whatever its roles and clearance) learns nothing of another nation's
/// unreleased figures or responses by any route, and writes for no other nation (docs/design.md §1.7 and §3,
/// docs/disclosure.md, <i>In the service</i>; SECURITY.md).
/// <para>
/// A seed draws four nations, their capability targets in a cycle every nation holds targets of (each cell's history one
/// to three rows, each row marked on its own) and in a cycle of one nation alone, a table published from the first
/// (then revised after it), and national responses to two editions (histories with their own markings, releases and
/// revocations). Every figure and every response carries a numeric canary of its own (ten digits: per nation, per
/// target and per revision), so an answer carrying one names exactly what leaked. Principals are generated: each of the
/// four nations × each clearance (none included) with a role set rotated from the seed (delegate, planner, editor,
/// release authority, admin, all of them), so every nation is seen in every role set; NATO staff speaking for no nation
/// are the positive controls (the canaries they may read are found, so the scan bites); an EU caller claiming a nation
/// shows the claim means nothing outside NATO.
/// </para>
/// <para>
/// Each principal sends every GET route the app maps (read from its endpoint list, so a route added later is covered),
/// filled with every cycle, nation (and one that recorded nothing), edition and audience, feed and response lists read
/// to their last page; the export; and every write that names a nation or a cycle, for its own nation and for each
/// other, with valid bodies. Every answer, status, body and headers, is scanned for canaries the oracle here says the
/// principal may not see; targets lists, response matrices, histories and lists must be exactly the oracle's; what is
/// hidden from it (another nation's unreleased history, label, preview, publication, target) must answer exactly as
/// what does not exist (a nation that recorded nothing, a cycle without targets); a write for another nation is refused
/// alike whether the nation has a figure there, the guess is right, or it has none; and at the end nothing was written.
/// Every response write for another nation (record, release, revoke) is sent from every role and must be the one 403
/// of a caller speaking for a nation, equal to that for a nation that recorded nothing (until 2026-12-06 an editor
/// speaking for a nation recorded any nation's response, and a release authority released or revoked another nation's
/// released one; those writes were then left unsent here).
/// </para>
/// </summary>
[Slow]
public abstract partial class NationIsolationTests(TestProvider provider, ITestOutputHelper output) : IAsyncDisposable
{
    private const int Shared = 2025;
    private const int Solo = 2026;
    private const int NoCycle = 2031;
    private static readonly int[] Cycles = [Shared, Solo, NoCycle];
    private static readonly int[] Horizons = [2027, 2029];
    private static readonly string[] Capabilities = ["ammo-155mm", "ammo-120mm", "gbad-battery", "radio-vhf", "radio-hf"];
    private static readonly string[] Levels = GeneratedEditions.Levels;
    private static readonly Dictionary<string, int> Ceilings = GeneratedEditions.Ceilings;
    private static readonly string[] Kinds = ["ratified", "ratified-with-reservations", "not-ratifying", "no-response"];

    /// <summary>Member nations the seed draws four from; <see cref="Silent"/>, a member too, records nothing (the absent one).</summary>
    private static readonly string[] Pool = ["FRA", "DEU", "POL", "USA", "ITA", "NLD", "GBR", "ESP", "NOR", "CAN"];

    private const string Silent = "GRC";

    private static readonly string[][] RoleSets =
    [
        ["delegate"], ["planner"], ["editor"], ["release-authority"], ["admin"],
        ["delegate", "planner", "editor", "release-authority", "admin", "consumer"],
    ];

    private readonly RegistryApp _app = new RegistryApp(provider: provider, settings: RegistryApp.UnlimitedRate)
        .WithHorizons(2027, 2029);

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    // ------------------------------------------------------------------ the world, as the oracle knows it

    /// <summary>One row of a target cell's history; <see cref="Quantity"/> is its canary.</summary>
    private sealed record Target(int Cycle, string Nation, string Capability, int Horizon, long Quantity, int Level)
    {
        public bool Current { get; set; }
    }

    /// <summary>One row of a nation's response history on an edition; <see cref="Canary"/> names it in any answer.</summary>
    private sealed record Response(string Key, string Nation, int Sequence, string Kind, int Level, long Canary, HashSet<string> ReleasedTo)
    {
        public string Document => $"ND-{Canary}";
    }

    private sealed record World(string[] Nations, string[] Keys, List<Target> Targets, List<Target> Published, List<Response> Responses, HashSet<long> WriteCanaries)
    {
        public IEnumerable<Target> Current(int cycle) => Targets.Where(t => t.Cycle == cycle && t.Current);
    }

    /// <summary>Ten-digit numbers, each drawn once: a canary found in an answer names one figure, response or write.</summary>
    private sealed class Canaries(Random random, long prefix)
    {
        private readonly HashSet<long> _drawn = [];

        public long Next()
        {
            while (true)
            {
                var value = prefix * 1_000_000_000L + random.NextInt64(100_000_000, 1_000_000_000);
                if (_drawn.Add(value))
                {
                    return value;
                }
            }
        }
    }

    private async Task<World> GenerateAsync(int seed)
    {
        var random = new Random(seed);
        var nations = Pool.OrderBy(_ => random.Next()).Take(4).ToArray();
        var figures = new Canaries(random, 7);
        var texts = new Canaries(random, 6);
        var writes = new Canaries(random, 5);
        var planner = _app.As(new TestCaller("planner@nato", "NATO", "CTS", "planner"));
        var authority = _app.As(TestCaller.ReleaseAuthority());
        var editor = _app.As(TestCaller.Editor());
        var targets = new List<Target>();

        async Task RecordAsync(int cycle, string nation, string capability, int horizon)
        {
            var row = new Target(cycle, nation, capability, horizon, figures.Next(), Math.Min(random.Next(5), random.Next(5)));
            var answer = await planner.PutAsJsonAsync($"/v1/capability-targets/{cycle}/{nation}/{capability}/{horizon}", new { quantity = row.Quantity, classification = Levels[row.Level] });
            await RegistryClient.Expect(answer, targets.Any(t => SameCell(t, row)) ? HttpStatusCode.OK : HttpStatusCode.Created);
            foreach (var earlier in targets.Where(t => SameCell(t, row)))
            {
                earlier.Current = false;
            }
            row.Current = true;
            targets.Add(row);
        }

        // Every nation holds targets of the shared cycle (at least its first cell), one to three rows a cell; the solo
        // cycle holds the first nation's alone.
        foreach (var nation in nations)
        {
            var cells = Capabilities.SelectMany(c => Horizons.Select(h => (c, h))).Where((_, i) => i == 0 || random.Next(2) == 0).ToList();
            foreach (var (capability, horizon) in cells)
            {
                for (var n = random.Next(1, 4); n > 0; n--)
                {
                    await RecordAsync(Shared, nation, capability, horizon);
                }
            }
        }
        foreach (var (capability, horizon) in new[] { ("ammo-155mm", 2027), ("radio-vhf", 2029), ("gbad-battery", 2027) })
        {
            for (var n = random.Next(1, 3); n > 0; n--)
            {
                await RecordAsync(Solo, nations[0], capability, horizon);
            }
        }
        // The shared cycle's table, published to INDUSTRY (a first release: never refused), then revisions after it.
        await authority.PublishTableAsync(Shared, "INDUSTRY", "NR");
        var published = targets.Where(t => t.Current && t.Cycle == Shared).ToList();
        foreach (var row in published.OrderBy(_ => random.Next()).Take(3).ToList())
        {
            await RecordAsync(Shared, row.Nation, row.Capability, row.Horizon);
        }

        // National responses to two NU editions released to the EU and the public, so that only the responses' own
        // markings and releases (and the reader's nation) decide.
        var keys = new[] { $"natiso-{seed}-a", $"natiso-{seed}-b" };
        var responses = new List<Response>();
        var sequence = 0;
        foreach (var key in keys)
        {
            await editor.CreateStandardAsync(key);
            await editor.PublishAsync(key, await editor.CreateDraftAsync(key, "NU"));
            await authority.ReleaseAsync(key, 1, "EU");
            await authority.ReleaseAsync(key, 1, "PUBLIC");
            foreach (var nation in nations)
            {
                for (var n = random.Next(1, 4); n > 0; n--)
                {
                    var kind = Kinds[random.Next(Kinds.Length)];
                    var row = new Response(key, nation, ++sequence, kind, Math.Min(random.Next(5), random.Next(5)), texts.Next(), []);
                    await RegistryClient.Expect(await editor.PutAsJsonAsync($"/v1/standards/{key}/versions/1/responses/{nation}", new
                    {
                        response = kind,
                        reservation = kind == "ratified-with-reservations" ? $"Reserved under {row.Document}." : null,
                        implementingDocument = row.Document,
                        classification = Levels[row.Level],
                    }), HttpStatusCode.Created);
                    responses.Add(row);
                    foreach (var audience in GeneratedEditions.ReleasedTo.Where(a => row.Level <= Ceilings[a] && random.Next(3) == 0))
                    {
                        await RegistryClient.Expect(await authority.PutAsJsonAsync($"/v1/standards/{key}/versions/1/responses/{nation}/releases/{audience}", new { reason = "Shared." }),
                            HttpStatusCode.Created);
                        row.ReleasedTo.Add(audience);
                    }
                }
                if (random.Next(3) == 0 && responses.Any(r => r.Key == key && r.Nation == nation && r.ReleasedTo.Contains("EU")))
                {
                    await RegistryClient.Expect(await authority.DeleteAsync($"/v1/standards/{key}/versions/1/responses/{nation}/releases/EU"), HttpStatusCode.NoContent);
                    foreach (var row in responses.Where(r => r.Key == key && r.Nation == nation))
                    {
                        row.ReleasedTo.Remove("EU");
                    }
                }
            }
        }
        // Every world holds a response whose release was revoked: released once, it is another nation's unreleased
        // response again (a release only opens a row to other nations while it is in force).
        var revoked = new Response(keys[0], nations[1], ++sequence, "ratified-with-reservations", random.Next(5), texts.Next(), []);
        await RegistryClient.Expect(await editor.PutAsJsonAsync($"/v1/standards/{keys[0]}/versions/1/responses/{nations[1]}", new
        {
            response = revoked.Kind, reservation = $"Reserved under {revoked.Document}.", implementingDocument = revoked.Document, classification = Levels[revoked.Level],
        }), HttpStatusCode.Created);
        responses.Add(revoked);
        await RegistryClient.Expect(await authority.PutAsJsonAsync($"/v1/standards/{keys[0]}/versions/1/responses/{nations[1]}/releases/EU", new { reason = "Shared." }), HttpStatusCode.Created);
        await RegistryClient.Expect(await authority.DeleteAsync($"/v1/standards/{keys[0]}/versions/1/responses/{nations[1]}/releases/EU"), HttpStatusCode.NoContent);
        foreach (var row in responses.Where(r => r.Key == keys[0] && r.Nation == nations[1]))
        {
            row.ReleasedTo.Remove("EU");
        }
        var writeCanaries = Enumerable.Range(0, 64).Select(_ => writes.Next()).ToHashSet();
        return new World(nations, keys, targets, published, responses, writeCanaries);
    }

    private static bool SameCell(Target a, Target b) => a.Cycle == b.Cycle && a.Nation == b.Nation && a.Capability == b.Capability && a.Horizon == b.Horizon;

    // ------------------------------------------------------------------ principals

    private sealed record Who(string Name, string Community, int? Clearance, string[] Roles, string? Nation)
    {
        public bool Nato => Community == "NATO";

        /// <summary>The level the principal reads at: its clearance (none: NU), outside NATO capped by its audience's ceiling.</summary>
        public int Level => Nato ? Clearance ?? 0 : Math.Min(Clearance ?? 0, Ceilings[Community]);

        /// <summary>The nation the registry keeps: a nation claim means nothing outside NATO.</summary>
        public string? Speaks => Nato ? Nation : null;

        public bool Has(string role) => Roles.Contains(role, StringComparer.Ordinal);

        public HttpClient Client(RegistryApp app) =>
            app.As(new TestCaller(Name, Community, Clearance is { } c ? Levels[c] : null, Roles) { Nation = Nation });
    }

    private static List<Who> Principals(int seed, string[] nations)
    {
        var random = new Random(seed * 7919);
        var offset = random.Next(RoleSets.Length);
        var clearances = new int?[] { null, 0, 1, 2, 3, 4 };
        var principals = new List<Who>();
        for (var i = 0; i < nations.Length; i++)
        {
            for (var c = 0; c < clearances.Length; c++)
            {
                var roles = RoleSets[(i + c + offset) % RoleSets.Length];
                var clearance = clearances[c] is { } l ? Levels[l] : "none";
                principals.Add(new Who($"NATO/{clearance}/{string.Join('+', roles)}/{nations[i]}", "NATO", clearances[c], roles, nations[i]));
            }
        }
        // Positive controls, speaking for no nation: NATO staff read every nation's figures within their clearance.
        principals.Add(new Who("NATO/CTS/staff", "NATO", 4, RoleSets[^1], null));
        principals.Add(new Who("NATO/NC/staff", "NATO", 2, ["planner", "release-authority", "consumer"], null));
        // Outside NATO a nation claim is dropped: such a caller is an EU reader, and reads no target.
        principals.Add(new Who($"EU/NS/delegate+planner/{nations[0]}", "EU", 3, ["delegate", "planner", "release-authority"], nations[0]));
        return principals;
    }

    // ------------------------------------------------------------------ the oracle

    private static bool Reads(Who who, Target t) => who.Nato && t.Level <= who.Level && (who.Speaks is null || who.Speaks == t.Nation);

    /// <summary>
    /// The target rows the principal reads: of each cell, the latest row it may read (rows are kept in the order
    /// recorded). A revision above its clearance is to it as one never made, so the row before it is the cell's target.
    /// </summary>
    private static IEnumerable<Target> Listed(Who who, World world, int? cycle = null) =>
        world.Targets.Where(t => (cycle is null || t.Cycle == cycle) && Reads(who, t))
            .GroupBy(t => (t.Cycle, t.Nation, t.Capability, t.Horizon)).Select(g => g.Last());

    private static bool Sees(Who who, Response r) => who.Nato
        ? r.Level <= who.Level && (who.Speaks is null || who.Speaks == r.Nation || r.ReleasedTo.Count > 0)
        : r.ReleasedTo.Contains(who.Community) && r.Level <= who.Level;

    /// <summary>Whether the principal may compute over the cycle: a preview (and, with an audience, against every table published and its targets).</summary>
    private static bool Computes(Who who, World world, int cycle, bool againstTables)
    {
        var current = world.Current(cycle).ToList();
        return who.Nato && current.Count > 0 && current.All(t => Reads(who, t))
            && (!againstTables || (who.Level >= 1 && world.Published.All(t => Reads(who, t))));
    }

    private static IEnumerable<Response> Matrix(Who who, World world, string key) =>
        world.Responses.Where(r => r.Key == key && Sees(who, r)).GroupBy(r => r.Nation).Select(g => g.MaxBy(r => r.Sequence)!).OrderBy(r => r.Nation, StringComparer.Ordinal);

    /// <summary>The canaries the principal may see; every other canary drawn is forbidden to it.</summary>
    private static HashSet<long> Allowed(Who who, World world) =>
    [
        .. Listed(who, world).Select(t => t.Quantity),
        .. world.Responses.Where(r => Sees(who, r)).Select(r => r.Canary),
    ];

    private static HashSet<long> AllCanaries(World world) =>
        [.. world.Targets.Select(t => t.Quantity), .. world.Responses.Select(r => r.Canary), .. world.WriteCanaries];

    [GeneratedRegex("(?<![0-9])[0-9]{10}(?![0-9])")]
    private static partial Regex TenDigits();

    // ------------------------------------------------------------------ answers

    private sealed record Answer(int Id, HttpStatusCode Status, string Body, string Headers, string Where)
    {
        public (HttpStatusCode, string, string) Same => (Status, Body, Headers);
    }

    private static string Cut(string text) => text.Length > 400 ? text[..400] + "…" : text;

    // ------------------------------------------------------------------ the proof

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task NoCallerSpeakingForANationLearnsOrWritesAnotherNationsUnreleasedFiguresOrResponses(int seed)
    {
        var world = await GenerateAsync(seed);
        var principals = Principals(seed, world.Nations);
        var routes = AppRoutes.Of(_app.Services);
        var reads = routes.Where(r => r.Method == "GET").ToList();
        // The writes that name a nation or a cycle: each is decided below, for the principal's own nation and for others.
        var writes = routes.Where(r => r.Method != "GET" && (r.Pattern.Contains("{nation}", StringComparison.Ordinal) || r.Pattern.Contains("{cycle}", StringComparison.Ordinal)))
            .Select(r => r.Name!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["PublishCapabilityTable", "RecordCapabilityTarget", "RecordResponse", "ReleaseResponse", "RevokeCapabilityTable", "RevokeResponseRelease"], writes);

        async Task<string> StateAsync()
        {
            var state = new StringBuilder();
            var cts = _app.As(new TestCaller("state@nato", "NATO", "CTS", "consumer"));
            foreach (var cycle in Cycles)
            {
                state.AppendLine(await cts.GetStringAsync($"/v1/capability-targets/{cycle}"));
            }
            state.AppendLine(await cts.GetStringAsync("/v1/capability-tables"));
            foreach (var key in world.Keys)
            {
                foreach (var nation in world.Nations.Append(Silent))
                {
                    state.AppendLine(await cts.GetStringAsync($"/v1/standards/{key}/versions/1/responses/{nation}"));
                    // The label names the audiences the current response is released to: a release or revocation shows.
                    using var label = new HttpRequestMessage(HttpMethod.Get, $"/v1/standards/{key}/versions/1/responses/{nation}/label");
                    label.Headers.Accept.Add(new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue("application/json"));
                    using var answer = await cts.SendAsync(label);
                    state.Append((int)answer.StatusCode).Append(' ').AppendLine(await answer.Content.ReadAsStringAsync());
                }
            }
            return state.ToString();
        }
        var before = await StateAsync();

        var all = AllCanaries(world);
        var failures = new ConcurrentBag<string>();
        var failed = new ConcurrentDictionary<int, bool>();
        void Fail(Answer answer, string failure)
        {
            failed[answer.Id] = true;
            failures.Add(failure);
        }
        var seenByStaff = new ConcurrentDictionary<long, bool>();
        var requests = 0;
        // The cases the proof needs happened: a caller speaking for a nation computed over its own nation's cycle, and
        // recorded its own nation's figure (the same again: its row, nothing written).
        var ownPreviews = 0;
        var ownRecords = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await Parallel.ForEachAsync(principals, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (who, _) =>
        {
            var client = who.Client(_app);
            var allowed = Allowed(who, world);

            async Task<Answer> AskAsync(HttpMethod method, string url, object? body = null)
            {
                using var request = new HttpRequestMessage(method, url);
                if (body is not null)
                {
                    request.Content = JsonContent.Create(body, options: RegistryClient.Json);
                }
                using var response = await client.SendAsync(request);
                var answer = new Answer(Interlocked.Increment(ref requests), response.StatusCode, await response.Content.ReadAsStringAsync(), ResponseHeaders.Line(response), $"{who.Name}: {method} {url} -> {(int)response.StatusCode}");
                if ((int)answer.Status >= 500)
                {
                    Fail(answer, $"{answer.Where}: a server error. {Cut(answer.Body)}");
                }
                foreach (Match match in TenDigits().Matches(answer.Body + "\n" + answer.Headers))
                {
                    var canary = long.Parse(match.Value, System.Globalization.CultureInfo.InvariantCulture);
                    if (!all.Contains(canary))
                    {
                        continue;
                    }
                    if (!allowed.Contains(canary))
                    {
                        Fail(answer, $"{answer.Where}: the answer carries {Describe(world, canary)}, which this principal may not see. {Cut(answer.Body)}");
                    }
                    else if (who.Speaks is null && who.Nato)
                    {
                        seenByStaff[canary] = true;
                    }
                }
                return answer;
            }

            void Expect(Answer answer, HttpStatusCode status)
            {
                if (answer.Status != status)
                {
                    Fail(answer, $"{answer.Where}: expected {(int)status}. {Cut(answer.Body)}");
                }
            }

            // What is hidden from the principal answers exactly as what does not exist (with the one name swapped back).
            void SameAs(Answer hidden, Answer absent, string? absentName = null, string? hiddenName = null)
            {
                var absentBody = absentName is null ? absent.Body : absent.Body.Replace(absentName, hiddenName, StringComparison.Ordinal);
                if (hidden.Status != absent.Status || hidden.Body != absentBody || hidden.Headers != absent.Headers)
                {
                    Fail(hidden, $"{hidden.Where}: hidden, it answers {hidden.Headers} {Cut(hidden.Body)}; absent ({absent.Where}) {absent.Headers} {Cut(absentBody)}");
                }
            }

            void SameDocuments(Answer answer, JsonArray? items, IEnumerable<Response> expected)
            {
                var got = items?.Select(i => i!["implementingDocument"]?.GetValue<string>()).ToList() ?? [];
                var want = expected.Select(r => r.Document).ToList();
                if (!got.SequenceEqual(want))
                {
                    Fail(answer, $"{answer.Where}: got [{string.Join(", ", got)}], the oracle says [{string.Join(", ", want)}]");
                }
            }

            // ---- every GET route, filled with every cycle, audience, nation and edition it takes
            foreach (var route in reads)
            {
                foreach (var url in Fill(route, world))
                {
                    var answer = await AskAsync(HttpMethod.Get, url);
                    // The audit trail names other nations' recordings (nation, edition, marking, when, by whom), figures
                    // aside: it is read at system high only, never by a caller speaking for a nation, whatever its clearance.
                    if (route.Policies.Contains("auditor") && who.Speaks is not null)
                    {
                        Expect(answer, HttpStatusCode.Forbidden);
                    }
                    if (route.Name == "GetFeed" && answer.Status == HttpStatusCode.OK)
                    {
                        var page = JsonNode.Parse(answer.Body)!.AsObject();
                        for (var pages = 0; page["hasMore"]!.GetValue<bool>() && pages < 50; pages++)
                        {
                            var next = await AskAsync(HttpMethod.Get, $"/v1/feed?limit=100&cursor={Uri.EscapeDataString(page["cursor"]!.GetValue<string>())}");
                            page = JsonNode.Parse(next.Body)!.AsObject();
                        }
                    }
                }
            }

            // ---- raw targets: exactly the principal's own nation's current figures within its clearance; NATO only
            var noCycle = await AskAsync(HttpMethod.Get, $"/v1/capability-targets/{NoCycle}");
            var noPreview = await AskAsync(HttpMethod.Get, $"/v1/capability-targets/{NoCycle}/preview");
            foreach (var cycle in new[] { Shared, Solo })
            {
                var listed = await AskAsync(HttpMethod.Get, $"/v1/capability-targets/{cycle}");
                if (!who.Nato)
                {
                    SameAs(listed, noCycle);
                }
                else
                {
                    Expect(listed, HttpStatusCode.OK);
                    var got = listed.Status == HttpStatusCode.OK
                        ? JsonNode.Parse(listed.Body)!.AsArray().Select(t => t!["quantity"]!.GetValue<long>()).Order().ToList()
                        : [];
                    var want = Listed(who, world, cycle).Select(t => t.Quantity).Order().ToList();
                    if (!got.SequenceEqual(want))
                    {
                        Fail(listed, $"{listed.Where}: listed [{string.Join(", ", got.Select(q => Describe(world, q)))}], the oracle says [{string.Join(", ", want.Select(q => Describe(world, q)))}]");
                    }
                }
                foreach (var against in new[] { false, true })
                {
                    var query = against ? "?audience=INDUSTRY" : "";
                    var preview = await AskAsync(HttpMethod.Get, $"/v1/capability-targets/{cycle}/preview{query}");
                    if (Computes(who, world, cycle, against))
                    {
                        Expect(preview, HttpStatusCode.OK);
                        if (who.Speaks is not null)
                        {
                            Interlocked.Increment(ref ownPreviews);
                        }
                    }
                    else
                    {
                        SameAs(preview, against ? await AskAsync(HttpMethod.Get, $"/v1/capability-targets/{NoCycle}/preview{query}") : noPreview);
                    }
                }
            }

            // ---- responses: matrices, histories, labels and lists exactly the oracle's; hidden histories as a silent nation's
            foreach (var key in world.Keys)
            {
                var url = $"/v1/standards/{key}/versions/1/responses";
                var matrix = await AskAsync(HttpMethod.Get, url);
                SameDocuments(matrix, matrix.Status == HttpStatusCode.OK ? JsonNode.Parse(matrix.Body)!.AsArray() : null, Matrix(who, world, key));
                var silentHistory = await AskAsync(HttpMethod.Get, $"{url}/{Silent}");
                var silentLabel = await AskAsync(HttpMethod.Get, $"{url}/{Silent}/label");
                foreach (var nation in world.Nations)
                {
                    var visible = world.Responses.Where(r => r.Key == key && r.Nation == nation && Sees(who, r)).OrderBy(r => r.Sequence).ToList();
                    var history = await AskAsync(HttpMethod.Get, $"{url}/{nation}");
                    SameDocuments(history, history.Status == HttpStatusCode.OK ? JsonNode.Parse(history.Body)!.AsArray() : null, visible);
                    var label = await AskAsync(HttpMethod.Get, $"{url}/{nation}/label");
                    if (visible.Count == 0)
                    {
                        SameAs(history, silentHistory);
                        SameAs(label, silentLabel);
                    }
                    else
                    {
                        Expect(label, HttpStatusCode.OK);
                    }
                }
            }
            foreach (var filter in world.Nations.Select(n => $"&nation={n}").Append(""))
            {
                var items = new JsonArray();
                Answer? first = null;
                string? cursor = null;
                do
                {
                    var page = await AskAsync(HttpMethod.Get, $"/v1/responses?limit=2{filter}{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}");
                    first ??= page;
                    var body = JsonNode.Parse(page.Body)!.AsObject();
                    foreach (var item in body["items"]!.AsArray().ToList())
                    {
                        items.Add(item!.DeepClone());
                    }
                    cursor = body["nextCursor"]?.GetValue<string>();
                }
                while (cursor is not null);
                var nation = filter.Length == 0 ? null : filter[^3..];
                SameDocuments(first, items, world.Keys.Order(StringComparer.Ordinal).SelectMany(k => Matrix(who, world, k)).Where(r => nation is null || r.Nation == nation));
            }

            // ---- writes naming a nation: never for another nation, refused alike whatever that nation holds
            var recordsTargets = who.Nato && who.Has("planner");
            foreach (var nation in world.Nations)
            {
                var own = who.Speaks == nation;
                if (who.Speaks is null && who.Nato)
                {
                    continue; // NATO staff speaking for no nation write for every nation (design): their writes would change the world.
                }
                var cells = world.Current(Shared).Where(t => t.Nation == nation).ToList();
                var held = cells[0];
                if (own)
                {
                    // The principal's own figure again, exactly: the current row (200) when it may record it, else 403.
                    var repeat = await AskAsync(HttpMethod.Put, $"/v1/capability-targets/{Shared}/{nation}/{held.Capability}/{held.Horizon}",
                        new { quantity = held.Quantity, classification = Levels[held.Level] });
                    Expect(repeat, recordsTargets && held.Level <= who.Level ? HttpStatusCode.OK : HttpStatusCode.Forbidden);
                    if (repeat.Status == HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref ownRecords);
                    }
                    continue;
                }
                // Another nation's figure: its true value in a cell it holds, a new value there, a value in a cell it has none
                // in. All refused (403), alike, and nothing written.
                var free = Capabilities.SelectMany(c => Horizons.Select(h => (Capability: c, Horizon: h)))
                    .FirstOrDefault(cell => !world.Targets.Any(t => t.Cycle == Shared && t.Nation == nation && t.Capability == cell.Capability && t.Horizon == cell.Horizon));
                var guessed = await AskAsync(HttpMethod.Put, $"/v1/capability-targets/{Shared}/{nation}/{held.Capability}/{held.Horizon}",
                    new { quantity = held.Quantity, classification = Levels[held.Level] });
                var changed = await AskAsync(HttpMethod.Put, $"/v1/capability-targets/{Shared}/{nation}/{held.Capability}/{held.Horizon}",
                    new { quantity = world.WriteCanaries.First(), classification = Levels[held.Level] });
                Expect(guessed, HttpStatusCode.Forbidden);
                SameAs(guessed, changed);
                if (free.Capability is not null)
                {
                    var none = await AskAsync(HttpMethod.Put, $"/v1/capability-targets/{Shared}/{nation}/{free.Capability}/{free.Horizon}",
                        new { quantity = world.WriteCanaries.First(), classification = Levels[held.Level] });
                    SameAs(guessed, none);
                }

                foreach (var key in world.Keys)
                {
                    var url = $"/v1/standards/{key}/versions/1/responses";
                    var response = new { response = "ratified-with-reservations", reservation = $"W-{world.WriteCanaries.Last()}", implementingDocument = $"W-{world.WriteCanaries.Last()}", classification = "NU" };
                    // Recording, releasing and revoking another nation's response: the one 403 of a caller speaking for a
                    // nation (NATO, whatever its roles; outside NATO the policy's 403), alike whatever that nation holds.
                    var recorded = await AskAsync(HttpMethod.Put, $"{url}/{nation}", response);
                    Expect(recorded, HttpStatusCode.Forbidden);
                    SameAs(recorded, await AskAsync(HttpMethod.Put, $"{url}/{Silent}", response));
                    var released = await AskAsync(HttpMethod.Put, $"{url}/{nation}/releases/EU", new { reason = "Probe." });
                    Expect(released, HttpStatusCode.Forbidden);
                    SameAs(released, await AskAsync(HttpMethod.Put, $"{url}/{Silent}/releases/EU", new { reason = "Probe." }));
                    var revoked = await AskAsync(HttpMethod.Delete, $"{url}/{nation}/releases/EU");
                    Expect(revoked, HttpStatusCode.Forbidden);
                    SameAs(revoked, await AskAsync(HttpMethod.Delete, $"{url}/{Silent}/releases/EU"));
                }
            }

            // ---- publications compute over every nation's figures: answered as a cycle without targets to whoever may
            // not read them all (a publication the principal may make would change the world: not sent).
            if (who.Speaks is not null || !who.Nato)
            {
                var absent = await AskAsync(HttpMethod.Put, $"/v1/capability-tables/{NoCycle}/EU", new { classification = "NU" });
                foreach (var cycle in new[] { Shared, Solo })
                {
                    if (who.Nato && who.Has("release-authority") && Computes(who, world, cycle, againstTables: true))
                    {
                        continue;
                    }
                    var published = await AskAsync(HttpMethod.Put, $"/v1/capability-tables/{cycle}/EU", new { classification = "NU" });
                    SameAs(published, absent, NoCycle.ToString(System.Globalization.CultureInfo.InvariantCulture), cycle.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                // No table is published to the EU: revoking one answers as for a cycle without targets.
                var noTable = await AskAsync(HttpMethod.Delete, $"/v1/capability-tables/{NoCycle}/EU");
                foreach (var cycle in new[] { Shared, Solo })
                {
                    SameAs(await AskAsync(HttpMethod.Delete, $"/v1/capability-tables/{cycle}/EU"), noTable,
                        NoCycle.ToString(System.Globalization.CultureInfo.InvariantCulture), cycle.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        });

        output.WriteLine($"seed {seed}, nations {string.Join(' ', world.Nations)}: {world.Targets.Count} target rows ({world.Targets.Count(t => t.Current)} current), "
            + $"{world.Responses.Count} response rows; {principals.Count} principals, {reads.Count} GET routes; {requests} requests, "
            + $"{ownPreviews} own-nation previews, {ownRecords} own-nation records, {failed.Count} answers failing ({failures.Count} failures), {clock.Elapsed.TotalSeconds:F1}s.");
        Assert.True(failures.IsEmpty, $"{failed.Count} of {requests} answers broke nation isolation ({failures.Count} failures):\n{string.Join('\n', failures.Order(StringComparer.Ordinal).Take(40))}");
        Assert.True(ownPreviews > 0 && ownRecords > 0, $"The seed drew no caller that may preview ({ownPreviews}) or record ({ownRecords}) its own nation's figures.");
        // Nothing was written: no refused write, no publication, release or revocation left a trace.
        Assert.Equal(before, await StateAsync());
        // The scan bites: NATO staff speaking for no nation read every current figure and every response somewhere.
        var expectedByStaff = world.Targets.Where(t => t.Current).Select(t => t.Quantity).Concat(world.Responses.Select(r => r.Canary)).ToList();
        var unseen = expectedByStaff.Where(c => !seenByStaff.ContainsKey(c)).ToList();
        Assert.True(unseen.Count == 0, $"NATO staff never read {unseen.Count} canaries it may see (the scan would not find them): {string.Join(", ", unseen.Take(10).Select(c => Describe(world, c)))}");
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>What a canary is, for failure messages.</summary>
    private static string Describe(World world, long canary) =>
        world.Targets.FirstOrDefault(t => t.Quantity == canary) is { } t
            ? $"{canary} ({t.Nation}'s {(t.Current ? "current" : "earlier")} target {t.Cycle} {t.Capability} {t.Horizon}, {Levels[t.Level]})"
            : world.Responses.FirstOrDefault(r => r.Canary == canary) is { } r
                ? $"{canary} ({r.Nation}'s response #{r.Sequence} to {r.Key}, {Levels[r.Level]}, released to [{string.Join(' ', r.ReleasedTo)}])"
                : $"{canary} (a figure a refused write sent)";

    /// <summary>Every URL of a GET route: one per combination of the values its parameters take here.</summary>
    private static IEnumerable<string> Fill(Route route, World world)
    {
        var urls = new List<string> { route.Pattern.StartsWith('/') ? route.Pattern : "/" + route.Pattern };
        string[] ValuesOf(string name) => name switch
        {
            "cycle" => [.. Cycles.Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture))],
            "nation" => [.. world.Nations, Silent],
            "key" => world.Keys,
            "edition" => ["1"],
            "audience" => ["INDUSTRY", "EU"],
            "id" => [Guid.Empty.ToString()],
            "documentName" => ["v1"],
            var other => throw new Xunit.Sdk.XunitException($"The route GET {route.Pattern} has a parameter '{other}' this test does not know: teach Fill() its values."),
        };
        foreach (Match parameter in Regex.Matches(route.Pattern, @"\{\*?([A-Za-z]+)[^}]*\}"))
        {
            urls = [.. urls.SelectMany(u => ValuesOf(parameter.Groups[1].Value).Select(v => u.Replace(parameter.Value, v, StringComparison.Ordinal)))];
        }
        var extra = route.Name switch
        {
            "PreviewCapabilityTable" => ["", "?audience=INDUSTRY"],
            "GetCapabilityTable" => ["", "?format=csv"],
            "GetFeed" => ["?limit=100"],
            _ => new[] { "" },
        };
        return urls.SelectMany(u => extra.Select(e => u + e));
    }
}
