using System.Buffers.Text;
using System.Text;
using System.Text.RegularExpressions;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// Feed cursors made readable for comparing two registries' answers. A cursor names its view and position, which two
/// registries with the same visible history must share, and the mark of the event at the position, made from that
/// event's random id, which each registry draws for itself (FeedApi.Mark): a comparison treats the mark as it treats
/// the ids.
/// </summary>
public static partial class FeedCursors
{
    /// <summary>
    /// Every feed cursor in <paramref name="text"/> (base64url of <c>feed:</c>…), written out: <c>&lt;feed:EU.3:37:mark-…&gt;</c>,
    /// the mark's 12 hex digits after <c>mark-</c> (<see cref="Mark"/> finds them).
    /// </summary>
    public static string Readable(string text) => Encoded().Replace(text, m =>
    {
        if (!Base64Url.IsValid(m.Value))
        {
            return m.Value;
        }
        var decoded = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(m.Value));
        return $"<{MarkInCursor().Replace(decoded, ":mark-$1")}>";
    });

    /// <summary>Every feed cursor written out with its mark left out (<c>&lt;feed:EU.3:37:mark&gt;</c>).</summary>
    public static string WithoutMarks(string text) => Mark().Replace(Readable(text), "");

    /// <summary>The 12 hex digits of a mark in a cursor written out by <see cref="Readable"/>.</summary>
    [GeneratedRegex("(?<=:mark-)[0-9a-f]{12}")]
    public static partial Regex Mark();

    [GeneratedRegex("ZmVlZDp[A-Za-z0-9_-]*")]
    private static partial Regex Encoded();

    [GeneratedRegex(":([0-9a-f]{12})$")]
    private static partial Regex MarkInCursor();
}
