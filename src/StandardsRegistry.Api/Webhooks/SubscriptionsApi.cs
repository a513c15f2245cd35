using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StandardsRegistry.Api.Audit;
using StandardsRegistry.Api.Catalogue;
using StandardsRegistry.Api.Http;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Webhooks;

/// <summary>
/// A webhook subscription as admins see it (never its secret). <c>state</c> is <c>active</c>, <c>paused</c>, or
/// <c>failing</c> (active, but its deliveries have failed without a success for longer than Webhooks:FailingAfter).
/// </summary>
public sealed record SubscriptionDto(
    string Id,
    string Audience,
    string Url,
    string State,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    long Pending,
    DateTimeOffset? LastDeliveredAt,
    DateTimeOffset? FailingSince,
    string? LastError)
{
    public static SubscriptionDto From(SubscriptionRow row, DateTimeOffset now, WebhookOptions options) => new(
        row.Id,
        row.Audience,
        row.Url,
        row.State == SubscriptionState.Active && row.FailingSince is { } since && now - DateTimeOffset.FromUnixTimeMilliseconds(since) >= options.FailingAfter ? "failing" : EnumText.Of(row.State),
        DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAt),
        row.CreatedBy,
        row.Pending,
        VersionSummaryDto.Time(row.LastDeliveredAt),
        VersionSummaryDto.Time(row.FailingSince),
        row.LastError);
}

public sealed record SubscriptionRequest(string? Audience, string? Url, string? Secret);

public sealed record RedeliverRequest(long? FromSequence) : IValidatable
{
    public void Validate(ValidationErrors errors, Caller caller)
    {
        if (FromSequence is not > 0)
        {
            errors.Add("fromSequence", "'fromSequence' must be a sequence number of the subscription's events (1 or more).");
        }
    }
}

public sealed record RedeliveredDto(int Queued);

public static class SubscriptionsApi
{
    public const int MinSecretLength = 16;
    public const int MaxSecretLength = 256;

