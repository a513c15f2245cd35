using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace StandardsRegistry.Domain;

/// <summary>A standard's key: lowercase letters, digits and single hyphens (e.g. <c>stanag-4172</c>).</summary>
public static partial class StandardKey
{
    // \z, not $: in .NET '$' also matches before a final newline, which would admit "stanag-4172\n".
    [GeneratedRegex(@"^[a-z0-9]+(-[a-z0-9]+)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool IsValid(string? key) => key is { Length: > 0 and <= Limits.KeyLength } && Pattern().IsMatch(key);
}

/// <summary>
/// The categories of standard and the attributes each one carries. Attributes are validated strictly:
/// every attribute of the category is required, with its type and range; any other attribute is refused.
/// </summary>
public static class Categories
{
    public const string Caliber = "caliber";
    public const string CommsProtocol = "comms-protocol";
    public const string RadioBand = "radio-band";
    public const string DataLink = "data-link";

    public static readonly IReadOnlyList<string> All = [Caliber, CommsProtocol, RadioBand, DataLink];

    public static readonly IReadOnlyList<string> OsiLayers =
        ["physical", "data-link", "network", "transport", "session", "presentation", "application"];

    public static bool IsKnown(string? category) => category is not null && All.Contains(category);

    /// <summary>
    /// The numeric attributes, each with its category (a name belongs to one category only): what attribute search
    /// filters on and the attribute index holds (a version's value of each, whatever its category says).
    /// </summary>
    public static readonly IReadOnlyList<(string Name, string Category)> NumericAttributes =
    [
        ("boreMm", Caliber), ("caseLengthMm", Caliber), ("lowMHz", RadioBand), ("highMHz", RadioBand), ("dataRateKbps", DataLink),
    ];

    /// <summary>The radio band's interval attributes: a band covers every frequency from its low to its high edge.</summary>
    public const string BandLow = "lowMHz";

    /// <inheritdoc cref="BandLow"/>
    public const string BandHigh = "highMHz";

    public static string UnknownMessage(string? category) =>
        $"Unknown category '{category}': use one of {string.Join(", ", All)}.";

    /// <summary>Validates <paramref name="attributes"/> for <paramref name="category"/>, adding problems under <c>attributes.name</c>.</summary>
    public static void Validate(string category, JsonObject? attributes, ValidationErrors errors)
    {
        if (attributes is null)
        {
            errors.Add("attributes", $"'attributes' is required for category '{category}'.");
            return;
        }

        var reader = new AttributeReader(attributes, errors);
        switch (category)
        {
            case Caliber:
                reader.PositiveNumber("boreMm");
                reader.PositiveNumber("caseLengthMm");
                reader.Text("cartridge", 100);
                break;
            case RadioBand:
                var low = reader.PositiveNumber(BandLow);
                var high = reader.PositiveNumber(BandHigh);
                if (low is not null && high is not null && low >= high)
                {
                    errors.Add("attributes.highMHz", "'highMHz' must be greater than 'lowMHz'.");
                }
                break;
            case CommsProtocol:
                reader.OneOf("layer", OsiLayers);
                reader.Text("transport", 100);
                break;
            case DataLink:
                reader.Text("messageFormat", 100);
                reader.PositiveNumber("dataRateKbps");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(category), category, "Unknown category.");
        }
        reader.RefuseOthers();
    }

    /// <summary>
    /// The largest numeric attribute value: the attribute index files a band by its width, and its widest level spans
    /// 1e308 MHz (db/*/0009_attribute_index.sql), so a band up to 1.8e308 MHz wide had no level and its draft was a 500.
    /// </summary>
    public const double MaxNumber = 1e308;

    /// <summary>
    /// The smallest: far below any physical figure, and above the subnormal doubles (down to 5e-324), which SQL Server's
    /// <c>float</c> does not hold (it documents 2.23e-308 as its smallest positive value) and with which the catalogue
    /// page's band figure once drew its axis from 0 for ever.
    /// </summary>
    public const double MinNumber = 1e-300;

    private sealed class AttributeReader(JsonObject attributes, ValidationErrors errors)
    {
        private readonly HashSet<string> _known = new(StringComparer.Ordinal);

        public double? PositiveNumber(string name)
        {
            if (Get(name) is not { } node)
            {
                return null;
            }
            if (node.GetValueKind() != JsonValueKind.Number || Number(node) is not (> 0 and var value) || !double.IsFinite(value))
            {
                errors.Add($"attributes.{name}", $"'{name}' must be a positive number.");
                return null;
            }
            if (value > MaxNumber)
            {
                errors.Add($"attributes.{name}", $"'{name}' must be at most 1e308.");
                return null;
            }
            if (value < MinNumber)
            {
                errors.Add($"attributes.{name}", $"'{name}' must be at least 1e-300.");
                return null;
            }
            return value;
        }

        /// <summary>A JSON number as a double, whether parsed from text or built in code from any numeric type.</summary>
        private static double? Number(JsonNode node) =>
            node.AsValue().TryGetValue<double>(out var value)
                ? value
                : double.TryParse(node.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out value) ? value : null;

        public string? Text(string name, int maxLength)
        {
            if (Get(name) is not { } node)
            {
                return null;
            }
            if (node.GetValueKind() != JsonValueKind.String || string.IsNullOrWhiteSpace(node.GetValue<string>()) || node.GetValue<string>().Length > maxLength
                || TextRules.HasForbiddenCharacters(node.GetValue<string>()))
            {
                errors.Add($"attributes.{name}", $"'{name}' must be a non-empty string of at most {maxLength} characters, without {TextRules.ForbiddenCharacters}.");
                return null;
            }
            return node.GetValue<string>();
        }

        public void OneOf(string name, IReadOnlyList<string> allowed)
        {
            if (Get(name) is { } node && (node.GetValueKind() != JsonValueKind.String || !allowed.Contains(node.GetValue<string>())))
            {
                errors.Add($"attributes.{name}", $"'{name}' must be one of {string.Join(", ", allowed)}.");
            }
        }

        /// <summary>
        /// Names the attributes the category does not have: the first few by name (cut short), the rest counted, so a
        /// body of thousands of invented names gets a short answer, not one many times its size.
        /// </summary>
        public void RefuseOthers()
        {
            var unknown = attributes.Select(a => a.Key).Where(name => !_known.Contains(name)).ToList();
            foreach (var name in unknown.Take(MaxNamedUnknown))
            {
                var shown = name.Length <= MaxShownName ? name : name[..MaxShownName] + "…";
                errors.Add($"attributes.{shown}", $"'{shown}' is not an attribute of this category.");
            }
            if (unknown.Count > MaxNamedUnknown)
            {
                errors.Add("attributes", $"{unknown.Count - MaxNamedUnknown} more attributes are not attributes of this category.");
            }
        }

        private const int MaxNamedUnknown = 10;
        private const int MaxShownName = 64;

        private JsonNode? Get(string name)
        {
            _known.Add(name);
            if (attributes[name] is { } node)
            {
                return node;
            }
            errors.Add($"attributes.{name}", $"'{name}' is required.");
            return null;
        }
    }
}
