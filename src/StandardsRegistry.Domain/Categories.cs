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
/// What makes two designations one (docs/design.md §1.1): a reader takes <c>STANAG 4172</c>, <c>stanag 4172</c>,
/// <c>STANAG ４１７２</c>, <c>STANAG  4172</c>, <c>STANAG 41&#x200B;72</c> or <c>STАNAG 4172</c> (a Cyrillic А) for one.
/// </summary>
public static class Designations
{
    /// <summary>Cyrillic and Greek capitals drawn as a Latin one (after upper-casing), and that Latin letter.</summary>
    private static readonly Dictionary<char, char> LookAlikes = new()
    {
        ['\u0410'] = 'A', ['\u0412'] = 'B', ['\u0415'] = 'E', ['\u0405'] = 'S', ['\u0406'] = 'I', ['\u0408'] = 'J',
        ['\u041A'] = 'K', ['\u041C'] = 'M', ['\u041D'] = 'H', ['\u041E'] = 'O', ['\u0420'] = 'P', ['\u0421'] = 'C',
        ['\u0422'] = 'T', ['\u0425'] = 'X', ['\u0423'] = 'Y', ['\u04AE'] = 'Y', ['\u051A'] = 'Q', ['\u051C'] = 'W',
        ['\u0391'] = 'A', ['\u0392'] = 'B', ['\u0395'] = 'E', ['\u0396'] = 'Z', ['\u0397'] = 'H', ['\u0399'] = 'I',
        ['\u039A'] = 'K', ['\u039C'] = 'M', ['\u039D'] = 'N', ['\u039F'] = 'O', ['\u03A1'] = 'P', ['\u03A4'] = 'T',
        ['\u03A5'] = 'Y', ['\u03A7'] = 'X',
    };

    /// <summary>U+00C0 to U+017F (Latin-1 Supplement and Latin Extended-A): each letter's base letter, when it has one.</summary>
    private const string LatinBases = "AAAAAA\u00C6CEEEEIIII\u00D0NOOOOO\u00D7\u00D8UUUUY\u00DE\u00DFaaaaaa\u00E6ceeeeiiii\u00F0nooooo\u00F7\u00F8uuuuy\u00FEyAaAaAaCcCcCcCcDd\u0110\u0111EeEeEeEeEeGgGgGgGgHh\u0126\u0127IiIiIiIiI\u0131\u0132\u0133JjKk\u0138LlLlLl\u013F\u0140\u0141\u0142NnNnNn\u0149\u014A\u014BOoOoOo\u0152\u0153RrRrRrSsSsSsSsTtTt\u0166\u0167UuUuUuUuUuUuWwYyYZzZzZz\u017F";

    /// <summary>
    /// The designation as a reader reads it: format characters dropped (zero-width, bidi controls, BOM), every run of
    /// white space one space (no-break and ideographic spaces too) and none at either end, full-width forms their ASCII
    /// character, every dash a hyphen-minus, combining marks dropped and Latin letters without their diacritic (so
    /// <c>É</c> and <c>E</c> + U+0301 are one), upper case, Cyrillic and Greek look-alikes their Latin letter. Folded
    /// here by table: the service runs in .NET's invariant globalization mode, where <c>string.Normalize</c> leaves
    /// every non-ASCII text as it is.
    /// </summary>
    public static string Identity(string designation)
    {
        var folded = new System.Text.StringBuilder(designation.Length);
        var space = false;
        foreach (var c in designation)
        {
            var category = char.GetUnicodeCategory(c);
            if (category is System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.NonSpacingMark
                or System.Globalization.UnicodeCategory.EnclosingMark)
            {
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                space = folded.Length > 0;
                continue;
            }
            if (space)
            {
                folded.Append(' ');
                space = false;
            }
            var plain = c switch
            {
                >= '\uFF01' and <= '\uFF5E' => (char)(c - 0xFEE0),
                >= '\u00C0' and <= '\u017F' => LatinBases[c - 0xC0],
                '\u2212' => '-',
                _ when category == System.Globalization.UnicodeCategory.DashPunctuation => '-',
                _ => c,
            };
            plain = char.ToUpperInvariant(plain);
            folded.Append(LookAlikes.GetValueOrDefault(plain, plain));
        }
        return folded.ToString();
    }
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
            if (node.GetValueKind() != JsonValueKind.String || string.IsNullOrWhiteSpace(node.GetValue<string>()) || node.GetValue<string>().Length > maxLength)
            {
                errors.Add($"attributes.{name}", $"'{name}' must be a non-empty string of at most {maxLength} characters, without {TextRules.ForbiddenInOneLine}.");
                return null;
            }
            if (TextRules.FirstForbidden(node.GetValue<string>(), multiLine: false) is { } forbidden)
            {
                errors.Add($"attributes.{name}", TextRules.Refusal(name, forbidden, multiLine: false));
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
