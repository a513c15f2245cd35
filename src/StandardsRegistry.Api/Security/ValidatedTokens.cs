using System.Collections.Concurrent;
using System.Security.Claims;

namespace StandardsRegistry.Api.Security;

/// <summary>
/// Principals of bearer tokens that passed validation, keyed by the token's exact text, kept until the token
/// expires and at most a minute (so a key an OIDC authority drops takes effect within a minute of the service seeing
/// it; configured keys and issuer settings are read only at start, and a restart forgets every token).
/// Validating a token (parse, HMAC or RSA signature, claims) costs more than the rest of a cached read.
/// </summary>
public sealed class ValidatedTokens(TimeProvider time)
{
    private const int MaxEntries = 10_000;
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, (ClaimsPrincipal Principal, DateTimeOffset Until)> _entries = new(StringComparer.Ordinal);

    public static string? TokenOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }

    public bool TryGet(string token, out ClaimsPrincipal principal)
    {
        if (_entries.TryGetValue(token, out var entry) && entry.Until > time.GetUtcNow())
        {
            principal = entry.Principal;
            return true;
        }
        principal = null!;
        return false;
    }

    public void Add(string token, ClaimsPrincipal principal, DateTime validTo)
    {
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }
        var now = time.GetUtcNow();
        var until = new DateTimeOffset(DateTime.SpecifyKind(validTo, DateTimeKind.Utc));
        _entries[token] = (principal, until < now + MaxAge ? until : now + MaxAge);
    }
}
