using StandardsRegistry.Domain;

namespace StandardsRegistry.Domain.Tests;

public sealed class LifecycleTests
{
    public static TheoryData<VersionStatus> Statuses() => new(Enum.GetValues<VersionStatus>());

    [Fact]
    public void SupersededWithNoVisibleSuccessorDisplaysAsPublished()
    {
        Assert.Equal(VersionStatus.Published, Lifecycle.Displayed(VersionStatus.Superseded, null));
    }

    [Fact]
    public void SupersededWithAVisibleSuccessorStaysSuperseded()
    {
        Assert.Equal(VersionStatus.Superseded, Lifecycle.Displayed(VersionStatus.Superseded, 3));
    }

    [Theory]
    [InlineData(VersionStatus.Draft, null)]
    [InlineData(VersionStatus.Draft, 2)]
    [InlineData(VersionStatus.Published, null)]
    [InlineData(VersionStatus.Published, 2)]
    [InlineData(VersionStatus.Withdrawn, null)]
    [InlineData(VersionStatus.Withdrawn, 2)]
    public void OtherStatusesAreDisplayedAsStored(VersionStatus stored, int? visibleSuccessor)
    {
        Assert.Equal(stored, Lifecycle.Displayed(stored, visibleSuccessor));
    }

    [Theory]
    [InlineData(VersionStatus.Draft, "draft")]
    [InlineData(VersionStatus.Published, "published")]
    [InlineData(VersionStatus.Superseded, "superseded")]
    [InlineData(VersionStatus.Withdrawn, "withdrawn")]
    public void EveryStatusIsWrittenInLowercase(VersionStatus status, string text)
    {
        Assert.Equal(text, EnumText.Of(status));
        Assert.Equal(status, EnumText.Parse<VersionStatus>(text));
    }

    [Theory]
    [MemberData(nameof(Statuses))]
    public void EveryStatusRoundTripsThroughItsText(VersionStatus status)
    {
        Assert.Equal(status, EnumText.Parse<VersionStatus>(EnumText.Of(status)));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("Draft")]
    [InlineData("PUBLISHED")]
    [InlineData(" draft")]
    [InlineData("draft ")]
    [InlineData("deleted")]
    [InlineData("current")]
    [InlineData("0")]
    [InlineData("1")]
    public void UnknownStatusTextThrows(string text)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EnumText.Parse<VersionStatus>(text));
    }

    [Fact]
    public void NullStatusTextThrows()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EnumText.Parse<VersionStatus>(null!));
    }

    [Fact]
    public void UndefinedStatusValueCannotBeWritten()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EnumText.Of((VersionStatus)42));
    }

    [Theory]
    [InlineData(VersionStatus.Draft, false)]
    [InlineData(VersionStatus.Published, true)]
    [InlineData(VersionStatus.Superseded, true)]
    [InlineData(VersionStatus.Withdrawn, false)]
    public void OnlyPublishedAndSupersededEditionsAreReleasable(VersionStatus status, bool releasable)
    {
        Assert.Equal(releasable, Lifecycle.IsReleasable(status));
    }
}
