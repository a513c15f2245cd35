using System.Text.Json;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Data;

/// <summary>A filter on one numeric attribute: its value lies in [<see cref="Min"/>, <see cref="Max"/>] (equality: both the same).</summary>
public sealed record AttributeRange(string Name, double Min, double Max);

/// <summary>
/// Attribute search's filters, all of which the latest visible edition in force of a standard must meet: numeric
/// ranges, and for radio bands an interval [<c>OverlapsLow</c>, <c>OverlapsHigh</c>] the band must overlap ("covers f"
/// is the interval [f, f]).
/// </summary>
public sealed record AttributeFilter(IReadOnlyList<AttributeRange> Ranges, (double Low, double High)? Overlaps)
{
    public bool IsEmpty => Ranges.Count == 0 && Overlaps is null;

    /// <summary>The statement's shape: which attributes are filtered (one bit each, in <see cref="Categories.NumericAttributes"/> order) and the band.</summary>
    internal int Shape =>
        Ranges.Aggregate(Overlaps is null ? 0 : 1 << Categories.NumericAttributes.Count, (shape, r) => shape | 1 << IndexOf(r.Name));

    internal static int IndexOf(string name)
    {
        for (var i = 0; i < Categories.NumericAttributes.Count; i++)
        {
            if (Categories.NumericAttributes[i].Name == name)
            {
                return i;
            }
        }
        throw new ArgumentOutOfRangeException(nameof(name), name, "Not a numeric attribute.");
    }
}

/// <summary>
/// The typed index of versions' numeric attributes (db/*/0009_attribute_index.sql): written on the one write path
/// whenever a draft's attributes are set, read by <see cref="CatalogueQueries"/>' attribute search.
/// </summary>
public static class AttributeIndex
{
    /// <summary>Replaces the index rows of version <paramref name="versionId"/> with those of <paramref name="attributes"/> (its JSON text).</summary>
    internal static async Task WriteAsync(DbSession session, long versionId, string attributes)
    {
        await session.ExecuteAsync(Sql.Clear, new { versionId });
        foreach (var (name, value) in Values(attributes))
        {
            await session.ExecuteAsync(Sql.InsertValue, new { versionId, name, value });
        }
        await session.ExecuteAsync(Sql.InsertBand, new { versionId });
    }

    /// <summary>The rows of <c>attribute_values</c> for a version's attributes (JSON text): its numeric attributes' values.</summary>
    public static IReadOnlyList<(string Name, double Value)> Values(string attributes)
    {
        using var document = JsonDocument.Parse(attributes);
        var values = new List<(string, double)>();
        foreach (var (name, _) in Categories.NumericAttributes)
        {
            if (document.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number)
            {
                values.Add((name, value.GetDouble()));
            }
        }
        return values;
    }

    /// <summary>
    /// Fills <c>frequency_bands</c> from <c>attribute_values</c> for every version at once (as the migration does): for
    /// a bulk load that wrote <see cref="Values"/> itself.
    /// </summary>
    public const string IndexAllBands = $"{Sql.BandSelect}\nWHERE lo.name = '{Categories.BandLow}'";

    internal static class Sql
    {
        public const string Clear = "DELETE FROM frequency_bands WHERE version_id = @versionId;\nDELETE FROM attribute_values WHERE version_id = @versionId";

        public const string InsertValue = "INSERT INTO attribute_values (version_id, name, value) VALUES (@versionId, @name, @value)";

        /// <summary>The version's band, at the level of its width (as the migration fills it in); nothing unless it has both edges.</summary>
        public const string InsertBand = $"{BandSelect}\nWHERE lo.version_id = @versionId AND lo.name = '{Categories.BandLow}'";

        internal const string BandSelect = $"""
            INSERT INTO frequency_bands (version_id, level, low_mhz, high_mhz)
            SELECT lo.version_id, (SELECT MIN(l.level) FROM band_levels l WHERE l.span_mhz >= hi.value - lo.value), lo.value, hi.value
            FROM attribute_values lo JOIN attribute_values hi ON hi.version_id = lo.version_id AND hi.name = '{Categories.BandHigh}'
            """;

        public static IEnumerable<string> All() => [Clear, InsertValue, InsertBand, IndexAllBands];
    }
}
