using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;
using StandardsRegistry.Api.Catalogue;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Api.Hosting;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace StandardsRegistry.Api.Webhooks;

/// <summary>
/// Delivers the webhook outbox. Every instance runs one; they share the work through row leases on subscriptions
/// (<see cref="WebhookStore.LeaseAsync"/>), never through a leader, and deliver each subscription they lease on its own,
/// beside the others (a slow receiver holds up only its own subscription). A subscription's events go out one at a time in
/// sequence order: an event is sent only after the one before it was acknowledged (2xx), so a receiver that applies
/// them as they come ends in the right state. Each POST goes through the subscription's own Polly pipeline
/// (per-attempt timeout, retries with exponential backoff and jitter, a circuit breaker); when those give up, the
/// delivery waits (doubling backoff) and the subscription records that it is failing. At least once: a crash between a
/// receiver's 2xx and the record of it sends the event again, with the same id.
/// </summary>
public sealed class WebhookDispatcher(
    WebhookStore store,
    FeedWriter announcer,
    FeedReader feed,
    AudienceCache audiences,
    RegistryClock clock,
    TimeProvider time,
    IHttpClientFactory clients,
    Audit.AuditTrail audit,
    IOptions<WebhookOptions> options,
    IOptions<JsonOptions> json,
    RegistryMetrics metrics,
    IHostEnvironment environment,
    IHostApplicationLifetime lifetime,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string ClientName = "webhooks";

    private const int DeliveriesPerLease = 100;

    /// <summary>The entry committed before a delivery's POST; status 0, since no answer exists yet (its <c>webhook.deliver</c> entry has it).</summary>

    // Unique per process: who holds a lease (the column takes 64 characters).
    private readonly string _owner = $"{Environment.ProcessId}/{Guid.NewGuid():N}";
    // Each subscription's retry and circuit breaker, kept across runs (the breaker counts failures of several); dropped
    // once the subscription is deleted (a registry cannot remove an entry: every subscription this process ever
    // delivered to kept one until it restarted).
    private readonly ConcurrentDictionary<string, ResiliencePipeline<HttpResponseMessage>> _pipelines = new(StringComparer.Ordinal);
    private DateTimeOffset _nextPrune;

    /// <summary>Subscriptions whose retry and breaker this process keeps (tests).</summary>
    public int PipelinesKept => _pipelines.Count;
    private readonly OutboxBacklog _backlog = new(metrics);

    // The subscriptions this process is delivering, each on its own: a slow receiver holds up its own subscription's
    // events only, never another's (a run that delivered its subscriptions one after another let one receiver that
    // answered slowly, or several subscriptions to it, hold every other subscription's deliveries).
    private readonly ConcurrentDictionary<string, Task> _delivering = new(StringComparer.Ordinal);
    // The POSTs in flight at once (Webhooks:MaxConcurrentDeliveries): each subscription is delivered on its own, and
    // without a cap a burst of events to many subscriptions started a POST to each at once.
    private readonly SemaphoreSlim _sending = new(options.Value.MaxConcurrentDeliveries, options.Value.MaxConcurrentDeliveries);
    private int _waitingToSend;

    /// <summary>Deliveries waiting for one of the <see cref="WebhookOptions.MaxConcurrentDeliveries"/> to end (tests).</summary>
    public int DeliveriesWaiting => Volatile.Read(ref _waitingToSend);

    private long _runsBegun;
    private long _runsEnded;

    /// <summary>Runs this process's dispatcher has begun (each leases what is due and starts delivering it).</summary>
    public long RunsBegun => Interlocked.Read(ref _runsBegun);

    /// <summary>
    /// The last run that has ended: it and every delivery in flight when it had leased what was due (its own and earlier
    /// runs') have ended, delivered or failed; so have all runs before it. A test that sees a run end that began after a
    /// moment (<see cref="RunsBegun"/> + 1 then) knows every delivery due at that moment was attempted, without sleeping on it.
    /// </summary>
    public long RunsEnded => Interlocked.Read(ref _runsEnded);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (environment.IsBuild() || !await StartedAsync(stoppingToken))
        {
            return;
        }
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var run = Interlocked.Increment(ref _runsBegun);
                try
                {
                    await RunOnceAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Webhook delivery run failed; trying again in {Interval}.", options.Value.PollInterval);
                }
                _ = Task.WhenAll(_delivering.Values.ToArray()).ContinueWith(
                    _ => Ended(run), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                try
                {
                    await Task.Delay(options.Value.PollInterval, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
        finally
        {
            // A stop waits for the deliveries in flight (they record their outcome; the audit queue is drained after the
            // dispatcher has stopped). Each catches its own failures.
            await Task.WhenAll(_delivering.Values.ToArray());
        }
    }

    /// <summary>
    /// Waits until the application has started: false when it stops first. A hosted service's work begins while the host
    /// is still starting, and a start that then failed (the metrics' port taken) disposed the services with the first
    /// delivery run under way, which logged the disposed resilience pipeline's stack trace beside the one line that
    /// says why the service did not start (<c>StartupTests.APortInUseStopsTheServiceWithOneClearLine</c>, 4 starts of 25
    /// under load).
    /// </summary>
    private async Task<bool> StartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult(true)))
        using (stoppingToken.Register(() => started.TrySetResult(false)))
        {
            return await started.Task;
        }
    }

    private void Ended(long run)
    {
        for (var ended = Interlocked.Read(ref _runsEnded); ended < run; ended = Interlocked.Read(ref _runsEnded))
        {
            if (Interlocked.CompareExchange(ref _runsEnded, run, ended) == ended)
            {
                return;
            }
        }
    }

    /// <summary>
    /// One pass: announce releases that took effect (their events enter the outbox), then lease the subscriptions with a
    /// delivery due and start delivering each on its own (one still being delivered here from an earlier run goes on).
    /// </summary>
    public async Task RunOnceAsync(CancellationToken ct)
    {
        await announcer.AnnounceDueAsync(clock.Now, ct);
        var now = time.GetUtcNow();
        foreach (var subscription in await store.LeaseAsync(_owner, now, now + options.Value.LeaseDuration, ct))
        {
            if (_delivering.ContainsKey(subscription.Id))
            {
                // Leased again while its delivery here goes on (its lease ran out: stalled, say, recording the send) or is
                // ending (it gave its lease back and has not left the list yet): given back at once, as when deliveries
                // ran one after another and a process leased nothing while one was in flight. So another instance may take
                // it over, and the delivery here, finding its lease gone, sends nothing more; kept, the lease held the
                // subscription's events back until it ran out, and the delivery here went on as if it had never lost it.
                await store.ReleaseLeaseAsync(subscription.Id, _owner, CancellationToken.None);
                continue;
            }
            var delivery = DeliverLeasedAsync(subscription, ct);
            _delivering[subscription.Id] = delivery;
            // Removed once ended, and only after it was added (it may end before).
            _ = delivery.ContinueWith(d => _delivering.TryRemove(new KeyValuePair<string, Task>(subscription.Id, d)),
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        await PruneAsync(ct);
        // Counted once per run, and only while the backlog gauge is exported.
        if (_backlog.Observed)
        {
            _backlog.Set(await store.BacklogAsync(ct));
        }
    }

    private async Task DeliverLeasedAsync(SubscriptionRow subscription, CancellationToken ct)
    {
        await Task.Yield(); // the run goes on leasing and starting the others
        try
        {
            await DeliverAsync(subscription, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Webhook delivery to subscription {Subscription} failed; trying again in {Interval}.", subscription.Id, options.Value.PollInterval);
        }
        finally
        {
            try
            {
                await store.ReleaseLeaseAsync(subscription.Id, _owner, CancellationToken.None);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Webhook subscription {Subscription}'s lease not released; it runs out after {Lease}.", subscription.Id, options.Value.LeaseDuration);
            }
        }
    }

    private async Task DeliverAsync(SubscriptionRow subscription, CancellationToken ct)
    {
        var known = await audiences.GetAsync(ct);
        if (!known.TryGetValue(subscription.Audience, out var audience))
        {
            return;
        }
        for (var taken = 0; taken < DeliveriesPerLease; taken++)
        {
            // The first undelivered event, read afresh for each delivery: a redelivery asked for during the run queues
            // earlier events again, and they go next, before the later ones (a list read at the start of the run would
            // send those first).
            if ((await store.PendingAsync(subscription.Id, 1, ct)).FirstOrDefault() is not { } delivery)
            {
                return;
            }
            if (DateTimeOffset.FromUnixTimeMilliseconds(delivery.NextAttemptAt) > time.GetUtcNow())
            {
                return; // backing off; later events wait for this one
            }
            if (!await store.RenewLeaseAsync(subscription.Id, _owner, time.GetUtcNow() + options.Value.LeaseDuration, ct))
            {
                return; // the lease ran out and another instance has the subscription now, or it was paused or deleted
            }
            var actor = new AuditActor(Subjects.Subscription(subscription.Id), subscription.Audience, []);
            var (row, withheld, scope) = await ReadAsync(delivery, audience, ct);
            if (row is null)
            {
                if (withheld is null)
                {
                    // It shows a record the audience no longer sees: nothing of it is sent, and a later event removes it.
                    await store.SkippedAsync(delivery, time.GetUtcNow(), ct);
                }
                else
                {
                    await WithholdAsync(subscription, delivery, withheld, actor);
                }
                continue;
            }
            var body = Body(row, scope);
            // A delivery hands the record's content to the subscriber, acknowledged or not: it is a retrieval on record.
            // Record, then release: the send is committed before the POST (or, when the trail cannot be written, this
            // throws and nothing is sent: the run ends and the delivery waits for the next one); the outcome after.
            var classification = FeedRecord.MarkingOf(row);
            var what = Described(row, subscription);
            // A slot first, so a send is on record only once it is about to be made (SendAsync checks the lease again).
            Interlocked.Increment(ref _waitingToSend);
            try
            {
                await _sending.WaitAsync(ct);
            }
            finally
            {
                Interlocked.Decrement(ref _waitingToSend);
            }
            string? error;
            Halt halt;
            try
            {
                await audit.CommitAsync(actor.Entry(AuditActions.WebhookSend, 0, clock.Now, row.StandardKey, row.Edition, classification, what));
                // Each attempt sends the body only while it is still what the subscription may be sent (read again before
                // it): the body was read before the wait for a slot, the record of the send and the attempts before, any
                // of which may have outlasted a revocation, a withdrawal or a lowered ceiling.
                (error, halt) = await SendAsync(subscription, row.EventId, body,
                    async token => await CurrentBodyAsync(subscription.Id, delivery.Id, audience, token) is { } now && now.AsSpan().SequenceEqual(body), ct);
            }
            finally
            {
                _sending.Release();
            }
            await audit.RecordAsync(actor.Entry(
                AuditActions.WebhookDeliver, error is null ? StatusCodes.Status200OK : StatusCodes.Status502BadGateway, clock.Now, row.StandardKey, row.Edition,
                classification, $"{what}{(error is null ? "" : $": {error}")}"),
                // Not the stopping token: a stop that begins while the entry waits for room in the queue must not drop
                // the record of a POST already made (the queue is drained after the dispatcher has stopped).
                CancellationToken.None);
            if (error is not null && ct.IsCancellationRequested)
            {
                return; // the service is stopping: no failure of the receiver's, and the event stays queued
            }
            if (halt == Halt.LeaseLost)
            {
                return; // another instance has the subscription now (the delivery is its to make), or it was paused or deleted (it stays queued)
            }
            if (halt == Halt.Changed)
            {
                continue; // read again: skipped, withheld, or sent as the subscription is shown it now
            }
            if (error is null)
            {
                // Not the stopping token either: an acknowledged delivery left pending by a stop is sent again after the
                // restart, for no reason, and the trail then holds two acknowledged deliveries of one event.
                await store.DeliveredAsync(subscription.Id, delivery, time.GetUtcNow(), CancellationToken.None);
                continue;
            }
            var o = options.Value;
            var backoff = TimeSpan.FromTicks(Math.Min(o.MaxBackoff.Ticks, o.Backoff.Ticks * (1L << (int)Math.Min(delivery.Attempts, 20))));
            var now = time.GetUtcNow();
            await store.FailedAsync(subscription.Id, delivery, error, now, now + backoff, ct);
            metrics.DeliveryFailed(subscription.Id);
            logger.LogInformation("Webhook {Subscription} event {Event} not delivered ({Error}); next attempt in {Backoff}.", subscription.Id, row.EventId, error, backoff);
            return;
        }
    }

    /// <summary>An event not sent because the subscription may not carry it: the event as queued, and why.</summary>
    private sealed record Withheld(FeedEventRow Queued, string Why);

    /// <summary>
    /// The event of <paramref name="delivery"/> as the subscription may be sent it now, with the scope it is shown in; Row
    /// null when nothing of it is sent: Withheld null when it shows a record the audience no longer sees (skipped), else
    /// the event as queued and why the subscription may not carry it now.
    /// </summary>
    private async Task<(FeedEventRow? Row, Withheld? Withheld, VisibilityScope Scope)> ReadAsync(DeliveryRow delivery, Audience audience, CancellationToken ct)
    {
        // The event as queued: read in the view it was queued for (the audience's view at the ceiling it had then),
        // never in the view of today's ceiling, whose sequence numbers name other events, nor held to today's ceiling
        // (what it no longer covers is withheld, on record).
        var view = delivery.View;
        var scope = VisibilityScope.ForAudience(view.Community, view.Level, audience.Scheme) with { HeldToCeilingNow = false };
        var row = await feed.EventAsync(view, scope, delivery.Seq, ct);
        if (row is null)
        {
            return (null, null, scope);
        }
        if (delivery.Ceiling < view.Level)
        {
            // What the subscription may carry (read with the row, not cached: the audience's ceiling, or the clearance
            // of the admin who registered it when lower) is below the view now: the event goes out only as
            // the ceiling shows it — a record it carries read at the ceiling (not visible there: withheld), a tombstone
            // only when what it names is marked within the ceiling (a relation's, an equivalent's or a preferred
            // mark's has no marking to judge by: withheld).
            var queued = row;
            scope = VisibilityScope.ForAudience(view.Community, delivery.Ceiling, audience.Scheme);
            row = await feed.EventAsync(view, scope, delivery.Seq, ct);
            if (row is null || row.Marking > delivery.Ceiling || (row.Marking is null && !row.HasContent))
            {
                return (null, new Withheld(queued, $"above what the subscription may carry now ({delivery.Ceiling}: the audience's ceiling, or the clearance of the admin who registered it)"), scope);
            }
        }
        // A capability table, shown or named by a tombstone, goes only where the admin who registered the subscription
        // (and chose the URL) reads it: an admin cleared for the table's marking but kept from it by the several-nations
        // rule (it reads targets of several nations of the cycle, not every figure the table was computed from) would
        // otherwise read the hidden figure off its cells, as a cell less the figures it knows.
        if (row.Subject == EnumText.Of(FeedSubject.Table) && !await feed.ReadsTableAsync(delivery.Registrant, row.SubjectId, ct))
        {
            return (null, new Withheld(row, $"a capability table the admin who registered the subscription does not read ({delivery.RegistrantLevel}, speaking for {delivery.RegistrantNation ?? "no nation"}: the several-nations rule)"), scope);
        }
        return (row, null, scope);
    }

    /// <summary>
    /// The body delivery <paramref name="deliveryId"/> would carry now (its row read again, with the ceiling now), or null
    /// when it is no longer the subscription's first waiting delivery or nothing of it would be sent.
    /// </summary>
    private async Task<byte[]?> CurrentBodyAsync(string subscriptionId, long deliveryId, Audience audience, CancellationToken ct)
    {
        if ((await store.PendingAsync(subscriptionId, 1, ct)).FirstOrDefault() is not { } delivery || delivery.Id != deliveryId)
        {
            return null;
        }
        var (row, _, scope) = await ReadAsync(delivery, audience, ct);
        return row is null ? null : Body(row, scope);
    }

    /// <summary>What a delivery of <paramref name="row"/> carries: the event as the feed page shows it in <paramref name="scope"/>.</summary>
    private byte[] Body(FeedEventRow row, VisibilityScope scope) =>
        JsonSerializer.SerializeToUtf8Bytes(FeedEventDto.From(row, scope), json.Value.SerializerOptions);

    /// <summary>
    /// A queued event the subscription may not carry now (above the audience's ceiling or the registering admin's
    /// clearance, or a table that admin does not read): nothing of it is sent. It is put on record first (committed,
    /// naming the event, what it names and its marking, the view it was queued for and why), then marked done,
    /// so it leaves the pending count only once the record exists; a crash in between withholds it again.
    /// </summary>
    private async Task WithholdAsync(SubscriptionRow subscription, DeliveryRow delivery, Withheld withheld, AuditActor actor)
    {
        var queued = withheld.Queued;
        var what = $"{Described(queued, subscription)}: not sent, queued in view {delivery.View.Name}, {withheld.Why}";
        await audit.CommitAsync(actor.Entry(AuditActions.WebhookWithhold, StatusCodes.Status403Forbidden, clock.Now, queued.StandardKey, queued.Edition, queued.Marking, what));
        // Not the stopping token, as for an acknowledged delivery: a stop that began while the entry was being committed
        // left the delivery pending, the restart withheld the event again, and the trail held two entries for it.
        await store.SkippedAsync(delivery, time.GetUtcNow(), CancellationToken.None);
        logger.LogWarning("Webhook {Subscription} event {Event} withheld: queued in view {View}, {Why}.",
            subscription.Id, queued.EventId, delivery.View.Name, withheld.Why);
    }

    /// <summary>An event and where it goes, as the trail's entries about its delivery name them.</summary>
    private static string Described(FeedEventRow row, SubscriptionRow subscription) =>
        $"event {row.EventId} ({row.Type} {row.Subject}{(row.Ref is null ? "" : $" {row.Ref}")}) to {subscription.Url}";

    /// <summary>
    /// POSTs one event, signed; null when the receiver acknowledged it, else why not. Each attempt first extends the
    /// lease from now: the lease was renewed before the send was recorded, and recording it, the attempts before and
    /// the delays between them may have outlasted it, when another instance takes the subscription over and sends the
    /// same event. Then nothing more is sent from here (<c>LeaseLost</c>). The first attempt also needs the subscription
    /// still active (else <c>LeaseLost</c> too: not a failure of the receiver's, and the event stays queued). Then each
    /// attempt needs <paramref name="body"/> to be still what the delivery would carry (<paramref name="current"/>), else
    /// it is not made (<c>Changed</c>: the delivery is read again).
    /// </summary>
    private async Task<(string? Error, Halt Halt)> SendAsync(SubscriptionRow subscription, string eventId, byte[] body, Func<CancellationToken, Task<bool>> current, CancellationToken ct)
    {
        // The allow-list is checked again at delivery: a host removed from it since registration gets nothing (once the
        // instance has restarted: settings are read at start, README, Configuration).
        if (options.Value.UrlProblem(subscription.Url) is { } problem)
        {
            return (problem.Message, Halt.None);
        }
        var client = clients.CreateClient(ClientName);
        var begun = false;
        try
        {
            using var response = await Pipeline(subscription.Id).ExecuteAsync(async token =>
            {
                // The first attempt is made only while the subscription is still active: a pause or delete that answered
                // since the lease was renewed for this event (reading it and recording its send take time, the record
                // waiting behind others) stops it, and nothing is POSTed after that answer but a delivery already begun.
                // Its retries need the lease only: the delivery in flight completes.
                var extended = begun
                    ? await store.KeepLeaseAsync(subscription.Id, _owner, time.GetUtcNow() + options.Value.LeaseDuration, token)
                    : await store.RenewLeaseAsync(subscription.Id, _owner, time.GetUtcNow() + options.Value.LeaseDuration, token);
                if (!extended)
                {
                    throw new LeaseLostException();
                }
                if (!await current(token))
                {
                    throw new ChangedException();
                }
                begun = true;
                using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                request.Headers.Add(WebhookSignature.EventIdHeader, eventId);
                request.Headers.Add(WebhookSignature.SubscriptionIdHeader, subscription.Id);
                request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(subscription.Secret, time.GetUtcNow().ToUnixTimeSeconds(), body));
                return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
            }, ct);
            return (response.IsSuccessStatusCode ? null : $"The receiver answered {(int)response.StatusCode}.", Halt.None);
        }
        catch (LeaseLostException)
        {
            return (begun
                ? "Not sent: the subscription's lease ran out before the attempt, and another instance has it now."
                : "Not sent: the subscription was paused or deleted, or its lease ran out and another instance has it now.", Halt.LeaseLost);
        }
        catch (ChangedException)
        {
            return ($"Not sent{(begun ? " again" : "")}: what the event shows the subscription changed since the send was recorded (a release revoked, say); it is read again.", Halt.Changed);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The service is stopping: the outcome is still recorded (a stop that went past it left the trail saying only
            // that the event was about to be sent), and the event stays queued, to be sent again after the restart.
            return (begun
                ? "No answer: the service stopped while the receiver had not answered."
                : "Not sent: the service stopped before the attempt.", Halt.None);
        }
        catch (BrokenCircuitException)
        {
            return ("The subscription's circuit is open after repeated failures.", Halt.None);
        }
        catch (TimeoutRejectedException)
        {
            return ($"The receiver did not answer within {options.Value.AttemptTimeout}.", Halt.None);
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.InvalidResponse)
        {
            // Described, never quoted: the client's message quotes the receiver's bytes (any text, control characters),
            // and this goes to the subscription's last error, the trail and the log.
            return ("The receiver's answer was not valid HTTP.", Halt.None);
        }
        catch (HttpRequestException e)
        {
            return ($"The receiver could not be reached: {e.Message}", Halt.None);
        }
    }

    /// <summary>Why a send stopped short of its attempts without a failure of the receiver's.</summary>
    private enum Halt
    {
        None,
        /// <summary>The lease is another instance's, or the subscription was paused or deleted: the event stays queued.</summary>
        LeaseLost,
        /// <summary>The delivery would no longer carry the body recorded: it is read again (and skipped, withheld or sent as it is now).</summary>
        Changed,
    }

    /// <summary>What the event shows the subscription is no longer the body recorded: the attempt is not made.</summary>
    private sealed class ChangedException() : Exception("The delivery's body is no longer what the subscription may be sent.");

    /// <summary>This instance no longer holds the subscription's lease: the attempt is not made (no failure of the receiver's).</summary>
    private sealed class LeaseLostException() : Exception("The subscription's lease is held by another instance.");

    /// <summary>
    /// Drops the pipelines of subscriptions deleted (by any instance), at most once per lease duration: a deleted
    /// subscription is never leased again, so only a look at what is left finds it.
    /// </summary>
    private async Task PruneAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_pipelines.IsEmpty || now < _nextPrune)
        {
            return;
        }
        _nextPrune = now + options.Value.LeaseDuration;
        var live = (await store.LiveIdsAsync(ct)).ToHashSet(StringComparer.Ordinal);
        foreach (var id in _pipelines.Keys)
        {
            if (!live.Contains(id))
            {
                _pipelines.TryRemove(id, out _);
            }
        }
    }

    /// <summary>The subscription's own pipeline: its circuit opens on its failures only.</summary>
    private ResiliencePipeline<HttpResponseMessage> Pipeline(string subscriptionId) =>
        _pipelines.GetOrAdd(subscriptionId, _ =>
        {
            var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
            var o = options.Value;
            var failed = new PredicateBuilder<HttpResponseMessage>()
                .Handle<HttpRequestException>()
                .Handle<TimeoutRejectedException>()
                .HandleResult(r => !r.IsSuccessStatusCode);
            // Retries = 0 means none: Polly's retry strategy needs at least one attempt, so it is left out.
            if (o.Retries > 0)
            {
                builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
                {
                    ShouldHandle = failed,
                    MaxRetryAttempts = o.Retries,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = o.RetryDelay,
                    OnRetry = args =>
                    {
                        args.Outcome.Result?.Dispose();
                        return default;
                    },
                });
            }
            builder
                .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
                {
                    ShouldHandle = failed,
                    FailureRatio = 1.0,
                    MinimumThroughput = Math.Max(2, o.BreakerFailures),
                    SamplingDuration = TimeSpan.FromMinutes(1),
                    BreakDuration = o.BreakDuration,
                })
                .AddTimeout(o.AttemptTimeout);
            return builder.Build();
        });
}

/// <summary>
/// <c>registry.webhook.outbox.backlog</c>: each live subscription's pending deliveries, as the last delivery run counted
/// them (every instance counts the whole outbox, which all instances share).
/// </summary>
internal sealed class OutboxBacklog
{
    private readonly ObservableGauge<long> _gauge;
    private volatile Measurement<long>[] _last = [];

    public OutboxBacklog(RegistryMetrics metrics) =>
        _gauge = metrics.Meter.CreateObservableGauge("registry.webhook.outbox.backlog", () => _last, "{delivery}",
            "Deliveries not yet made, per live subscription, as of the last delivery run.");

    /// <summary>Whether anything collects the gauge (else counting is skipped).</summary>
    public bool Observed => _gauge.Enabled;

    public void Set(IReadOnlyList<BacklogRow> rows) =>
        _last = [.. rows.Select(r => new Measurement<long>(r.Pending, new KeyValuePair<string, object?>("subscription.id", r.SubscriptionId)))];
}
