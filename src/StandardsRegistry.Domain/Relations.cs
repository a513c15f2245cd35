namespace StandardsRegistry.Domain;

/// <summary>
/// How one standard of the registry relates to another (text: <see cref="EnumText"/>): it <c>covers</c> an Allied
/// Publication that holds the technical text, it <c>supersedes</c> another document, it normatively <c>references</c> one.
/// </summary>
public enum RelationKind
{
    Covers,
    Supersedes,
    References,
}

/// <summary>
/// A civil standard a registry standard is equivalent to, by a typed identifier: who publishes it and its number there
/// (e.g. <c>EN</c> <c>16341</c>, <c>ISO</c> <c>9001:2015</c>, <c>ETSI</c> <c>EN 300 113</c>) — never a URL.
/// </summary>
public static class CivilStandards
{
    public static readonly IReadOnlyList<string> Sources = ["EN", "ISO", "IEC", "ETSI", "ITU"];

    public const int IdentifierLength = 100;

    public static void Validate(ValidationErrors errors, string? source, string? identifier)
    {
        if (source is null || !Sources.Contains(source))
        {
            errors.Add("source", $"'source' must be one of {string.Join(", ", Sources)}.");
        }
        errors.Required("identifier", identifier, IdentifierLength);
        if (identifier is not null && (identifier.Contains("://", StringComparison.Ordinal) || identifier != identifier.Trim()))
        {
            errors.Add("identifier", "'identifier' is the standard's number at its source (e.g. '9001:2015'), not a URL, without surrounding spaces.");
        }
    }
}
