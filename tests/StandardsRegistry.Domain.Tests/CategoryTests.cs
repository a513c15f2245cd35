using System.Globalization;
using System.Text.Json.Nodes;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Domain.Tests;

/// <summary>
/// <see cref="Categories.Validate"/>. Attributes are parsed from JSON text, as the API receives them, unless a test
/// is about objects built in code.
/// </summary>
public sealed class CategoryTests
{
    public const int Runs = 3_000;

    private enum Kind { Number, Text, Layer }

    private static readonly Dictionary<string, (string Name, Kind Kind)[]> Specs = new(StringComparer.Ordinal)
    {
        [Categories.Caliber] = [("boreMm", Kind.Number), ("caseLengthMm", Kind.Number), ("cartridge", Kind.Text)],
        [Categories.RadioBand] = [("lowMHz", Kind.Number), ("highMHz", Kind.Number)],
        [Categories.CommsProtocol] = [("layer", Kind.Layer), ("transport", Kind.Text)],
        [Categories.DataLink] = [("messageFormat", Kind.Text), ("dataRateKbps", Kind.Number)],
    };

    private static readonly Dictionary<string, string> ValidJson = new(StringComparer.Ordinal)
    {
        [Categories.Caliber] = """{ "boreMm": 5.56, "caseLengthMm": 45, "cartridge": "5.56×45mm NATO" }""",
        [Categories.RadioBand] = """{ "lowMHz": 225, "highMHz": 400 }""",
        [Categories.CommsProtocol] = """{ "layer": "application", "transport": "TCP" }""",
        [Categories.DataLink] = """{ "messageFormat": "J-series", "dataRateKbps": 115.2 }""",
    };

    private static readonly string[] Layers = ["physical", "data-link", "network", "transport", "session", "presentation", "application"];

    public static TheoryData<string> CategoryNames() => new(Categories.All);

    public static TheoryData<string, string> AllAttributes() => Attributes(_ => true);

    public static TheoryData<string, string> NumberAttributes() => Attributes(kind => kind == Kind.Number);

    public static TheoryData<string, string> TextAttributes() => Attributes(kind => kind != Kind.Number);

    private static TheoryData<string, string> Attributes(Func<Kind, bool> which)
    {
        var data = new TheoryData<string, string>();
        foreach (var (category, attributes) in Specs)
        {
            foreach (var (name, kind) in attributes.Where(a => which(a.Kind)))
            {
                data.Add(category, name);
            }
        }
        return data;
    }

    private static JsonObject Valid(string category) => JsonNode.Parse(ValidJson[category])!.AsObject();

    private static JsonObject ValidWith(string category, string name, string jsonValue)
    {
        var attributes = Valid(category);
        attributes[name] = JsonNode.Parse(jsonValue);
        return attributes;
    }

    private static IDictionary<string, string[]> Validate(string category, JsonObject? attributes)
    {
        var errors = new ValidationErrors();
        Categories.Validate(category, attributes, errors);
        return errors.ToDictionary();
    }

    /// <summary>Exactly one field is wrong, under <c>attributes.name</c>, and its message names the field.</summary>
    private static void AssertOnlyError(IDictionary<string, string[]> errors, string name)
    {
        var (field, messages) = Assert.Single(errors);
        Assert.Equal($"attributes.{name}", field);
        Assert.Contains($"'{name}'", Assert.Single(messages));
    }

    [Fact]
    public void EveryCategoryHasASpecHere()
    {
        Assert.Equal(Categories.All.Order(StringComparer.Ordinal), Specs.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Layers, Categories.OsiLayers);
    }

    [Theory]
    [MemberData(nameof(CategoryNames))]
    public void EachCategorysValidAttributesPass(string category)
    {
        Assert.Empty(Validate(category, Valid(category)));
    }

    [Theory]
    [MemberData(nameof(CategoryNames))]
    public void AttributeOrderDoesNotMatter(string category)
    {
        var reversed = new JsonObject(Valid(category).Reverse().Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));

