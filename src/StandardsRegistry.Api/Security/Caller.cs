using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Security;

/// <summary>
/// Who is asking, what they may see, and the time the release rule is evaluated at. Bound as a handler
/// parameter, so every handler gets the same scope from the same place.
/// </summary>
public sealed record Caller(Principal Principal, VisibilityScope Scope, DateTimeOffset Now)
{
    /// <summary>The request's caller, worked out once: later bindings (and the audit entry's actor) reuse it.</summary>
    public static async ValueTask<Caller?> BindAsync(HttpContext context)
    {
        if (context.Features.Get<Caller>() is { } bound)
        {
            return bound;
        }
        var services = context.RequestServices;
        var audiences = await services.GetRequiredService<AudienceCache>().GetAsync(context.RequestAborted);
        var principal = context.User.RegistryPrincipal();
        var audience = principal.IsNato ? null : audiences.GetValueOrDefault(principal.Community) ?? Deleted(principal.Community);
        var now = services.GetRequiredService<RegistryClock>().Now;
        var caller = new Caller(principal, ReleaseRule.ScopeFor(principal, audience), now) { Actor = ActorOf(context.User, context) };
        context.Features.Set(caller);
        return caller;
    }

    public string Subject => Principal.Subject;

    /// <summary>
    /// The audience of a community whose row is gone: an operator deleted it (PUBLIC, say, to have no anonymous readers),
    /// or deleted it between the audience cache the token's claims were checked against and the one read here. Its
    /// readers read nothing, as every deleted audience's do: each read holds the markings to the ceiling the table says
    /// now, and there is none. (Its scope used to be refused as a programming error: every such request answered 500.)
    /// </summary>
    private static Audience Deleted(string community) => new(community, community, Classification.NU, MarkingScheme.Nato);

    /// <summary>
    /// The scope release decisions are made in: every edition the caller's clearance covers, drafts included, so
    /// releasing a draft is refused as a draft rather than reported missing.
    /// </summary>
    public VisibilityScope WriterScope => Scope with { IncludeDrafts = true };

    /// <summary>
    /// Whether the caller speaks for a nation other than <paramref name="nation"/> (<paramref name="own"/>): a nation's
    /// records (targets, responses) are its own to write only, decided from the principal and the URL alone.
    /// </summary>
    public bool SpeaksForAnotherNation(string nation, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? own)
    {
        own = Scope.Nation;
        return own is not null && own != nation;
    }

    /// <summary>Who acts, for the audit trail: the principal, the client's address and the request id.</summary>
    public AuditActor Actor { get; private init; } = null!;

    /// <summary>The actor of the request's audit entry: the bound caller's, or (for a request that bound none) read now.</summary>
    public static AuditActor ActorOf(HttpContext context) =>
        context.Features.Get<Caller>()?.Actor ?? ActorOf(context.User, context);

    /// <summary>The actor of <paramref name="user"/>'s request: its registry principal and the issuer that vouched for it, if any.</summary>
    internal static AuditActor ActorOf(System.Security.Claims.ClaimsPrincipal user, HttpContext context)
    {
        var principal = user.RegistryPrincipal();
        return new(principal.Subject, principal.Community, [.. principal.Roles], context.Connection.RemoteIpAddress?.ToString(), context.TraceIdentifier,
            user.RegistryIssuer());
    }
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

    /// <summary>The audience with this code, or null when there is none.</summary>
    public async ValueTask<Audience?> FindAsync(string code, CancellationToken ct) =>
        (await GetAsync(ct)).TryGetValue(code, out var audience) ? audience : null;

    private sealed record Snapshot(DateTimeOffset Expires, IReadOnlyDictionary<string, Audience> Audiences);
}
