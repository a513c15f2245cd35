namespace StandardsRegistry.Domain;

/// <summary>NATO classification levels, in order. The numeric value is the level stored and compared in SQL.</summary>
public enum Classification
{
    NU = 0,
    NR = 1,
    NC = 2,
    NS = 3,
    CTS = 4,
}

/// <summary>A marking scheme a caller reads markings in.</summary>
public enum MarkingScheme
{
    Nato,
    Eu,
}

/// <summary>
/// The NATO–EU equivalence table: the one place that knows how each level is written in either scheme.
/// Parsing is strict: an abbreviation or a full form from this table (case-insensitive), nothing else.
/// </summary>
public static class Markings
{
    public sealed record Level(Classification Classification, string NatoMarking, string? EuMarking, string[] EuAliases);

    public static IReadOnlyList<Level> Table { get; } =
    [
        new(Classification.NU, "NATO UNCLASSIFIED", null, []),
        new(Classification.NR, "NATO RESTRICTED", "RESTREINT UE/EU RESTRICTED", ["RESTREINT UE", "EU RESTRICTED"]),
        new(Classification.NC, "NATO CONFIDENTIAL", "CONFIDENTIEL UE/EU CONFIDENTIAL", ["CONFIDENTIEL UE", "EU CONFIDENTIAL"]),
        new(Classification.NS, "NATO SECRET", "SECRET UE/EU SECRET", ["SECRET UE", "EU SECRET"]),
        new(Classification.CTS, "COSMIC TOP SECRET", "TRÈS SECRET UE/EU TOP SECRET", ["TRÈS SECRET UE", "EU TOP SECRET"]),
    ];

    private static readonly Dictionary<string, Classification> ByText = BuildIndex();

    private static Dictionary<string, Classification> BuildIndex()
    {
        var index = new Dictionary<string, Classification>(StringComparer.OrdinalIgnoreCase);
        foreach (var level in Table)
        {
            index.Add(level.Classification.ToString(), level.Classification);
            index.Add(level.NatoMarking, level.Classification);
            if (level.EuMarking is not null)
            {
                index.Add(level.EuMarking, level.Classification);
            }
            foreach (var alias in level.EuAliases)
            {
                index.Add(alias, level.Classification);
            }
        }
        return index;
    }

    /// <summary>Every text <see cref="TryParse"/> accepts, for error messages and documentation.</summary>
    public static IEnumerable<string> AcceptedForms => ByText.Keys;

    public static bool TryParse(string? text, out Classification classification)
    {
        classification = default;
        return text is not null && ByText.TryGetValue(text, out classification);
    }

    public static Level Of(Classification classification) => Table[(int)classification];

    /// <summary>The marking in the given scheme; EU has no unclassified marking, so NU reads as the NATO one.</summary>
    public static string Text(Classification classification, MarkingScheme scheme) =>
        scheme == MarkingScheme.Eu ? Of(classification).EuMarking ?? Of(classification).NatoMarking : Of(classification).NatoMarking;
}