    public static RouteGroupBuilder MapSubscriptionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/subscriptions").WithTags("Webhooks").WithRegistryProblems()
            .RequireAuthorization(SecurityServiceCollectionExtensions.AdminPolicy)
            .WithRequestValidation()
            .ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapPost("/", Create)
            .WithName("CreateSubscription")
            .Audited(AuditActions.SubscriptionCreate)
            .WithSummary("Register a webhook for an audience: every feed event visible to it is POSTed, signed (admins)")
            .WithDescription("Needs an admin cleared to the audience's accreditation ceiling (else 403); an admin sees and manages only such subscriptions. "
                + "The URL must be absolute http or https, without credentials, on a host in Webhooks:AllowedHosts (else 422). "
                + "Deliveries are signed with HMAC-SHA256 over `{timestamp}.{body}` (header Registry-Signature: t=…,v1=…); see docs/consuming.md.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapGet("/", List).WithName("ListSubscriptions").WithSummary("List webhook subscriptions with their delivery state (admins)");

        group.MapGet("/{id}", Get).WithName("GetSubscription").WithSummary("Get one webhook subscription (admins)").ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{id}/pause", (string id, Caller caller, HttpContext http, WebhookStore store, TimeProvider time, IOptions<WebhookOptions> options, CancellationToken ct) =>
                SetState(id, SubscriptionState.Paused, AuditActions.SubscriptionPause, caller, http, store, time, options, ct))
            .WithName("PauseSubscription").Audited(AuditActions.SubscriptionPause).WithSummary("Pause deliveries; events keep queueing and go out on resume (admins)").ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{id}/resume", (string id, Caller caller, HttpContext http, WebhookStore store, TimeProvider time, IOptions<WebhookOptions> options, CancellationToken ct) =>
                SetState(id, SubscriptionState.Active, AuditActions.SubscriptionResume, caller, http, store, time, options, ct))
            .WithName("ResumeSubscription").Audited(AuditActions.SubscriptionResume).WithSummary("Resume deliveries (admins)").ProducesProblem(StatusCodes.Status404NotFound);

        group.MapDelete("/{id}", Delete).WithName("DeleteSubscription").Audited(AuditActions.SubscriptionDelete).WithSummary("Delete a subscription; nothing more is delivered (admins)").ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{id}/redeliver", Redeliver)
            .WithName("RedeliverSubscription")
            .Audited(AuditActions.SubscriptionRedeliver)
            .WithSummary("Queue the subscription's events again from a sequence number on, with their original ids (admins)")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        return group;
    }

    public static async Task<Results<Created<SubscriptionDto>, ValidationProblem, ProblemHttpResult>> Create(
        SubscriptionRequest request, Caller caller, HttpContext http, WebhookStore store, AudienceCache audiences, TimeProvider time, IOptions<WebhookOptions> options, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        var known = await audiences.GetAsync(ct);
        if (request.Audience is null || !known.ContainsKey(request.Audience))
        {
            errors.Add("audience", $"'audience' must be one of {string.Join(", ", known.Keys.Order(StringComparer.Ordinal))}.");
        }
        if (request.Secret is null || request.Secret.Length is < MinSecretLength or > MaxSecretLength || TextRules.HasForbiddenCharacters(request.Secret))
        {
            errors.Add("secret", $"'secret' must be {MinSecretLength} to {MaxSecretLength} characters, without {TextRules.ForbiddenCharacters}.");
        }
        var urlProblem = options.Value.UrlProblem(request.Url);
        if (urlProblem is { Status: StatusCodes.Status400BadRequest } syntax)
        {
            errors.Add("url", syntax.Message);
        }
        if (!errors.IsEmpty)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        if (urlProblem is { } unlisted)
        {
            return TypedResults.Problem(unlisted.Message, statusCode: unlisted.Status);
        }
        // A subscription delivers its audience's view at the audience's accreditation ceiling: registering one needs a
        // clearance that covers it, or the deliveries (and their pending count) would carry editions above the admin's.
        // The store decides by the ceiling the audiences table says in its transaction, not by the cache read above.
        var result = await store.CreateAsync(request.Audience!, Clearance(caller), caller.Principal.Nation, request.Url!, request.Secret!, caller.Actor, time.GetUtcNow(), ct);
        if (!result.Succeeded)
        {
            return Problems.From(result);
        }
        http.Audit().Committed();
        var dto = SubscriptionDto.From(result.Value!, time.GetUtcNow(), options.Value);
        return TypedResults.Created($"/v1/subscriptions/{dto.Id}", dto);
    }

    public static async Task<Ok<List<SubscriptionDto>>> List(Caller caller, WebhookStore store, TimeProvider time, IOptions<WebhookOptions> options, CancellationToken ct) =>
        TypedResults.Ok((await store.ListAsync(Clearance(caller), ct)).Select(s => SubscriptionDto.From(s, time.GetUtcNow(), options.Value)).ToList());

    public static async Task<Results<Ok<SubscriptionDto>, ProblemHttpResult>> Get(string id, Caller caller, WebhookStore store, TimeProvider time, IOptions<WebhookOptions> options, CancellationToken ct) =>
        await store.GetAsync(id, Clearance(caller), ct) is { } row ? TypedResults.Ok(SubscriptionDto.From(row, time.GetUtcNow(), options.Value)) : Problems.NotFound();

    /// <summary>
    /// The highest audience ceiling whose subscriptions the admin manages: its clearance (none is NU). Subscriptions of
    /// audiences accredited above it do not exist for the admin.
    /// </summary>
    private static Classification Clearance(Caller caller) => caller.Principal.Clearance ?? Classification.NU;

    private static async Task<Results<Ok<SubscriptionDto>, ProblemHttpResult>> SetState(
        string id, SubscriptionState state, string action, Caller caller, HttpContext http, WebhookStore store, TimeProvider time, IOptions<WebhookOptions> options, CancellationToken ct)
    {
        if (await store.SetStateAsync(id, Clearance(caller), state, action, caller.Actor, time.GetUtcNow(), ct) is not { Succeeded: true, Value: { } row })
        {
            return Problems.NotFound();
        }
        http.Audit().Committed();
        return TypedResults.Ok(SubscriptionDto.From(row, time.GetUtcNow(), options.Value));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(string id, Caller caller, HttpContext http, WebhookStore store, TimeProvider time, CancellationToken ct)
    {
        if (!(await store.SetStateAsync(id, Clearance(caller), SubscriptionState.Deleted, AuditActions.SubscriptionDelete, caller.Actor, time.GetUtcNow(), ct)).Succeeded)
        {
            return Problems.NotFound();
        }
        http.Audit().Committed();
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<RedeliveredDto>, ProblemHttpResult>> Redeliver(
        string id, RedeliverRequest request, Caller caller, HttpContext http, WebhookStore store, TimeProvider time, CancellationToken ct)
    {
        var result = await store.RedeliverAsync(id, Clearance(caller), request.FromSequence!.Value, caller.Actor, time.GetUtcNow(), ct);
        if (!result.Succeeded)
        {
            return Problems.NotFound();
        }
        http.Audit().Committed();
        return TypedResults.Ok(new RedeliveredDto(result.Value));
    }
}
