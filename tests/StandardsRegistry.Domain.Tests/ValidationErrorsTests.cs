using StandardsRegistry.Domain;

namespace StandardsRegistry.Domain.Tests;

public sealed class ValidationErrorsTests
{
    [Fact]
    public void NewCollectionIsEmpty()
    {
        var errors = new ValidationErrors();

        Assert.True(errors.IsEmpty);
        Assert.Empty(errors.ToDictionary());
    }

    [Fact]
    public void MessagesForOneFieldAccumulateInOrder()
    {
        var errors = new ValidationErrors();
        errors.Add("title", "first");
        errors.Add("title", "second");
        errors.Add("summary", "third");

        var dictionary = errors.ToDictionary();
        Assert.False(errors.IsEmpty);
        Assert.Equal(["first", "second"], dictionary["title"]);
        Assert.Equal(["third"], dictionary["summary"]);
    }

    [Fact]
    public void FieldNamesAreCaseSensitive()
    {
        var errors = new ValidationErrors();
        errors.Add("title", "a");
        errors.Add("Title", "b");

        Assert.Equal(2, errors.ToDictionary().Count);
    }

    [Fact]
    public void ToDictionaryIsASnapshot()
    {
        var errors = new ValidationErrors();
        errors.Add("title", "a");
        var snapshot = errors.ToDictionary();

        errors.Add("title", "b");
        Assert.Equal(["a"], snapshot["title"]);

        snapshot.Remove("title");
        Assert.Equal(["a", "b"], errors.ToDictionary()["title"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\n")]
    public void RequiredRejectsMissingOrBlankValues(string? value)
    {
        var errors = new ValidationErrors();
        errors.Required("title", value, 10);

        var message = Assert.Single(errors.ToDictionary()["title"]);
        Assert.Contains("'title' is required", message);
    }

    [Fact]
    public void RequiredRejectsAValueOverTheLimitAndNamesTheLimit()
    {
        var errors = new ValidationErrors();
        errors.Required("title", new string('x', 11), 10);

        var message = Assert.Single(errors.ToDictionary()["title"]);
        Assert.Contains("'title'", message);
        Assert.Contains("10", message);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("  padded  ")]
    [InlineData("exactly10!")]
    public void RequiredAcceptsAValueUpToTheLimit(string value)
    {
        var errors = new ValidationErrors();
        errors.Required("title", value, 10);

        Assert.True(errors.IsEmpty);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("exactly10!")]
    public void OptionalAcceptsNothingOrAValueUpToTheLimit(string? value)
    {
        var errors = new ValidationErrors();
        errors.Optional("summary", value, 10);

        Assert.True(errors.IsEmpty);
    }

    [Fact]
    public void OptionalRejectsAValueOverTheLimitAndNamesTheField()
    {
        var errors = new ValidationErrors();
        errors.Optional("summary", new string('x', 11), 10);

        var message = Assert.Single(errors.ToDictionary()["summary"]);
        Assert.Contains("'summary'", message);
        Assert.Contains("10", message);
    }

    [Theory]
    [InlineData("NS", Classification.NS)]
    [InlineData("nato secret", Classification.NS)]
    [InlineData("SECRET UE/EU SECRET", Classification.NS)]
    [InlineData("EU RESTRICTED", Classification.NR)]
    [InlineData("COSMIC TOP SECRET", Classification.CTS)]
    [InlineData("NU", Classification.NU)]
    public void ClassificationReturnsTheLevelOfAValidMarkingWithoutError(string value, Classification expected)
    {
        var errors = new ValidationErrors();

        Assert.Equal(expected, errors.Classification("classification", value));
        Assert.True(errors.IsEmpty);
    }

    [Fact]
    public void ClassificationIsRequired()
    {
        var errors = new ValidationErrors();

        Assert.Null(errors.Classification("classification", null));
        var message = Assert.Single(errors.ToDictionary()["classification"]);
        Assert.Contains("'classification' is required", message);
        Assert.Contains("NU, NR, NC, NS, CTS", message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("SECRET")]
    [InlineData("NATO SECRETT")]
    [InlineData(" NS")]
    [InlineData("3")]
    public void ClassificationRejectsAnythingElseAndSaysWhatIsAccepted(string value)
    {
        var errors = new ValidationErrors();

        Assert.Null(errors.Classification("classification", value));
        var message = Assert.Single(errors.ToDictionary()["classification"]);
        Assert.Contains($"'{value}' is not a classification marking", message);
        Assert.Contains("NU, NR, NC, NS, CTS", message);
    }

    [Fact]
    public void EveryCheckAddsToTheSameCollection()
    {
        var errors = new ValidationErrors();
        errors.Required("title", null, 10);
        errors.Optional("summary", new string('x', 11), 10);
        errors.Classification("classification", "TOP SECRET");

        Assert.Equal(["classification", "summary", "title"], errors.ToDictionary().Keys.Order(StringComparer.Ordinal));
    }
}
