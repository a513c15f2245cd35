using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Generator;

// Rows exactly as the stores write them: times are Unix milliseconds, classification the level number, status the
// lifecycle text, attributes the compact JSON the API stores (JsonObject.ToJsonString()), and row_version counted
// as the API counts it (1 at creation, +1 for each publish, supersede, withdraw or draft edit).

internal sealed record StandardRecord(long Id, string Key, string Designation, string Category, string Title, long CreatedAt, string CreatedBy);

internal sealed record VersionRecord(
    long Id, long StandardId, int Edition, string Title, string Summary, string Body, string Attributes, string Status, int Classification,
    long RowVersion, long CreatedAt, string CreatedBy, long UpdatedAt, string UpdatedBy, long? PublishedAt, string? PublishedBy,
    long? WithdrawnAt, string? WithdrawnBy, string? WithdrawalReason);

internal sealed record ReleaseRecord(
    long Id, long VersionId, string Audience, string Reason, long EffectiveFrom, long ReleasedAt, string ReleasedBy,
    long? RevokedAt, string? RevokedBy, string? RevocationReason);

/// <summary>One standard with its editions and their release records.</summary>
internal sealed record GeneratedStandard(StandardRecord Standard, List<VersionRecord> Versions, List<ReleaseRecord> Releases);

/// <summary>What was generated, by kind, for the report.</summary>
internal sealed class CatalogueStats
{
    public long Standards { get; set; }
    public long Versions { get; set; }
    public long Releases { get; set; }
    public Dictionary<string, long> ByStatus { get; } = new(StringComparer.Ordinal);
    public long[] ByClassification { get; } = new long[5];
    public Dictionary<string, long> ByCategory { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, long> ReleasesByAudience { get; } = new(StringComparer.Ordinal);
    public long Revoked { get; set; }
    public long Future { get; set; }
    public long EuVisibleStandards { get; set; }
    public long PublicVisibleStandards { get; set; }

    public void Count(GeneratedStandard s, long now)
    {
        Standards++;
        Bump(ByCategory, s.Standard.Category);
        foreach (var v in s.Versions)
        {
            Versions++;
            Bump(ByStatus, v.Status);
            ByClassification[v.Classification]++;
        }
        foreach (var r in s.Releases)
        {
            Releases++;
            Bump(ReleasesByAudience, r.Audience);
            if (r.RevokedAt is not null)
            {
                Revoked++;
            }
            else if (r.EffectiveFrom > now)
            {
                Future++;
            }
        }
    }

    private static void Bump(Dictionary<string, long> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Standards} standards, {Versions} versions, {Releases} releases ({Revoked} revoked, {Future} future-dated)");
        text.AppendLine();
        text.Append("  categories: ").AppendJoin(", ", ByCategory.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}")).AppendLine();
        text.Append("  statuses: ").AppendJoin(", ", ByStatus.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}")).AppendLine();
        text.Append("  markings: ").AppendJoin(", ", ByClassification.Select((n, i) => $"{(Classification)i} {n}")).AppendLine();
        text.Append("  releases: ").AppendJoin(", ", ReleasesByAudience.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}")).AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"  standards with an edition in force visible to an EU NS consumer: {EuVisibleStandards}; to PUBLIC: {PublicVisibleStandards}");
        return text.ToString();
    }
}

/// <summary>
/// A realistic catalogue from a seed: about ten editions per standard (5 to 15), every category with valid attributes,
/// a mix of markings drifting between editions, editions published in order (the last one published, the earlier
/// ones superseded, a few of those withdrawn), drafts on top, and releases to EU (any marking up to CTS) and PUBLIC
/// (NU only) — some scheduled, some future-dated, some revoked and a part of those released again. The same seed,
/// size and <c>now</c> give the same catalogue, so a loader may walk it more than once.
/// </summary>
internal sealed class CatalogueGenerator(int seed, long versionCount, long now)
{
    private const long Minute = 60_000;
    private const long Hour = 60 * Minute;
    private const long Day = 24 * Hour;
    private const long Year = 365 * Day;

