using Microsoft.IdentityModel.Tokens;

namespace StandardsRegistry.Api.Security;

/// <summary>
/// What the registry reads itself from the standard <c>Authentication:Schemes:Bearer</c> section (ASP.NET Core binds the
/// rest): the symmetric signing keys. Every key of a valid issuer signs, so a key can be rotated without downtime (the
/// new key added beside the old, the issuer moved to it, the old one removed once its tokens have expired); ASP.NET
/// Core's own reading takes one key per issuer and failed every token with a 500 when an issuer had two.
/// </summary>
public sealed class BearerSettings
{
    public const string Section = "Authentication:Schemes:Bearer";

    public string? ValidIssuer { get; set; }

    public List<string> ValidIssuers { get; set; } = [];

    public List<SigningKeySetting> SigningKeys { get; set; } = [];

    public IEnumerable<string> Issuers => ValidIssuer is null ? ValidIssuers : ValidIssuers.Append(ValidIssuer);

    /// <summary>The keys that validate token signatures: those configured for a valid issuer, in the order configured.</summary>
    public IReadOnlyList<SecurityKey> IssuerSigningKeys() =>
        [.. SigningKeys.Where(k => k.Value is not null && Issuers.Contains(k.Issuer, StringComparer.Ordinal))
            .Select(k => new SymmetricSecurityKey(Convert.FromBase64String(k.Value!)))];
}

/// <summary>One entry of <c>SigningKeys</c>: the issuer whose tokens it signs and the key, base64.</summary>
public sealed class SigningKeySetting
{
    public string? Issuer { get; set; }

    public string? Value { get; set; }
}
