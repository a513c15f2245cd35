using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Http;
using StandardsRegistry.Api.Tests.Support;
using Route = StandardsRegistry.Api.Tests.Support.AppRoutes.Route;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// Authorization proven the way the no-leak suites prove reads: every route the running application maps (taken from
/// its own endpoint list, so a route added later is covered without editing this test) × every method × every
/// principal — anonymous; each community × each clearance (none included) × each role set — and hostile token shapes.
/// Each answer is checked against an expectation computed here from the principal alone: 401, 403, allowed, or for
/// what the principal may not see the very answer given for something absent; and no allowed body may carry anything
/// above the principal's clearance or releases (canary strings planted in every edition, standard and subscription; a capability table's id).
/// </summary>
[Slow]
public abstract class AuthorizationMatrixTests(TestProvider provider, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly RegistryApp _app = new RegistryApp(provider: provider).With("Webhooks:AllowedHosts:0", "127.0.0.1").WithHorizons(2027, 2029);

    // ------------------------------------------------------------------ the catalogue, with what each item is

    private const string Open = "open-std";
    private const string Secret = "secret-std";
    private const string Absent = "absent-std";

    private static readonly string[] Levels = ["NU", "NR", "NC", "NS", "CTS"];

    /// <summary>An edition as the oracle knows it: its level (index into <see cref="Levels"/>), status and releases.</summary>
    private sealed record Edition(string Key, int Number, int Level, string Status, string[] ReleasedTo)
    {
        public string Canary => $"VCANARY-{Key}-{Number}";
    }

    // open-std: 1 NU superseded (EU, PUBLIC), 2 NR published (EU), 3 NS draft.
    // secret-std: 1 NR draft (left behind: a later edition is published, so no one can publish it), 2 NS superseded
    // (EU), 3 CTS published (nobody). Writes aim at its edition 1, which no write can change.
    private static readonly Edition[] Editions =
    [
        new(Open, 1, 0, "superseded", ["EU", "PUBLIC"]),
        new(Open, 2, 1, "published", ["EU"]),
        new(Open, 3, 3, "draft", []),
        new(Secret, 1, 1, "draft", []),
        new(Secret, 2, 3, "superseded", ["EU"]),
        new(Secret, 3, 4, "published", []),
    ];

    /// <summary>Audiences' accreditation ceilings, as migrated.</summary>
    private static readonly Dictionary<string, int> Ceilings = GeneratedEditions.Ceilings;

    /// <summary>A capability target planted in cycle <see cref="TargetCycle"/>, marked NS: its quantity is a canary.</summary>
    private const string TargetCycle = "2025";
    private const string TargetCanary = "987654321";

    /// <summary>
    /// A published capability table as the oracle knows it: its cycle, audience and marking (index into <see cref="Levels"/>).
    /// Its id, random, is its canary.
    /// </summary>
    private sealed record Table(string Cycle, string Audience, int Level);

    /// <summary>
    /// Cycle <see cref="TargetCycle"/>'s table (every target of it NATO SECRET, several nations', France's the canary),
    /// marked NATO SECRET, to EU: hidden from every NATO caller cleared below it and every EU reader but those cleared
    /// NATO SECRET or above, and from INDUSTRY and PUBLIC. The publication and revocation routes meet it as the hidden target.
    /// </summary>
    private static readonly Table HiddenTable = new(TargetCycle, "EU", 3);

    /// <summary>Cycle <see cref="VisibleCycle"/>'s table (NATO UNCLASSIFIED targets), marked NATO UNCLASSIFIED, to PUBLIC: every NATO and PUBLIC reader's.</summary>
    private static readonly Table VisibleTable = new(VisibleCycle, "PUBLIC", 0);

    private const string VisibleCycle = "2024";

    /// <summary>
    /// Cycle <see cref="SeveralCycle"/>'s table, marked NATO UNCLASSIFIED, to INDUSTRY, from NATO UNCLASSIFIED targets of
    /// several nations but one figure of France's, NATO SECRET (<see cref="SeveralFigure"/>): its marking is every
    /// NATO reader's, but the several-nations rule hides it from a NATO reader speaking for no nation cleared below NATO
    /// SECRET (it knows every figure of a cell but France's); national delegates, readers cleared NATO SECRET or above
    /// and INDUSTRY's readers read it. Met by <see cref="HiddenBeside"/> (and, its id a canary, by every answer).
    /// </summary>
    private static readonly Table SeveralTable = new(SeveralCycle, "INDUSTRY", 0);

    private const string SeveralCycle = "2026";

    /// <summary>The one figure of <see cref="SeveralCycle"/> marked above NATO UNCLASSIFIED (NATO SECRET).</summary>
    private static readonly (string Nation, string Capability, int Horizon) SeveralFigure = ("FRA", "radio-vhf", 2027);

    /// <summary>
    /// Targets from which each cycle's table can be released (CapabilityTableTests': safe cells, a single-nation one, a
    /// dominated one), Germany's taken by Spain, so that a caller speaking for Germany has no target of the hidden cycle
    /// (it meets the cycle as none, and France's delegate meets it as a cycle of other nations' targets too).
    /// </summary>
    private static IEnumerable<(string Nation, string Capability, int Horizon, long Quantity)> TableTargets() =>
        CapabilityTableTests.Targets.Select(t => t with { Nation = t.Nation == "DEU" ? "ESP" : t.Nation });

    /// <summary>A capability target as planted (its marking an index into <see cref="Levels"/>): what the oracle knows of each cycle.</summary>
    private sealed record PlantedTarget(string Cycle, string Nation, string Capability, int Horizon, long Quantity, int Level);

    /// <summary>
    /// Every target planted, in the order recorded: France's canary; each of <see cref="TableTargets"/> in the visible
    /// cycle (NATO UNCLASSIFIED), the hidden one (NATO SECRET, France's canary in its place) and <see cref="SeveralCycle"/>
    /// (NATO UNCLASSIFIED but <see cref="SeveralFigure"/>, NATO SECRET).
    /// </summary>
    private static readonly PlantedTarget[] Planted =
    [
        new(TargetCycle, "FRA", "ammo-155mm", 2027, long.Parse(TargetCanary, System.Globalization.CultureInfo.InvariantCulture), 3),
        .. TableTargets().SelectMany(t => new PlantedTarget?[]
        {
            new(VisibleCycle, t.Nation, t.Capability, t.Horizon, t.Quantity, 0),
            (t.Nation, t.Capability, t.Horizon) == ("FRA", "ammo-155mm", 2027) ? null : new(TargetCycle, t.Nation, t.Capability, t.Horizon, t.Quantity, 3),
            new(SeveralCycle, t.Nation, t.Capability, t.Horizon, t.Quantity, (t.Nation, t.Capability, t.Horizon) == SeveralFigure ? 3 : 0),
        }.OfType<PlantedTarget>()),
    ];

    private readonly Dictionary<Table, string> _tableIds = [];

    /// <summary>A national response as the oracle knows it: on which edition, whose, its level and releases.</summary>
    private sealed record Response(string Key, int Edition, string Nation, int Level, string[] ReleasedTo)
    {
        public string Canary => $"RCANARY-{Key}-{Edition}-{Nation}";
    }

    private static readonly Response[] Responses =
    [
        new(Open, 1, "FRA", 0, ["EU", "PUBLIC"]),
        new(Open, 2, "FRA", 3, ["EU"]),
        new(Open, 2, "DEU", 0, []),
        new(Secret, 2, "POL", 1, ["EU"]),
    ];

    private string _euSubscription = "";
    private string _publicSubscription = "";

    /// <summary>
    /// The relation reads of the visible standard (<see cref="RelationReads"/>) as each principal made them before anything
    /// related it to secret-std: what a principal the planted relations and marks are hidden from must still read.
    /// </summary>
    private Dictionary<(string Who, string Method, string Url), Answer> _beforeRelations = [];

    private static readonly string[] RelationReads = [$"/v1/standards/{Open}/relations", $"/v1/standards/{Open}/current"];

    /// <summary>
    /// Each principal's feed and export (<see cref="StreamReads"/>) just before <see cref="SeveralTable"/> was published and
    /// just after, nothing else written between: a principal the table is hidden from must read them unchanged (a feed
    /// that numbered the table's event for it, even one leaving the event out of its page, moves its cursor).
    /// </summary>
    private Dictionary<(string Who, string Method, string Url), Answer> _beforeSeveral = [], _afterSeveral = [];

    private static readonly string[] StreamReads = ["/v1/feed", "/v1/export"];

    public async ValueTask InitializeAsync()
    {
        _app.Start();
        var editor = _app.As(TestCaller.Editor("CTS"));
        var authority = _app.As(TestCaller.ReleaseAuthority("CTS"));
        foreach (var key in new[] { Open, Secret })
        {
            await editor.CreateStandardAsync(key, title: $"STDCANARY-{key}");
            foreach (var edition in Editions.Where(e => e.Key == key))
            {
                Assert.Equal(edition.Number, await editor.CreateDraftAsync(key, Levels[edition.Level], title: edition.Canary));
                if (edition.Status != "draft")
                {
                    await editor.PublishAsync(key, edition.Number);
                }
                foreach (var audience in edition.ReleasedTo)
                {
                    await authority.ReleaseAsync(key, edition.Number, audience);
                }
            }
        }
        foreach (var r in Responses)
        {
            var recorded = await editor.PutAsJsonAsync($"/v1/standards/{r.Key}/versions/{r.Edition}/responses/{r.Nation}",
                new { response = "ratified-with-reservations", reservation = r.Canary, classification = Levels[r.Level] });
            await RegistryClient.Expect(recorded, HttpStatusCode.Created);
            foreach (var audience in r.ReleasedTo)
            {
                var released = await authority.PutAsJsonAsync($"/v1/standards/{r.Key}/versions/{r.Edition}/responses/{r.Nation}/releases/{audience}", new { reason = "Shared." });
                await RegistryClient.Expect(released, HttpStatusCode.Created);
            }
        }
        // The targets (France's planted one first), then each cycle's table. Published before the subscriptions exist
        // (made last), so no delivery is queued for them.
        var planner = _app.As(new TestCaller("planner@nato", "NATO", "CTS", "planner"));
        foreach (var t in Planted)
        {
            await RegistryClient.Expect(await planner.PutAsJsonAsync($"/v1/capability-targets/{t.Cycle}/{t.Nation}/{t.Capability}/{t.Horizon}",
                new { quantity = t.Quantity, classification = Levels[t.Level] }), HttpStatusCode.Created);
        }
        foreach (var table in new[] { HiddenTable, VisibleTable, SeveralTable })
        {
            if (table == SeveralTable)
            {
                _beforeSeveral = await ReadAsync(StreamReads, "GET");
            }
            var published = await authority.PutAsJsonAsync($"/v1/capability-tables/{table.Cycle}/{table.Audience}", new { classification = Levels[table.Level] });
            await RegistryClient.Expect(published, HttpStatusCode.Created);
            _tableIds[table] = (await published.JsonAsync())["id"]!.GetValue<string>();
        }
        _afterSeveral = await ReadAsync(StreamReads, "GET");

        // Relations: open-std is its category's preferred standard; what every principal reads of its relations and current
        // document is taken; then open-std references secret-std, secret-std supersedes it (open-std's current document, for
        // those who see secret-std), secret-std is marked preferred and unmarked (hidden rows of the category's history:
        // those who see secret-std see no preferred standard, an editor's unmark of either standard is a 404 and changes
        // nothing) and has a civil equivalent. Whoever secret-std is hidden from must read open-std exactly as before.
        await RegistryClient.Expect(await editor.PutAsJsonAsync($"/v1/standards/{Open}/preferred", new { rationale = "Civil-aligned." }), HttpStatusCode.Created);
        _beforeRelations = await ReadAsync(RelationReads, "GET", "HEAD");
        await RegistryClient.Expect(await editor.PutAsync($"/v1/standards/{Open}/relations/references/{Secret}", null), HttpStatusCode.Created);
        await RegistryClient.Expect(await editor.PutAsync($"/v1/standards/{Secret}/relations/supersedes/{Open}", null), HttpStatusCode.Created);
        await RegistryClient.Expect(await editor.PutAsJsonAsync($"/v1/standards/{Secret}/preferred", new { rationale = "PREFCANARY" }), HttpStatusCode.OK);
        await RegistryClient.Expect(await editor.DeleteAsync($"/v1/standards/{Secret}/preferred"), HttpStatusCode.NoContent);
        await RegistryClient.Expect(await editor.PutAsync($"/v1/standards/{Secret}/equivalents/ISO/{HeldIdentifier}", null), HttpStatusCode.Created);

        // Last, so that no delivery is queued for anything planted above.
        var admin = _app.As(TestCaller.Admin());
        _euSubscription = await SubscribeAsync(admin, "EU");
        _publicSubscription = await SubscribeAsync(admin, "PUBLIC");
    }

    /// <summary>What every principal reads at <paramref name="urls"/> with each of <paramref name="methods"/>, now.</summary>
    private async Task<Dictionary<(string Who, string Method, string Url), Answer>> ReadAsync(string[] urls, params string[] methods)
    {
        var answers = new System.Collections.Concurrent.ConcurrentDictionary<(string Who, string Method, string Url), Answer>();
        await Parallel.ForEachAsync(Principals(), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (who, _) =>
        {
            using var client = ClientOf(who);
            foreach (var url in urls)
            {
                foreach (var method in methods)
                {
                    using var request = new HttpRequestMessage(new HttpMethod(method), url);
                    using var response = await client.SendAsync(request);
                    answers[(who.Name, method, url)] = new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(), ResponseHeaders.Line(response), $"{who.Name}: {method} {url}");
                }
            }
        });
        return new(answers);
    }

    /// <summary>A client speaking as <paramref name="who"/>.</summary>
    private HttpClient ClientOf(Who who)
    {
        var client = _app.CreateClient();
        if (who.Token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", who.Token);
        }
        return client;
    }

    /// <summary>What the relations, responses and their releases planted above hold, as one who sees them all reads them.</summary>
    private static async Task<string> PlantedAsync(HttpClient editor)
    {
        var planted = new StringBuilder();
        foreach (var url in new[] { $"/v1/standards/{Open}/relations", $"/v1/standards/{Secret}/relations", $"/v1/standards/{Open}/current" })
        {
            planted.AppendLine(await editor.GetStringAsync(url));
        }
        foreach (var r in Responses)
        {
            var path = $"/v1/standards/{r.Key}/versions/{r.Edition}/responses/{r.Nation}";
            planted.AppendLine(await editor.GetStringAsync(path));
            using var label = new HttpRequestMessage(HttpMethod.Get, $"{path}/label");
            label.Headers.Accept.ParseAdd("application/json");
            using var answer = await editor.SendAsync(label);
            planted.AppendLine(await answer.Content.ReadAsStringAsync());
        }
        return planted.ToString();
    }

    private static async Task<string> SubscribeAsync(HttpClient admin, string audience)
    {
        var response = await admin.PostAsJsonAsync("/v1/subscriptions", new { audience, url = $"http://127.0.0.1:9/SUBCANARY-{audience}", secret = "0123456789abcdef" });
        await RegistryClient.Expect(response, HttpStatusCode.Created);
        return (await response.JsonAsync())["id"]!.GetValue<string>();
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    /// <summary>
    /// Something hidden that the three targets do not reach, named by <see cref="Hidden"/>, beside <see cref="Absent"/>, the
    /// same request naming nothing: sent (with <see cref="Body"/>) from each principal <see cref="HiddenFrom"/> says it is
    /// hidden from, whose two answers must be equal, <see cref="AbsentName"/> in the absent one's read as
    /// <see cref="HiddenName"/> (an answer may name what the URL names: the same length, so the same Content-Length); a
    /// read is sent to each other principal its policy allows, and must answer 200.
    /// </summary>
    private sealed record Beside(string Route, string Hidden, string Absent, Func<Who, bool> HiddenFrom, string? Body = null, string HiddenName = "", string AbsentName = "");

    private static readonly Response HiddenResponse = Responses.Single(r => r is { Key: Open, Edition: 2, Nation: "FRA" });
    private static readonly Response UnreleasedResponse = Responses.Single(r => r is { Key: Open, Edition: 2, Nation: "DEU" });

    /// <summary>
    /// What the targets miss: responses inside open-std's edition 2 (NATO RESTRICTED, released to EU) — France's, NATO
    /// SECRET, released to EU, hidden from every reader cleared below it; Germany's, NATO UNCLASSIFIED and unreleased, hidden
    /// from delegates of other nations and from EU — beside Italy's, which was never recorded (recording is left to
    /// NationalResponseTests: it writes whoever asks); relation writes from the visible standard to the hidden one (an edge
    /// planted) and from the hidden one to the visible one (an edge planted), beside the same writes naming an absent
    /// standard; the preview of the visible cycle's table against an audience, whose priors are every table published (the
    /// hidden one among them), beside that of a cycle without targets.
    /// </summary>
    private static readonly Beside[] HiddenBeside =
    [
        .. new[] { HiddenResponse, UnreleasedResponse }.SelectMany(r => new[] { "", "/label" }.Select(tail =>
            new Beside(tail == "" ? "GetResponseHistory" : "GetResponseLabel", $"{ResponsesOf(r)}/{r.Nation}{tail}", $"{ResponsesOf(r)}/ITA{tail}",
                w => !CanSee(w, r), HiddenName: r.Nation, AbsentName: "ITA"))),
        new("ReleaseResponse", $"{ResponsesOf(HiddenResponse)}/FRA/releases/PUBLIC", $"{ResponsesOf(HiddenResponse)}/ITA/releases/PUBLIC",
            w => !CanSee(w, HiddenResponse), WriteBodies.Of("ReleaseResponse"), "FRA", "ITA"),
        new("RevokeResponseRelease", $"{ResponsesOf(HiddenResponse)}/FRA/releases/EU", $"{ResponsesOf(HiddenResponse)}/ITA/releases/EU",
            w => !CanSee(w, HiddenResponse), HiddenName: "FRA", AbsentName: "ITA"),
        .. new[] { "AddRelation", "RemoveRelation" }.SelectMany(route => new Beside[]
        {
            new(route, $"/v1/standards/{Open}/relations/references/{Secret}", $"/v1/standards/{Open}/relations/references/{Absent}", w => !CoversStandard(w, Secret)),
            new(route, $"/v1/standards/{Secret}/relations/supersedes/{Open}", $"/v1/standards/{Absent}/relations/supersedes/{Open}", w => !CoversStandard(w, Secret)),
        }),
        new("PreviewCapabilityTable", $"/v1/capability-targets/{VisibleCycle}/preview?audience=PUBLIC", "/v1/capability-targets/2031/preview?audience=PUBLIC",
            w => !(ReadsTarget(w) && w.Nation is null)),
        // The table the several-nations rule hides (SeveralTable), beside a cycle never published (2031, named in a
        // problem as 2026 is): read as JSON, CSV and label (and HEAD); revoked by a release authority it is hidden from
        // (a revocation judged by its marking alone revokes it); published again to its audience by one that may not read
        // every target of its cycle and every table (its audit's priors), which only those cleared NATO SECRET speaking
        // for no nation do (the 409 of a table already published, where any other writer meets a cycle without targets).
        .. new[] { "", "?format=csv" }.Select(query => new Beside("GetCapabilityTable", $"/v1/capability-tables/{SeveralCycle}/INDUSTRY{query}",
            $"/v1/capability-tables/2031/INDUSTRY{query}", w => !CanSee(w, SeveralTable), HiddenName: SeveralCycle, AbsentName: "2031")),
        new("GetCapabilityTableLabel", $"/v1/capability-tables/{SeveralCycle}/INDUSTRY/label", "/v1/capability-tables/2031/INDUSTRY/label",
            w => !CanSee(w, SeveralTable), HiddenName: SeveralCycle, AbsentName: "2031"),
        new("RevokeCapabilityTable", $"/v1/capability-tables/{SeveralCycle}/INDUSTRY", "/v1/capability-tables/2031/INDUSTRY",
            w => !CanSee(w, SeveralTable), HiddenName: SeveralCycle, AbsentName: "2031"),
        new("PublishCapabilityTable", $"/v1/capability-tables/{SeveralCycle}/INDUSTRY", "/v1/capability-tables/2031/INDUSTRY",
            w => !((w.Clearance ?? 0) >= 3 && w.Nation is null), WriteBodies.Of("PublishCapabilityTable"), SeveralCycle, "2031"),
    ];

    private static string ResponsesOf(Response r) => $"/v1/standards/{r.Key}/versions/{r.Edition}/responses";

    // ------------------------------------------------------------------ principals

    /// <summary>
    /// Who asks: the principal the registry must read (null community: anonymous), and the token that says so (null:
    /// none). A hostile token is one the registry must refuse (401) whatever it claims.
    /// </summary>
    private sealed record Who(string Name, string? Community, int? Clearance, string[] Roles, string? Token, bool Hostile = false, string? Nation = null)
    {
        public bool Anonymous => Token is null;
        public bool Nato => Community == "NATO";
        public bool Has(string role) => Roles.Contains(role);
    }

    private static readonly string[][] RoleSets =
        [[], ["consumer"], ["editor"], ["release-authority"], ["admin"], ["delegate"], ["planner"], ["consumer", "editor", "release-authority", "admin", "delegate", "planner"]];

    private static IEnumerable<Who> Principals()
    {
        yield return new Who("anonymous", null, null, [], null);
        foreach (var community in new[] { "NATO", "EU", "INDUSTRY", "PUBLIC" })
        {
            foreach (var clearance in new int?[] { null, 0, 1, 2, 3, 4 })
            {
                foreach (var roles in RoleSets)
                {
                    var name = $"{community}/{(clearance is { } c ? Levels[c] : "none")}/{(roles.Length == 0 ? "-" : string.Join('+', roles))}";
                    var caller = new TestCaller(name, community, clearance is { } l ? Levels[l] : null, roles);
                    yield return new Who(name, community, clearance, roles, caller.Token());
                }
                // National delegates: a NATO caller speaking for a nation (outside NATO the nation means nothing).
                foreach (var nation in new[] { "FRA", "DEU" })
                {
                    var name = $"{community}/{(clearance is { } c ? Levels[c] : "none")}/delegate/{nation}";
                    var caller = new TestCaller(name, community, clearance is { } l ? Levels[l] : null, "delegate") { Nation = nation };
                    yield return new Who(name, community, clearance, ["delegate"], caller.Token(), Nation: community == "NATO" ? nation : null);
                }
            }
        }
        // An admin cleared to system high that speaks for a nation: it sees other nations' responses only once released,
        // so the audit trail, which records their recording, is not its to read.
        var nationalAdmin = new TestCaller("NATO/CTS/admin+delegate/FRA", "NATO", "CTS", "admin", "delegate") { Nation = "FRA" };
        yield return new Who(nationalAdmin.Subject, "NATO", 4, ["admin", "delegate"], nationalAdmin.Token(), Nation: "FRA");
        // Planners speaking for a nation, cleared to the planted target's marking: each records its own nation's targets
        // only, so France's is France's planner's to record again and never Germany's.
        foreach (var nation in new[] { "FRA", "DEU" })
        {
            var planner = new TestCaller($"NATO/NS/planner/{nation}", "NATO", "NS", "planner") { Nation = nation };
            yield return new Who(planner.Subject, "NATO", 3, ["planner"], planner.Token(), Nation: nation);
        }
        // An editor and a release authority speaking for a nation, cleared to system high: each writes its own nation's
        // responses only, so France's are theirs to write and never Germany's.
        foreach (var nation in new[] { "FRA", "DEU" })
        {
            foreach (var role in new[] { "editor", "release-authority" })
            {
                var writer = new TestCaller($"NATO/CTS/{role}/{nation}", "NATO", "CTS", role) { Nation = nation };
                yield return new Who(writer.Subject, "NATO", 4, [role], writer.Token(), Nation: nation);
            }
        }
        // Shapes the registry reads into a narrower principal: roles it does not know grant nothing.
        yield return new Who("role of the wrong case", "NATO", 4, [], Tokens.FromRawPayload(""" "sub":"w1","community":"NATO","clearance":"CTS","role":["Editor","ADMIN"]"""));
        yield return new Who("role of the wrong type", "NATO", 4, [], Tokens.FromRawPayload(""" "sub":"w2","community":"NATO","clearance":"CTS","role":5"""));
        // Hostile shapes: claim names in other cases, repeated, arrays, mixed types.
        foreach (var (name, members) in Hostile)
        {
            yield return new Who(name, null, null, [], Tokens.FromRawPayload(members), Hostile: true);
        }
    }

    private const string AllRoles = """["consumer","editor","release-authority","admin"]""";

    private static readonly (string Name, string Members)[] Hostile =
    [
        ("PUBLIC, and NATO under a capitalised name", $""" "sub":"h","community":"PUBLIC","Community":"NATO","clearance":"CTS","role":{AllRoles}"""),
        ("EU, and NATO in capitals", $""" "sub":"h","community":"EU","COMMUNITY":"NATO","clearance":"CTS","role":{AllRoles}"""),
        ("NATO only under a capitalised name", $""" "sub":"h","Community":"NATO","clearance":"CTS","role":{AllRoles}"""),
        ("community given twice", $""" "sub":"h","community":"EU","community":"NATO","clearance":"CTS","role":{AllRoles}"""),
        ("clearance in two spellings of its name", $""" "sub":"h","community":"NATO","clearance":"NU","Clearance":"CTS","role":{AllRoles}"""),
        ("role in two spellings of its name", """ "sub":"h","community":"NATO","clearance":"CTS","role":"consumer","Role":["admin","editor"]"""),
        ("subject in two spellings of its name", $""" "sub":"h","Sub":"admin@nato","community":"NATO","clearance":"CTS","role":{AllRoles}"""),
        ("communities as an array", $""" "sub":"h","community":["NATO","EU"],"clearance":"CTS","role":{AllRoles}"""),
        ("community as a number", $""" "sub":"h","community":1,"clearance":"CTS","role":{AllRoles}"""),
        ("community as an object", $$""" "sub":"h","community":{"name":"NATO"},"clearance":"CTS","role":{{AllRoles}}"""),
        ("clearance as a boolean", $""" "sub":"h","community":"NATO","clearance":true,"role":{AllRoles}"""),
        ("clearances as an array", $""" "sub":"h","community":"NATO","clearance":["NU","CTS"],"role":{AllRoles}"""),
        ("subjects as an array", $""" "sub":["h","admin@nato"],"community":"NATO","clearance":"CTS","role":{AllRoles}"""),
        ("nation given twice", """ "sub":"h","community":"NATO","clearance":"CTS","role":"delegate","nation":"FRA","nation":"DEU" """),
        ("nations as an array", """ "sub":"h","community":"NATO","clearance":"CTS","role":"delegate","nation":["FRA","DEU"]"""),
        ("nation in lower case", """ "sub":"h","community":"NATO","clearance":"CTS","role":"delegate","nation":"fra" """),
        ("nation in two spellings of its name", """ "sub":"h","community":"NATO","clearance":"CTS","role":"delegate","nation":"FRA","Nation":"DEU" """),
    ];

    // ------------------------------------------------------------------ the oracle

    /// <summary>The release rule, written here independently of the registry's.</summary>
    private static bool CanSee(Who who, Edition edition)
    {
        if (who.Nato)
        {
            return edition.Level <= (who.Clearance ?? 0) && (edition.Status != "draft" || who.Has("editor"));
        }
        var community = who.Community ?? "PUBLIC";
        var ceiling = Ceilings[community];
        return edition.Status is "published" or "superseded"
            && edition.ReleasedTo.Contains(community)
            && edition.Level <= Math.Min(who.Clearance ?? 0, ceiling);
    }

    /// <summary>A response: its edition visible, its level within the caller's, and released as the caller's view needs.</summary>
    private static bool CanSee(Who who, Response response)
    {
        var edition = Editions.Single(e => e.Key == response.Key && e.Number == response.Edition);
        if (!CanSee(who, edition))
        {
            return false;
        }
        if (who.Nato)
        {
            return response.Level <= (who.Clearance ?? 0) && (who.Nation is null || who.Nation == response.Nation || response.ReleasedTo.Length > 0);
        }
        var community = who.Community ?? "PUBLIC";
        return response.ReleasedTo.Contains(community) && response.Level <= Math.Min(who.Clearance ?? 0, Ceilings[community]);
    }

    /// <summary>
    /// A table: inside NATO within the clearance, but for a reader speaking for no nation that reads targets of the
    /// table's cycle of several nations while a figure it was computed from (no target of these cycles is ever revised:
    /// every one planted) is above its clearance — a coalition of nations the disclosure audit does not protect against,
    /// which reads a hidden figure as a published cell less the figures it knows (the several-nations rule); elsewhere its
    /// own audience's, within the clearance and the audience's ceiling.
    /// </summary>
    private static bool CanSee(Who who, Table table)
    {
        if (who.Nato)
        {
            var clearance = who.Clearance ?? 0;
            var figures = Planted.Where(t => t.Cycle == table.Cycle).ToList();
            var coalition = who.Nation is null && figures.Any(t => t.Level > clearance) && figures.Where(t => t.Level <= clearance).Select(t => t.Nation).Distinct().Count() > 1;
            return table.Level <= clearance && !coalition;
        }
        var community = who.Community ?? "PUBLIC";
        return community == table.Audience && table.Level <= Math.Min(who.Clearance ?? 0, Ceilings[community]);
    }

    private static bool CanSeeStandard(Who who, string key) => Editions.Any(e => e.Key == key && CanSee(who, e));

    /// <summary>A NATO writer may write to a standard only when its clearance covers every edition of it.</summary>
    private static bool CoversStandard(Who who, string key) => Editions.Where(e => e.Key == key).All(e => e.Level <= (who.Clearance ?? 0));

    /// <summary>An admin manages the subscriptions of audiences whose ceiling its clearance covers.</summary>
    private static bool ManagesSubscription(Who who, string audience) => who.Nato && who.Has("admin") && (who.Clearance ?? 0) >= Ceilings[audience];

    /// <summary>What each route's policy demands, modelled from the principal; a policy not modelled here fails the test.</summary>
    private static readonly Dictionary<string, Func<Who, bool>> Policies = new()
    {
        ["editor"] = w => w.Nato && w.Has("editor"),
        ["release-authority"] = w => w.Nato && w.Has("release-authority"),
        ["nato"] = w => w.Nato,
        ["admin"] = w => w.Nato && w.Has("admin"),
        ["auditor"] = w => w.Nato && w.Has("admin") && w.Clearance == 4 && w.Nation is null,
        ["response-recorder"] = w => w.Nato && (w.Has("editor") || (w.Has("delegate") && w.Nation is not null)),
        ["planner"] = w => w.Nato && w.Has("planner"),
    };

    /// <summary>
    /// The policy each route must declare, written here rather than read from the route: the matrix models a route by
    /// the policy it declares, so a route declaring a weaker policy than its job needs (a write open to every NATO
    /// caller) would still agree with its own model. Routes without a name (OpenAPI, health) declare none.
    /// </summary>
    private static readonly Dictionary<string, string[]> DeclaredPolicies = new()
    {
        ["ListStandards"] = [], ["GetStandard"] = [], ["ListVersions"] = [], ["GetLatestVersion"] = [], ["GetVersion"] = [],
        ["GetVersionLabel"] = [], ["GetFeed"] = [], ["ExportCatalogue"] = [],
        ["CreateStandard"] = ["editor"], ["CreateDraft"] = ["editor"], ["UpdateDraft"] = ["editor"], ["PublishVersion"] = ["editor"],
        ["WithdrawVersion"] = ["editor"],
        ["ListReleases"] = ["nato"], ["ReleaseVersion"] = ["release-authority"], ["RevokeRelease"] = ["release-authority"],
        ["ListSubscriptions"] = ["admin"], ["CreateSubscription"] = ["admin"], ["GetSubscription"] = ["admin"],
        ["PauseSubscription"] = ["admin"], ["ResumeSubscription"] = ["admin"], ["DeleteSubscription"] = ["admin"],
        ["RedeliverSubscription"] = ["admin"],
        ["ListAuditEntries"] = ["auditor"], ["VerifyAuditTrail"] = ["auditor"],
        ["GetResponseMatrix"] = [], ["GetResponseHistory"] = [], ["GetResponseLabel"] = [], ["ListResponses"] = [], ["RecordResponse"] = ["response-recorder"],
        ["ReleaseResponse"] = ["release-authority"], ["RevokeResponseRelease"] = ["release-authority"],
        ["GetRelations"] = [], ["GetCurrentDocument"] = [], ["AddRelation"] = ["editor"], ["RemoveRelation"] = ["editor"],
        ["AddEquivalent"] = ["editor"], ["RemoveEquivalent"] = ["editor"], ["MarkPreferred"] = ["editor"], ["UnmarkPreferred"] = ["editor"],
        // Raw targets and previews declare no policy: outside NATO they answer the standard 404, never 401 or 403.
        ["ListCapabilityTargets"] = [], ["PreviewCapabilityTable"] = [], ["RecordCapabilityTarget"] = ["planner"],
        ["ListCapabilityTables"] = [], ["GetCapabilityTable"] = [], ["GetCapabilityTableLabel"] = [], ["PublishCapabilityTable"] = ["release-authority"], ["RevokeCapabilityTable"] = ["release-authority"],
    };

    [Fact]
    public void EveryRouteDeclaresThePolicyItsJobNeeds()
    {
        var routes = AppRoutes.Of(_app.Services);
        Assert.All(routes, route => Assert.Equal(
            route.Name is null ? [] : DeclaredPolicies.TryGetValue(route.Name, out var expected) ? expected : ["(no expectation: add the route to DeclaredPolicies)"],
            route.Policies.Order(StringComparer.Ordinal)));
        Assert.Equal(DeclaredPolicies.Keys.Order(StringComparer.Ordinal), routes.Where(r => r.Name is not null).Select(r => r.Name!).Distinct().Order(StringComparer.Ordinal));
    }

    /// <summary>Strings that must not appear in an answer to <paramref name="who"/>.</summary>
    private IEnumerable<string> Forbidden(Who who)
    {
        foreach (var edition in Editions.Where(e => !CanSee(who, e)))
        {
            yield return edition.Canary;
        }
        foreach (var key in new[] { Open, Secret }.Where(k => !CanSeeStandard(who, k)))
        {
            yield return $"STDCANARY-{key}";
            yield return key;
        }
        if (!CanSeeStandard(who, Secret))
        {
            yield return "PREFCANARY";
        }
        foreach (var response in Responses.Where(r => !CanSee(who, r)))
        {
            yield return response.Canary;
        }
        // France's target: NATO SECRET, and France's alone among those speaking for a nation.
        if (!ReadsTarget(who))
        {
            yield return TargetCanary;
        }
        foreach (var (table, id) in _tableIds.Where(t => !CanSee(who, t.Key)))
        {
            yield return id;
        }
        foreach (var (audience, id) in new[] { ("EU", _euSubscription), ("PUBLIC", _publicSubscription) })
        {
            if (!ManagesSubscription(who, audience))
            {
                yield return $"SUBCANARY-{audience}";
                yield return id;
            }
        }
    }

    // ------------------------------------------------------------------ routes

    /// <summary>Every route the app maps, and each GET route as HEAD too: HEAD is answered on every GET route, decided as the GET.</summary>
    private List<Route> Routes()
    {
        var routes = AppRoutes.Of(_app.Services);
        return [.. routes, .. routes.Where(r => r.Method == "GET").Select(r => r with { Method = "HEAD" })];
    }

    /// <summary>
    /// A target: which standard, edition, audience and subscription a route's parameters name; and the civil source, none
    /// ("XX", refused in the URL) but where a valid request needs a real one.
    /// </summary>
    /// <remarks>
    /// A capability table's routes name a cycle and an audience: <see cref="TableCycle"/> and <see cref="TableAudience"/>
    /// where given (a write aiming at no table, or at a table of the hidden cycle never published), else
    /// <see cref="Cycle"/> and <see cref="Audience"/>.
    /// </remarks>
    private sealed record Target(string Name, string Key, string Edition, string Audience, string Subscription, string Cycle, string Source = "XX",
        string? TableCycle = null, string? TableAudience = null);

    private static bool IsTableRoute(Route route) => route.Pattern.StartsWith("/v1/capability-tables/{cycle}", StringComparison.Ordinal);

    private static string Url(Route route, Target target) => AppRoutes.Url(route, name => name switch
    {
        "key" => target.Key,
        "edition" => target.Edition,
        "audience" when IsTableRoute(route) => target.TableAudience ?? target.Audience,
        "cycle" when IsTableRoute(route) => target.TableCycle ?? target.Cycle,
        "audience" => target.Audience,
        "id" => target.Subscription,
        "nation" => "FRA",
        // Writes aim at what no write can change: a relation to a standard that does not exist, a civil source that is none.
        "kind" => "covers",
        "target" => Absent,
        "source" => target.Source,
        "identifier" => "1",
        "documentName" => "v1",
        // Capability targets: the planted cycle or one without targets. Writes send "{}", which no target or table
        // write accepts (quantity and classification are required), and revocations aim at tables never published.
        "cycle" => target.Cycle,
        "capability" => "ammo-155mm",
        "horizon" => "2027",
        var other => throw new Xunit.Sdk.XunitException($"The route {route.Method} {route.Pattern} has a parameter '{other}' this test does not know: teach Url() a value for it."),
    });

    // ------------------------------------------------------------------ the proof

    [Fact]
    public async Task EveryRouteAnswersEveryPrincipalAsItsPrincipalAllowsAndNothingAboveIt()
    {
        var routes = Routes();
        Assert.NotEmpty(routes);
        var principals = Principals().ToList();
        var editor = _app.As(TestCaller.Editor("CTS"));
        var admin = _app.As(TestCaller.Admin());
        // Every table, revoked ones marked, as a reader cleared for every figure lists them.
        var tables = _app.As(TestCaller.NatoReader("CTS"));
        var before = await editor.SnapshotAsync() + await admin.GetStringAsync("/v1/subscriptions") + await PlantedAsync(editor) + await tables.GetStringAsync("/v1/capability-tables");

        var absentSubscription = Guid.NewGuid().ToString();
        // Reads aim at real things. Writes aim at things no write can change, whoever is allowed it (the snapshot at the
        // end proves it): secret-std's stranded draft (publishing it is a conflict, withdrawing it too, and it has no
        // release to revoke), editions and subscriptions that do not exist; the standard's markings still decide.
        var readTargets = new[]
        {
            new Target("open", Open, "1", "PUBLIC", _publicSubscription, VisibleCycle),
            new Target("secret", Secret, "2", "EU", _euSubscription, TargetCycle),
            new Target("absent", Absent, "2", "EU", absentSubscription, "2031"),
        };
        // Tables: the visible one and the hidden one are read; writes ("{}", and a revocation's no body) aim at no table
        // (INDUSTRY has none), so a release authority's revocation changes nothing.
        var writeTargets = new[]
        {
            new Target("open", Open, "99", "PUBLIC", absentSubscription, VisibleCycle, TableAudience: "INDUSTRY"),
            new Target("secret", Secret, "1", "EU", absentSubscription, TargetCycle, TableAudience: "INDUSTRY"),
            new Target("absent", Absent, "1", "EU", absentSubscription, "2031"),
        };
        // Valid bodies go to the hidden and absent targets only, and only from principals the hidden one is hidden from:
        // the same edition, and the EU subscription itself (hidden from an admin who may not manage it); the hidden table
        // itself, against a table of its cycle never published (to INDUSTRY): publishing it again is a conflict, and
        // revoking it would revoke it, only for a writer it is not hidden from.
        var validTargets = new[]
        {
            new Target("secret", Secret, "1", "EU", _euSubscription, TargetCycle, "ISO"),
            writeTargets[2] with { Source = "ISO", TableCycle = HiddenTable.Cycle, TableAudience = "INDUSTRY" },
        };

        // Principals are independent (nothing they send may change anything: the snapshot below proves it), so a few
        // ask at once: the requests wait on the audit's commits more than on the CPU.
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var requests = 0;
        var validRequests = 0;
        var designationRequests = 0;
        var besideRequests = 0;
        await Parallel.ForEachAsync(principals, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (who, _) =>
        {
            using var client = ClientOf(who);
            var forbidden = Forbidden(who).ToList();

            // One request: its answer (status, body, headers), with a server error or a canary in the answer, of any
            // status, recorded as a failure. A write carries a tag of no state: a conditional write compares it only
            // once the writer may write to what it names, so a hidden target still answers as an absent one.
            async Task<Answer> AskAsync(Route route, string url, string? content, string with)
            {
                using var request = new HttpRequestMessage(new HttpMethod(route.Method), url);
                if (route.Method is not ("GET" or "HEAD"))
                {
                    if (content is not null)
                    {
                        request.Content = new StringContent(content, Encoding.UTF8, "application/json");
                    }
                    request.Headers.TryAddWithoutValidation("If-Match", "\"matrix-stale\"");
                }
                using var response = await client.SendAsync(request);
                Interlocked.Increment(ref requests);
                var answer = new Answer(response.StatusCode, await response.Content.ReadAsStringAsync(), ResponseHeaders.Line(response),
                    $"{who.Name}: {route.Method} {url}{with} -> {(int)response.StatusCode}");
                if ((int)answer.Status >= 500)
                {
                    failures.Add($"{answer.Where}: a server error. {Cut(answer.Body)}");
                }
                foreach (var secret in forbidden.Where(f => answer.Body.Contains(f, StringComparison.Ordinal) || answer.Headers.Contains(f, StringComparison.Ordinal)))
                {
                    failures.Add($"{answer.Where}: the answer carries '{secret}', which this principal may not see. {answer.Headers} {Cut(answer.Body)}");
                }
                return answer;
            }

            // What the principal may not see is answered exactly as what does not exist: status, body, headers.
            void SameAsAbsent(Route route, Dictionary<string, Answer> answers, string with)
            {
                if (answers["secret"].Same != answers["absent"].Same)
                {
                    failures.Add($"{who.Name}: {route.Method} {route.Pattern}{with}: the hidden target answers {(int)answers["secret"].Status} {answers["secret"].Headers} {Cut(answers["secret"].Body)}, "
                        + $"an absent one {(int)answers["absent"].Status} {answers["absent"].Headers} {Cut(answers["absent"].Body)}.");
                }
            }

            foreach (var route in routes)
            {
                var read = route.Method is "GET" or "HEAD";
                var answers = new Dictionary<string, Answer>();
                foreach (var target in read ? readTargets : writeTargets)
                {
                    var answer = answers[target.Name] = await AskAsync(route, Url(route, target), read ? null : Body(route, target), "");
                    var status = (int)answer.Status;
                    if (status >= 500)
                    {
                        continue;
                    }
                    var expected = Expected(route, who) ?? Decided(route, target, who);
                    if (expected is { } refusal)
                    {
                        if (status != refusal)
                        {
                            failures.Add($"{answer.Where}: expected {refusal}. {Cut(answer.Body)}");
                        }
                        continue;
                    }
                    if (status is 401 or 403)
                    {
                        failures.Add($"{answer.Where}: refused a principal its policy allows. {Cut(answer.Body)}");
                    }
                    if (status == 405)
                    {
                        failures.Add($"{answer.Where}: the route takes this method. {Cut(answer.Body)}");
                    }
                    // A table the principal reads is read: the visible one by every NATO and PUBLIC reader, the hidden one by
                    // those cleared for it (a reader refused its own table would pass every check above).
                    if (read && IsTableRoute(route) && target.Name != "absent" && CanSee(who, target.Name == "open" ? VisibleTable : HiddenTable) && status != 200)
                    {
                        failures.Add($"{answer.Where}: expected 200, the table is the principal's to read. {Cut(answer.Body)}");
                    }
                }
                if (Expected(route, who) is null && Hides(route, who, read))
                {
                    SameAsAbsent(route, answers, "");
                }
                // The list holds every table the principal reads (the canaries prove it holds no other).
                if (route is { Name: "ListCapabilityTables", Method: "GET" } && answers["open"].Status == HttpStatusCode.OK)
                {
                    foreach (var (table, id) in _tableIds.Where(t => CanSee(who, t.Key) && !answers["open"].Body.Contains(t.Value, StringComparison.Ordinal)))
                    {
                        failures.Add($"{answers["open"].Where}: the table of cycle {table.Cycle} to {table.Audience} is the principal's to read, and not listed. {Cut(answers["open"].Body)}");
                    }
                }

                // The visible standard's relations and current document: exactly as before anything related it to the hidden
                // one, for every principal the hidden one is hidden from; naming it, for the others.
                if (RelationReads.Contains(Url(route, readTargets[0])))
                {
                    var earlier = _beforeRelations[(who.Name, route.Method, Url(route, readTargets[0]))];
                    if (!CanSeeStandard(who, Secret) && answers["open"].Same != earlier.Same)
                    {
                        failures.Add($"{answers["open"].Where}: {Secret} is hidden, yet the answer is not the one given before it was related: "
                            + $"{answers["open"].Headers} {Cut(answers["open"].Body)}; before: {earlier.Headers} {Cut(earlier.Body)}");
                    }
                    if (CanSeeStandard(who, Secret) && route.Method == "GET" && Expected(route, who) is null && !answers["open"].Body.Contains($"\"{Secret}\"", StringComparison.Ordinal))
                    {
                        failures.Add($"{answers["open"].Where}: {Secret} is the principal's to see, and related: expected it named. {Cut(answers["open"].Body)}");
                    }
                }

                // What the three targets do not reach (HiddenBeside): the hidden thing answered as its absent counterpart.
                foreach (var beside in HiddenBeside.Where(b => b.Route == route.Name && Expected(route, who) is null))
                {
                    var with = $" (beside {beside.Absent})";
                    if (beside.HiddenFrom(who))
                    {
                        var hidden = await AskAsync(route, beside.Hidden, beside.Body, with);
                        var absent = await AskAsync(route, beside.Absent, beside.Body, with);
                        Interlocked.Add(ref besideRequests, 2);
                        var promised = beside.AbsentName == "" ? absent : absent with
                        {
                            Body = absent.Body.Replace(beside.AbsentName, beside.HiddenName, StringComparison.Ordinal),
                            Headers = absent.Headers.Replace(beside.AbsentName, beside.HiddenName, StringComparison.Ordinal),
                        };
                        if (hidden.Same != promised.Same)
                        {
                            failures.Add($"{hidden.Where}: hidden, answers {hidden.Headers} {Cut(hidden.Body)}; {absent.Where}: absent, {absent.Headers} {Cut(absent.Body)}.");
                        }
                    }
                    else if (read)
                    {
                        var seen = await AskAsync(route, beside.Hidden, null, with);
                        Interlocked.Increment(ref besideRequests);
                        if (seen.Status != HttpStatusCode.OK)
                        {
                            failures.Add($"{seen.Where}: expected 200, it is the principal's to read. {Cut(seen.Body)}");
                        }
                    }
                }

                // A write's real decision, which "{}" never reaches (it is refused as invalid first): a valid body, to the
                // hidden and absent targets, from a principal its policy allows and the hidden target is hidden from. A
                // write that judged the body against the hidden row before deciding the target is none (a 409 or 422 about
                // it, a 403 for its marking) answers differently from the absent target; one that wrote breaks the snapshot.
                if (!read && Expected(route, who) is null && Hides(route, who, read))
                {
                    var content = WriteBodies.Of(route.Name ?? $"{route.Method} {route.Pattern}");
                    var valid = new Dictionary<string, Answer>();
                    foreach (var target in validTargets)
                    {
                        var answer = valid[target.Name] = await AskAsync(route, Url(route, target), content, $" with a valid body {content ?? "(none)"}");
                        Interlocked.Increment(ref validRequests);
                        if (answer.Status == HttpStatusCode.BadRequest)
                        {
                            // Refused as invalid, the body never reached the decision this check is for.
                            failures.Add($"{answer.Where}: the body is not a valid one for this route: correct it in WriteBodies. {Cut(answer.Body)}");
                        }
                    }
                    SameAsAbsent(route, valid, " with a valid body");
                }

                // Creating a standard has no target in its URL, so the valid bodies above never reach it: a designation is
                // as global as a key, and its 409 must name the standard holding it only when the principal sees that
                // standard. Its designation, as a reader would take it (WriteBodies.LookAlike), for the visible and the
                // secret standard, from every principal allowed to create; the promised answer is computed from the
                // visible one's, its key dropped where the principal may not see the holder. Nothing is created (the
                // snapshot below).
                if (route.Name == "CreateStandard" && Expected(route, who) is null)
                {
                    var collided = new Dictionary<string, Answer>();
                    foreach (var held in new[] { Open, Secret })
                    {
                        var content = WriteBodies.Of(route.Name, new(Key: "collide-std", Designation: WriteBodies.LookAlike(held.ToUpperInvariant())));
                        collided[held] = await AskAsync(route, Url(route, readTargets[0]), content, $" with {held}'s designation as a reader takes it, {content}");
                        Interlocked.Increment(ref designationRequests);
                    }
                    var named = $"{DesignationTaken}: '{Open}'.";
                    if (collided[Open].Status != HttpStatusCode.Conflict || !collided[Open].Body.Contains(named, StringComparison.Ordinal))
                    {
                        failures.Add($"{collided[Open].Where}: expected 409 naming the visible {Open}. {Cut(collided[Open].Body)}");
                        continue;
                    }
                    var promised = Promised(collided[Open], CanSeeStandard(who, Secret) ? $"{DesignationTaken}: '{Secret}'." : $"{DesignationTaken}.");
                    if (collided[Secret].Same != promised.Same)
                    {
                        failures.Add($"{collided[Secret].Where}: {(CanSeeStandard(who, Secret) ? "visible" : "hidden")} holder: expected {(int)promised.Status} {promised.Headers} {Cut(promised.Body)}. "
                            + $"Got {collided[Secret].Headers} {Cut(collided[Secret].Body)}");
                    }
                }
            }
        });

        // The feed and export around the several-nations table's publication: unchanged for whom it is hidden from, naming
        // it for the others.
        foreach (var who in principals.Where(w => !w.Hostile))
        {
            foreach (var url in StreamReads)
            {
                var (was, now) = (_beforeSeveral[(who.Name, "GET", url)], _afterSeveral[(who.Name, "GET", url)]);
                if (now.Status != HttpStatusCode.OK)
                {
                    failures.Add($"{now.Where} -> {(int)now.Status}: expected 200. {Cut(now.Body)}");
                }
                else if (!CanSee(who, SeveralTable) && now.Same != was.Same)
                {
                    failures.Add($"{now.Where}: the table of cycle {SeveralCycle} to INDUSTRY is hidden, yet the answer is not the one given before it was published: {now.Headers} {Cut(now.Body)}; before: {was.Headers} {Cut(was.Body)}");
                }
                else if (CanSee(who, SeveralTable) && !now.Body.Contains(_tableIds[SeveralTable], StringComparison.Ordinal))
                {
                    failures.Add($"{now.Where}: the table of cycle {SeveralCycle} to INDUSTRY is the principal's to read, and not in the answer after it was published. {Cut(now.Body)}");
                }
            }
        }
        var after = await editor.SnapshotAsync() + await admin.GetStringAsync("/v1/subscriptions") + await PlantedAsync(editor) + await tables.GetStringAsync("/v1/capability-tables");
        var equivalentRequests = await HeldEquivalentAsync(routes.Single(r => r.Name == "AddEquivalent"), principals, failures);
        output.WriteLine($"{routes.Count} routes × {principals.Count} principals ({principals.Count(p => p.Hostile)} hostile token shapes): {requests} requests ({validRequests} of them valid bodies to hidden and absent targets, {designationRequests} creates with a held designation, {equivalentRequests} adds and removals of another standard's equivalent, {besideRequests} to what the targets miss, {_beforeRelations.Count} relation reads before relations were planted and {_beforeSeveral.Count + _afterSeveral.Count} feed and export reads around a table's publication), {failures.Count} failures, {clock.Elapsed.TotalSeconds:F1}s.");
        Assert.True(failures.Count == 0, $"{failures.Count} of {requests} answers broke the expectation:\n{string.Join('\n', failures.Order(StringComparer.Ordinal).Take(40))}");
        Assert.Equal(before, after);
    }

    /// <summary>
    /// A civil equivalent is recorded once per standard (RelationStore.AddEquivalentAsync): adding to open-std the identifier
    /// <see cref="Secret"/> holds (<see cref="HeldIdentifier"/>), in its own spelling and in one a reader takes for it (the
    /// conflict's fold, <c>Designations.Identity</c>), answers as adding one never recorded, for every principal that may
    /// add it there. A conflict or repeat looked up beyond the written standard would answer it as held (409 naming the
    /// holder's identifier, or 200), which for a holder the principal may not see says that it exists. Every principal that
    /// may write open-std (cleared NATO SECRET for its draft) sees secret-std's NATO SECRET edition, so secret-std's holding
    /// is no secret from these writers: the answers prove the lookup is the written standard's alone, which is what keeps
    /// every hidden holder out of it. Unlike every other write of the matrix these change something: each is removed at once,
    /// and all are sent one after another once the snapshot is taken and nothing else asks (a reader of open-std's
    /// relations would meet them). Answers the number of requests sent.
    /// </summary>
    private async Task<int> HeldEquivalentAsync(Route route, List<Who> principals, System.Collections.Concurrent.ConcurrentBag<string> failures)
    {
        var sent = 0;
        foreach (var who in principals.Where(w => Expected(route, w) is null && CoversStandard(w, Open)))
        {
            using var client = ClientOf(who);
            async Task<Answer> AddAndRemoveAsync(string identifier)
            {
                var url = $"/v1/standards/{Open}/equivalents/ISO/{Uri.EscapeDataString(identifier)}";
                using var added = await client.PutAsync(url, null);
                var answer = new Answer(added.StatusCode, await added.Content.ReadAsStringAsync(), ResponseHeaders.Line(added), $"{who.Name}: PUT {url} -> {(int)added.StatusCode}");
                sent++;
                if (added.StatusCode == HttpStatusCode.Created)
                {
                    using var removed = await client.DeleteAsync(url);
                    sent++;
                    if (removed.StatusCode != HttpStatusCode.NoContent)
                    {
                        failures.Add($"{who.Name}: DELETE {url} -> {(int)removed.StatusCode}: expected 204, the equivalent just added. {Cut(await removed.Content.ReadAsStringAsync())}");
                    }
                }
                return answer;
            }
            foreach (var (held, never) in new[] { (HeldIdentifier, "7"), (WriteBodies.LookAlike(HeldIdentifier).Trim(), WriteBodies.LookAlike("7").Trim()) })
            {
                var another = await AddAndRemoveAsync(held);
                var none = await AddAndRemoveAsync(never);
                if (none.Status != HttpStatusCode.Created)
                {
                    failures.Add($"{none.Where}: expected 201, an equivalent never recorded. {Cut(none.Body)}");
                }
                if (another.Same != none.Same)
                {
                    failures.Add($"{another.Where}: {Secret}'s equivalent, answers {another.Headers} {Cut(another.Body)}; {none.Where}: never recorded, {none.Headers} {Cut(none.Body)}.");
                }
            }
        }
        return sent;
    }

    /// <summary>The ISO identifier of <see cref="Secret"/>'s civil equivalent, planted with the relations.</summary>
    private const string HeldIdentifier = "1";

    /// <summary>The refusal the principal alone calls for (401 or 403), or null when the route's policies allow it.</summary>
    private static int? Expected(Route route, Who who)
    {
        if (who.Hostile)
        {
            return 401;
        }
        foreach (var policy in route.Policies)
        {
            if (!Policies.TryGetValue(policy, out var allows))
            {
                throw new Xunit.Sdk.XunitException($"The route {route.Method} {route.Pattern} requires the policy '{policy}', which this test does not model: add it to Policies.");
            }
            if (!allows(who))
            {
                return who.Anonymous ? 401 : 403;
            }
        }
        return null;
    }

    /// <summary>
    /// A write's body: "{}", which no write accepts (each needs fields), so nothing changes whoever is allowed — except
    /// two writes that change nothing either but are decided in full: recording the planted target again with its own
    /// quantity and marking (the same values answer the current row), and releasing a response no write target has (a
    /// draft's, an absent edition's, an absent standard's), whose lookup is made in the caller's scope.
    /// </summary>
    private static string Body(Route route, Target target) => route.Name switch
    {
        "RecordCapabilityTarget" when target.Cycle == TargetCycle => $$"""{"quantity":{{TargetCanary}},"classification":"NS"}""",
        "ReleaseResponse" => """{"reason":"Shared."}""",
        _ => "{}",
    };

    /// <summary>
    /// The refusal a write decided in full calls for beyond its policy: recording France's NATO SECRET target needs a
    /// clearance of NATO SECRET and no nation or France's (403 otherwise: "above your clearance", "another nation's");
    /// releasing or revoking France's response needs no nation or France's (a body of "{}" never reaches recording's).
    /// </summary>
    private static int? Decided(Route route, Target target, Who who) =>
        (route.Name == "RecordCapabilityTarget" && target.Cycle == TargetCycle && !((who.Clearance ?? 0) >= 3 && who.Nation is null or "FRA"))
        || (route.Name is "ReleaseResponse" or "RevokeResponseRelease" && who.Nation is not null and not "FRA")
            ? 403
            : null;

    /// <summary>What creating a standard answers when a standard holds its designation (EditorialStore.CreateStandardAsync).</summary>
    private const string DesignationTaken = "A standard with this designation, or one a reader would take for it, already exists";

    /// <summary>
    /// <paramref name="answer"/>, a conflict naming open-std, with <paramref name="detail"/> in its place: the answer
    /// promised for the same create colliding with another holder (its Content-Length the new body's).
    /// </summary>
    private static Answer Promised(Answer answer, string detail)
    {
        var body = answer.Body.Replace($"{DesignationTaken}: '{Open}'.", detail, StringComparison.Ordinal);
        var headers = System.Text.RegularExpressions.Regex.Replace(answer.Headers, @"Content-Length: \d+", $"Content-Length: {Encoding.UTF8.GetByteCount(body)}");
        return answer with { Body = body, Headers = headers };
    }

    /// <summary>An answer as the matrix compares it (<see cref="Same"/>), and where it came from, for failure messages.</summary>
    private sealed record Answer(HttpStatusCode Status, string Body, string Headers, string Where)
    {
        public (HttpStatusCode, string, string) Same => (Status, Body, Headers);
    }

    /// <summary>Whether the secret target is hidden from <paramref name="who"/> on this route (so it must answer as the absent one).</summary>
    private static bool Hides(Route route, Who who, bool read)
    {
        if (route.Pattern.StartsWith("/v1/capability-targets", StringComparison.Ordinal))
        {
            // Outside NATO every target route is the standard 404; a caller cleared below the hidden cycle's targets (all
            // NATO SECRET) or speaking for another nation than France meets the cycle as one without targets (its list is
            // empty, its preview the 404 of a cycle without targets); France's delegate reads France's, and its preview, of
            // other nations' targets too, is that same 404.
            return read && (route.Name == "PreviewCapabilityTable" ? !(ReadsTarget(who) && who.Nation is null) : !ReadsTarget(who));
        }
        if (IsTableRoute(route))
        {
            // The hidden table (NATO SECRET, of the hidden cycle): read within the clearance (and the audience's, outside
            // NATO); published again (a conflict) only by a writer who reads every target of its cycle and every table
            // (its audit's priors): cleared for it and speaking for no nation; revoked by a writer cleared for its marking.
            // For anyone else it is a table never published (to INDUSTRY, for writes).
            return route.Name switch
            {
                "PublishCapabilityTable" => !((who.Clearance ?? 0) >= HiddenTable.Level && who.Nation is null),
                "RevokeCapabilityTable" => (who.Clearance ?? 0) < HiddenTable.Level,
                _ => !CanSee(who, HiddenTable),
            };
        }
        if (route.Pattern.Contains("{id}", StringComparison.Ordinal))
        {
            return !ManagesSubscription(who, "EU");
        }
        if (route.Name is "ReleaseResponse" or "RevokeResponseRelease")
        {
            // Judged in the caller's own scope: the write target's edition (secret-std's draft) exists only for editors.
            return !CoversStandard(who, Secret) || !CanSee(who, Editions.Single(e => e.Key == Secret && e.Number == 1));
        }
        if (route.Pattern.Contains("{key}", StringComparison.Ordinal))
        {
            return read ? !CanSeeStandard(who, Secret) : !CoversStandard(who, Secret);
        }
        return false;
    }

    /// <summary>Whether <paramref name="who"/> may read the planted target (France's, NATO SECRET).</summary>
    private static bool ReadsTarget(Who who) => who.Nato && (who.Clearance ?? 0) >= 3 && (who.Nation is null || who.Nation == "FRA");

    private static string Cut(string body) => body.Length > 300 ? body[..300] + "…" : body;
}