    /// <summary>The clearance of the EU consumer the bench reads as (capped by EU's accreditation, CTS).</summary>
    public const int EuConsumerLevel = (int)Classification.NS;

    // Share of versions per base marking of a standard: NU, NR, NC, NS, CTS.
    private static readonly double[] MarkingShare = [0.35, 0.30, 0.20, 0.12, 0.03];

    // Chance that a released edition of each marking is released to the EU; PUBLIC gets NU only.
    private static readonly double[] EuReleaseChance = [0.75, 0.65, 0.45, 0.30, 0.10];
    private const double PublicReleaseChance = 0.55;
    private const double FutureReleaseChance = 0.03;
    private const double ScheduledReleaseChance = 0.05;
    private const double RevocationChance = 0.06;
    private const double ReReleaseChance = 0.4;
    private const double WithdrawalChance = 0.04;
    private const double AbandonedDraftChance = 0.01;
    private const double NewStandardChance = 0.02;

    private static readonly (string Category, double Share)[] CategoryShare =
        [(Categories.Caliber, 0.25), (Categories.RadioBand, 0.20), (Categories.CommsProtocol, 0.30), (Categories.DataLink, 0.25)];

    private static readonly (double Bore, double Case, string Cartridge)[] Cartridges =
    [
        (4.6, 30, "4.6x30mm"), (5.56, 44.7, "5.56x45mm NATO"), (5.7, 28, "5.7x28mm"), (7.62, 51.18, "7.62x51mm NATO"),
        (8.6, 69.2, "8.6x70mm"), (9, 19.15, "9x19mm Parabellum"), (12.7, 99, "12.7x99mm NATO"), (14.5, 114, "14.5x114mm"),
        (20, 102, "20x102mm"), (25, 137, "25x137mm"), (30, 173, "30x173mm"), (35, 228, "35x228mm"),
        (40, 53, "40x53mm grenade"), (105, 607, "105mm tank gun"), (120, 570, "120mm tank gun"),
    ];

    private static readonly string[] CaliberSubjects =
        ["ammunition", "ammunition interchangeability", "links and belts", "proof and test procedures", "packaging and marking", "safety and suitability for service"];

    private static readonly (string Band, double Low, double High)[] Bands =
    [
        ("HF", 3, 30), ("VHF", 30, 88), ("VHF", 136, 174), ("UHF", 225, 400), ("UHF", 380, 470), ("L", 960, 1215), ("L", 1350, 1390),
        ("S", 2200, 2290), ("S", 2700, 3100), ("C", 4400, 4990), ("X", 7250, 7750), ("X", 7900, 8400), ("Ku", 14400, 15350),
        ("Ka", 30000, 31000), ("EHF", 43500, 45500),
    ];

    private static readonly string[] ProtocolTitles =
    [
        "Military message handling system", "Profile for HF radio data communications", "Tactical data exchange protocol",
        "Secure voice interoperability", "Network time distribution", "Naval messaging profile", "Coalition chat interoperability",
        "Position reporting protocol", "Air-ground data exchange", "Interoperable network management",
    ];

    private static readonly string[] Transports = ["HF radio", "VHF radio", "UHF radio", "UDP/IP", "TCP/IP", "SATCOM", "Ethernet", "serial line"];

    private static readonly (string Title, string Format)[] DataLinks =
    [
        ("Tactical Data Link 16", "J-series"), ("Link 11 data link", "M-series"), ("Link 22 data link", "F/FJ-series"),
        ("Variable Message Format", "VMF"), ("Joint Range Extension Applications Protocol", "JREAP-C"), ("Maritime tactical data link", "K-series"),
    ];

    private static readonly double[] DataRates = [1.2, 2.4, 9.6, 16, 31.6, 56, 115.2, 238, 1024];

    private static readonly string[] Summaries =
    [
        "Initial interoperability baseline.", "Revised test and interchangeability procedures.", "Editorial corrections and clarified references.",
        "Adds requirements for coalition operations.", "Aligns definitions with the allied terminology database.",
        "Updates conformance criteria after trials.", "Incorporates national reservations and implementation notes.",
        "Extends the scope to new platforms.", "Consolidates amendments issued since the previous edition.",
    ];

