using System.ComponentModel.DataAnnotations;
using Microsoft.IdentityModel.Tokens;

namespace StandardsRegistry.Api.Security;

/// <summary>
/// What the registry reads itself from the standard <c>Authentication:Schemes:Bearer</c> section (ASP.NET Core binds the
/// rest): the symmetric signing keys. Every key of a valid issuer signs that issuer's tokens (and no other's), so a key
/// can be rotated without downtime (the new key added beside the old, the issuer moved to it, the old one removed once
/// its tokens have expired); ASP.NET Core's own reading takes one key per issuer and failed every token with a 500 when
/// an issuer had two. Checked at
/// start with the authority: a key or an authority the service cannot use stops it with one line naming the setting,
/// where it used to start healthy and answer every token 401 (a short key, a key of no valid issuer) or 500 (a key that
/// is not base64; an http authority or metadata address, every request).
/// </summary>
public sealed class BearerSettings : IValidatableObject
{
    public const string Section = "Authentication:Schemes:Bearer";

    /// <summary>HS256 needs a key of at least 256 bits; the token library refuses a shorter one on every token.</summary>
    public const int MinKeyBits = 256;

    /// <summary>The OIDC authority whose keys sign the tokens (production): https, unless <see cref="RequireHttpsMetadata"/> is off.</summary>
    public string? Authority { get; set; }

    /// <summary>The authority's discovery document, when named instead of (or beside) the authority: https alike.</summary>
    public string? MetadataAddress { get; set; }

    public bool RequireHttpsMetadata { get; set; } = true;

    public string? ValidIssuer { get; set; }

    public List<string> ValidIssuers { get; set; } = [];

    public List<SigningKeySetting> SigningKeys { get; set; } = [];

    /// <summary>
    /// The longest a token may live for the registry to accept it: <c>exp</c> less the earlier of <c>iat</c> and
    /// <c>nbf</c> (or the one it has), else <c>exp − now</c> (<see cref="TokenLifetime"/>). A token cannot be revoked; this bounds how long a role or
    /// clearance taken from a user at the issuer stays in a token it already holds.
    /// </summary>
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>The least <see cref="MaxLifetime"/> may be: a token is refused from a minute after its exp (clock skew) anyway.</summary>
    public static readonly TimeSpan ShortestMaxLifetime = TimeSpan.FromMinutes(1);

    /// <summary>The most <see cref="MaxLifetime"/> may be.</summary>
    public static readonly TimeSpan LongestMaxLifetime = TimeSpan.FromDays(7);

    public IEnumerable<string> Issuers => ValidIssuer is null ? ValidIssuers : ValidIssuers.Append(ValidIssuer);

    /// <summary>The keys that validate token signatures, by the issuer whose tokens each signs: those configured for a valid issuer, in the order configured.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<SecurityKey>> IssuerSigningKeysByIssuer() =>
        SigningKeys.Where(k => k.Value is not null && k.Issuer is not null && Issuers.Contains(k.Issuer, StringComparer.Ordinal))
            .GroupBy(k => k.Issuer!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, IReadOnlyList<SecurityKey> (g) => [.. g.Select(k => new SymmetricSecurityKey(Convert.FromBase64String(k.Value!)))], StringComparer.Ordinal);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < SigningKeys.Count; i++)
        {
            var (issuer, value) = (SigningKeys[i].Issuer, SigningKeys[i].Value);
            var name = $"{Section}:{nameof(SigningKeys)}:{i}";
            if (!Issuers.Contains(issuer, StringComparer.Ordinal))
            {
                yield return new ValidationResult(
                    $"{name}:Issuer is '{issuer}', not ValidIssuer or one of ValidIssuers ({string.Join(", ", Issuers)}): its key would validate no token.", [nameof(SigningKeys)]);
            }
            var bits = KeyBits(value);
            if (bits is null)
            {
                yield return new ValidationResult($"{name}:Value is not base64: it must be a symmetric key of at least {MinKeyBits} bits, base64.", [nameof(SigningKeys)]);
            }
            else if (bits < MinKeyBits)
            {
                yield return new ValidationResult($"{name}:Value has {bits} bits; a signing key needs at least {MinKeyBits} (HS256).", [nameof(SigningKeys)]);
            }
        }
        if (MaxLifetime < ShortestMaxLifetime || MaxLifetime > LongestMaxLifetime)
        {
            yield return new ValidationResult(
                $"{Section}:{nameof(MaxLifetime)} is {MaxLifetime:c}; it must be from {ShortestMaxLifetime:c} to {LongestMaxLifetime:c}: the longest a token may live for the registry to accept it.", [nameof(MaxLifetime)]);
        }
        if (!string.IsNullOrEmpty(Authority) && !Usable(Authority))
        {
            yield return new ValidationResult(
                $"{Section}:Authority is '{Hosting.RegistryStartup.WithoutUserInfo(Authority)}'; it must be the absolute https URL of the OIDC authority whose keys sign the tokens.", [nameof(Authority)]);
        }
        if (!string.IsNullOrEmpty(MetadataAddress) && !Usable(MetadataAddress))
        {
            yield return new ValidationResult(
                $"{Section}:MetadataAddress is '{Hosting.RegistryStartup.WithoutUserInfo(MetadataAddress)}'; it must be the absolute https URL of the OIDC authority's discovery document.", [nameof(MetadataAddress)]);
        }
    }

    /// <summary>An absolute https URL (or http, when <see cref="RequireHttpsMetadata"/> is off), as the token handler requires of both.</summary>
    private bool Usable(string address) => Uri.TryCreate(address, UriKind.Absolute, out var url)
        && (url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && !RequireHttpsMetadata));

    private static int? KeyBits(string? value)
    {
        try
        {
            return value is null ? null : Convert.FromBase64String(value).Length * 8;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

/// <summary>One entry of <c>SigningKeys</c>: the issuer whose tokens it signs and the key, base64.</summary>
public sealed class SigningKeySetting
{
    public string? Issuer { get; set; }

    public string? Value { get; set; }
}
