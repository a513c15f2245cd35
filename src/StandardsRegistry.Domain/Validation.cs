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

    public void Required(string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(field, $"'{field}' is required.");
        }
        else
        {
            Optional(field, value, maxLength);
        }
    }

    public void Optional(string field, string? value, int maxLength)
    {
        if (value is not null && value.Length > maxLength)
        {
            Add(field, $"'{field}' must be at most {maxLength} characters.");
        }
        else if (TextRules.HasForbiddenCharacters(value))
        {
            Add(field, $"'{field}' must not contain {TextRules.ForbiddenCharacters}.");
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
    /// C0 control characters other than tab, line feed and carriage return (NUL among them, which PostgreSQL cannot
    /// store), and DEL: never meaningful in a registry field. Also U+FFFD, which is what a URL or form decoder leaves
    /// where the client sent bytes that were not UTF-8, and unpaired surrogates (a JSON escape such as \uD800), which
    /// no database stores as text: such input is refused, never stored mangled.
    /// </summary>
    public static bool HasForbiddenCharacters(string? value)
    {
        var text = value ?? "";
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if ((c < ' ' && c is not ('\t' or '\n' or '\r')) || c is '\u007f' or '\uFFFD')
            {
                return true;
            }
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return true;
            }
        }
        return false;
    }

    public const string ForbiddenCharacters = "control characters, U+FFFD or unpaired surrogates";
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
}
