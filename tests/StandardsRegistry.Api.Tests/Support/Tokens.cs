using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>A caller of the tests: who, which community, which clearance, which roles.</summary>
public sealed record TestCaller(string Subject, string Community, string? Clearance, params string[] Roles)
{
    public static TestCaller Editor(string clearance = "CTS") => new("editor@nato", "NATO", clearance, "editor");

    public static TestCaller ReleaseAuthority(string clearance = "CTS") => new("ra@nato", "NATO", clearance, "release-authority");

    public static TestCaller NatoReader(string clearance) => new($"reader-{clearance}@nato", "NATO", clearance, "consumer");

    public static TestCaller Eu(string clearance) => new($"consumer-{clearance}@eu", "EU", clearance, "consumer");

    public static TestCaller Industry(string clearance) => new($"reader-{clearance}@industry", "INDUSTRY", clearance, "consumer");

    public static TestCaller Public() => new("someone", "PUBLIC", null, "consumer");

    public static TestCaller Admin() => new("admin@nato", "NATO", "CTS", "admin");

    /// <summary>The nation a NATO caller speaks for (a national delegate), if any.</summary>
    public string? Nation { get; init; }

    public string Token() => Tokens.Create(Claims());

    public IEnumerable<Claim> Claims()
    {
        yield return new Claim("sub", Subject);
        yield return new Claim("community", Community);
        if (Clearance is not null)
        {
            yield return new Claim("clearance", Clearance);
        }
        foreach (var role in Roles)
        {
            yield return new Claim("role", role);
        }
        if (Nation is not null)
        {
            yield return new Claim("nation", Nation);
        }
    }
}

public static class Tokens
{
    public const string Issuer = "registry-tests";
    public const string Audience = "standards-registry";

    private static readonly byte[] SigningKey = RandomNumberGenerator.GetBytes(32);

    public static string SigningKeyBase64 { get; } = Convert.ToBase64String(SigningKey);

    /// <summary>A signed token with the given claims; the other fields can be overridden to forge bad ones.</summary>
    public static string Create(IEnumerable<Claim> claims, string issuer = Issuer, string audience = Audience, DateTime? expires = null, byte[]? key = null)
    {
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(claims),
            NotBefore = (expires ?? now.AddHours(1)) < now ? now.AddHours(-2) : now.AddMinutes(-1),
            IssuedAt = (expires ?? now.AddHours(1)) < now ? now.AddHours(-2) : now.AddMinutes(-1),
            Expires = expires ?? now.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? SigningKey), SecurityAlgorithms.HmacSha256),
        };
        return new JsonWebTokenHandler().CreateToken(descriptor);
    }

    /// <summary>
    /// A token with the test key over a hand-written payload (claims of any JSON type), given a valid issuer, audience
    /// and lifetime unless the payload sets them (null: leave the field out); <paramref name="header"/> adds header fields (kid, jku, …).
    /// </summary>
    public static string FromPayload(string payloadJson, IDictionary<string, object>? header = null, byte[]? key = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = System.Text.Json.Nodes.JsonNode.Parse(payloadJson)!.AsObject();
        foreach (var (name, value) in new (string, System.Text.Json.Nodes.JsonNode)[] { ("iss", Issuer), ("aud", Audience), ("nbf", now - 60), ("iat", now - 60), ("exp", now + 3600) })
        {
            payload.TryAdd(name, value);
        }
        // A field set to null is left out altogether (a token without exp, say).
        foreach (var name in payload.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            payload.Remove(name);
        }
        // The handler writes kid itself, from the key.
        var signingKey = new SymmetricSecurityKey(key ?? SigningKey);
        if (header?.Remove("kid", out var kid) == true)
        {
            signingKey.KeyId = (string)kid;
        }
        var credentials = new SigningCredentials(signingKey, SecurityAlgorithms.HmacSha256);
        return header is null or { Count: 0 }
            ? new JsonWebTokenHandler().CreateToken(payload.ToJsonString(), credentials)
            : new JsonWebTokenHandler().CreateToken(payload.ToJsonString(), credentials, header);
    }

    /// <summary>
    /// A token signed with the test key over <paramref name="members"/> exactly as written — JSON members without the
    /// braces, e.g. a name given twice, which no JSON object model can hold — plus a valid issuer, audience and lifetime.
    /// </summary>
    public static string FromRawPayload(string members)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return Signed($$"""{"iss":"{{Issuer}}","aud":"{{Audience}}","nbf":{{now - 60}},"iat":{{now - 60}},"exp":{{now + 3600}},{{members}}}""");
    }

    /// <summary>A token signed with the test key over <paramref name="payloadJson"/> exactly as written, nothing added.</summary>
    public static string Signed(string payloadJson)
    {
        var signed = $"{Base64Url("""{"alg":"HS256","typ":"JWT"}""")}.{Base64Url(payloadJson)}";
        var signature = HMACSHA256.HashData(SigningKey, System.Text.Encoding.ASCII.GetBytes(signed));
        return $"{signed}.{System.Buffers.Text.Base64Url.EncodeToString(signature)}";
    }

    private static string Base64Url(string json) => System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(json));
}