    private static readonly string[] Sentences =
    [
        "This edition specifies the characteristics that participating nations agree to implement.",
        "Implementations shall meet the conformance criteria in the annexes before operational use.",
        "The procedures apply to equipment procured after the date of promulgation.",
        "National reservations are listed in the ratification record and do not alter the agreed text.",
        "Test methods are described so that results obtained by different nations can be compared.",
        "Where this text and a national standard differ, this text governs interoperability between forces.",
        "Terms are used as defined in the allied terminology database.",
        "The annexes give reference values, tolerances and the order in which checks are performed.",
        "Changes from the previous edition are marked in the margin.",
        "Sample text generated for benchmarking; not the text of any standard.",
    ];

    private static readonly string[] EuReasons =
        ["Releasable to EU partners for interoperability planning.", "Needed for EU frequency planning.", "Required by EU capability development work."];

    private static readonly string[] PublicReasons = ["Unclassified edition approved for public release."];

    private static readonly string[] RevocationReasons = ["Released in error.", "Superseded by a corrected release.", "Release authority review."];

    private static readonly string[] WithdrawalReasons = ["Cancelled: no longer implemented by any nation.", "Withdrawn after review; see the current edition."];

    private readonly Random _random = new(seed);

    public long Now => now;

    /// <summary>The catalogue, one standard at a time, ids from 1.</summary>
    public IEnumerable<GeneratedStandard> Standards()
    {
        long versionId = 0, releaseId = 0, remaining = versionCount, lastStandard = 0;
        for (long i = 0; remaining > 0; i++)
        {
            // A few standards are new: one or two drafts, nothing published yet.
            var isNew = _random.NextDouble() < NewStandardChance;
            var editions = (int)Math.Min(remaining, isNew ? _random.Next(1, 3) : _random.Next(5, 16));
            remaining -= editions;
            var standard = NewStandard(i + 1, 1000 + i);
            var versions = new List<VersionRecord>(editions);
            var releases = new List<ReleaseRecord>();
            AddEditions(standard, editions, isNew, versions, releases, ref versionId, ref releaseId);
            yield return new GeneratedStandard(standard, versions, releases);
            lastStandard = i + 1;
        }
        foreach (var needle in SearchBands(lastStandard, versionId, releaseId))
        {
            yield return needle;
        }
    }

    /// <summary>How many <see cref="SearchBands"/> there are, whatever the catalogue's size.</summary>
    public const int SearchBandCount = 24;

    /// <summary>Where the search bands lie (MHz): a stretch of the spectrum no generated band starts in, see <see cref="SearchBands"/>.</summary>
    public const double SearchLow = 600, SearchHigh = 940;

    /// <summary>
    /// The bands attribute search is measured on (bench/run.sh, run e): the same <see cref="SearchBandCount"/> bands of
    /// widths from 25 kHz to 150 MHz between <see cref="SearchLow"/> and about 1 GHz, published NU and released to the
    /// EU and the public, after the generated catalogue (so it is the same catalogue, plus these). The generated bands
    /// (<see cref="Bands"/>) lie around them, never starting in their stretch: a search there finds the same few bands
    /// at any size, so what it costs at 10^4 and 10^6 versions compares the lookups, not the answers.
    /// </summary>
    private IEnumerable<GeneratedStandard> SearchBands(long lastStandard, long versionId, long releaseId)
    {
        double[] widths = [0.025, 1, 5, 20, 60, 150];
        var at = now - Year;
        for (var i = 0; i < SearchBandCount; i++)
        {
            var id = lastStandard + 1 + i;
            var low = SearchLow + 14 * i;
            var high = low + widths[i % widths.Length];
            var standard = new StandardRecord(id, $"nato-band-search-{i:00}", $"NATO BAND SEARCH-{i:00}", Categories.RadioBand,
                string.Create(CultureInfo.InvariantCulture, $"Search band {i} ({low}-{high} MHz)"), at, "bench@nato");
            var attributes = new JsonObject { ["lowMHz"] = low, ["highMHz"] = high }.ToJsonString();
            var version = new VersionRecord(++versionId, id, 1, $"{standard.Title}, edition 1", "Sample band for the search benchmark.",
                "Sample text generated for benchmarking; not the text of any standard.", attributes, "published", (int)Classification.NU, 2,
                at, "bench@nato", at, "bench@nato", at, "bench@nato", null, null, null);
            List<ReleaseRecord> releases = [.. new[] { "EU", "PUBLIC" }.Select(audience =>
                new ReleaseRecord(++releaseId, versionId, audience, "Sample release for the search benchmark.", at, at, "bench@nato", null, null, null))];
            yield return new GeneratedStandard(standard, [version], releases);
        }
    }

