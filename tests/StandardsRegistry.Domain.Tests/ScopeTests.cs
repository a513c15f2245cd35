using StandardsRegistry.Domain;
using static StandardsRegistry.Domain.Tests.Fixtures;

namespace StandardsRegistry.Domain.Tests;

/// <summary><see cref="ReleaseRule.ScopeFor"/>: what a principal's token turns into.</summary>
public sealed class ScopeTests
{
    public static TheoryData<Classification> Levels() => new(Enum.GetValues<Classification>());

    [Theory]
    [MemberData(nameof(Levels))]
    public void NatoPrincipalIsTheOriginatorAndSeesUpToItsClearanceAsGiven(Classification clearance)
    {
        var scope = ReleaseRule.ScopeFor(Nato(clearance, Roles.Consumer), null);

        Assert.True(scope.Originator);
        Assert.Equal(Communities.Nato, scope.Community);
        Assert.Equal(clearance, scope.MaxLevel);
        Assert.Equal(MarkingScheme.Nato, scope.Scheme);
        Assert.False(scope.IncludeDrafts);
    }

    [Fact]
    public void NatoPrincipalWithoutClearanceSeesNatoUnclassifiedOnly()
    {
        var scope = ReleaseRule.ScopeFor(Nato(null, Roles.Editor), null);

        Assert.Equal(Classification.NU, scope.MaxLevel);
        Assert.True(scope.Originator);
    }

    [Fact]
    public void NatoEditorIncludesDrafts()
    {
        var scope = ReleaseRule.ScopeFor(Nato(Classification.NS, Roles.Editor), null);

        Assert.True(scope.IncludeDrafts);
        Assert.True(scope.SeesEmptyStandards);
    }

    [Theory]
    [InlineData("")]
    [InlineData(Roles.Consumer)]
    [InlineData(Roles.ReleaseAuthority)]
    [InlineData(Roles.Admin)]
    [InlineData("admin,release-authority,consumer")]
    [InlineData("Editor")]
    [InlineData("editors")]
    [InlineData(" editor")]
    public void NatoPrincipalWithoutTheEditorRoleGetsNoDrafts(string roleList)
    {
        var roles = roleList.Split(',', StringSplitOptions.RemoveEmptyEntries);
        var scope = ReleaseRule.ScopeFor(Nato(Classification.CTS, roles), null);

        Assert.False(scope.IncludeDrafts);
        Assert.False(scope.SeesEmptyStandards);
    }

    [Fact]
    public void NatoPrincipalIgnoresAnyAudiencePassedIn()
    {
        var scope = ReleaseRule.ScopeFor(Nato(Classification.NS), Public);

        Assert.True(scope.Originator);
        Assert.Equal(Classification.NS, scope.MaxLevel);
        Assert.Equal(MarkingScheme.Nato, scope.Scheme);
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void EuPrincipalSeesUpToItsClearanceWhenTheAudienceAllowsIt(Classification clearance)
    {
        var scope = ReleaseRule.ScopeFor(Member("EU", clearance, Roles.Consumer), Eu);

        Assert.False(scope.Originator);
        Assert.Equal("EU", scope.Community);
        Assert.Equal(clearance, scope.MaxLevel);
        Assert.Equal(MarkingScheme.Eu, scope.Scheme);
        Assert.False(scope.IncludeDrafts);
    }

    [Theory]
    [InlineData(Classification.NU, Classification.NU)]
    [InlineData(Classification.NR, Classification.NR)]
    [InlineData(Classification.NC, Classification.NR)]
    [InlineData(Classification.NS, Classification.NR)]
    [InlineData(Classification.CTS, Classification.NR)]
    public void NonNatoClearanceIsCappedByTheAudienceMaximum(Classification clearance, Classification expected)
    {
        var scope = ReleaseRule.ScopeFor(Member("INDUSTRY", clearance), Industry);

        Assert.Equal(expected, scope.MaxLevel);
        Assert.Equal(MarkingScheme.Nato, scope.Scheme);
    }

    [Fact]
    public void PublicTokenClaimingNatoSecretStillSeesNatoUnclassifiedOnly()
    {
        var scope = ReleaseRule.ScopeFor(Member(Communities.Public, Classification.NS, Roles.Editor, Roles.Admin), Public);

        Assert.Equal(Classification.NU, scope.MaxLevel);
        Assert.False(scope.Originator);
        Assert.False(scope.IncludeDrafts);
        Assert.False(scope.SeesEmptyStandards);
    }

    [Fact]
    public void AnonymousCallerIsPublicAndSeesNatoUnclassifiedOnly()
    {
        var scope = ReleaseRule.ScopeFor(Principal.Anonymous, Public);

        Assert.Equal(Communities.Public, scope.Community);
        Assert.Equal(Classification.NU, scope.MaxLevel);
        Assert.False(scope.Originator);
        Assert.False(scope.IncludeDrafts);
    }

    [Fact]
    public void NonNatoPrincipalWithoutClearanceSeesNatoUnclassifiedOnly()
    {
        Assert.Equal(Classification.NU, ReleaseRule.ScopeFor(Member("EU", null), Eu).MaxLevel);
    }

    [Fact]
    public void NonNatoEditorGetsNoDrafts()
    {
        var scope = ReleaseRule.ScopeFor(Member("EU", Classification.CTS, Roles.Editor), Eu);

        Assert.False(scope.IncludeDrafts);
        Assert.False(scope.SeesEmptyStandards);
    }

    [Fact]
    public void NonNatoPrincipalWithoutItsAudienceRecordThrows()
    {
        Assert.Throws<ArgumentException>(() => ReleaseRule.ScopeFor(Member("EU", Classification.NS), null));
        Assert.Throws<ArgumentException>(() => ReleaseRule.ScopeFor(Principal.Anonymous, null));
    }

    [Fact]
    public void NonNatoPrincipalWithAnotherCommunitysAudienceRecordThrows()
    {
        Assert.Throws<ArgumentException>(() => ReleaseRule.ScopeFor(Member("EU", Classification.NS), Public));
        Assert.Throws<ArgumentException>(() => ReleaseRule.ScopeFor(Member(Communities.Public, null), Eu));
        Assert.Throws<ArgumentException>(() => ReleaseRule.ScopeFor(Member("eu", Classification.NS), Eu));
    }

    [Fact]
    public void CommunityNamesAreCaseSensitiveSoLowercaseNatoIsNotTheOriginator()
    {
        var lowerNato = Member("nato", Classification.CTS, Roles.Editor);

        Assert.Throws<ArgumentException>(() => ReleaseRule.ScopeFor(lowerNato, null));
    }
}
