using System.Text.Json;
using System.Text.Json.Nodes;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>Who asks, as a token (null: no token at all) and as the domain principal the oracle reasons about.</summary>
public sealed record TestPrincipal(string Name, TestCaller? Caller, Principal Principal)
{
    public HttpClient Client(RegistryApp app) => Caller is null ? app.Anonymous() : app.As(Caller);

    public VisibilityScope Scope => ReleaseOracle.ScopeOf(Principal);

    public override string ToString() => Name;

    public static TestPrincipal Anonymous { get; } = new("anonymous", null, Principal.Anonymous);

    public static TestPrincipal Of(string name, TestCaller caller)
    {
        Classification? clearance = null;
        if (caller.Clearance is not null)
        {
            Assert.True(Markings.TryParse(caller.Clearance, out var parsed), $"'{caller.Clearance}' is not a marking");
            clearance = parsed;
        }
        return new(name, caller, new Principal(caller.Subject, caller.Community, clearance, caller.Roles.ToHashSet(StringComparer.Ordinal)));
    }

    public static TestPrincipal EuNsInEuScheme { get; } = Of("EU consumer SECRET UE/EU SECRET", new TestCaller("consumer-secret-ue@eu", "EU", "SECRET UE/EU SECRET", "consumer"));

    public static TestPrincipal EuCtsInEuScheme { get; } = Of("EU consumer TRÈS SECRET UE/EU TOP SECRET", new TestCaller("consumer-tres-secret-ue@eu", "EU", "TRÈS SECRET UE/EU TOP SECRET", "consumer"));

    public static TestPrincipal NatoEditor { get; } = Of("NATO editor CTS", TestCaller.Editor());

    /// <summary>Industry readers: NU, NR (the INDUSTRY ceiling) and CTS, which the ceiling holds to NR.</summary>
    public static IReadOnlyList<TestPrincipal> Industry { get; } =
        [.. new[] { Classification.NU, Classification.NR, Classification.CTS }.Select(c => Of($"INDUSTRY reader {c}", TestCaller.Industry(c.ToString())))];

    /// <summary>
    /// Anonymous, a PUBLIC token, EU consumers of each clearance (two in EU spelling), INDUSTRY readers (<see cref="Industry"/>),
    /// NATO readers of each clearance, NATO editors.
    /// </summary>
    public static IReadOnlyList<TestPrincipal> All { get; } =
    [
        Anonymous,
        Of("PUBLIC token", TestCaller.Public()),
        .. Enum.GetValues<Classification>().Select(c => Of($"EU consumer {c}", TestCaller.Eu(c.ToString()))),
        EuNsInEuScheme,
        EuCtsInEuScheme,
        .. Industry,
        .. Enum.GetValues<Classification>().Select(c => Of($"NATO reader {c}", TestCaller.NatoReader(c.ToString()))),
        NatoEditor,
        Of("NATO editor NC", TestCaller.Editor("NC")),
    ];

    public static TestPrincipal Named(string name) => All.Single(p => p.Name == name);
}

/// <summary>A version as one principal should be shown it.</summary>
public sealed record ExpectedVersion(ModelVersion Version, VersionStatus Displayed, int? SupersededBy);

/// <summary>A standard as one principal should be shown it: only its visible versions, oldest first.</summary>
public sealed record ExpectedStandard(ModelStandard Standard, IReadOnlyList<ExpectedVersion> Versions)
{
    /// <summary>The latest visible edition in force (stored status published or superseded).</summary>
    public ExpectedVersion? Latest => Versions.LastOrDefault(v => v.Version.Status is VersionStatus.Published or VersionStatus.Superseded);
}

/// <summary>Everything one principal may see at one time, by the domain rule.</summary>
public sealed class ExpectedView
{
    private readonly Dictionary<string, ExpectedStandard> _byKey;
    private readonly HashSet<ModelVersion> _visible;