    /// <summary>Whether a consumer of <paramref name="audience"/> with clearance <paramref name="level"/> sees an edition in force (the rule of docs/design.md §1.5).</summary>
    public static bool HasVisibleEditionInForce(GeneratedStandard s, string audience, int level, long now) =>
        s.Versions.Any(v => IsVisible(s, v, audience, level, now));

    /// <summary>The release rule for a consumer of <paramref name="audience"/> cleared to <paramref name="level"/>.</summary>
    public static bool IsVisible(GeneratedStandard s, VersionRecord v, string audience, int level, long now) =>
        v.Classification <= level && v.Status is "published" or "superseded"
        && s.Releases.Any(r => r.VersionId == v.Id && r.Audience == audience && r.RevokedAt is null && r.EffectiveFrom <= now);

    private StandardRecord NewStandard(long id, long number)
    {
        var category = Pick(CategoryShare);
        var createdAt = now - Between(60 * Day, 25 * Year);
        var by = Editor();
        return category switch
        {
            Categories.RadioBand => RadioBand(),
            _ => new StandardRecord(id, $"stanag-{number}", $"STANAG {number}", category, Title(category), createdAt, by),
        };

        StandardRecord RadioBand()
        {
            var band = Bands[_random.Next(Bands.Length)];
            return new StandardRecord(id, $"nato-band-{band.Band.ToLowerInvariant()}-{number}", $"NATO BAND {band.Band.ToUpperInvariant()}-{number}", category,
                string.Create(CultureInfo.InvariantCulture, $"{band.Band} band allocation ({band.Low}-{band.High} MHz)"), createdAt, by);
        }
    }

    private string Title(string category) => category switch
    {
        Categories.Caliber => string.Create(CultureInfo.InvariantCulture,
            $"{Cartridges[_random.Next(Cartridges.Length)].Bore} mm {CaliberSubjects[_random.Next(CaliberSubjects.Length)]}"),
        Categories.CommsProtocol => ProtocolTitles[_random.Next(ProtocolTitles.Length)],
        Categories.DataLink => DataLinks[_random.Next(DataLinks.Length)].Title,
        _ => throw new ArgumentOutOfRangeException(nameof(category)),
    };

