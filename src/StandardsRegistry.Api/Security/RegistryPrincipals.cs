using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Security;

/// <summary>
/// The identity of an authenticated request: the registry's <see cref="Domain.Principal"/>, read once, strictly, from
/// the validated token, and the issuer that vouched for it. It carries no claims of the token: nothing downstream can
/// decide from a raw claim, because none is left to read.
/// </summary>
public sealed class RegistryIdentity : ClaimsIdentity
{
    public RegistryIdentity(Principal principal, string issuer)
        : base([new Claim(ClaimsReader.SubjectClaim, principal.Subject)], JwtBearerDefaults.AuthenticationScheme, ClaimsReader.SubjectClaim, null)
    {
        Principal = principal;
        Issuer = issuer;
    }

    public Principal Principal { get; }

    /// <summary>
    /// The validated token's issuer. A subject is unique only within its issuer (OpenID Connect Core §2), so where the
    /// registry tells principals apart by subject (the rate limit's partitions) it takes the issuer with it: with two
    /// issuers configured, the same <c>sub</c> from each is two principals.
    /// </summary>
    public string Issuer { get; }
}

public static class RegistryPrincipals
{
    /// <summary>
    /// The registry's principal of a request: the one read from its token, or <see cref="Principal.Anonymous"/>. A user
    /// that is somehow authenticated without a registry identity gets the narrowest view, never a wider one.
    /// </summary>
    public static Principal RegistryPrincipal(this ClaimsPrincipal user) =>
        user.Identity is RegistryIdentity { IsAuthenticated: true } identity ? identity.Principal : Principal.Anonymous;

    /// <summary>The issuer that vouched for the request's principal, or null for an anonymous one.</summary>
    public static string? RegistryIssuer(this ClaimsPrincipal user) =>
        user.Identity is RegistryIdentity { IsAuthenticated: true } identity ? identity.Issuer : null;
}

/// <summary>
/// Reads the registry's claims — <c>sub</c>, <c>community</c>, <c>clearance</c>, <c>role</c>, <c>nation</c> — from a validated token into
/// a <see cref="Principal"/>, or says why the token is unusable (a 401). Claim names are compared one way: exactly, in
/// lower case. A claim whose name differs from one of them only in case (<c>Community</c>, <c>ROLE</c>) or a name given
/// twice in the token's payload makes the token unusable, so no two readers can ever disagree about what it says.
/// </summary>
public static class ClaimsReader
{
    public const string CommunityClaim = "community";
    public const string ClearanceClaim = "clearance";
    public const string RoleClaim = "role";
    public const string SubjectClaim = "sub";

    /// <summary>The nation a NATO caller speaks for (a national delegate): an ISO 3166-1 alpha-3 code. Optional.</summary>
    public const string NationClaim = "nation";

    /// <summary>Subjects are recorded with every write; the column holds this many characters.</summary>
    public const int MaxSubjectLength = 200;

    private static readonly string[] RegistryClaims = [SubjectClaim, CommunityClaim, ClearanceClaim, RoleClaim, NationClaim];