    public ExpectedView(CatalogueModel model, VisibilityScope scope, DateTimeOffset now, IReadOnlyList<ExpectedStandard> standards)
    {
        Model = model;
        Scope = scope;
        Now = now;
        Standards = standards;
        _byKey = standards.ToDictionary(s => s.Standard.Key, StringComparer.Ordinal);
        _visible = standards.SelectMany(s => s.Versions).Select(v => v.Version).ToHashSet();
    }

    public CatalogueModel Model { get; }

    public VisibilityScope Scope { get; }

    public DateTimeOffset Now { get; }

    /// <summary>The standards that exist for the principal, in key order (ordinal, as SQL sorts).</summary>
    public IReadOnlyList<ExpectedStandard> Standards { get; }

    public ExpectedStandard? Find(string key) => _byKey.GetValueOrDefault(key);

    public bool Sees(ModelVersion version) => _visible.Contains(version);

    public bool Sees(ModelStandard standard) => _byKey.ContainsKey(standard.Key);

    public IEnumerable<ModelVersion> HiddenVersions => Model.Versions.Where(v => !Sees(v));

    public IEnumerable<ModelStandard> HiddenStandards => Model.Standards.Where(s => !Sees(s));

    /// <summary>
    /// <c>q</c> as the design defines it: designation (also as its identity, <see cref="Designations.Identity"/>, holds the
    /// term's), standard title, or the title of a visible version.
    /// </summary>
    public IEnumerable<ExpectedStandard> Search(string term) => Standards.Where(s =>
        s.Standard.Designation.Contains(term, StringComparison.OrdinalIgnoreCase)
        || (Designations.Identity(term) is { Length: > 0 } identity && Designations.Identity(s.Standard.Designation).Contains(identity, StringComparison.Ordinal))
        || s.Standard.Title.Contains(term, StringComparison.OrdinalIgnoreCase)
        || s.Versions.Any(v => v.Version.Title.Contains(term, StringComparison.OrdinalIgnoreCase)));

    /// <summary>The edges the caller sees from or to a standard it sees: those whose other end it sees too (docs/design.md §1.8).</summary>
    public IEnumerable<ModelRelation> Edges(ModelStandard standard) =>
        Model.Relations.Where(r => (r.From == standard && Sees(r.To)) || (r.To == standard && Sees(r.From)));

    /// <summary>
    /// The standard's mark, when the latest row of its category's history whose standard is in force for the caller (it
    /// sees an edition of it that is not withdrawn, or an editor sees it with none) is a mark of it (docs/design.md §1.8).
    /// </summary>
    public ModelMark? Preferred(ModelStandard standard) =>
        Model.Marks.LastOrDefault(m => m.Standard.Category == standard.Category && InForce(m.Standard)) is { IsMark: true } mark && mark.Standard == standard ? mark : null;

    private bool InForce(ModelStandard standard) =>
        standard.Versions.Any(v => v.Status != VersionStatus.Withdrawn && Sees(v)) || (standard.Versions.Count == 0 && Sees(standard));

    /// <summary>
    /// The current applicable document's chain: from the standard along the most recently recorded successor the caller
    /// sees, until there is none, the chain closes or it has <c>RelationStore.MaxChain</c> (32) keys.
    /// </summary>
    public IReadOnlyList<ModelStandard> Chain(ModelStandard standard)
    {
        var chain = new List<ModelStandard> { standard };
        while (chain.Count < 32
            && Model.Relations.Where(r => r.Kind == "supersedes" && r.To == chain[^1] && Sees(r.From)).MaxBy(r => r.Order) is { } next
            && !chain.Contains(next.From))
        {
            chain.Add(next.From);
        }
        return chain;
    }

    /// <summary>
    /// An attribute search as the design defines it (docs/design.md §1.9): the standards whose latest visible edition in
    /// force (<see cref="ExpectedStandard.Latest"/>, what <c>…/versions/latest</c> answers) meets the filter, and the text
    /// term if one is given.
    /// </summary>
    public IEnumerable<ExpectedStandard> AttributeSearch(AttributeFilter filter) =>
        (filter.Term is null ? Standards : Search(filter.Term)).Where(s => s.Latest is { } latest && filter.Holds(latest.Version.Attributes));
}

