using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace StandardsRegistry.Generator;

/// <summary>
/// What the bench scripts need from a generated catalogue, written beside it: the paths wrk requests
/// (one per line), the standards an editor may write to, and what exists but an EU consumer may not see
/// (<c>hidden-eu.tsv</c> for an EU consumer cleared NS, <c>hidden-nato-nr.tsv</c> for a NATO consumer cleared NR: standards
/// without a visible edition, and hidden editions) for the timing bench.
/// </summary>
internal sealed class BenchFiles : IDisposable
{
    private readonly StreamWriter _latest;
    private readonly StreamWriter _list;
    private readonly StreamWriter _standards;
    private readonly StreamWriter _hiddenEu;
    private readonly StreamWriter _hiddenNato;
    private readonly Random _random;
    private readonly double _listShare;
    private readonly long _now;

    public BenchFiles(string directory, long expectedStandards, int seed, long now)
    {
        Directory.CreateDirectory(directory);
        _latest = Writer(Path.Combine(directory, "latest-eu.paths"));
        _list = Writer(Path.Combine(directory, "list.paths"));
        _standards = Writer(Path.Combine(directory, "standards.tsv"));
        _hiddenEu = Writer(Path.Combine(directory, "hidden-eu.tsv"));
        _hiddenNato = Writer(Path.Combine(directory, "hidden-nato-nr.tsv"));
        _random = new Random(seed);
        // About 4000 list pages, starting anywhere in the catalogue, plus the first page of each category.
        _listShare = Math.Min(1.0, 4000.0 / Math.Max(1, expectedStandards));
        _now = now;
        foreach (var category in StandardsRegistry.Domain.Categories.All)
        {
            _list.WriteLine($"/v1/standards?category={category}");
        }
        WriteAttributeSearches(Path.Combine(directory, "attributes.paths"), seed);
    }

    /// <summary>
    /// Attribute searches (bench run e): "covers f" and "overlaps [a, b]" within the search bands' stretch
    /// (<see cref="CatalogueGenerator.SearchBands"/>), the same 2000 at every size.
    /// </summary>
    private static void WriteAttributeSearches(string path, int seed)
    {
        var random = new Random(seed);
        using var paths = Writer(path);
        // Every searched interval ends by SearchHigh: beyond it (960 MHz) the generated L bands begin, whose number grows with the catalogue.
        const double MaxWidth = 40;
        for (var i = 0; i < 2000; i++)
        {
            var a = CatalogueGenerator.SearchLow + random.NextDouble() * (CatalogueGenerator.SearchHigh - CatalogueGenerator.SearchLow - MaxWidth);
            paths.WriteLine(i % 2 == 0
                ? string.Create(CultureInfo.InvariantCulture, $"/v1/standards?covers={a:0.0}")
                : string.Create(CultureInfo.InvariantCulture, $"/v1/standards?overlaps={a:0.0},{a + 1 + random.NextDouble() * (MaxWidth - 1):0.0}"));
        }
    }

    public void Observe(GeneratedStandard s, CatalogueStats stats)
    {
        var key = s.Standard.Key;
        _standards.WriteLine($"{key}\t{s.Standard.Category}");
        if (CatalogueGenerator.HasVisibleEditionInForce(s, "EU", CatalogueGenerator.EuConsumerLevel, _now))
        {
            stats.EuVisibleStandards++;
            _latest.WriteLine($"/v1/standards/{key}/versions/latest");
        }
        WriteHidden(_hiddenEu, s, v => CatalogueGenerator.IsVisible(s, v, "EU", CatalogueGenerator.EuConsumerLevel, _now));
        WriteHidden(_hiddenNato, s, v => v.Classification <= (int)StandardsRegistry.Domain.Classification.NR && v.Status != "draft");
        if (CatalogueGenerator.HasVisibleEditionInForce(s, "PUBLIC", 0, _now))
        {
            stats.PublicVisibleStandards++;
        }
        if (_random.NextDouble() < _listShare)
        {
            // The API's cursor: base64url of "standards:<last key of the previous page>".
            var cursor = Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"standards:{key}"));
            _list.WriteLine(string.Create(CultureInfo.InvariantCulture, $"/v1/standards?category={s.Standard.Category}&cursor={cursor}"));
        }
    }

    public void Dispose()
    {
        _latest.Dispose();
        _list.Dispose();
        _standards.Dispose();
        _hiddenEu.Dispose();
        _hiddenNato.Dispose();
    }

    /// <summary>A standard none of whose editions a reader sees, and each edition it does not see.</summary>
    private static void WriteHidden(StreamWriter to, GeneratedStandard s, Func<VersionRecord, bool> visible)
    {
        if (!s.Versions.Any(visible))
        {
            to.WriteLine($"standard\t{s.Standard.Key}");
        }
        foreach (var v in s.Versions.Where(v => !visible(v)))
        {
            to.WriteLine(string.Create(CultureInfo.InvariantCulture, $"edition\t{s.Standard.Key}\t{v.Edition}"));
        }
    }

    private static StreamWriter Writer(string path) => new(path, append: false, new UTF8Encoding(false)) { NewLine = "\n" };
}
