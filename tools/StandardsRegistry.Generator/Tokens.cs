using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace StandardsRegistry.Generator;

/// <summary>
/// A signed HS256 JWT like the ones the API tests mint (tests/StandardsRegistry.Api.Tests/Support/Tokens.cs), for a
/// service started with that key in Authentication:Schemes:Bearer:SigningKeys:0:Value.
/// </summary>
internal static class Tokens
{
    public static string Create(byte[] key, string issuer, string audience, string subject, string community, string? clearance, IReadOnlyList<string> roles, TimeSpan lifetime)
    {
        var now = DateTimeOffset.UtcNow;
        var payload = new JsonObject
        {
            ["iss"] = issuer,
            ["aud"] = audience,
            ["sub"] = subject,
            ["community"] = community,
            ["nbf"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
            ["iat"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
            ["exp"] = now.Add(lifetime).ToUnixTimeSeconds(),
        };
        if (clearance is not null)
        {
            payload["clearance"] = clearance;
        }
        if (roles.Count > 0)
        {
            payload["role"] = new JsonArray(roles.Select(r => (JsonNode)JsonValue.Create(r)).ToArray());
        }

        var header = Encode("""{"alg":"HS256","typ":"JWT"}""");
        var signed = $"{header}.{Encode(payload.ToJsonString())}";
        var signature = HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(signed));
        return $"{signed}.{Base64Url.EncodeToString(signature)}";
    }

    private static string Encode(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
}
