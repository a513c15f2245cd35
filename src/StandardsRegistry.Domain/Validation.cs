namespace StandardsRegistry.Domain;

/// <summary>Field-level problems, collected so a client learns everything wrong with a request at once.</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsEmpty => _errors.Count == 0;

    /// <summary>How many fields have a problem.</summary>
    public int Count => _errors.Count;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            _errors[field] = messages = [];
        }
        messages.Add(message);
    }

    public IDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    /// <param name="multiLine">
    /// Whether the field is text of several lines (a summary, a body, a reason), which may hold line breaks and tabs; a
    /// one-line field (a designation, a title, an identifier) may not (<see cref="TextRules"/>).
    /// </param>
    public void Required(string field, string? value, int maxLength, bool multiLine = false)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(field, $"'{field}' is required.");
        }
        else
        {
            Optional(field, value, maxLength, multiLine);
        }
    }

    /// <inheritdoc cref="Required"/>
    public void Optional(string field, string? value, int maxLength, bool multiLine = false)
    {
        if (value is not null && value.Length > maxLength)
        {
            Add(field, $"'{field}' must be at most {maxLength} characters.");
        }
        else if (TextRules.FirstForbidden(value, multiLine) is { } forbidden)
        {
            Add(field, TextRules.Refusal(field, forbidden, multiLine));
        }
    }

    public Classification? Classification(string field, string? value)
    {
        if (Markings.TryParse(value, out var classification))
        {
            return classification;
        }
        Add(field, value is null
            ? $"'{field}' is required: one of NU, NR, NC, NS, CTS or a full NATO or EU marking."
            : $"'{value}' is not a classification marking: use one of NU, NR, NC, NS, CTS or a full NATO or EU marking.");
        return null;
    }
}

public static class TextRules
{
    /// <summary>
    /// Whether <paramref name="value"/> holds a character no registry text holds (<see cref="FirstForbidden"/>), line
    /// breaks and tabs allowed.
    /// </summary>
    public static bool HasForbiddenCharacters(string? value) => FirstForbidden(value, multiLine: true) is not null;

    /// <summary>
    /// The first character of <paramref name="value"/> no registry text may hold, as <c>U+XXXX</c>; null when none.
    /// Refused: C0 control characters (NUL among them, which PostgreSQL cannot store) other than tab, line feed and
    /// carriage return, and those three too unless <paramref name="multiLine"/>; DEL and the C1 controls (U+0080 to
    /// U+009F); the line and paragraph separators U+2028 and U+2029 unless <paramref name="multiLine"/>; every format
    /// character (Unicode category Cf): the bidirectional controls and marks (U+202A to U+202E, U+2066 to U+2069, U+200E,
    /// U+200F, U+061C), which make a text render as other than it stores ("STANAG 4172 U+202E TERCES" reads "STANAG 4172
    /// SECRET"), and the invisible ones (zero-width space and joiners, word joiner, byte order mark, soft hyphen, tag
    /// characters), which make two texts that read alike differ; U+FFFD, which is what a URL or form decoder leaves where
    /// the client sent bytes that were not UTF-8; and unpaired surrogates (a JSON escape such as \uD800), which no
    /// database stores as text. Such input is refused, never stored mangled or misleading.
    /// </summary>
    public static string? FirstForbidden(string? value, bool multiLine)
    {
        var text = value ?? "";
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var codePoint = char.ConvertToUtf32(c, text[i + 1]);
                if (System.Globalization.CharUnicodeInfo.GetUnicodeCategory(codePoint) == System.Globalization.UnicodeCategory.Format)
                {
                    return $"U+{codePoint:X4}";
                }
                i++;
                continue;
            }
            var refused = c switch
            {
                '\t' or '\n' or '\r' or '\u2028' or '\u2029' => !multiLine,
                < ' ' or (>= '\u007f' and <= '\u009f') or '\uFFFD' => true,
                _ => char.IsSurrogate(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format,
            };
            if (refused)
            {
                return $"U+{(int)c:X4}";
            }
        }
        return null;
    }

    /// <summary>The refusal of <paramref name="field"/> for holding <paramref name="forbidden"/>.</summary>
    public static string Refusal(string field, string forbidden, bool multiLine) =>
        $"'{field}' must not contain {forbidden}: {(multiLine ? ForbiddenCharacters : ForbiddenInOneLine)}.";

    public const string ForbiddenCharacters =
        "control characters, bidirectional controls, invisible formatting characters (zero-width, soft hyphen, byte order mark), U+FFFD or unpaired surrogates";

    /// <summary>What a one-line field refuses besides <see cref="ForbiddenCharacters"/>.</summary>
    public const string ForbiddenInOneLine = "line breaks, tabs, " + ForbiddenCharacters;
}

/// <summary>Limits on what a client may send; documented in README and enforced before anything is written.</summary>
public static class Limits
{
    public const int KeyLength = 64;
    public const int DesignationLength = 100;
    public const int TitleLength = 200;
    public const int SummaryLength = 2_000;
    public const int BodyLength = 200_000;
    public const int ReasonLength = 1_000;
    public const int QueryLength = 100;
    public const int MaxPageSize = 100;
    public const int DefaultPageSize = 20;

    /// <summary>Largest accepted request body; larger is 413.</summary>
    public const long RequestBodyBytes = 256 * 1024;

    /// <summary>
    /// How far another clock may be off the registry's: a release's effective time may lie this far in the past, and a
    /// token's <c>exp</c> and <c>nbf</c> this far off (not the token handler's default five minutes: tokens cannot be
    /// revoked, and their lifetime is the issuer's to set).
    /// </summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often an OIDC authority's metadata and signing keys are read again: a key it drops (a compromised key rotated
    /// out) is accepted at most this long after. The framework's default is 12 hours; five minutes is the least its
    /// configuration manager takes, and one small request per instance in that time costs the authority nothing.
    /// </summary>
    public static readonly TimeSpan AuthorityKeysRefresh = TimeSpan.FromMinutes(5);
}
