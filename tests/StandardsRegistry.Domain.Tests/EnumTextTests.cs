namespace StandardsRegistry.Domain.Tests;

/// <summary>The one converter of enum text (storage and wire): every member round-trips, and nothing else parses.</summary>
public sealed class EnumTextTests
{
    [Fact]
    public void EveryMemberOfEveryStoredEnumRoundTripsThroughItsLowercaseName()
    {
        RoundTrips<VersionStatus>();
        RoundTrips<FeedEventType>();
        Assert.Equal("hidden", EnumText.Of(FeedEventType.Hidden));
    }

    [Fact]
    public void AMemberOfSeveralWordsIsWrittenWithHyphens()
    {
        Assert.Equal("ratified-with-reservations", EnumText.Of(ResponseKind.RatifiedWithReservations));
        Assert.Equal("not-ratifying", EnumText.Of(ResponseKind.NotRatifying));
        Assert.Equal(ResponseKind.NoResponse, EnumText.Parse<ResponseKind>("no-response"));
        Assert.Throws<ArgumentOutOfRangeException>(() => EnumText.Parse<ResponseKind>("noresponse"));
    }

    [Theory]
    [InlineData("Visible")]
    [InlineData("VISIBLE")]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData(" visible")]
    [InlineData("")]
    public void OnlyTheExactLowercaseNameParses(string text)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EnumText.Parse<FeedEventType>(text));
    }

    [Fact]
    public void AValueThatIsNoMemberHasNoText()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EnumText.Of((FeedEventType)9));
    }

    private static void RoundTrips<T>() where T : struct, Enum
    {
        foreach (var value in Enum.GetValues<T>())
        {
            var text = EnumText.Of(value);
            Assert.Equal(value.ToString().ToLowerInvariant(), text);
            Assert.Equal(value, EnumText.Parse<T>(text));
        }
    }
}
