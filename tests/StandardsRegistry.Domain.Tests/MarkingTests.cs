using StandardsRegistry.Domain;

namespace StandardsRegistry.Domain.Tests;

/// <summary>
/// The NATO–EU equivalence table and strict parsing. The expected texts are written out here by hand, not read
/// from <see cref="Markings.Table"/>, so a typo in the table is caught rather than mirrored.
/// </summary>
public sealed class MarkingTests
{
    public static readonly TheoryData<string, Classification> Abbreviations = new()
    {
        { "NU", Classification.NU },
        { "NR", Classification.NR },
        { "NC", Classification.NC },
        { "NS", Classification.NS },
        { "CTS", Classification.CTS },
    };

    public static readonly TheoryData<string, Classification> NatoFullForms = new()
    {
        { "NATO UNCLASSIFIED", Classification.NU },
        { "NATO RESTRICTED", Classification.NR },
        { "NATO CONFIDENTIAL", Classification.NC },
        { "NATO SECRET", Classification.NS },
        { "COSMIC TOP SECRET", Classification.CTS },
    };

    public static readonly TheoryData<string, Classification> EuFullForms = new()
    {
        { "RESTREINT UE/EU RESTRICTED", Classification.NR },
        { "CONFIDENTIEL UE/EU CONFIDENTIAL", Classification.NC },
        { "SECRET UE/EU SECRET", Classification.NS },
        { "TRÈS SECRET UE/EU TOP SECRET", Classification.CTS },
    };

    public static readonly TheoryData<string, Classification> EuAliases = new()
    {
        { "RESTREINT UE", Classification.NR },
        { "EU RESTRICTED", Classification.NR },
        { "CONFIDENTIEL UE", Classification.NC },
        { "EU CONFIDENTIAL", Classification.NC },
        { "SECRET UE", Classification.NS },
        { "EU SECRET", Classification.NS },
        { "TRÈS SECRET UE", Classification.CTS },
        { "EU TOP SECRET", Classification.CTS },
    };

    private static readonly string[] AllAcceptedForms =
    [
        "NU", "NR", "NC", "NS", "CTS",
        "NATO UNCLASSIFIED", "NATO RESTRICTED", "NATO CONFIDENTIAL", "NATO SECRET", "COSMIC TOP SECRET",
        "RESTREINT UE/EU RESTRICTED", "CONFIDENTIEL UE/EU CONFIDENTIAL", "SECRET UE/EU SECRET", "TRÈS SECRET UE/EU TOP SECRET",
        "RESTREINT UE", "EU RESTRICTED", "CONFIDENTIEL UE", "EU CONFIDENTIAL", "SECRET UE", "EU SECRET", "TRÈS SECRET UE", "EU TOP SECRET",
    ];

    public static TheoryData<string> AcceptedFormsInOtherCases()
    {
        var data = new TheoryData<string>();
        foreach (var form in AllAcceptedForms)
        {
            data.Add(form.ToLowerInvariant());
            data.Add(AlternateCase(form));
        }
        return data;
    }

    public static TheoryData<Classification, MarkingScheme> LevelsAndSchemes()
    {
        var data = new TheoryData<Classification, MarkingScheme>();
        foreach (var level in Enum.GetValues<Classification>())
        {
            foreach (var scheme in Enum.GetValues<MarkingScheme>())
            {
                data.Add(level, scheme);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Abbreviations))]
    public void EveryLevelParsesFromItsAbbreviation(string text, Classification expected) => AssertParses(text, expected);

    [Theory]
    [MemberData(nameof(NatoFullForms))]
    public void EveryLevelParsesFromItsNatoFullForm(string text, Classification expected) => AssertParses(text, expected);

    [Theory]
    [MemberData(nameof(EuFullForms))]
    public void EveryEuFullFormParsesAsItsNatoEquivalent(string text, Classification expected) => AssertParses(text, expected);

    [Theory]
    [MemberData(nameof(EuAliases))]
    public void EveryEuAliasParsesAsItsNatoEquivalent(string text, Classification expected) => AssertParses(text, expected);

    [Fact]
    public void EuSecretReadsAsNatoSecret()
    {
        AssertParses("SECRET UE/EU SECRET", Classification.NS);
        AssertParses("EU SECRET", Classification.NS);
        Assert.Equal("NATO SECRET", Markings.Text(Classification.NS, MarkingScheme.Nato));
        Assert.Equal("SECRET UE/EU SECRET", Markings.Text(Classification.NS, MarkingScheme.Eu));
    }

    [Fact]
    public void EuTopSecretReadsAsCosmicTopSecret()
    {
        AssertParses("TRÈS SECRET UE/EU TOP SECRET", Classification.CTS);
        Assert.Equal("COSMIC TOP SECRET", Markings.Text(Classification.CTS, MarkingScheme.Nato));
        Assert.Equal("TRÈS SECRET UE/EU TOP SECRET", Markings.Text(Classification.CTS, MarkingScheme.Eu));
    }

