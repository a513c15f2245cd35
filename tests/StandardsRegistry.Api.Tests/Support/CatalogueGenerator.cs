using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Tests.Support;

// The no-leak suite's support: a seeded generator that builds a catalogue through the HTTP API while keeping an
// in-memory model of everything it did, the oracle (the domain's ReleaseRule over that model) with the
// representation every consumer route should answer, and a crawler that asks every route as one principal.

/// <summary>One release record as the test made it.</summary>
public sealed class ModelRelease(string audience, DateTimeOffset effectiveFrom, DateTimeOffset releasedAt)
{
    public string Audience { get; } = audience;

    public DateTimeOffset EffectiveFrom { get; } = effectiveFrom;

    public DateTimeOffset ReleasedAt { get; } = releasedAt;

    public DateTimeOffset? RevokedAt { get; set; }

    public ReleaseFacts Facts => new(Audience, EffectiveFrom, RevokedAt);
}

/// <summary>One edition as the test made it. Title, summary, body and withdrawal reason all carry the edition's unique token.</summary>
public sealed class ModelVersion
{
    public required ModelStandard Standard { get; init; }

    public required int Edition { get; init; }

    public required string Token { get; init; }

    public required string Title { get; init; }

    public required string Summary { get; init; }

    public required string Body { get; init; }

    public required JsonObject Attributes { get; init; }

    public required Classification Classification { get; init; }

    public VersionStatus Status { get; set; } = VersionStatus.Draft;

    public DateTimeOffset? PublishedAt { get; set; }

    public DateTimeOffset? WithdrawnAt { get; set; }

    public string? WithdrawalReason { get; set; }

    public List<ModelRelease> Releases { get; } = [];

    public string Key => Standard.Key;

    public override string ToString() =>
        $"{Key}/{Edition} ({Classification}, {Lifecycle.ToText(Status)}, releases: {(Releases.Count == 0 ? "none" : string.Join("; ", Releases.Select(r => $"{r.Audience} from {r.EffectiveFrom:O}{(r.RevokedAt is null ? "" : " revoked")}")))})";
}

public sealed class ModelStandard
{
    public required string Key { get; init; }

    public required string Designation { get; init; }

    public required string Category { get; init; }

    public required string Title { get; init; }

    public required string Token { get; init; }

    public List<ModelVersion> Versions { get; } = [];
}

public sealed class CatalogueModel(int seed)
{
    public int Seed => seed;

    public List<ModelStandard> Standards { get; } = [];

    public IEnumerable<ModelVersion> Versions => Standards.SelectMany(s => s.Versions);

    /// <summary>Releases above NU the API refused to PUBLIC (422), and releases of drafts or withdrawn editions it refused (409).</summary>
    public int RefusedPublicReleases { get; set; }

    public int RefusedUnreleasableReleases { get; set; }

    public int WriteRequests { get; set; }
}

/// <summary>
/// Builds a catalogue through the HTTP API from a seeded <see cref="Random"/>, recording each write in a
/// <see cref="CatalogueModel"/>. Every write checks its answer, so the model cannot drift from the database.
/// </summary>
public sealed class CatalogueGenerator
{
    private static readonly string[] Transports = ["UDP/IP", "TCP/IP", "HF serial", "SATCOM"];
    private static readonly string[] MessageFormats = ["J-series", "K-series", "M-series", "VMF"];

    private readonly RegistryApp _app;
    private readonly Random _random;
    private readonly HttpClient _editor;
    private readonly HttpClient _authority;
    private readonly HashSet<string> _tokens = new(StringComparer.Ordinal);
    private readonly HashSet<int> _numbers = [];

    public CatalogueGenerator(RegistryApp app, int seed)
    {
        _app = app;
        _random = new Random(seed);
        _editor = app.As(TestCaller.Editor());
        _authority = app.As(TestCaller.ReleaseAuthority());
        Model = new CatalogueModel(seed);
    }

    public CatalogueModel Model { get; }

