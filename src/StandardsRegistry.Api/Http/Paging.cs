using System.Buffers.Text;
using System.Text;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Http;

/// <summary>A page of results and the opaque cursor of the next one (absent on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>
/// Opaque, resumable cursors: a position (the last key or edition returned), tagged with what it is a position in,
/// base64url-encoded. A cursor that does not decode to a position of the right kind is a 400.
/// </summary>
public static class Paging
{
    /// <summary>The page size asked for, or the default.</summary>
    public static int PageSize(int? limit) => limit ?? Limits.DefaultPageSize;

    public static string LimitMessage => $"'limit' must be between 1 and {Limits.MaxPageSize}.";

    public static void ValidateLimit(ValidationErrors errors, int? limit)
    {
        if (PageSize(limit) is not (>= 1 and <= Limits.MaxPageSize))
        {
            errors.Add("limit", LimitMessage);
        }
    }

    public const string CursorMessage = "'cursor' is not a cursor this list returned.";

    public static string Encode(string kind, string position) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{kind}:{position}"));

    public static bool TryDecode(string? cursor, string kind, out string? position)
    {
        position = null;
        if (cursor is null)
        {
            return true;
        }
        if (cursor.Length is 0 or > 400 || !Base64Url.IsValid(cursor))
        {
            return false;
        }
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        if (!text.StartsWith(kind + ":", StringComparison.Ordinal) || TextRules.HasForbiddenCharacters(text))
        {
            return false;
        }
        position = text[(kind.Length + 1)..];
        return true;
    }

    /// <summary>Cuts a fetched list (fetched with one row more than the limit) to a page.</summary>
    public static Page<TOut> Of<TIn, TOut>(IReadOnlyList<TIn> rows, int limit, Func<TIn, TOut> map, Func<TIn, string> cursorOf) =>
        new(rows.Take(limit).Select(map).ToList(), rows.Count > limit ? cursorOf(rows[limit - 1]) : null);
}
