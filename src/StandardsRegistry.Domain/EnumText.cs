namespace StandardsRegistry.Domain;

/// <summary>
/// The one converter between the registry's enums and their text, in storage and on the wire alike: the member's
/// name in lower case, words joined by hyphens (<c>VersionStatus.Superseded</c> is <c>superseded</c>,
/// <c>ResponseKind.RatifiedWithReservations</c> is <c>ratified-with-reservations</c>). Dapper reads stored one-word
/// text back into the enum by its name; statements bind <see cref="Of{T}"/>, since Dapper would bind an enum as its number.
/// </summary>
public static class EnumText
{
    public static string Of<T>(T value) where T : struct, Enum =>
        Texts<T>.ByValue.TryGetValue(value, out var text) ? text : throw new ArgumentOutOfRangeException(nameof(value), value, $"Not a {typeof(T).Name}.");

    public static T Parse<T>(string text) where T : struct, Enum =>
        text is not null && Texts<T>.ByText.TryGetValue(text, out var value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(text), text, $"Unknown {typeof(T).Name}.");

    private static class Texts<T> where T : struct, Enum
    {
        public static readonly Dictionary<T, string> ByValue = Enum.GetValues<T>().ToDictionary(v => v, v => Words(v.ToString()));
        public static readonly Dictionary<string, T> ByText = ByValue.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);
    }

    /// <summary><c>RatifiedWithReservations</c> → <c>ratified-with-reservations</c>.</summary>
    private static string Words(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? $"-{char.ToLowerInvariant(c)}" : char.ToLowerInvariant(c).ToString()));
}
