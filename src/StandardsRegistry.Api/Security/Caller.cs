using System.Security.Claims;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Security;

/// <summary>
/// Who is asking, what they may see, and the time the release rule is evaluated at. Bound as a handler
/// parameter, so every handler gets the same scope from the same place.
/// </summary>
public sealed record Caller(Principal Principal, VisibilityScope Scope, DateTimeOffset Now)
{
    public static async ValueTask<Caller?> BindAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var audiences = await services.GetRequiredService<AudienceCache>().GetAsync(context.RequestAborted);
        var principal = ClaimsReader.Read(context.User);
        audiences.TryGetValue(principal.Community, out var audience);
        var now = services.GetRequiredService<RegistryClock>().Now;
        return new Caller(principal, ReleaseRule.ScopeFor(principal, audience), now) { Actor = ActorOf(principal, context) };
    }

    public string Subject => Principal.Subject;

    /// <summary>Who acts, for the audit trail: the principal, the client's address and the request id.</summary>
    public AuditActor Actor { get; private init; } = null!;

    public static AuditActor ActorOf(Principal principal, HttpContext context) =>
        new(principal.Subject, principal.Community, [.. principal.Roles], context.Connection.RemoteIpAddress?.ToString(), context.TraceIdentifier);
}

/// <summary>
/// The time the release rule is evaluated at: when a future release takes effect. Kept apart from the host's
/// TimeProvider (which drives Polly's delays and timeouts and token lifetimes) so tests can move the registry's
/// "now" without stopping the infrastructure's timers.
/// </summary>
public sealed class RegistryClock(TimeProvider time)
{
    public DateTimeOffset Now => time.GetUtcNow();
}

/// <summary>Reads and checks the registry's claims: <c>community</c>, <c>clearance</c>, <c>role</c>.</summary>
public static class ClaimsReader
{
    public const string CommunityClaim = "community";
    public const string ClearanceClaim = "clearance";
    public const string RoleClaim = "role";
    public const string SubjectClaim = "sub";

    /// <summary>Subjects are recorded with every write; the column holds this many characters.</summary>
    public const int MaxSubjectLength = 200;

    /// <summary>Why the token's claims are unusable, or null when they are sound.</summary>
    public static string? Problem(ClaimsPrincipal user, IReadOnlyDictionary<string, Audience> audiences)
    {
        var subjects = Values(user, SubjectClaim);
        if (subjects.Count > 1 || subjects.Any(s => s.Length is 0 or > MaxSubjectLength))
        {
            return $"The token's subject must be one value of 1 to {MaxSubjectLength} characters.";
        }

        var communities = Values(user, CommunityClaim);
        if (communities.Count != 1)
        {
            return communities.Count == 0 ? "The token has no community claim." : "The token has conflicting community claims.";
        }
        var community = communities[0];
        if (community != Communities.Nato && !audiences.ContainsKey(community))
        {
            return "The token's community is not known to the registry.";
        }

        var clearances = Values(user, ClearanceClaim);
        if (clearances.Count > 1)
        {
            return "The token has conflicting clearance claims.";
        }
        if (clearances.Count == 1 && !Markings.TryParse(clearances[0], out _))
        {
            return "The token's clearance is not a classification marking.";
        }
        return null;
    }

    /// <summary>The principal of a request whose claims passed <see cref="Problem"/>; anonymous is PUBLIC.</summary>
    public static Principal Read(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return Principal.Anonymous;
        }
        Markings.TryParse(user.FindFirst(ClearanceClaim)?.Value, out var clearance);
        var roles = user.FindAll(RoleClaim).Select(c => c.Value).Where(Roles.All.Contains).ToHashSet(StringComparer.Ordinal);
        return new Principal(
            user.FindFirst(SubjectClaim)?.Value ?? user.Identity.Name ?? "unknown",
            user.FindFirst(CommunityClaim)!.Value,
            user.HasClaim(c => c.Type == ClearanceClaim) ? clearance : null,
            roles);
    }

    private static List<string> Values(ClaimsPrincipal user, string type) =>
        user.FindAll(type).Select(c => c.Value).Distinct(StringComparer.Ordinal).ToList();
}

/// <summary>
/// The audiences table, re-read at most every few seconds: every request needs it, and it changes rarely.
/// </summary>
public sealed class AudienceCache(AudienceDirectory directory, TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    // One reference, replaced whole: concurrent requests read either the old or the new snapshot, never a mix.
    private Snapshot? _current;

    public async ValueTask<IReadOnlyDictionary<string, Audience>> GetAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref _current) is { } current && current.Expires > time.GetUtcNow())
        {
            return current.Audiences;
        }
        var audiences = await directory.AllAsync(ct);
        Volatile.Write(ref _current, new Snapshot(time.GetUtcNow() + Lifetime, audiences));
        return audiences;
    }

    private sealed record Snapshot(DateTimeOffset Expires, IReadOnlyDictionary<string, Audience> Audiences);
}
