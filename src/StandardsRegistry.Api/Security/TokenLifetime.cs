using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace StandardsRegistry.Api.Security;

/// <summary>
/// The lifetime check of every bearer token the registry validates: the token handler's own (an <c>exp</c> is required,
/// and the token is refused from the clock skew after it, or until the skew before its <c>nbf</c>), then the longest
/// lifetime the registry accepts (<see cref="BearerSettings.MaxLifetime"/>). A token cannot be revoked, so a role or
/// clearance taken from a user at the issuer stays in every token it already holds until that token expires: the
/// registry bounds how long that can be, whatever its issuer made it valid for. A token is remembered
/// (<see cref="ValidatedTokens"/>) only once it has passed this check, and what it is measured by never grows: its
/// lifetime from <c>iat</c> or <c>nbf</c> is written in it, and what is left of it only shrinks.
/// </summary>
public static class TokenLifetime
{
    /// <summary>
    /// The token handler's <see cref="TokenValidationParameters.LifetimeValidator"/>: the default check with
    /// <paramref name="clockSkew"/>, then the lifetime — <c>exp</c> less the earlier of <c>iat</c> and <c>nbf</c>, or the one
    /// given, else <c>exp − now</c> — at
    /// most <paramref name="max"/>. A start later than now by more than the clock skew counts as now plus the skew, so a
    /// token stamped as issued in the future is measured by what is left of it. A token beyond the maximum is refused
    /// as an invalid lifetime (401, <c>invalid_token</c>, as an expired one).
    /// </summary>
    public static LifetimeValidator Validator(TimeSpan max, TimeSpan clockSkew)
    {
        // The framework's own check, run with these parameters (a validator of their own would call this one again).
        var framework = new TokenValidationParameters { ClockSkew = clockSkew, RequireExpirationTime = true, ValidateLifetime = true };
        return (notBefore, expires, token, _) =>
        {
            Validators.ValidateLifetime(notBefore, expires, token, framework);
            var now = DateTime.UtcNow;
            // From the earliest moment the token says it holds: stamped issued after its nbf, it is usable from the nbf.
            var issued = IssuedAt(token);
            var stated = issued is { } i && notBefore is { } n ? (i < n ? i : n) : issued ?? notBefore ?? now;
            var start = stated < now + clockSkew ? stated : now + clockSkew;
            var lifetime = expires!.Value - start;
            if (lifetime > max)
            {
                throw new SecurityTokenInvalidLifetimeException(
                    $"The token is valid for {lifetime:c} from when it was issued, longer than the {max:c} the registry accepts.")
                {
                    NotBefore = notBefore,
                    Expires = expires,
                };
            }
            return true;
        };
    }

    /// <summary>The token's <c>iat</c> (as the token handler read it: it refuses a token whose <c>iat</c> is not a number), or null.</summary>
    private static DateTime? IssuedAt(SecurityToken token) => token switch
    {
        JsonWebToken jwt => jwt.TryGetPayloadValue<object>(JwtRegisteredClaimNames.Iat, out _) ? jwt.IssuedAt : null,
        _ => throw new SecurityTokenInvalidLifetimeException($"A token of type {token.GetType().Name} is not one the registry reads."),
    };
}
