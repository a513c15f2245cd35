using System.Globalization;
using Microsoft.AspNetCore.Authentication;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Audit;

/// <summary>Endpoint metadata: requests to this endpoint are audited as <see cref="Action"/>.</summary>
public sealed record AuditedAttribute(string Action, bool IsContentRead);

/// <summary>
/// What the audit entry of the current request says beyond who and the outcome. The middleware fills it from the
/// route (what the caller asked for); a handler adds what it served (<see cref="Served"/>) — so a 404 never carries
/// anything derived from a hidden version — or marks it <see cref="Committed"/> when its write transaction already
/// appended the entry.
/// </summary>
public sealed class AuditRequest(string action)
{
    public string Action { get; } = action;
    public string? Key { get; set; }
    public int? Edition { get; set; }
    public Classification? Classification { get; private set; }
    public string? Detail { get; set; }
    public bool RecordedInTransaction { get; private set; }
    internal bool Recorded { get; set; }

    /// <summary>A read of content: released only once its entry is committed (<see cref="AuditRecording.ReleaseAsync"/>).</summary>
    internal bool IsContentRead { get; init; }

    /// <summary>The version served: its edition and classification (visible to the caller, or it would not be served).</summary>
    public void Served(int edition, Classification classification)
    {
        Edition = edition;
        Classification = classification;
    }

    /// <summary>
    /// Content served that is not an edition (a capability table, or a list of them): the classification it carries, on
    /// the one scale every entry uses (a table's EU equivalent marking is that level written in the EU's scheme).
    /// </summary>
    public void Served(Classification classification) => Classification = classification;

    /// <summary>Several records served at once (a list, a page): the highest classification among them; none when none carries one.</summary>
    public void ServedHighest<T>(IEnumerable<T> records, Func<T, Classification?> marking)
    {
        if (records.Select(marking).Max() is { } highest)
        {
            Classification = highest;
        }
    }

    /// <summary>The write committed together with its audit entry: nothing more to record for this request.</summary>
    public void Committed() => RecordedInTransaction = true;
}

public static class AuditRecording
{
    private static readonly AuditRequest Unaudited = new("unaudited");

