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
    private int _relationsRecorded;

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

        await RelateAsync(new Random(Model.Seed ^ 0x4E1A7E));

        // Some future-dated releases are now in effect, others still pending.
        Advance(TimeSpan.FromMinutes(20));
        return Model;
    }

    /// <summary>
    /// Relations between the standards (docs/design.md §1.8), drawn from their own generator so the catalogue above is
    /// the same with or without them: random edges of every kind (to standards of every visibility, the one with no
    /// versions included), supersession chains, one closing in a cycle, a standard superseded by two, some edges removed
    /// and one recorded again; civil equivalents, one removed; and per category a history of preferred marks on
    /// standards in turn, with an unmark. The writer is the CTS editor, who sees every standard, so each write answers
    /// as the model says.
    /// </summary>
    private async Task RelateAsync(Random random)
    {
        string[] kinds = ["covers", "references", "supersedes"];
        var standards = Model.Standards;
        for (var i = 0; i < standards.Count + 6; i++)
        {
            await RelateAsync(kinds[random.Next(kinds.Length)], standards[random.Next(standards.Count)], standards[random.Next(standards.Count)]);
        }

        // Chains of supersession (each standard superseded by the next), the last closing in a cycle, and a fork.
        var shuffled = standards.OrderBy(_ => random.Next()).ToList();
        for (var c = 0; c < 3; c++)
        {
            var chain = shuffled.Skip(c * 5).Take(3 + c).ToList();
            if (chain.Count < 2)
            {
                break;
            }
            for (var i = 1; i < chain.Count; i++)
            {
                await RelateAsync("supersedes", chain[i], chain[i - 1]);
            }
            if (c == 2)
            {
                await RelateAsync("supersedes", chain[0], chain[^1]);
            }
        }
        await RelateAsync("supersedes", shuffled[^1], shuffled[0]);
        await RelateAsync("supersedes", shuffled[^2], shuffled[0]);

        foreach (var relation in Model.Relations.Where(_ => random.Next(6) == 0).ToList())
        {
            var response = await _editor.DeleteAsync($"/v1/standards/{relation.From.Key}/relations/{relation.Kind}/{relation.To.Key}");
            await ExpectAsync(response, HttpStatusCode.NoContent);
            Model.Relations.Remove(relation);
            Model.RemovedRelations++;
        }
        if (Model.Relations.FirstOrDefault(r => r.Kind == "supersedes") is { } again)
        {
            // Recorded again: now the most recently recorded successor of its standard.
            await RelateAsync("supersedes", again.From, again.To, again: true);
        }

        // Last, a cycle of three, each the most recently recorded successor of the one before.
        var cycle = shuffled.Skip(3).Take(3).ToList();
        for (var i = 0; i < cycle.Count; i++)
        {
            await RelateAsync("supersedes", cycle[(i + 1) % cycle.Count], cycle[i], again: true);
        }

        string[] sources = ["EN", "ISO", "ETSI"];
        foreach (var standard in standards.Where(_ => random.Next(3) == 0).ToList())
        {
            for (int n = 0, count = random.Next(1, 3); n < count; n++)
            {
                var equivalent = new ModelEquivalent(standard, sources[random.Next(sources.Length)], $"{random.Next(10000, 100000)}:{2000 + n}");
                if (Model.Equivalents.Any(e => e.Standard == standard && e.Source == equivalent.Source && e.Identifier == equivalent.Identifier))
                {
                    continue;
                }
                var response = await _editor.PutAsync($"/v1/standards/{standard.Key}/equivalents/{equivalent.Source}/{Uri.EscapeDataString(equivalent.Identifier)}", null);
                await ExpectAsync(response, HttpStatusCode.Created);
                Model.Equivalents.Add(equivalent);
            }
        }
        if (Model.Equivalents.Count > 0)
        {
            var removed = Model.Equivalents[random.Next(Model.Equivalents.Count)];
            var response = await _editor.DeleteAsync($"/v1/standards/{removed.Standard.Key}/equivalents/{removed.Source}/{Uri.EscapeDataString(removed.Identifier)}");
            await ExpectAsync(response, HttpStatusCode.NoContent);
            Model.Equivalents.Remove(removed);
            Model.RemovedRelations++;
        }

        // Per category, marks on standards in turn (a reader keeps the latest mark whose standard it sees); in two
        // categories the latest mark is then unmarked, and in one of them a standard marked once more.
        foreach (var category in Categories.All)
        {
            var members = standards.Where(s => s.Category == category).ToList();
            for (int n = 0, count = random.Next(2, 5); n < count; n++)
            {
                await MarkAsync(members[random.Next(members.Count)]);
            }
            if (category is Categories.Caliber or Categories.RadioBand)
            {
                var marked = Model.Marks.Last(m => m.Standard.Category == category).Standard;
                var response = await _editor.DeleteAsync($"/v1/standards/{marked.Key}/preferred");
                await ExpectAsync(response, HttpStatusCode.NoContent);
                Model.Marks.Add(new ModelMark(marked, null));
                if (category == Categories.RadioBand)
                {
                    await MarkAsync(members[random.Next(members.Count)]);
                }
            }
        }
    }

    /// <summary>
    /// Records an edge (201; 200 when it is already recorded, 422 for a standard and itself, which the model skips);
    /// <paramref name="again"/>: an edge already recorded is removed first, so it is recorded last.
    /// </summary>
    public async Task RelateAsync(string kind, ModelStandard from, ModelStandard to, bool again = false)
    {
        if (from == to)
        {
            return;
        }
        if (again && Model.Relations.SingleOrDefault(r => r.Kind == kind && r.From == from && r.To == to) is { } recorded)
        {
            await ExpectAsync(await _editor.DeleteAsync($"/v1/standards/{from.Key}/relations/{kind}/{to.Key}"), HttpStatusCode.NoContent);
            Model.Relations.Remove(recorded);
        }
        var exists = Model.Relations.Any(r => r.Kind == kind && r.From == from && r.To == to);
        var response = await _editor.PutAsync($"/v1/standards/{from.Key}/relations/{kind}/{to.Key}", null);
        await ExpectAsync(response, exists ? HttpStatusCode.OK : HttpStatusCode.Created);
        if (!exists)
        {
            Model.Relations.Add(new ModelRelation(kind, from, to, ++_relationsRecorded));
        }
    }

    /// <summary>
    /// Marks a standard preferred: 200 when the writer (who sees every standard) saw a mark as the category's latest row,
    /// 201 otherwise; 409 for a standard whose editions are all withdrawn, which the model leaves unmarked.
    /// </summary>
    public async Task MarkAsync(ModelStandard standard)
    {
        var rationale = $"Preferred ({Model.Marks.Count + 1}): aligned with the civil text of {standard.Token}.";
        var held = Model.Marks.LastOrDefault(m => m.Standard.Category == standard.Category)?.IsMark == true;
        var response = await _editor.PutAsJsonAsync($"/v1/standards/{standard.Key}/preferred", new { rationale });
        if (standard.Versions.Count > 0 && standard.Versions.All(v => v.Status == VersionStatus.Withdrawn))
        {
            await ExpectAsync(response, HttpStatusCode.Conflict);
            return;
        }
        await ExpectAsync(response, held ? HttpStatusCode.OK : HttpStatusCode.Created);
        Model.Marks.Add(new ModelMark(standard, rationale));
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
