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

    /// <summary><c>q</c> as the design defines it: designation, standard title, or the title of a visible version.</summary>
    public IEnumerable<ExpectedStandard> Search(string term) => Standards.Where(s =>
        s.Standard.Designation.Contains(term, StringComparison.OrdinalIgnoreCase)
        || s.Standard.Title.Contains(term, StringComparison.OrdinalIgnoreCase)
        || s.Versions.Any(v => v.Version.Title.Contains(term, StringComparison.OrdinalIgnoreCase)));

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