    /// <summary>Marks an endpoint as audited.</summary>
    public static TBuilder Audited<TBuilder>(this TBuilder builder, string action, bool contentRead = false) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AuditedAttribute(action, contentRead));

    /// <summary>
    /// A body of a content type a route does not read is refused by that route (its JSON binding throws the 415, which
    /// <see cref="Http.ExceptionProblems"/> answers, after authentication and authorization) rather than by routing.
    /// Routing's content-type policy answered it through an endpoint of its own, which carries no audit metadata and
    /// no authorization: the refused write left no entry, and an anonymous caller got a 415 instead of the 401. Call
    /// after every other service, so that nothing adds the policy again.
    /// </summary>
    public static IServiceCollection RefuseContentTypesAtTheEndpoint(this IServiceCollection services)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(Microsoft.AspNetCore.Routing.MatcherPolicy)
                && services[i].ImplementationType?.FullName == "Microsoft.AspNetCore.Routing.Matching.AcceptsMatcherPolicy")
            {
                services.RemoveAt(i);
            }
        }
        return services;
    }

    /// <summary>The audit details of this request (a throwaway when the endpoint is not audited).</summary>
    public static AuditRequest Audit(this HttpContext context) => context.Features.Get<AuditRequest>() ?? Unaudited;

    public static IServiceCollection AddRegistryAudit(this IServiceCollection services)
    {
        services.AddValidatedOptions<AuditOptions>(AuditOptions.Section);
        services.AddSingleton<AuditTrail>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditTrail>());
        return services;
    }

    /// <summary>
    /// Records every request to an audited endpoint with the status it is answered with. A content read's 200 is
    /// released only after its entry is committed (<see cref="ReleaseAsync"/>, called by the result before its first
    /// byte; as a safety net also when the response starts). Any other entry is queued when the response starts —
    /// before the caller can see the answer — or, when no response starts (the client went away), when the pipeline
    /// ends. Outermost, so the status is the final one.
    /// </summary>
    public static IApplicationBuilder UseAuditTrail(this IApplicationBuilder app)
    {
        // Services are resolved per request, not here: building the pipeline must not touch the database's settings,
        // which are checked (with one clear line on failure) when the host starts.
        return app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<AuditedAttribute>() is not { } audited)
            {
                await next(context);
                return;
            }
            var trail = context.RequestServices.GetRequiredService<AuditTrail>();
            if (audited.IsContentRead && !trail.RecordsReads)
            {
                await next(context);
                return;
            }
            var request = FromRoute(audited.Action, audited.IsContentRead, context);
            context.Features.Set(request);
            context.Response.OnStarting(static state =>
            {
                var context = (HttpContext)state;
                var request = context.Features.Get<AuditRequest>()!;
                // A content read that reaches the wire without having called ReleaseAsync still waits for its commit;
                // should that fail, the exception aborts the response before a byte of it is sent.
                return request.IsContentRead && context.Response.StatusCode is >= 200 and < 300
                    ? ReleaseAsync(context)
                    : RecordAsync(context, request).AsTask();
            }, context);
            try
            {
                await next(context);
            }
            finally
            {
                await RecordAsync(context, request);
            }
        });
    }

    /// <summary>
    /// Fail secure: while the audit trail cannot be written, every audited route is refused with the 503 problem (and
    /// Retry-After) before it does anything. Runs inside the exception handler, which writes that problem.
    /// </summary>
    public static IApplicationBuilder UseAuditOutageRefusal(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (context.Features.Get<AuditRequest>() is { } request
                && context.RequestServices.GetRequiredService<AuditTrail>() is { Unwritable: { } why } trail)
            {
                request.Recorded = true;
                trail.Refused();
                throw new AuditUnavailableException(why);
            }
            return next(context);
        });

    /// <summary>
    /// Record, then release: for a content read answered 200, commits its entry before the response starts. Call it
    /// before the first byte of the body (and before any header is sent); when the trail cannot be written it throws
    /// <see cref="AuditUnavailableException"/>, which the exception handler answers with the 503 problem — nothing of
    /// the content leaves. A no-op for anything else, and once recorded.
    /// </summary>
    public static Task ReleaseAsync(HttpContext context)
    {
        if (context.Features.Get<AuditRequest>() is not { IsContentRead: true, Recorded: false } request)
        {
            return Task.CompletedTask;
        }
        request.Recorded = true;
        return context.RequestServices.GetRequiredService<AuditTrail>().CommitAsync(EntryOf(context, request));
    }

    private static async ValueTask RecordAsync(HttpContext context, AuditRequest request)
    {
        if (request.Recorded || request.RecordedInTransaction)
        {
            return;
        }
        request.Recorded = true;
        var actor = await ActorAsync(context);
        // Not the request's token: an aborted request is still recorded.
        await context.RequestServices.GetRequiredService<AuditTrail>().RecordAsync(EntryOf(context, request, actor), CancellationToken.None);
    }

    /// <summary>
    /// Who the request came from. A request refused before authentication ran (oversized headers or body, a malformed
    /// URL: <see cref="RegistryHost.UseRegistryPipeline"/>) still names the token it carried, validated as
    /// authentication would have (a token that fails is nobody's): it is not an anonymous request.
    /// </summary>
    private static async ValueTask<AuditActor> ActorAsync(HttpContext context)
    {
        if (context.Features.Get<Caller>() is null && context.User.Identity?.IsAuthenticated != true && context.Request.Headers.Authorization.Count > 0
            && await context.AuthenticateAsync() is { Succeeded: true, Principal: { } principal })
        {
            return Caller.ActorOf(principal, context);
        }
        return Caller.ActorOf(context);
    }

    private static AuditEntry EntryOf(HttpContext context, AuditRequest request, AuditActor? actor = null)
    {
        actor ??= Caller.ActorOf(context);
        var now = context.RequestServices.GetRequiredService<RegistryClock>().Now;
        return actor.Entry(request.Action, context.Response.StatusCode, now, request.Key, request.Edition, request.Classification, DetailOf(context, request));
    }

    /// <summary>
    /// The entry's detail; for a HEAD (answered as the GET, its body dropped) it says first that only the status and
    /// headers left, so the record of a HEAD never reads as content served.
    /// </summary>
    private static string? DetailOf(HttpContext context, AuditRequest request) => !Http.HeadRequests.IsHead(context)
        ? request.Detail
        : request.Detail is { } detail ? $"{HeadOnly}; {detail}" : HeadOnly;

    /// <summary>What a HEAD's entry says it sent.</summary>
    public const string HeadOnly = "HEAD: the status and headers only, no body sent";

    /// <summary>
    /// Which page of a list a read was given, as its entry says it (the feed, responses, the audit trail): where its
    /// cursor started (<c>after …</c>, or <c>from the start</c>), the last item given (the position its next cursor
    /// starts after), and how many — <c>after 0 through 12: 9 events</c>.
    /// </summary>
    public static string Page(string? after, string? through, int count, string what) =>
        string.Create(CultureInfo.InvariantCulture, $"{(after is null ? "from the start" : $"after {after}")}{(through is null ? "" : $" through {through}")}: {count} {what}");

    /// <summary>
    /// What the caller asked for, from the route: the key, the edition (or what was given for it), and in the detail
    /// everything else the route names, as the write's own entry names it — the nation, the cycle and cell, the kind
    /// and target of a relation, a civil standard, the audience — so a refused or failed request, and a read, say
    /// what they were about as a successful write does.
    /// </summary>
    private static AuditRequest FromRoute(string action, bool contentRead, HttpContext context)
    {
        var values = context.Request.RouteValues;
        var request = new AuditRequest(action) { Key = values["key"] as string, IsContentRead = contentRead };
        var detail = new List<string>();
        if (values["edition"] is string edition)
        {
            if (int.TryParse(edition, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                request.Edition = number;
            }
            else
            {
                detail.Add($"edition={edition}");
            }
        }
        if (values["cycle"] is string cycle)
        {
            detail.Add($"cycle={cycle}");
        }
        foreach (var name in (ReadOnlySpan<string>)["nation", "capability", "horizon", "kind", "target", "source"])
        {
            if (values[name] is string value)
            {
                detail.Add(value);
            }
        }
        if (values["identifier"] is string identifier)
        {
            detail.Add(Http.UrlRules.Segment(identifier));
        }
        if (values["audience"] is string audience)
        {
            detail.Add(detail.Count == 0 ? audience : $"audience={audience}");
        }
        request.Detail = detail.Count == 0 ? null : string.Join(' ', detail);
        if (values["id"] is string subscription)
        {
            request.Detail = $"subscription={subscription}";
        }
        return request;
    }
}
