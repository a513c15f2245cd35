using System.Security.Cryptography;
using System.Text;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Data.Tests;

/// <summary>The audit chain's hash is exactly what docs/audit.md describes, so anyone can recompute it.</summary>
public sealed class AuditHashTests
{
    private static readonly AuditEntry Entry = new AuditActor("ana@nato", "NATO", ["release-authority", "editor"], "10.0.0.7", "0HN:00000001")
        .Entry("release.grant", 201, DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_123), "stanag-4172", 2, Classification.NR, "EU");

    [Fact]
    public void TheHashIsSha256OfThePreviousHashAndTheDocumentedCanonicalContent()
    {
        var text = AuditLog.Genesis + "\n"
            + "1:7;13:1764000000123;13:release.grant;3:201;8:ana@nato;4:NATO;24:editor,release-authority;11:stanag-4172;1:2;1:1;2:EU;8:10.0.0.7;12:0HN:00000001;";

        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

        Assert.Equal(expected, AuditLog.HashOf(7, Entry, AuditLog.Genesis));
    }

    [Fact]
    public void AnIssuerIsAFourteenthFieldAfterTheRequestIdAndAnEntryWithoutOneHashesAsBefore()
    {
        var issued = Entry with { Issuer = "https://idp.nato.int" };
        var text = AuditLog.Genesis + "\n"
            + "1:7;13:1764000000123;13:release.grant;3:201;8:ana@nato;4:NATO;24:editor,release-authority;11:stanag-4172;1:2;1:1;2:EU;8:10.0.0.7;12:0HN:00000001;"
            + "20:https://idp.nato.int;";

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))), AuditLog.HashOf(7, issued, AuditLog.Genesis));
        Assert.Null(Entry.Issuer);
        // Neither adding an issuer nor taking one away leaves the hash as it was, and an empty issuer is not an absent one.
        Assert.NotEqual(AuditLog.HashOf(7, Entry, AuditLog.Genesis), AuditLog.HashOf(7, issued, AuditLog.Genesis));
        Assert.NotEqual(AuditLog.HashOf(7, Entry, AuditLog.Genesis), AuditLog.HashOf(7, Entry with { Issuer = "" }, AuditLog.Genesis));
    }

    [Fact]
    public void ACheckpointsHashIsSha256OfThePreviousCheckpointsHashAndItsDocumentedFields()
    {
        var entryHash = AuditLog.HashOf(7, Entry, AuditLog.Genesis);
        var text = AuditLog.Genesis + "\n" + $"1:7;64:{entryHash};13:1764000000999;";

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))), AuditLog.CheckpointHashOf(7, entryHash, 1_764_000_000_999, AuditLog.Genesis));
    }

    [Fact]
    public void AbsentValuesAndNonAsciiTextHaveTheirOwnUnambiguousForm()
    {
        var entry = new AuditActor("zoë", "PUBLIC", []).Entry("version.read", 404, DateTimeOffset.FromUnixTimeMilliseconds(5), "k", null, null, null);
        var text = AuditLog.Genesis + "\n" + "1:1;1:5;12:version.read;3:404;4:zoë;6:PUBLIC;0:;1:k;-;-;-;-;-;";

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))), AuditLog.HashOf(1, entry, AuditLog.Genesis));
    }

    [Fact]
    public void EveryFieldAndThePreviousHashChangeTheHash()
    {
        var original = AuditLog.HashOf(7, Entry, AuditLog.Genesis);
        AuditEntry[] changed =
        [
            Entry with { At = Entry.At + 1 }, Entry with { Action = "release.revoke" }, Entry with { Status = 200 },
            Entry with { Subject = "bob@nato" }, Entry with { Community = "EU" }, Entry with { Roles = "editor" },
            Entry with { Key = "stanag-4173" }, Entry with { Edition = 3 }, Entry with { Classification = Classification.NC },
            Entry with { Classification = null }, Entry with { Detail = "PUBLIC" }, Entry with { ClientAddress = "10.0.0.8" },
            Entry with { RequestId = "0HN:00000002" }, Entry with { Issuer = "https://idp.nato.int" },
            // Moving a character from one field to the next must not give the same text.
            Entry with { Subject = "ana@nat", Community = "oNATO" },
        ];

        Assert.All(changed, e => Assert.NotEqual(original, AuditLog.HashOf(7, e, AuditLog.Genesis)));
        Assert.NotEqual(original, AuditLog.HashOf(8, Entry, AuditLog.Genesis));
        Assert.NotEqual(original, AuditLog.HashOf(7, Entry, new string('1', 64)));
    }

    [Fact]
    public void TextsAreClippedToTheirColumnsBeforeTheyAreHashed()
    {
        var entry = new AuditActor(new string('s', 300), "NATO", [], null, new string('r', 300), new string('i', 300))
            .Entry("version.read", 200, DateTimeOffset.UnixEpoch, new string('k', 300));

        Assert.Equal((200, 200, 128, 200), (entry.Subject.Length, entry.Key!.Length, entry.RequestId!.Length, entry.Issuer!.Length));
    }
}