    /// <summary>
    /// The principal of a validated token, or why its claims are unusable. <paramref name="payload"/> is the token's
    /// decoded JSON payload when the token was just validated (null for a token remembered from an earlier request,
    /// whose payload was checked then).
    /// </summary>
    public static Principal? Read(ClaimsPrincipal token, IReadOnlyDictionary<string, Audience> audiences, ReadOnlySpan<byte> payload, out string? problem)
    {
        problem = payload.IsEmpty ? null : DuplicateNameProblem(payload);
        problem ??= MisspelledNameProblem(token);
        if (problem is not null)
        {
            return null;
        }

        // Every entry of the trail names who acted: a token names one subject, never one the registry records its own
        // actors under (an anonymous caller, a webhook delivery, the sample catalogue, the trail itself), which it would be
        // taken for.
        var subjects = Values(token, SubjectClaim);
        // No control characters either: the trail records the subject as it is, and a text PostgreSQL cannot store (a NUL)
        // would make every entry of the batch unwritable, and the trail with it.
        if (subjects.Count != 1 || subjects[0].Length is 0 or > MaxSubjectLength || subjects[0].Any(char.IsControl))
        {
            problem = $"The token's subject must be one value of 1 to {MaxSubjectLength} characters, none of them a control character.";
            return null;
        }
        if (Subjects.IsReserved(subjects[0]))
        {
            problem = "The token's subject is one the registry records its own actors under (anonymous, sample-catalogue, audit-trail, subscription:<id>).";
            return null;
        }

        var communities = Values(token, CommunityClaim);
        if (communities.Count != 1)
        {
            problem = communities.Count == 0 ? "The token has no community claim." : "The token has conflicting community claims.";
            return null;
        }
        var community = communities[0];
        if (community != Communities.Nato && !audiences.ContainsKey(community))
        {
            problem = "The token's community is not known to the registry.";
            return null;
        }

        var clearances = Values(token, ClearanceClaim);
        if (clearances.Count > 1)
        {
            problem = "The token has conflicting clearance claims.";
            return null;
        }
        Classification? clearance = null;
        if (clearances.Count == 1)
        {
            if (!Markings.TryParse(clearances[0], out var level))
            {
                problem = "The token's clearance is not a classification marking.";
                return null;
            }
            clearance = level;
        }

        // A nation is one code of three capital letters; it narrows what a NATO caller sees of other nations' responses
        // and lets a delegate record its own. Outside NATO it means nothing and is not kept.
        var nations = Values(token, NationClaim);
        if (nations.Count > 1 || nations.Any(n => !NationCode.IsValid(n)))
        {
            problem = $"The token's nation {NationCode.Message}";
            return null;
        }
        var nation = community == Communities.Nato && nations.Count == 1 ? nations[0] : null;

        // Roles the registry does not know (another application's, or a misspelt one) grant nothing.
        var roles = Values(token, RoleClaim).Where(Roles.All.Contains).ToHashSet(StringComparer.Ordinal);
        return new Principal(subjects[0], community, clearance, roles, nation);
    }

    /// <summary>The decoded JSON payload of a validated JWT (empty for any other kind of token).</summary>
    public static byte[] PayloadOf(SecurityToken token) =>
        token is JsonWebToken jwt ? Base64UrlEncoder.DecodeBytes(jwt.EncodedPayload) : [];

    /// <summary>A claim name of the registry's in another case, e.g. <c>Community</c> beside (or instead of) <c>community</c>.</summary>
    private static string? MisspelledNameProblem(ClaimsPrincipal token)
    {
        foreach (var claim in token.Claims)
        {
            foreach (var name in RegistryClaims)
            {
                if (string.Equals(claim.Type, name, StringComparison.OrdinalIgnoreCase) && !string.Equals(claim.Type, name, StringComparison.Ordinal))
                {
                    return $"The token has a claim '{claim.Type}': the registry's claim names are {string.Join(", ", RegistryClaims)}, in lower case.";
                }
            }
        }
        return null;
    }

    /// <summary>
    /// A member name given twice in the payload (RFC 7519 §4 lets a reader reject such a token, or keep the last
    /// value; keeping one silently would let two readers see two different tokens). The registry's names count as
    /// the same in any case.
    /// </summary>
    private static string? DuplicateNameProblem(ReadOnlySpan<byte> payload)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(payload);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "The token's payload is not a JSON object.";
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                var folded = RegistryClaims.FirstOrDefault(r => string.Equals(r, name, StringComparison.OrdinalIgnoreCase)) ?? name;
                if (!seen.Add(folded))
                {
                    return $"The token names the claim '{folded}' more than once.";
                }
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return "The token's payload is not a JSON object.";
        }
        return null;
    }

    private static List<string> Values(ClaimsPrincipal token, string type) =>
        token.FindAll(c => string.Equals(c.Type, type, StringComparison.Ordinal)).Select(c => c.Value).Distinct(StringComparer.Ordinal).ToList();
}
