using System.Security.Claims;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// The claim checks of <see cref="ClaimsReader"/> on their own, without the token handler in front of them. Over HTTP some
/// of the unsound shapes of <see cref="AuthTests.UnsoundClaims"/> never reach the reader: the JWT handler refuses a
/// <c>sub</c> that is not one string (two subjects are a JSON array) before any claim is read, so a reader that took
/// the first of two subjects passed every HTTP suite. The reader must refuse each shape itself, whatever handler (an
/// OIDC authority's, a later version) hands it the claims.
/// </summary>
public sealed class ClaimsReaderTests
{
    private static readonly IReadOnlyDictionary<string, Audience> Audiences = new[]
    {
        new Audience("EU", "European Union", Classification.NS, MarkingScheme.Eu),
        new Audience("INDUSTRY", "Industry", Classification.NR, MarkingScheme.Nato),
        new Audience("PUBLIC", "Public", Classification.NU, MarkingScheme.Nato),
    }.ToDictionary(a => a.Code, StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(AuthTests.UnsoundClaims), MemberType = typeof(AuthTests))]
    public void ATokenWithUnsoundClaimsHasNoPrincipalWhateverHandlerReadIt(string kind)
    {
        var token = new ClaimsPrincipal(new ClaimsIdentity(AuthTests.Unsound(kind), "test"));

        var principal = ClaimsReader.Read(token, Audiences, [], out var problem);

        Assert.Null(principal);
        Assert.False(string.IsNullOrEmpty(problem));
    }

    [Fact]
    public void TheSameClaimsSoundlyGivenMakeAPrincipal()
    {
        var token = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim("sub", "x"), new Claim("community", "NATO"), new Claim("clearance", "CTS"), new Claim("role", "editor"), new Claim("nation", "FRA")], "test"));

        var principal = ClaimsReader.Read(token, Audiences, [], out var problem);

        Assert.Null(problem);
        Assert.Equal(new Principal("x", "NATO", Classification.CTS, principal!.Roles, "FRA"), principal);
        Assert.Equal(["editor"], principal.Roles);
    }

    /// <summary>
    /// A nation is spoken for inside NATO only: a consumer community's token naming one reads as speaking for none. Every
    /// place that reads the nation today also asks for NATO, so over HTTP a reader keeping it passed every suite (planted
    /// mistake); this holds the reader to it, as <see cref="NoRoleOutsideNatoActsOnANationWhateverThePrincipalSays"/>
    /// holds the policies.
    /// </summary>
    [Theory]
    [InlineData("EU")]
    [InlineData("INDUSTRY")]
    [InlineData("PUBLIC")]
    public void ANationClaimedOutsideNatoIsNotSpokenFor(string community)
    {
        var token = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim("sub", "x"), new Claim("community", community), new Claim("clearance", "NU"), new Claim("role", "delegate"), new Claim("nation", "FRA")], "test"));

        var principal = ClaimsReader.Read(token, Audiences, [], out var problem);

        Assert.Null(problem);
        Assert.Equal(community, principal!.Community);
        Assert.Null(principal.Nation);
    }

    /// <summary>
    /// Every role's policy needs NATO, whatever else the principal holds: a consumer community's principal holding every
    /// role, the highest clearance and a nation (which the reader never makes, see above) is allowed nothing a role gives.
    /// The delegate's policy also asks for a nation, which the reader keeps for NATO only, so a delegate's policy without
    /// its NATO check passed every suite (planted mistake).
    /// </summary>
    [Theory]
    [InlineData("EU")]
    [InlineData("INDUSTRY")]
    [InlineData("PUBLIC")]
    public void NoRoleOutsideNatoActsOnANationWhateverThePrincipalSays(string community)
    {
        var principal = new Principal("x", community, Classification.CTS, Roles.All, "FRA");

        Assert.False(SecurityServiceCollectionExtensions.Editor(principal));
        Assert.False(SecurityServiceCollectionExtensions.ReleaseAuthority(principal));
        Assert.False(SecurityServiceCollectionExtensions.Delegate(principal));
        Assert.False(SecurityServiceCollectionExtensions.ResponseRecorder(principal));
        Assert.False(SecurityServiceCollectionExtensions.Planner(principal));
        Assert.False(SecurityServiceCollectionExtensions.Admin(principal));
        Assert.False(SecurityServiceCollectionExtensions.Auditor(principal with { Nation = null }));
        Assert.True(SecurityServiceCollectionExtensions.Delegate(principal with { Community = Communities.Nato }));
    }
}