    [Theory]
    [MemberData(nameof(LevelsAndSchemes))]
    public void EveryLevelWrittenInEitherSchemeParsesBackToTheSameLevel(Classification level, MarkingScheme scheme)
    {
        var text = Markings.Text(level, scheme);

        Assert.False(string.IsNullOrWhiteSpace(text));
        AssertParses(text, level);
    }

    [Theory]
    [InlineData(Classification.NU, "NATO UNCLASSIFIED", "NATO UNCLASSIFIED")]
    [InlineData(Classification.NR, "NATO RESTRICTED", "RESTREINT UE/EU RESTRICTED")]
    [InlineData(Classification.NC, "NATO CONFIDENTIAL", "CONFIDENTIEL UE/EU CONFIDENTIAL")]
    [InlineData(Classification.NS, "NATO SECRET", "SECRET UE/EU SECRET")]
    [InlineData(Classification.CTS, "COSMIC TOP SECRET", "TRÈS SECRET UE/EU TOP SECRET")]
    public void EveryLevelIsWrittenAsTheEquivalenceTableSays(Classification level, string nato, string eu)
    {
        Assert.Equal(nato, Markings.Text(level, MarkingScheme.Nato));
        Assert.Equal(eu, Markings.Text(level, MarkingScheme.Eu));
    }

    [Fact]
    public void NatoUnclassifiedHasNoEuMarkingAndReadsAsTheNatoOneInTheEuScheme()
    {
        Assert.Null(Markings.Of(Classification.NU).EuMarking);
        Assert.Empty(Markings.Of(Classification.NU).EuAliases);
        Assert.Equal("NATO UNCLASSIFIED", Markings.Text(Classification.NU, MarkingScheme.Eu));
    }

    [Fact]
    public void EveryFormInTheTableParsesBackToItsOwnRow()
    {
        foreach (var row in Markings.Table)
        {
            AssertParses(row.Classification.ToString(), row.Classification);
            AssertParses(row.NatoMarking, row.Classification);
            if (row.EuMarking is not null)
            {
                AssertParses(row.EuMarking, row.Classification);
            }
            foreach (var alias in row.EuAliases)
            {
                AssertParses(alias, row.Classification);
            }
        }
    }

    [Fact]
    public void TheTableHasOneRowPerLevelInOrder()
    {
        Assert.Equal(Enum.GetValues<Classification>(), Markings.Table.Select(row => row.Classification));
        foreach (var level in Enum.GetValues<Classification>())
        {
            Assert.Equal(level, Markings.Of(level).Classification);
        }
    }

    [Fact]
    public void AcceptedFormsAreExactlyTheAbbreviationsFullFormsAndAliases()
    {
        Assert.Equal(AllAcceptedForms.Order(StringComparer.Ordinal), Markings.AcceptedForms.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(AcceptedFormsInOtherCases))]
    public void MarkingsAreCaseInsensitive(string text)
    {
        var original = AllAcceptedForms.Single(form => string.Equals(form, text, StringComparison.OrdinalIgnoreCase));
        Assert.True(Markings.TryParse(original, out var expected));

        AssertParses(text, expected);
    }

