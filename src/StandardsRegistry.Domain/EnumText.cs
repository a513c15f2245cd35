namespace StandardsRegistry.Domain;

/// <summary>
/// The one converter between the registry's enums and their text, in storage and on the wire alike: the member's
/// name in lower case (<c>VersionStatus.Superseded</c> is <c>superseded</c>). Dapper reads stored text back into the
/// enum by the same name; statements bind <see cref="Of{T}"/>, since Dapper would bind an enum as its number.
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
        public static readonly Dictionary<T, string> ByValue = Enum.GetValues<T>().ToDictionary(v => v, v => v.ToString().ToLowerInvariant());
        public static readonly Dictionary<string, T> ByText = ByValue.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);
    }
}