/// <summary>
/// The oracle: the domain's <see cref="ReleaseRule"/> (ScopeFor, CanSee) over the model. The API applies the same rule
/// in SQL; the suite holds the two equal.
/// </summary>
public static class ReleaseOracle
{
    /// <summary>The audience records the migrations seed: EU up to CTS in the EU scheme, PUBLIC up to NU (0001), INDUSTRY up to NR (0020).</summary>
    public static IReadOnlyDictionary<string, Audience> Audiences { get; } = new Dictionary<string, Audience>(StringComparer.Ordinal)
    {
        ["EU"] = new("EU", "European Union institutions", Classification.CTS, MarkingScheme.Eu),
        ["PUBLIC"] = new("PUBLIC", "The public (anonymous callers)", Classification.NU, MarkingScheme.Nato),
        ["INDUSTRY"] = new("INDUSTRY", "Accredited defence industry", Classification.NR, MarkingScheme.Nato),
    };

    public static VisibilityScope ScopeOf(Principal principal) =>
        ReleaseRule.ScopeFor(principal, principal.IsNato ? null : Audiences[principal.Community]);

    public static bool CanSee(VisibilityScope scope, ModelVersion version, DateTimeOffset now) =>
        ReleaseRule.CanSee(scope, new VersionFacts(version.Classification, version.Status), version.Releases.Select(r => r.Facts), now);

    public static ExpectedView ViewOf(CatalogueModel model, VisibilityScope scope, DateTimeOffset now)
    {
        var standards = new List<ExpectedStandard>();
        foreach (var standard in model.Standards.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var visible = standard.Versions.Where(v => CanSee(scope, v, now)).OrderBy(v => v.Edition).ToList();
            if (visible.Count == 0 && !(scope.SeesEmptyStandards && standard.Versions.Count == 0))
            {
                continue;
            }
            standards.Add(new ExpectedStandard(standard, visible.Select(v => Shown(v, visible)).ToList()));
        }
        return new ExpectedView(model, scope, now, standards);
    }

    /// <summary>
    /// A superseded edition is shown superseded only by a later edition the caller sees that has been published;
    /// with none, it is the caller's current edition: published, no supersededBy.
    /// </summary>
    private static ExpectedVersion Shown(ModelVersion version, IReadOnlyList<ModelVersion> visible)
    {
        if (version.Status != VersionStatus.Superseded)
        {
            return new(version, version.Status, null);
        }
        var next = visible.FirstOrDefault(n => n.Edition > version.Edition && n.PublishedAt is not null);
        return next is null ? new(version, VersionStatus.Published, null) : new(version, VersionStatus.Superseded, next.Edition);
    }
}

/// <summary>The JSON each consumer route should answer, built from the oracle (null fields are omitted, as the API writes them).</summary>
public static class ExpectedJson
{
    public static JsonObject Standard(ExpectedStandard standard)
    {
        var json = new JsonObject
        {
            ["key"] = standard.Standard.Key,
            ["designation"] = standard.Standard.Designation,
            ["category"] = standard.Standard.Category,
            ["title"] = standard.Standard.Title,
        };
        if (standard.Latest is { } latest)
        {
            json["latestEdition"] = latest.Version.Edition;
        }
        json["versionCount"] = standard.Versions.Count;
        return json;
    }

    public static JsonObject Summary(ExpectedVersion shown, MarkingScheme scheme)
    {
        var v = shown.Version;
        var json = new JsonObject
        {
            ["edition"] = v.Edition,
            ["title"] = v.Title,
            ["summary"] = v.Summary,
        };
        AddStatusAndMarking(json, shown, scheme);
        AddIfSet(json, "withdrawnAt", v.WithdrawnAt);
        return json;
    }