    [Theory]
    // whitespace around or inside
    [InlineData(" NS")]
    [InlineData("NS ")]
    [InlineData(" NATO SECRET ")]
    [InlineData("NATO  SECRET")]
    [InlineData("NATO\tSECRET")]
    [InlineData("NATO\u00A0SECRET")]
    [InlineData("NATO SECRET\n")]
    [InlineData("N S")]
    [InlineData("\u200BNS")]
    [InlineData("RESTREINT UE / EU RESTRICTED")]
    // partial words, misspellings, extra words
    [InlineData("NATO SECRETT")]
    [InlineData("NATO SECRE")]
    [InlineData("NATO SEC")]
    [InlineData("NATO")]
    [InlineData("COSMIC")]
    [InlineData("TOP SECRET")]
    [InlineData("N")]
    [InlineData("CT")]
    [InlineData("NSS")]
    [InlineData("NATO-SECRET")]
    [InlineData("NATO_SECRET")]
    [InlineData("NATO SECRET,")]
    [InlineData("SECRET UE/EU")]
    [InlineData("EU TOP SECRET UE")]
    [InlineData("NATO SECRET / SECRET UE")]
    // words that are not markings of this table
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("SECRET")]
    [InlineData("secret")]
    [InlineData("CONFIDENTIAL")]
    [InlineData("RESTRICTED")]
    [InlineData("UNCLASSIFIED")]
    [InlineData("EU UNCLASSIFIED")]
    [InlineData("UNCLASSIFIED UE")]
    [InlineData("OFFICIAL")]
    [InlineData("TS")]
    [InlineData("EU")]
    [InlineData("UE")]
    [InlineData("PUBLIC")]
    [InlineData("TRES SECRET UE")]
    [InlineData("TRES SECRET UE/EU TOP SECRET")]
    // numbers (the enum's stored values must not leak into parsing)
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("3")]
    [InlineData("4")]
    [InlineData("5")]
    [InlineData("-1")]
    [InlineData("03")]
    // Unicode look-alikes
    [InlineData("NATO \u0421ECRET")] // Cyrillic capital ES
    [InlineData("NATO SE\u0421RET")] // Cyrillic capital ES
    [InlineData("NATO \u0455ECRET")] // Cyrillic small DZE looks like s
    [InlineData("\u041DS")] // Cyrillic capital EN
    [InlineData("N\u0405")] // Cyrillic capital DZE
    [InlineData("\uFF2E\uFF33")] // fullwidth NS
    [InlineData("NATO \u017FECRET")] // Latin small long s, upper-cases to S
    [InlineData("NATO CONF\u0131DENTIAL")] // Latin small dotless i, upper-cases to I
    [InlineData("NATO CONF\u0130DENTIAL")] // Latin capital dotted I
    [InlineData("TRE\u0300S SECRET UE")] // E + combining grave: the decomposed spelling of È
    [InlineData("TR\u00C9S SECRET UE")] // É instead of È
    public void AnythingOutsideTheTableIsRejected(string text)
    {
        Assert.False(Markings.TryParse(text, out _), $"'{text}' should not parse as a marking");
    }

    [Fact]
    public void NullIsRejected()
    {
        Assert.False(Markings.TryParse(null, out _));
    }

    [Fact]
    public void LevelsAreOrderedFromNatoUnclassifiedToCosmicTopSecret()
    {
        Assert.True(Classification.NU < Classification.NR);
        Assert.True(Classification.NR < Classification.NC);
        Assert.True(Classification.NC < Classification.NS);
        Assert.True(Classification.NS < Classification.CTS);
        Assert.Equal([Classification.NU, Classification.NR, Classification.NC, Classification.NS, Classification.CTS], Enum.GetValues<Classification>());
    }

    [Fact]
    public void StoredLevelValuesAreZeroToFour()
    {
        // The numeric value is what SQL compares; changing it would silently re-rank stored versions.
        Assert.Equal([0, 1, 2, 3, 4], Enum.GetValues<Classification>().Select(level => (int)level));
    }

    [Fact]
    public void EquivalentMarkingsCompareAsTheSameLevel()
    {
        Assert.True(Markings.TryParse("RESTREINT UE", out var euRestricted));
        Assert.True(Markings.TryParse("NATO CONFIDENTIAL", out var natoConfidential));
        Assert.True(Markings.TryParse("EU CONFIDENTIAL", out var euConfidential));

        Assert.True(euRestricted < natoConfidential);
        Assert.Equal(natoConfidential, euConfidential);
    }

    /// <summary>
    /// Random one-step mutations of accepted forms (insert, delete, replace a character, change its case) parse
    /// iff they are an accepted form up to the case of ASCII letters and È. Catches lenient comparers (culture,
    /// Unicode case folding, trimming) that hand-written cases might miss.
    /// </summary>
    [Fact]
    public void MutatedMarkingsParseOnlyWhenTheyAreStillAnAcceptedFormUpToCase()
    {
        char[] alphabet =
        [
            ' ', '/', '-', '.', 'A', 'E', 'I', 'N', 'S', 'T', 'U', 'a', 'e', 'i', 'n', 's', 't', 'u', '0', '3',
            'È', 'è', 'É', '\u00A0', '\t', '\n', '\u0421', '\u0441', '\u017F', '\u0131', '\u0130', '\u212A', '\u200B', '\uFF33',
        ];
        var forms = Gen.Elements(AllAcceptedForms);
        var mutated =
            from form in forms
            from kind in Gen.Choose(0, 4)
            from position in Gen.Choose(0, form.Length)
            from c in Gen.Elements(alphabet)
            select Mutate(form, kind, position, c);

        var accepted = AllAcceptedForms.Select(Fold).ToHashSet(StringComparer.Ordinal);
        Prop.ForAll(Arb.From(mutated), text =>
                Markings.TryParse(text, out _) == accepted.Contains(Fold(text)))
            .Label("TryParse accepts exactly the table up to case")
            .Check(PropertyConfig.Runs(2_000));
    }

    private static string Mutate(string form, int kind, int position, char c)
    {
        var at = Math.Min(position, form.Length - 1);
        return kind switch
        {
            0 => form.Insert(position, c.ToString()),
            1 => form.Remove(at, 1),
            2 => form.Remove(at, 1).Insert(at, c.ToString()),
            3 => AlternateCase(form),
            _ => form.ToLowerInvariant(),
        };
    }

    /// <summary>Upper-cases ASCII letters and è only: the case-insensitivity the table needs, and no more.</summary>
    private static string Fold(string text) =>
        string.Concat(text.Select(c => c is >= 'a' and <= 'z' ? (char)(c - 32) : c == 'è' ? 'È' : c));

    private static string AlternateCase(string text) =>
        string.Concat(text.Select((c, i) => i % 2 == 0 ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)));

    private static void AssertParses(string text, Classification expected)
    {
        Assert.True(Markings.TryParse(text, out var actual), $"'{text}' should parse");
        Assert.Equal(expected, actual);
    }
}