        Assert.Empty(Validate(category, reversed));
    }

    [Theory]
    [InlineData("physical")]
    [InlineData("data-link")]
    [InlineData("network")]
    [InlineData("transport")]
    [InlineData("session")]
    [InlineData("presentation")]
    [InlineData("application")]
    public void EveryOsiLayerIsAccepted(string layer)
    {
        Assert.Empty(Validate(Categories.CommsProtocol, ValidWith(Categories.CommsProtocol, "layer", $"\"{layer}\"")));
    }

    [Theory]
    [MemberData(nameof(AllAttributes))]
    public void EachMissingAttributeIsReportedUnderItsName(string category, string name)
    {
        var attributes = Valid(category);
        attributes.Remove(name);

        var errors = Validate(category, attributes);

        AssertOnlyError(errors, name);
        Assert.Contains("required", errors[$"attributes.{name}"][0]);
    }

    [Theory]
    [MemberData(nameof(AllAttributes))]
    public void AnExplicitNullCountsAsMissing(string category, string name)
    {
        AssertOnlyError(Validate(category, ValidWith(category, name, "null")), name);
    }

    [Theory]
    [MemberData(nameof(CategoryNames))]
    public void AnEmptyObjectReportsEveryAttribute(string category)
    {
        var errors = Validate(category, []);

        Assert.Equal(Specs[category].Select(a => $"attributes.{a.Name}").Order(StringComparer.Ordinal), errors.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(NumberAttributes))]
    public void AStringForANumberIsRejected(string category, string name)
    {
        AssertOnlyError(Validate(category, ValidWith(category, name, "\"5\"")), name);
    }

    [Theory]
    [MemberData(nameof(TextAttributes))]
    public void ANumberForAStringIsRejected(string category, string name)
    {
        AssertOnlyError(Validate(category, ValidWith(category, name, "5")), name);
    }

    [Theory]
    [MemberData(nameof(AllAttributes))]
    public void BooleansArraysAndObjectsAreRejectedForEveryAttribute(string category, string name)
    {
        foreach (var json in new[] { "true", "false", "[]", "[5]", "[\"TCP\"]", "{}", "{\"value\": 5}" })
        {
            AssertOnlyError(Validate(category, ValidWith(category, name, json)), name);
        }
    }

    [Theory]
    [MemberData(nameof(NumberAttributes))]
    public void ZeroNegativeNonFiniteAndSubnormalNumbersAreRejected(string category, string name)
    {
        foreach (var json in new[] { "0", "0.0", "-0", "-0.0", "-1", "-0.000001", "-1e308", "1e400", "-1e400", "5e-324", "1e-310", "9.99e-301", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"\"" })
        {
            AssertOnlyError(Validate(category, ValidWith(category, name, json)), name);
        }
    }

    [Theory]
    [MemberData(nameof(NumberAttributes))]
    public void NonFiniteNumbersBuiltInCodeAreRejected(string category, string name)
    {
        foreach (var value in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -2.5 })
        {
            var attributes = Valid(category);
            attributes[name] = JsonValue.Create(value);

            AssertOnlyError(Validate(category, attributes), name);
        }
    }

    [Theory]
    [MemberData(nameof(NumberAttributes))]
    public void TinyAndHugePositiveNumbersAreAccepted(string category, string name)
    {
        if (category == Categories.RadioBand)
        {
            return; // the band's order constraint is tested on its own
        }
        foreach (var json in new[] { "1e-300", "0.001", "1", "1e308", "7E2" })
        {
            Assert.Empty(Validate(category, ValidWith(category, name, json)));
        }
    }

    /// <summary>
    /// A JsonObject built in code holds CLR numbers (int, long, decimal), not parsed JSON; they are JSON numbers all
    /// the same and must validate like parsed ones, not throw.
    /// </summary>
    [Theory]
    [MemberData(nameof(NumberAttributes))]
    public void IntegerAndDecimalNumbersBuiltInCodeAreAccepted(string category, string name)
    {
        if (category == Categories.RadioBand)
        {
            return;
        }
        foreach (var value in new JsonNode[] { JsonValue.Create(9600), JsonValue.Create(9600L), JsonValue.Create(5.56m), JsonValue.Create(5.56f) })
        {
            var attributes = Valid(category);
            attributes[name] = value;

            Assert.Empty(Validate(category, attributes));
        }
    }

    [Theory]
    [InlineData(400, 400)]
    [InlineData(400, 225)]
    [InlineData(30.0000001, 30)]
    public void LowFrequencyMustBeBelowHighFrequency(double low, double high)
    {
        var attributes = new JsonObject
        {
            ["lowMHz"] = JsonNode.Parse(low.ToString("R", CultureInfo.InvariantCulture)),
            ["highMHz"] = JsonNode.Parse(high.ToString("R", CultureInfo.InvariantCulture)),
        };

        var errors = Validate(Categories.RadioBand, attributes);

        var message = Assert.Single(Assert.Single(errors, e => e.Key == "attributes.highMHz").Value);
        Assert.Single(errors);
        Assert.Contains("'highMHz'", message);
        Assert.Contains("'lowMHz'", message);
    }

    [Fact]
    public void NarrowestPositiveBandIsAccepted()
    {
        Assert.Empty(Validate(Categories.RadioBand, JsonNode.Parse("""{ "lowMHz": 30, "highMHz": 30.000001 }""")!.AsObject()));
    }

    [Fact]
    public void AnInvalidBandEdgeIsReportedOnceWithoutAComparisonError()
    {
        var errors = Validate(Categories.RadioBand, JsonNode.Parse("""{ "lowMHz": -5, "highMHz": 0 }""")!.AsObject());

        Assert.Equal(["attributes.highMHz", "attributes.lowMHz"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.All(errors.Values, messages => Assert.Single(messages));
    }

    [Theory]
    [InlineData("\"Physical\"")]
    [InlineData("\"APPLICATION\"")]
    [InlineData("\"application \"")]
    [InlineData("\"data link\"")]
    [InlineData("\"layer 7\"")]
    [InlineData("\"7\"")]
    [InlineData("\"\"")]
    [InlineData("\"link\"")]
    [InlineData("7")]
    public void UnknownLayerIsRejected(string json)
    {
        var errors = Validate(Categories.CommsProtocol, ValidWith(Categories.CommsProtocol, "layer", json));

        AssertOnlyError(errors, "layer");
        Assert.Contains("physical", errors["attributes.layer"][0]);
    }

    [Theory]
    [MemberData(nameof(TextAttributes))]
    public void EmptyBlankOrOverlongTextIsRejected(string category, string name)
    {
        if (name == "layer")
        {
            return;
        }
        foreach (var json in new[] { "\"\"", "\" \"", "\"\\t\\n\"", $"\"{new string('x', 101)}\"" })
        {
            AssertOnlyError(Validate(category, ValidWith(category, name, json)), name);
        }
    }

    [Theory]
    [MemberData(nameof(TextAttributes))]
    public void TextUpToOneHundredCharactersIsAccepted(string category, string name)
    {
        if (name == "layer")
        {
            return;
        }
        Assert.Empty(Validate(category, ValidWith(category, name, $"\"{new string('x', 100)}\"")));
    }

    [Theory]
    [MemberData(nameof(CategoryNames))]
    public void AnUnknownExtraAttributeIsRejectedUnderItsName(string category)
    {
        var attributes = Valid(category);
        attributes["colour"] = "green";

        AssertOnlyError(Validate(category, attributes), "colour");
    }

    [Fact]
    public void AnotherCategorysAttributeIsRejectedAsUnknown()
    {
        var attributes = Valid(Categories.Caliber);
        attributes["lowMHz"] = 225.0;

        AssertOnlyError(Validate(Categories.Caliber, attributes), "lowMHz");
    }

    [Fact]
    public void AttributeNamesAreCaseSensitive()
    {
        var attributes = Valid(Categories.Caliber);
        attributes.Remove("boreMm");
        attributes["BoreMm"] = 5.56;

        var errors = Validate(Categories.Caliber, attributes);

        Assert.Equal(["attributes.BoreMm", "attributes.boreMm"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce()
    {
        var attributes = JsonNode.Parse("""{ "boreMm": "5.56", "caseLengthMm": -45, "extra": 1, "another": null }""")!.AsObject();

        var errors = Validate(Categories.Caliber, attributes);

        Assert.Equal(
            ["attributes.another", "attributes.boreMm", "attributes.cartridge", "attributes.caseLengthMm", "attributes.extra"],
            errors.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(CategoryNames))]
    public void NullAttributesAreReportedOnTheAttributesField(string category)
    {
        var errors = Validate(category, null);

        var (field, messages) = Assert.Single(errors);
        Assert.Equal("attributes", field);
        Assert.Contains("'attributes' is required", Assert.Single(messages));
    }

    [Theory]
    [InlineData("Caliber")]
    [InlineData("CALIBER")]
    [InlineData("radio band")]
    [InlineData("radio_band")]
    [InlineData(" caliber")]
    [InlineData("")]
    [InlineData("weapon")]
    public void ValidatingAnUnknownCategoryThrows(string category)
    {
        var errors = new ValidationErrors();

        Assert.Throws<ArgumentOutOfRangeException>(() => Categories.Validate(category, Valid(Categories.Caliber), errors));
        Assert.False(Categories.IsKnown(category));
    }

    [Theory]
    [InlineData("caliber")]
    [InlineData("comms-protocol")]
    [InlineData("radio-band")]
    [InlineData("data-link")]
    public void TheFourCategoriesAreKnown(string category)
    {
        Assert.True(Categories.IsKnown(category));
    }

    [Fact]
    public void NullIsNotAKnownCategory()
    {
        Assert.False(Categories.IsKnown(null));
    }

    [Fact]
    public void UnknownCategoryMessageListsTheKnownOnes()
    {
        var message = Categories.UnknownMessage("weapon");

        Assert.Contains("'weapon'", message);
        Assert.All(Categories.All, category => Assert.Contains(category, message));
    }

    /// <summary>
    /// Random attribute objects (names from every category plus strangers, values of every JSON type) against an
    /// oracle written from the spec: never throws, and the set of failing fields is exactly what the oracle expects.
    /// </summary>
    [Fact]
    public void RandomAttributeObjectsFailExactlyOnTheFieldsTheSpecRejects()
    {
        string[] names = [.. Specs.Values.SelectMany(a => a).Select(a => a.Name).Distinct(), "extra", "BoreMm"];
        string[] values =
        [
            "null", "true", "0", "-1", "0.5", "5", "225", "400", "1e308", "1e400", "\"5\"", "\"\"", "\" \"", "\"TCP\"",
            "\"application\"", "\"Physical\"", "\"data-link\"", $"\"{new string('x', 100)}\"", $"\"{new string('x', 101)}\"", "[]", "{}",
        ];
        var objects =
            from category in Gen.Elements(Categories.All.ToArray())
            from fromValid in Gen.Elements(true, false)
            from edits in Gen.ListOf(Gen.Elements(names).Zip(Gen.Frequency((1, Gen.Constant<string?>(null)), (6, Gen.Elements(values).Select(v => (string?)v)))), 4)
            select new AttributeCase(category, Build(category, fromValid, edits));

        Prop.ForAll(Arb.From(objects), c =>
                Validate(c.Category, JsonNode.Parse(c.Json)!.AsObject()).Keys.Order(StringComparer.Ordinal)
                    .SequenceEqual(ExpectedErrors(c.Category, c.Json).Order(StringComparer.Ordinal)))
            .Check(PropertyConfig.Runs(Runs));

        static string Build(string category, bool fromValid, IEnumerable<(string Name, string? Json)> edits)
        {
            var attributes = fromValid ? Valid(category) : [];
            foreach (var (name, json) in edits)
            {
                if (json is null)
                {
                    attributes.Remove(name);
                }
                else
                {
                    attributes[name] = JsonNode.Parse(json);
                }
            }
            return attributes.ToJsonString();
        }
    }

    private sealed record AttributeCase(string Category, string Json)
    {
        public override string ToString() => $"{Category} {Json}";
    }

    private static IEnumerable<string> ExpectedErrors(string category, string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var root = document.RootElement;
        var spec = Specs[category];
        var errors = new HashSet<string>(StringComparer.Ordinal);
        var numbers = new Dictionary<string, double>(StringComparer.Ordinal);

        foreach (var (name, kind) in spec)
        {
            if (!root.TryGetProperty(name, out var value) || value.ValueKind == System.Text.Json.JsonValueKind.Null)
            {
                errors.Add($"attributes.{name}");
                continue;
            }
            var ok = kind switch
            {
                Kind.Number => value.ValueKind == System.Text.Json.JsonValueKind.Number
                    && double.TryParse(value.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                    && double.IsFinite(d) && d > 0 && numbers.TryAdd(name, d),
                Kind.Text => value.ValueKind == System.Text.Json.JsonValueKind.String
                    && !string.IsNullOrWhiteSpace(value.GetString()) && value.GetString()!.Length <= 100,
                _ => value.ValueKind == System.Text.Json.JsonValueKind.String && Layers.Contains(value.GetString()),
            };
            if (!ok)
            {
                errors.Add($"attributes.{name}");
            }
        }
        if (numbers.TryGetValue("lowMHz", out var low) && numbers.TryGetValue("highMHz", out var high) && low >= high)
        {
            errors.Add("attributes.highMHz");
        }
        foreach (var property in root.EnumerateObject())
        {
            if (!spec.Any(a => a.Name == property.Name))
            {
                errors.Add($"attributes.{property.Name}");
            }
        }
        return errors;
    }
}