    /// <summary>The registry's clock as it stores times (Unix milliseconds).</summary>
    public DateTimeOffset Now => Truncate(_app.Clock.GetUtcNow());

    public static DateTimeOffset Truncate(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    /// <summary>
    /// A catalogue of <paramref name="minStandards"/> to <paramref name="maxStandards"/> standards (plus one with no versions),
    /// 1-5 editions each, every marking, category and lifecycle state, releases to EU and PUBLIC (some future-dated,
    /// some revoked, some re-released), with editions published and withdrawn after their release; finally the clock
    /// moves on so some future-dated releases take effect and others stay pending.
    /// </summary>
    public async Task<CatalogueModel> GenerateAsync(int minStandards, int maxStandards)
    {
        var count = _random.Next(minStandards, maxStandards + 1);
        var versionIndex = 0;
        for (var i = 0; i < count; i++)
        {
            var standard = await CreateStandardAsync(Categories.All[i % Categories.All.Count]);
            var editions = _random.Next(1, 6);
            for (var e = 0; e < editions; e++)
            {
                // The first five editions made take each level once, so every marking is present whatever the seed.
                var level = versionIndex < 5 ? (Classification)versionIndex : (Classification)_random.Next(0, 5);
                versionIndex++;
                await CreateDraftAsync(standard, level);
            }

            // Publish some editions in order; an edition skipped here stays a draft for good (a later one is published).
            foreach (var version in standard.Versions)
            {
                if (_random.NextDouble() < 0.65)
                {
                    await PublishAsync(version);
                }
            }
        }
        await CreateStandardAsync(Categories.Caliber); // no versions: only NATO editors see it

        // Releases: EU (any level), PUBLIC (NU only: the API refuses higher), now or from a future time.
        foreach (var version in Model.Versions.Where(v => Lifecycle.IsReleasable(v.Status)).ToList())
        {
            if (_random.NextDouble() < 0.65)
            {
                await ReleaseAsync(version, "EU", FutureOrNow());
            }
            if (version.Classification == Classification.NU && _random.NextDouble() < 0.6)
            {
                await ReleaseAsync(version, "PUBLIC", FutureOrNow());
            }
            else if (version.Classification > Classification.NU && _random.NextDouble() < 0.15)
            {
                Assert.Equal(HttpStatusCode.UnprocessableEntity, await TryReleaseAsync(version, "PUBLIC"));
                Model.RefusedPublicReleases++;
            }
        }
        foreach (var version in Model.Versions.Where(v => v.Status == VersionStatus.Draft).Take(2).ToList())
        {
            Assert.Equal(HttpStatusCode.Conflict, await TryReleaseAsync(version, "EU"));
            Model.RefusedUnreleasableReleases++;
        }

        // After the releases: later editions published (so released ones become superseded behind editions the
        // audiences may not see) and some editions withdrawn although they are released.
        foreach (var standard in Model.Standards)
        {
            var lastPublished = standard.Versions.Where(v => v.PublishedAt is not null).Select(v => v.Edition).DefaultIfEmpty(0).Max();
            foreach (var version in standard.Versions.Where(v => v.Edition > lastPublished && v.Status == VersionStatus.Draft).ToList())
            {
                if (_random.NextDouble() < 0.5)
                {
                    await PublishAsync(version);
                }
            }
        }
        foreach (var version in Model.Versions.Where(v => Lifecycle.IsReleasable(v.Status)).ToList())
        {
            if (_random.NextDouble() < 0.12)
            {
                await WithdrawAsync(version);
            }
        }

        // Revocations, some followed by a new release on other terms.
        foreach (var (version, release) in Model.Versions.SelectMany(v => v.Releases.Where(r => r.RevokedAt is null).Select(r => (v, r))).ToList())
        {
            if (_random.NextDouble() < 0.2)
            {
                await RevokeAsync(version, release.Audience);
                if (Lifecycle.IsReleasable(version.Status) && _random.NextDouble() < 0.5)
                {
                    await ReleaseAsync(version, release.Audience, FutureOrNow());
                }
            }
        }

        // Some future-dated releases are now in effect, others still pending.
        Advance(TimeSpan.FromMinutes(20));
        return Model;
    }

    public void Advance(TimeSpan by) => _app.Clock.Advance(by);

    public async Task<ModelStandard> CreateStandardAsync(string category)
    {
        int number;
        do
        {
            number = _random.Next(1000, 10000);
        }
        while (!_numbers.Add(number));

        var token = NewToken();
        var standard = new ModelStandard
        {
            Key = $"stanag-{number}",
            Designation = $"STANAG {number}",
            Category = category,
            Title = $"{Noun(category)} family {token}",
            Token = token,
        };
        var response = await _editor.PostAsJsonAsync("/v1/standards", new { key = standard.Key, designation = standard.Designation, category, title = standard.Title });
        await ExpectAsync(response, HttpStatusCode.Created);
        Model.Standards.Add(standard);
        return standard;
    }

    public async Task<ModelVersion> CreateDraftAsync(ModelStandard standard, Classification classification)
    {
        var token = NewToken();
        var edition = standard.Versions.Count + 1;
        var version = new ModelVersion
        {
            Standard = standard,
            Edition = edition,
            Token = token,
            Title = $"{Noun(standard.Category)} edition {edition} {token}",
            Summary = $"Summary of {token}.",
            Body = $"Body of {token}: the specification text.",
            Attributes = AttributesFor(standard.Category),
            Classification = classification,
        };
        var response = await _editor.PostAsJsonAsync($"/v1/standards/{standard.Key}/versions", new
        {
            title = version.Title,
            summary = version.Summary,
            body = version.Body,
            classification = Spell(classification),
            attributes = version.Attributes.DeepClone(),
        });
        await ExpectAsync(response, HttpStatusCode.Created);
        var created = await response.JsonAsync();
        Assert.Equal(edition, created["edition"]!.GetValue<int>());
        standard.Versions.Add(version);
        Tick();
        return version;
    }

    public async Task PublishAsync(ModelVersion version)
    {
        var response = await _editor.PostAsync($"/v1/standards/{version.Key}/versions/{version.Edition}/publish", null);
        await ExpectAsync(response, HttpStatusCode.OK);
        foreach (var current in version.Standard.Versions.Where(v => v.Status == VersionStatus.Published))
        {
            current.Status = VersionStatus.Superseded;
        }
        version.Status = VersionStatus.Published;
        version.PublishedAt = Now;
        Assert.Equal(version.PublishedAt, (await response.JsonAsync())["publishedAt"]!.GetValue<DateTimeOffset>());
        Tick();
    }

    public async Task WithdrawAsync(ModelVersion version)
    {
        var reason = $"Withdrawn: {version.Token} is no longer valid.";
        var response = await _editor.PostAsJsonAsync($"/v1/standards/{version.Key}/versions/{version.Edition}/withdraw", new { reason });
        await ExpectAsync(response, HttpStatusCode.OK);
        version.Status = VersionStatus.Withdrawn;
        version.WithdrawnAt = Now;
        version.WithdrawalReason = reason;
        Tick();
    }

    /// <summary>Releases from <paramref name="effectiveFrom"/> (now when null); the registry never backdates.</summary>
    public async Task<ModelRelease> ReleaseAsync(ModelVersion version, string audience, DateTimeOffset? effectiveFrom)
    {
        var response = await _authority.PutAsJsonAsync(
            $"/v1/standards/{version.Key}/versions/{version.Edition}/releases/{audience}",
            new { reason = $"Needed by {audience}.", effectiveFrom });
        await ExpectAsync(response, HttpStatusCode.Created);
        var now = Now;
        var effective = effectiveFrom is { } from && Truncate(from) > now ? Truncate(from) : now;
        var release = new ModelRelease(audience, effective, now);
        Assert.Equal(effective, (await response.JsonAsync())["effectiveFrom"]!.GetValue<DateTimeOffset>());
        version.Releases.Add(release);
        Tick();
        return release;
    }

    public async Task RevokeAsync(ModelVersion version, string audience)
    {
        var response = await _authority.DeleteAsync($"/v1/standards/{version.Key}/versions/{version.Edition}/releases/{audience}?reason=test");
        await ExpectAsync(response, HttpStatusCode.OK);
        version.Releases.Single(r => r.Audience == audience && r.RevokedAt is null).RevokedAt = Now;
        Tick();
    }

    /// <summary>A release the model expects the API to refuse; the model is left as it is.</summary>
    public async Task<HttpStatusCode> TryReleaseAsync(ModelVersion version, string audience)
    {
        Model.WriteRequests++;
        var response = await _authority.PutAsJsonAsync(
            $"/v1/standards/{version.Key}/versions/{version.Edition}/releases/{audience}", new { reason = "Should be refused." });
        return response.StatusCode;
    }

    private async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Model.WriteRequests++;
        if (response.StatusCode != status)
        {
            throw new Xunit.Sdk.XunitException(
                $"[seed {Model.Seed}] generating the catalogue: {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}, expected {(int)status}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Half the releases take effect now, the others 2-40 minutes from now (the generation ends 20 minutes on).</summary>
    private DateTimeOffset? FutureOrNow() => _random.NextDouble() < 0.5 ? null : _app.Clock.GetUtcNow().AddMinutes(_random.Next(2, 41));

    /// <summary>A few seconds between writes, so every timestamp is distinct.</summary>
    private void Tick() => _app.Clock.Advance(TimeSpan.FromMilliseconds(_random.Next(1000, 3000)));

    /// <summary>Each marking in one of its accepted spellings: abbreviation, NATO marking or EU marking.</summary>
    private string Spell(Classification classification)
    {
        var level = Markings.Of(classification);
        string[] forms = level.EuMarking is null ? [classification.ToString(), level.NatoMarking] : [classification.ToString(), level.NatoMarking, level.EuMarking];
        return forms[_random.Next(forms.Length)];
    }

    /// <summary>A token unique in the catalogue (10 hex digits from the seeded generator), so a text scan can find any field.</summary>
    private string NewToken()
    {
        while (true)
        {
            var token = "tk" + _random.NextInt64(0, 1L << 40).ToString("x10", CultureInfo.InvariantCulture);
            if (_tokens.Add(token))
            {
                return token;
            }
        }
    }

    private JsonObject AttributesFor(string category)
    {
        double Number(double min, double max, int digits) => Math.Round(min + (_random.NextDouble() * (max - min)), digits);
        return category switch
        {
            Categories.Caliber => new JsonObject { ["boreMm"] = Number(4, 40, 2), ["caseLengthMm"] = Number(10, 200, 1), ["cartridge"] = $"cartridge-{_random.Next(100, 999)}" },
            Categories.RadioBand => Band(Number(2, 1000, 1), Number(1, 500, 1)),
            Categories.CommsProtocol => new JsonObject { ["layer"] = Categories.OsiLayers[_random.Next(Categories.OsiLayers.Count)], ["transport"] = Transports[_random.Next(Transports.Length)] },
            Categories.DataLink => new JsonObject { ["messageFormat"] = MessageFormats[_random.Next(MessageFormats.Length)], ["dataRateKbps"] = Number(1, 2000, 1) },
            _ => throw new ArgumentOutOfRangeException(nameof(category)),
        };

        static JsonObject Band(double low, double width) => new() { ["lowMHz"] = low, ["highMHz"] = Math.Round(low + width, 1) };
    }

    public static string Noun(string category) => category switch
    {
        Categories.Caliber => "Cartridge",
        Categories.CommsProtocol => "Protocol",
        Categories.RadioBand => "Band",
        Categories.DataLink => "Link",
        _ => throw new ArgumentOutOfRangeException(nameof(category)),
    };
}

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

    /// <summary>Anonymous, a PUBLIC token, EU consumers of each clearance (two in EU spelling), NATO readers of each clearance, NATO editors.</summary>
    public static IReadOnlyList<TestPrincipal> All { get; } =
    [
        Anonymous,
        Of("PUBLIC token", TestCaller.Public()),
        .. Enum.GetValues<Classification>().Select(c => Of($"EU consumer {c}", TestCaller.Eu(c.ToString()))),
        EuNsInEuScheme,
        EuCtsInEuScheme,
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
}

/// <summary>
/// The oracle: the domain's <see cref="ReleaseRule"/> (ScopeFor, CanSee) over the model. The API applies the same rule
/// in SQL; the suite holds the two equal.
/// </summary>
public static class ReleaseOracle
{
    /// <summary>The audience records db/sqlite/0001_catalogue.sql seeds: EU up to CTS in the EU scheme, PUBLIC up to NU.</summary>
    public static IReadOnlyDictionary<string, Audience> Audiences { get; } = new Dictionary<string, Audience>(StringComparer.Ordinal)
    {
        ["EU"] = new("EU", "European Union institutions", Classification.CTS, MarkingScheme.Eu),
        ["PUBLIC"] = new("PUBLIC", "The public (anonymous callers)", Classification.NU, MarkingScheme.Nato),
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
        json["status"] = Lifecycle.ToText(shown.Displayed);
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

public enum Route
{
    Standards,
    Standard,
    Versions,
    Latest,
    Edition,
}

/// <summary>One request and its response, kept whole: status, headers, ETag and body bytes.</summary>
public sealed record Exchange(string Url, int Status, string? ContentType, string? ETag, string Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public JsonNode? Json => Body.Length == 0 ? null : JsonNode.Parse(Body);

    /// <summary>Same status, headers and body bytes.</summary>
    public bool SameAs(Exchange other) => Status == other.Status && Headers == other.Headers && Body.AsSpan().SequenceEqual(other.Body);

    public string Describe(int max = 400) => $"{Status} {ContentType} ETag={ETag ?? "none"} {Clip(Text, max)}";

    public static string Clip(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    public static async Task<Exchange> SendAsync(HttpClient client, string url, string? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        var etag = response.Headers.TryGetValues("ETag", out var tags) ? string.Join(",", tags) : null;
        var headers = string.Join("\n", response.Headers.Concat(response.Content.Headers)
            .OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
            .Select(h => $"{h.Key}: {string.Join(",", h.Value)}"));
        return new Exchange(url, (int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), etag, headers, body);
    }
}

/// <summary>
/// One request of a crawl and what the oracle says it must answer: <see cref="Expected"/> (a 200 with that JSON; for
/// pages, items and whether a cursor follows), or <see cref="AbsentLike"/> (exactly the answer for something that never
/// existed), or neither when the API answered a page the oracle does not have.
/// </summary>
public sealed record Probe(Route Route, string Label, Exchange Actual, JsonNode? Expected, string? AbsentLike, ModelStandard? Standard = null, int? Edition = null)
{
    public bool IsPage => Route is Route.Standards or Route.Versions;

    /// <summary>What the caller is entitled to see here; equal fingerprints must give equal bytes.</summary>
    public string Fingerprint => Expected?.ToJsonString() ?? AbsentLike ?? "unexpected";
}

/// <summary>What to ask besides every key and edition of the model.</summary>
public sealed record CrawlPlan(IReadOnlyList<string> SearchTerms, IReadOnlyList<string> MissingKeys, int ListLimit = 3, int VersionLimit = 2)
{
    public const string NeverStandard = "never:standard";
    public const string NeverVersions = "never:versions";
    public const string NeverLatest = "never:latest";
    public const string NeverEdition = "never:edition";

    /// <summary>
    /// Search terms: tokens of sampled version titles (many visible to some principals and hidden from others), standard
    /// title tokens, words shared by many titles ("edition 5" is mostly in hidden editions), a designation prefix, an
    /// upper-case term and LIKE wildcards that must match literally.
    /// </summary>
    public static CrawlPlan For(CatalogueModel model, int sampledVersions)
    {
        var random = new Random(model.Seed ^ 0x5EED);
        var versions = model.Versions.OrderBy(_ => random.Next()).Take(sampledVersions).Select(v => v.Token);
        var standards = model.Standards.OrderBy(_ => random.Next()).Take(6).Select(s => s.Token);
        var first = model.Versions.First().Token.ToUpperInvariant();
        string[] shared = ["edition 1", "EDITION 4", "Edition 5", "Cartridge", "link", "family", "stanag 1", "%", "_", "tk"];
        return new CrawlPlan([.. versions, .. standards, first, .. shared], ["stanag-0000", "never-existed"]);
    }
}

/// <summary>Every consumer route as one principal sees it, with the oracle's expectation beside each answer.</summary>
public sealed class Crawl(TestPrincipal principal, ExpectedView view)
{
    public TestPrincipal Principal => principal;

    public ExpectedView View => view;

    public int Seed => view.Model.Seed;

    public List<Probe> Probes { get; } = [];

    /// <summary>Answers for a key that never existed, by label (<see cref="CrawlPlan.NeverStandard"/>, ...).</summary>
    public Dictionary<string, Exchange> References { get; } = new(StringComparer.Ordinal);

    /// <summary>Paging that did not end where the oracle says it should.</summary>
    public List<string> PagingFailures { get; } = [];

    public int Requests { get; set; }

    public string Describe(Probe probe, string problem) => $"[seed {Seed}] {principal.Name}: GET {probe.Actual.Url}: {problem}";

    public IEnumerable<Exchange> Exchanges => Probes.Select(p => p.Actual).Concat(References.Values);
}

public static class Crawler
{
    public static async Task<IReadOnlyList<Crawl>> CrawlAllAsync(RegistryApp app, CatalogueModel model, IReadOnlyList<TestPrincipal> principals, CrawlPlan plan) =>
        await Task.WhenAll(principals.Select(p => CrawlAsync(app, model, p, plan)));

    public static async Task<Crawl> CrawlAsync(RegistryApp app, CatalogueModel model, TestPrincipal principal, CrawlPlan plan)
    {
        var view = ReleaseOracle.ViewOf(model, principal.Scope, app.Clock.GetUtcNow());
        var crawl = new Crawl(principal, view);
        using var client = principal.Client(app);
        var scheme = view.Scope.Scheme;

        var never = plan.MissingKeys[0];
        crawl.References[CrawlPlan.NeverStandard] = await SendAsync($"/v1/standards/{never}");
        crawl.References[CrawlPlan.NeverVersions] = await SendAsync($"/v1/standards/{never}/versions?limit={plan.VersionLimit}");
        crawl.References[CrawlPlan.NeverLatest] = await SendAsync($"/v1/standards/{never}/versions/latest");
        crawl.References[CrawlPlan.NeverEdition] = await SendAsync($"/v1/standards/{never}/versions/1");

        // Lists: everything, per category, per search term; all pages.
        await PagesAsync(Route.Standards, "standards", "/v1/standards", view.Standards.Select(ExpectedJson.Standard), plan.ListLimit, null);
        foreach (var category in Categories.All)
        {
            await PagesAsync(Route.Standards, $"standards category={category}", $"/v1/standards?category={category}",
                view.Standards.Where(s => s.Standard.Category == category).Select(ExpectedJson.Standard), plan.ListLimit, null);
        }
        foreach (var term in plan.SearchTerms)
        {
            await PagesAsync(Route.Standards, $"standards q={term}", $"/v1/standards?q={Uri.EscapeDataString(term)}",
                view.Search(term).Select(ExpectedJson.Standard), plan.ListLimit, null);
        }

        // Per standard, for every key that exists (and some that never did): the standard, its versions (all pages),
        // latest, and every edition that exists plus some that do not.
        var keys = model.Standards.Select(s => (s.Key, (ModelStandard?)s)).Concat(plan.MissingKeys.Skip(1).Select(k => (k, (ModelStandard?)null)));
        foreach (var (key, standard) in keys)
        {
            var expected = view.Find(key);
            var exchange = await SendAsync($"/v1/standards/{key}");
            Add(Route.Standard, $"standard {key}", exchange, expected is null ? null : ExpectedJson.Standard(expected), CrawlPlan.NeverStandard, standard);

            if (expected is null)
            {
                Add(Route.Versions, $"versions {key}#0", await SendAsync($"/v1/standards/{key}/versions?limit={plan.VersionLimit}"), null, CrawlPlan.NeverVersions, standard);
            }
            else
            {
                await PagesAsync(Route.Versions, $"versions {key}", $"/v1/standards/{key}/versions",
                    expected.Versions.Select(v => ExpectedJson.Summary(v, scheme)), plan.VersionLimit, standard);
            }

            var latest = expected?.Latest;
            Add(Route.Latest, $"latest {key}", await SendAsync($"/v1/standards/{key}/versions/latest"),
                latest is null ? null : ExpectedJson.Full(latest, scheme), CrawlPlan.NeverLatest, standard);

            // Every edition that exists, the one after the last, and one far beyond.
            var editions = Enumerable.Range(1, (standard?.Versions.Count ?? 0) + 1).Append(99);
            foreach (var edition in editions)
            {
                var shown = expected?.Versions.FirstOrDefault(v => v.Version.Edition == edition);
                Add(Route.Edition, $"edition {key}/{edition}", await SendAsync($"/v1/standards/{key}/versions/{edition}"),
                    shown is null ? null : ExpectedJson.Full(shown, scheme), CrawlPlan.NeverEdition, standard, edition);
            }
        }
        return crawl;

        async Task<Exchange> SendAsync(string url)
        {
            crawl.Requests++;
            return await Exchange.SendAsync(client, url);
        }

        void Add(Route route, string label, Exchange actual, JsonNode? expected, string absentLike, ModelStandard? standard, int? edition = null) =>
            crawl.Probes.Add(new Probe(route, label, actual, expected, expected is null ? absentLike : null, standard, edition));

        // Follows nextCursor to the end, each page beside the oracle's page; stops at a page the oracle does not have.
        async Task PagesAsync(Route route, string label, string url, IEnumerable<JsonNode> items, int limit, ModelStandard? standard)
        {
            var expectedPages = items.Chunk(limit).ToList();
            if (expectedPages.Count == 0)
            {
                expectedPages.Add([]);
            }
            string? cursor = null;
            var separator = url.Contains('?', StringComparison.Ordinal) ? '&' : '?';
            for (var page = 0; ; page++)
            {
                var exchange = await SendAsync($"{url}{separator}limit={limit}{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}");
                var expected = page < expectedPages.Count ? ExpectedJson.Page(expectedPages[page], page < expectedPages.Count - 1) : null;
                crawl.Probes.Add(new Probe(route, $"{label}#{page}", exchange, expected, null, standard));
                if (expected is null || exchange.Status != 200)
                {
                    if (expected is null)
                    {
                        crawl.PagingFailures.Add($"[seed {crawl.Seed}] {principal.Name}: GET {exchange.Url}: page {page + 1} exists but the oracle has {expectedPages.Count} page(s): {exchange.Describe()}");
                    }
                    return;
                }
                cursor = exchange.Json?["nextCursor"]?.GetValue<string>();
                if (cursor is null)
                {
                    if (page < expectedPages.Count - 1)
                    {
                        crawl.PagingFailures.Add($"[seed {crawl.Seed}] {principal.Name}: GET {exchange.Url}: no nextCursor after page {page + 1} of {expectedPages.Count} the oracle has");
                    }
                    return;
                }
            }
        }
    }
}