    private void AddEditions(StandardRecord standard, int editions, bool isNew, List<VersionRecord> versions, List<ReleaseRecord> releases, ref long versionId, ref long releaseId)
    {
        // Drafts on top: most standards have none, some one or two.
        var drafts = isNew ? editions : Math.Min(editions - 1, _random.NextDouble() switch { < 0.80 => 0, < 0.95 => 1, _ => 2 });
        var published = editions - drafts;
        var attributes = BaseAttributes(standard);
        var baseLevel = PickIndex(MarkingShare);

        // Time line: editions spread from the standard's creation to a few days ago, each published before the next is created.
        var span = now - 3 * Day - standard.CreatedAt;
        var step = span / (editions + 1);
        var plan = new (long Created, long? Published, bool Abandoned)[editions];
        for (var k = 0; k < editions; k++)
        {
            var created = standard.CreatedAt + step * k + Between(0, step / 3);
            var abandoned = k < published - 1 && _random.NextDouble() < AbandonedDraftChance;
            plan[k] = (created, k < published && !abandoned ? created + Between(Hour, step / 2) : null, abandoned);
        }

        for (var k = 0; k < editions; k++)
        {
            var edition = k + 1;
            var level = Math.Clamp(baseLevel + _random.NextDouble() switch { < 0.15 => -1, < 0.30 => 1, _ => 0 }, 0, 4);
            var (created, publishedAt, _) = plan[k];
            var createdBy = standard.CreatedBy;
            var title = $"{standard.Title}, edition {edition}";
            var summary = Summaries[_random.Next(Summaries.Length)];
            var body = Body();
            var attributesJson = Vary(standard.Category, attributes).ToJsonString();
            var id = ++versionId;

            if (publishedAt is not { } at)
            {
                // A draft: created and perhaps edited once since.
                var edited = _random.NextDouble() < 0.3;
                var updated = edited ? Between(created, now - Hour) : created;
                versions.Add(new VersionRecord(id, standard.Id, edition, title, summary, body, attributesJson, "draft", level, edited ? 2 : 1,
                    created, createdBy, updated, createdBy, null, null, null, null, null));
                continue;
            }

            var publishedBy = Editor();
            // The next edition published after this one supersedes it, at its own publication time.
            var successor = plan.Skip(k + 1).FirstOrDefault(p => p.Published is not null).Published;
            string status;
            long rowVersion, updatedAt;
            string updatedBy;
            long? withdrawnAt = null;
            string? withdrawnBy = null, withdrawalReason = null;
            if (successor is { } supersededAt)
            {
                status = "superseded";
                rowVersion = 3;
                updatedAt = supersededAt;
                updatedBy = Editor();
                if (_random.NextDouble() < WithdrawalChance)
                {
                    status = "withdrawn";
                    rowVersion = 4;
                    withdrawnAt = updatedAt = Between(supersededAt + Hour, now - Hour);
                    withdrawnBy = updatedBy = Editor();
                    withdrawalReason = WithdrawalReasons[_random.Next(WithdrawalReasons.Length)];
                }
            }
            else
            {
                status = "published";
                rowVersion = 2;
                updatedAt = at;
                updatedBy = publishedBy;
            }

            versions.Add(new VersionRecord(id, standard.Id, edition, title, summary, body, attributesJson, status, level, rowVersion,
                created, createdBy, updatedAt, updatedBy, at, publishedBy, withdrawnAt, withdrawnBy, withdrawalReason));

            // Releases are made while the edition is releasable (published or superseded, before any withdrawal).
            var releasableUntil = withdrawnAt ?? now - Minute;
            if (_random.NextDouble() < EuReleaseChance[level])
            {
                AddReleases(id, "EU", EuReasons, at, releasableUntil, withdrawnAt is null, releases, ref releaseId);
            }
            if (level == (int)Classification.NU && _random.NextDouble() < PublicReleaseChance)
            {
                AddReleases(id, "PUBLIC", PublicReasons, at, releasableUntil, withdrawnAt is null, releases, ref releaseId);
            }
        }
    }

    private void AddReleases(long versionId, string audience, string[] reasons, long publishedAt, long releasableUntil, bool inForce, List<ReleaseRecord> releases, ref long releaseId)
    {
        if (releasableUntil - publishedAt < 2 * Minute)
        {
            return;
        }
        var reason = reasons[_random.Next(reasons.Length)];
        var by = ReleaseAuthority();
        long releasedAt, effectiveFrom;
        var kind = _random.NextDouble();
        if (inForce && kind < FutureReleaseChance)
        {
            // Decided recently, takes effect later (still pending when the bench runs).
            releasedAt = Between(Math.Max(publishedAt, now - 20 * Day), now - Minute);
            effectiveFrom = now + Between(Day, 120 * Day);
        }
        else
        {
            releasedAt = Between(publishedAt, Math.Min(releasableUntil, publishedAt + 180 * Day));
            // Some were scheduled ahead and have taken effect since; releases are never backdated.
            effectiveFrom = kind < FutureReleaseChance + ScheduledReleaseChance
                ? Math.Min(releasedAt + Between(Hour, 30 * Day), now - Minute)
                : releasedAt;
        }

        if (_random.NextDouble() >= RevocationChance)
        {
            releases.Add(new ReleaseRecord(++releaseId, versionId, audience, reason, effectiveFrom, releasedAt, by, null, null, null));
            return;
        }

        var revokedAt = Between(releasedAt + Minute, now - Minute);
        releases.Add(new ReleaseRecord(++releaseId, versionId, audience, reason, effectiveFrom, releasedAt, by, revokedAt, ReleaseAuthority(),
            RevocationReasons[_random.Next(RevocationReasons.Length)]));
        // Released again later, while still releasable.
        if (_random.NextDouble() < ReReleaseChance && releasableUntil - revokedAt > 2 * Minute)
        {
            var again = Between(revokedAt + Minute, releasableUntil);
            releases.Add(new ReleaseRecord(++releaseId, versionId, audience, reason, again, again, ReleaseAuthority(), null, null, null));
        }
    }

