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
}
