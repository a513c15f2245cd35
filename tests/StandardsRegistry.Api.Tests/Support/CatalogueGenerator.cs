using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Tests.Support;

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

    /// <summary>The first whole millisecond at or after <paramref name="time"/>: where the registry keeps a future release's time.</summary>
    public static DateTimeOffset NotBefore(DateTimeOffset time) => Truncate(time) < time ? Truncate(time).AddMilliseconds(1) : time;

    /// <summary>
    /// A catalogue of <paramref name="minStandards"/> to <paramref name="maxStandards"/> standards (plus one with no versions),
    /// 1-5 editions each, every marking, category and lifecycle state, releases to EU, PUBLIC and INDUSTRY (some future-dated,
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

        // Releases: EU (any level), PUBLIC (NU only: the API refuses higher), INDUSTRY (up to NR, its ceiling), now or
        // from a future time.
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
            if (version.Classification <= Classification.NR && _random.NextDouble() < 0.6)
            {
                await ReleaseAsync(version, "INDUSTRY", FutureOrNow());
            }
            else if (version.Classification > Classification.NR && _random.NextDouble() < 0.15)
            {
                Assert.Equal(HttpStatusCode.UnprocessableEntity, await TryReleaseAsync(version, "INDUSTRY"));
                Model.RefusedIndustryReleases++;
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
        var effective = effectiveFrom is { } from && from > _app.Clock.GetUtcNow() ? NotBefore(from) : now;
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