    public static JsonObject Full(ExpectedVersion shown, MarkingScheme scheme)
    {
        var v = shown.Version;
        var json = new JsonObject
        {
            ["key"] = v.Standard.Key,
            ["designation"] = v.Standard.Designation,
            ["category"] = v.Standard.Category,
            ["edition"] = v.Edition,
            ["title"] = v.Title,
            ["summary"] = v.Summary,
            ["body"] = v.Body,
            ["attributes"] = JsonNode.Parse(v.Attributes.ToJsonString()),
        };
        AddStatusAndMarking(json, shown, scheme);
        AddIfSet(json, "withdrawnAt", v.WithdrawnAt);
        if (v.WithdrawalReason is not null)
        {
            json["withdrawalReason"] = v.WithdrawalReason;
        }
        return json;
    }

    /// <summary>A standard's relations as the caller sees them: edges out and in (by kind, then key), equivalents, its preferred mark.</summary>
    public static JsonObject Relations(ExpectedView view, ModelStandard standard)
    {
        var edges = view.Edges(standard).ToList();
        var json = new JsonObject
        {
            ["key"] = standard.Key,
            ["outgoing"] = Edges(edges.Where(e => e.From == standard).Select(e => (e.Kind, e.To))),
            ["incoming"] = Edges(edges.Where(e => e.To == standard).Select(e => (e.Kind, e.From))),
            ["equivalents"] = new JsonArray([.. view.Model.Equivalents.Where(e => e.Standard == standard)
                .OrderBy(e => e.Source, StringComparer.Ordinal).ThenBy(e => e.Identifier, StringComparer.Ordinal)
                .Select(e => (JsonNode)new JsonObject { ["source"] = e.Source, ["identifier"] = e.Identifier })]),
        };
        if (view.Preferred(standard) is { } mark)
        {
            json["preferred"] = new JsonObject { ["category"] = standard.Category, ["rationale"] = mark.Rationale };
        }
        return json;

        static JsonArray Edges(IEnumerable<(string Kind, ModelStandard Other)> edges) =>
            new([.. edges.OrderBy(e => e.Kind, StringComparer.Ordinal).ThenBy(e => e.Other.Key, StringComparer.Ordinal).Select(e => (JsonNode)new JsonObject
            {
                ["kind"] = e.Kind,
                ["key"] = e.Other.Key,
                ["designation"] = e.Other.Designation,
                ["title"] = e.Other.Title,
            })]);
    }

    /// <summary>The current applicable document: the chain's last standard as the caller sees it, and the chain's keys.</summary>
    public static JsonObject Current(ExpectedView view, ModelStandard standard)
    {
        var chain = view.Chain(standard);
        return new JsonObject
        {
            ["key"] = standard.Key,
            ["current"] = Standard(view.Find(chain[^1].Key)!),
            ["chain"] = new JsonArray([.. chain.Select(s => (JsonNode)JsonValue.Create(s.Key))]),
        };
    }

    /// <summary>A page as the suite compares it: the items, and whether a next cursor must be present.</summary>
    public static JsonObject Page(IEnumerable<JsonNode> items, bool hasNext) => new()
    {
        ["items"] = new JsonArray([.. items]),
        ["hasNext"] = hasNext,
    };

    private static void AddStatusAndMarking(JsonObject json, ExpectedVersion shown, MarkingScheme scheme)
    {
        var level = Markings.Of(shown.Version.Classification);
        json["status"] = EnumText.Of(shown.Displayed);
        json["classification"] = shown.Version.Classification.ToString();
        json["marking"] = level.NatoMarking;
        if (scheme == MarkingScheme.Eu && level.EuMarking is not null)
        {
            json["equivalentMarking"] = level.EuMarking;
        }
        AddIfSet(json, "publishedAt", shown.Version.PublishedAt);
        if (shown.SupersededBy is { } next)
        {
            json["supersededBy"] = next;
        }
    }

    private static void AddIfSet(JsonObject json, string name, DateTimeOffset? time)
    {
        if (time is { } t)
        {
            json[name] = JsonSerializer.SerializeToNode(t, RegistryClient.Json);
        }
    }
}