    private JsonObject BaseAttributes(StandardRecord standard)
    {
        switch (standard.Category)
        {
            case Categories.Caliber:
                var bore = double.Parse(standard.Title.AsSpan(0, standard.Title.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
                var cartridge = Cartridges.First(c => c.Bore == bore);
                return new JsonObject { ["boreMm"] = cartridge.Bore, ["caseLengthMm"] = cartridge.Case, ["cartridge"] = cartridge.Cartridge };
            case Categories.RadioBand:
                var band = Bands.First(b => standard.Title.StartsWith(string.Create(CultureInfo.InvariantCulture, $"{b.Band} band allocation ({b.Low}-{b.High} MHz)"), StringComparison.Ordinal));
                return new JsonObject { ["lowMHz"] = band.Low, ["highMHz"] = band.High };
            case Categories.CommsProtocol:
                return new JsonObject
                {
                    ["layer"] = Categories.OsiLayers[_random.Next(Categories.OsiLayers.Count)],
                    ["transport"] = Transports[_random.Next(Transports.Length)],
                };
            case Categories.DataLink:
                var link = DataLinks.First(l => l.Title == standard.Title);
                return new JsonObject { ["messageFormat"] = link.Format, ["dataRateKbps"] = DataRates[_random.Next(DataRates.Length)] };
            default:
                throw new ArgumentOutOfRangeException(nameof(standard));
        }
    }

    /// <summary>An edition's attributes: the standard's, now and then revised (a data rate raised, a band edge moved).</summary>
    private JsonObject Vary(string category, JsonObject attributes)
    {
        var copy = attributes.DeepClone().AsObject();
        if (_random.NextDouble() < 0.1)
        {
            switch (category)
            {
                case Categories.RadioBand:
                    copy["highMHz"] = Math.Round(copy["highMHz"]!.GetValue<double>() * 1.02, 1);
                    break;
                case Categories.DataLink:
                    copy["dataRateKbps"] = DataRates[_random.Next(DataRates.Length)];
                    break;
                case Categories.CommsProtocol:
                    copy["transport"] = Transports[_random.Next(Transports.Length)];
                    break;
            }
        }
        return copy;
    }

    /// <summary>A specification text of 200 to 700 characters.</summary>
    private string Body()
    {
        var length = _random.Next(200, 701);
        var text = new StringBuilder(length + 120);
        while (text.Length < length)
        {
            if (text.Length > 0)
            {
                text.Append(' ');
            }
            text.Append(Sentences[_random.Next(Sentences.Length)]);
        }
        return text.ToString();
    }

    private string Editor() => string.Create(CultureInfo.InvariantCulture, $"editor-{_random.Next(1, 41)}@nato");

    private string ReleaseAuthority() => string.Create(CultureInfo.InvariantCulture, $"ra-{_random.Next(1, 9)}@nato");

    private long Between(long low, long high) => high <= low ? low : _random.NextInt64(low, high + 1);

    private string Pick((string Value, double Share)[] choices)
    {
        var x = _random.NextDouble();
        foreach (var (value, share) in choices)
        {
            if ((x -= share) < 0)
            {
                return value;
            }
        }
        return choices[^1].Value;
    }

    private int PickIndex(double[] shares)
    {
        var x = _random.NextDouble();
        for (var i = 0; i < shares.Length; i++)
        {
            if ((x -= shares[i]) < 0)
            {
                return i;
            }
        }
        return shares.Length - 1;
    }
}
