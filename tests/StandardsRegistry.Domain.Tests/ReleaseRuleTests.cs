using StandardsRegistry.Domain;
using static StandardsRegistry.Domain.Tests.Fixtures;

namespace StandardsRegistry.Domain.Tests;

/// <summary><see cref="ReleaseRule.CanSee"/>, the rule of docs/design.md §1.5, case by case.</summary>
public sealed class ReleaseRuleTests
{
    private static readonly VisibilityScope NatoReader = ReleaseRule.ScopeFor(Nato(Classification.NS, Roles.Consumer), null);
    private static readonly VisibilityScope NatoEditor = ReleaseRule.ScopeFor(Nato(Classification.NS, Roles.Editor), null);
    private static readonly VisibilityScope EuReader = ReleaseRule.ScopeFor(Member("EU", Classification.NS, Roles.Consumer), Eu);
    private static readonly VisibilityScope Anonymous = ReleaseRule.ScopeFor(Principal.Anonymous, Public);

    private static readonly ReleaseFacts[] ReleasedToEu = [Release("EU")];

    private static bool CanSee(VisibilityScope scope, VersionFacts version, params ReleaseFacts[] releases) =>
        ReleaseRule.CanSee(scope, version, releases, Now);

    // --- NATO: by clearance alone -------------------------------------------------------------------------------

    [Theory]
    [InlineData(VersionStatus.Published)]
    [InlineData(VersionStatus.Superseded)]
    [InlineData(VersionStatus.Withdrawn)]
    public void NatoSeesEveryNonDraftStatusWithoutAnyRelease(VersionStatus status)
    {
        Assert.True(CanSee(NatoReader, Version(Classification.NS, status)));
    }

    [Fact]
    public void NatoReaderDoesNotSeeDrafts()
    {
        Assert.False(CanSee(NatoReader, Version(Classification.NU, VersionStatus.Draft)));
    }

    [Fact]
    public void NatoEditorSeesDraftsUpToItsClearance()
    {
        Assert.True(CanSee(NatoEditor, Version(Classification.NS, VersionStatus.Draft)));
        Assert.False(CanSee(NatoEditor, Version(Classification.CTS, VersionStatus.Draft)));
    }

    [Theory]
    [InlineData(Classification.NU, true)]
    [InlineData(Classification.NR, true)]
    [InlineData(Classification.NC, true)]
    [InlineData(Classification.NS, true)]
    [InlineData(Classification.CTS, false)]
    public void NatoSeesExactlyUpToItsClearance(Classification classification, bool visible)
    {
        Assert.Equal(visible, CanSee(NatoReader, Version(classification)));
    }

    [Fact]
    public void NatoWithoutClearanceSeesNatoUnclassifiedOnly()
    {
        var scope = ReleaseRule.ScopeFor(Nato(null), null);

        Assert.True(CanSee(scope, Version(Classification.NU)));
        Assert.False(CanSee(scope, Version(Classification.NR)));
    }

    [Fact]
    public void NatoIgnoresReleasesAndTheirRevocation()
    {
        var revoked = Release("EU", revokedAt: Now.AddHours(-1));
        var future = Release("EU", effectiveFrom: Now.AddDays(1));

        Assert.True(CanSee(NatoReader, Version(Classification.NR), revoked, future));
    }

    // --- Non-NATO: by release, status and clearance -----------------------------------------------------------

    [Fact]
    public void EuSeesAPublishedVersionReleasedToTheEu()
    {
        Assert.True(CanSee(EuReader, Version(Classification.NS), ReleasedToEu));
    }

    [Fact]
    public void EuSeesASupersededVersionReleasedToTheEu()
    {
        Assert.True(CanSee(EuReader, Version(Classification.NR, VersionStatus.Superseded), ReleasedToEu));
    }

    [Fact]
    public void EuNeverSeesADraftEvenWhenReleased()
    {
        Assert.False(CanSee(EuReader, Version(Classification.NU, VersionStatus.Draft), ReleasedToEu));
    }

    [Fact]
    public void EuEditorNeverSeesADraft()
    {
        var euEditor = ReleaseRule.ScopeFor(Member("EU", Classification.CTS, Roles.Editor), Eu);

        Assert.False(CanSee(euEditor, Version(Classification.NU, VersionStatus.Draft), ReleasedToEu));
    }

    [Fact]
    public void EuNeverSeesAWithdrawnVersionEvenWhenItsReleaseStands()
    {
        Assert.False(CanSee(EuReader, Version(Classification.NU, VersionStatus.Withdrawn), ReleasedToEu));
    }

    [Fact]
    public void EuDoesNotSeeAVersionClassifiedAboveItsClearance()
    {
        Assert.False(CanSee(EuReader, Version(Classification.CTS), ReleasedToEu));
        Assert.True(CanSee(EuReader, Version(Classification.NS), ReleasedToEu));
    }

