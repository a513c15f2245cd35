using StandardsRegistry.Domain;

namespace StandardsRegistry.Domain.Tests;

public sealed class StandardKeyTests
{
    public const int Runs = 5_000;

    [Theory]
    [InlineData("stanag-4172")]
    [InlineData("stanag-4609-ed-5")]
    [InlineData("mil-std-188-220")]
    [InlineData("a")]
    [InlineData("0")]
    [InlineData("abc123")]
    [InlineData("a-b-c")]
    [InlineData("9-9")]
    public void GoodKeysAreValid(string key)
    {
        Assert.True(StandardKey.IsValid(key));
    }

    [Fact]
    public void SixtyFourCharactersIsTheLongestValidKey()
    {
        Assert.True(StandardKey.IsValid(new string('a', 64)));
        Assert.True(StandardKey.IsValid(string.Join('-', Enumerable.Repeat("abc", 16)) + "a"));
        Assert.False(StandardKey.IsValid(new string('a', 65)));
        Assert.False(StandardKey.IsValid(string.Join('-', Enumerable.Repeat("abc", 16)) + "-a"));
    }

    [Theory]
    // case and spacing
    [InlineData("STANAG-4172")]
    [InlineData("Stanag-4172")]
    [InlineData("stanag 4172")]
    [InlineData(" stanag-4172")]
    [InlineData("stanag-4172 ")]
    [InlineData("stanag\t4172")]
    [InlineData("\nstanag-4172")]
    [InlineData("stanag-4172\n")]
    [InlineData("stanag-4172\r\n")]
    // hyphens
    [InlineData("stanag--4172")]
    [InlineData("-stanag")]
    [InlineData("stanag-")]
    [InlineData("-")]
    [InlineData("--")]
    // paths and punctuation
    [InlineData("../x")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("a.b")]
    [InlineData("a_b")]
    [InlineData("a:b")]
    [InlineData("%2e%2e")]
    [InlineData("stanag%204172")]
    [InlineData("a\0b")]
    // empty
    [InlineData("")]
    [InlineData(" ")]
    // Unicode look-alikes
    [InlineData("st\u0430nag-4172")] // Cyrillic small a
    [InlineData("\u0455tanag-4172")] // Cyrillic small dze
    [InlineData("stanag-\uFF14\uFF11\uFF17\uFF12")] // fullwidth digits
    [InlineData("stanag-\u0664\u0661\u0667\u0662")] // Arabic-Indic digits
    [InlineData("stanag\u20104172")] // Unicode hyphen
    [InlineData("stanag\u20114172")] // non-breaking hyphen
    [InlineData("stanag\u22124172")] // minus sign
    [InlineData("\u0131d")] // dotless i
    [InlineData("\uFB01eld")] // fi ligature
    [InlineData("stra\u00DFe")] // sharp s
    [InlineData("caf\u00E9")]
    [InlineData("stanag\u200B4172")] // zero-width space
    public void BadKeysAreInvalid(string key)
    {
        Assert.False(StandardKey.IsValid(key), $"'{key}' should be an invalid key");
    }

    [Fact]
    public void NullKeyIsInvalid()
    {
        Assert.False(StandardKey.IsValid(null));
    }

    /// <summary>Random strings over a small alphabet (with look-alikes and control characters) against a character-by-character oracle.</summary>
    [Fact]
    public void RandomKeysAreValidExactlyWhenTheyAreLowercaseWordsJoinedBySingleHyphens()
    {
        char[] alphabet = ['a', 'z', '0', '9', '-', '-', 'A', ' ', '\n', '\r', '.', '/', '_', '\u0430', '\uFF11', '\u2010', '\u0131'];
        var keys =
            from length in Gen.Frequency((10, Gen.Choose(0, 8)), (1, Gen.Choose(60, 70)))
            from chars in Gen.ArrayOf(Gen.Frequency((6, Gen.Elements('a', 'b', 'x', '0', '7')), (4, Gen.Elements(alphabet))), length)
            select new string(chars);

        Prop.ForAll(Arb.From(keys), key => StandardKey.IsValid(key) == Oracle(key))
            .Check(PropertyConfig.Runs(Runs));

        static bool Oracle(string key) =>
            key.Length is >= 1 and <= 64
            && key.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
            && key[0] != '-' && key[^1] != '-'
            && !key.Contains("--", StringComparison.Ordinal);
    }
}