    [Fact]
    public void EuWithoutClearanceSeesReleasedNatoUnclassifiedOnly()
    {
        var scope = ReleaseRule.ScopeFor(Member("EU", null), Eu);

        Assert.True(CanSee(scope, Version(Classification.NU), ReleasedToEu));
        Assert.False(CanSee(scope, Version(Classification.NR), ReleasedToEu));
    }

    [Fact]
    public void AudienceCeilingHidesAReleasedVersionAboveIt()
    {
        var industryScope = ReleaseRule.ScopeFor(Member("INDUSTRY", Classification.CTS), Industry);

        Assert.True(CanSee(industryScope, Version(Classification.NR), Release("INDUSTRY")));
        Assert.False(CanSee(industryScope, Version(Classification.NC), Release("INDUSTRY")));
    }

    [Fact]
    public void PublicTokenClaimingNatoSecretDoesNotSeeAReleasedRestrictedVersion()
    {
        var scope = ReleaseRule.ScopeFor(Member(Communities.Public, Classification.NS), Public);

        Assert.False(CanSee(scope, Version(Classification.NR), Release(Communities.Public)));
        Assert.True(CanSee(scope, Version(Classification.NU), Release(Communities.Public)));
    }

    [Fact]
    public void EuDoesNotSeeAVersionWithoutAnyRelease()
    {
        Assert.False(CanSee(EuReader, Version(Classification.NU)));
    }

    [Fact]
    public void EuDoesNotSeeAVersionReleasedToAnotherAudience()
    {
        Assert.False(CanSee(EuReader, Version(Classification.NU), Release(Communities.Public), Release("INDUSTRY")));
    }

    [Fact]
    public void PublicDoesNotSeeAVersionReleasedToTheEu()
    {
        Assert.False(CanSee(Anonymous, Version(Classification.NU), ReleasedToEu));
    }

    [Fact]
    public void ReleaseAudienceMatchesTheCommunityExactly()
    {
        Assert.False(CanSee(EuReader, Version(Classification.NU), Release("eu")));
        Assert.False(CanSee(EuReader, Version(Classification.NU), Release("EU ")));
    }

    [Fact]
    public void ARevokedReleaseNoLongerReleases()
    {
        Assert.False(CanSee(EuReader, Version(Classification.NU), Release("EU", revokedAt: Now.AddHours(-1))));
    }

    [Fact]
    public void AReleaseEffectiveInTheFutureDoesNotReleaseYet()
    {
        Assert.False(CanSee(EuReader, Version(Classification.NU), Release("EU", effectiveFrom: Now.AddTicks(1))));
        Assert.False(CanSee(EuReader, Version(Classification.NU), Release("EU", effectiveFrom: Now.AddDays(30))));
    }

    [Fact]
    public void AReleaseTakesEffectAtExactlyItsEffectiveTime()
    {
        Assert.True(CanSee(EuReader, Version(Classification.NU), Release("EU", effectiveFrom: Now)));
    }

    [Fact]
    public void EffectiveTimeIsComparedAsAnInstantWhateverItsOffset()
    {
        var sameInstantInParis = Now.ToOffset(TimeSpan.FromHours(2));
        var oneSecondLaterInParis = Now.AddSeconds(1).ToOffset(TimeSpan.FromHours(2));

        Assert.True(CanSee(EuReader, Version(Classification.NU), Release("EU", effectiveFrom: sameInstantInParis)));
        Assert.False(CanSee(EuReader, Version(Classification.NU), Release("EU", effectiveFrom: oneSecondLaterInParis)));
    }

    [Fact]
    public void OneActiveReleaseAmongRevokedAndFutureOnesIsEnough()
    {
        ReleaseFacts[] history =
        [
            Release("EU", effectiveFrom: Now.AddDays(-10), revokedAt: Now.AddDays(-5)),
            Release(Communities.Public, effectiveFrom: Now.AddDays(-3)),
            Release("EU", effectiveFrom: Now.AddDays(-2)),
            Release("EU", effectiveFrom: Now.AddDays(3)),
        ];

        Assert.True(CanSee(EuReader, Version(Classification.NC), history));
    }

    [Fact]
    public void OnlyRevokedAndFutureReleasesToTheAudienceRelease()
    {
        ReleaseFacts[] history =
        [
            Release("EU", effectiveFrom: Now.AddDays(-10), revokedAt: Now.AddDays(-5)),
            Release("EU", effectiveFrom: Now.AddDays(3)),
            Release(Communities.Public, effectiveFrom: Now.AddDays(-3)),
        ];

        Assert.False(CanSee(EuReader, Version(Classification.NU), history));
    }

    [Fact]
    public void ReleaseRuleHoldsForAnAudienceThatIsOnlyData()
    {
        var scope = ReleaseRule.ScopeFor(Member("INDUSTRY", Classification.NR), Industry);

        Assert.True(CanSee(scope, Version(Classification.NR), Release("INDUSTRY")));
        Assert.False(CanSee(scope, Version(Classification.NR), ReleasedToEu));
    }
}
