using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Audit;

public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>Record content reads (the default). Off only to measure what recording costs.</summary>
    public bool RecordReads { get; set; } = true;

    /// <summary>Entries waiting to be written at most; when full, recording waits (back-pressure), it never drops.</summary>
    [Range(1, 1_000_000)]
    public int Capacity { get; set; } = 10_000;

    /// <summary>Entries written per transaction at most.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// Pause between flushes while nothing waits for its entry to commit, so entries that need not wait (refusals,
    /// 404s, webhook outcomes) share one transaction. An entry that something waits for ends the pause at once.
    /// </summary>
    [Range(0, 1_000)]
    public int FlushIntervalMilliseconds { get; set; } = 5;

    /// <summary>
    /// How long one call of <c>GET /v1/audit/verify</c> may walk the chain before it answers how far it got (checked
    /// between pages of 1 000 entries): keep it well below <c>RequestTimeout:Seconds</c>.
    /// </summary>
    [Range(1, 60)]
    public int VerifySeconds { get; set; } = 5;
}

/// <summary>The audit trail cannot be written now: what would have to be recorded is not done (fail secure).</summary>
public sealed class AuditUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The batched path into the audit log, for entries that are not part of a write transaction: content reads, refused
/// or failed requests, webhook deliveries (successful editorial writes append their entry in their own transaction,
/// see <see cref="AuditLog.AppendAsync(DbSession, IReadOnlyList{AuditEntry})"/>).
/// <para>
/// Two ways in. <see cref="CommitAsync"/> (record, then release) returns once the entry is committed: content is
/// released only after that. <see cref="RecordAsync"/> returns once the entry is queued (for what carries no content).
/// One writer thread writes whatever is queued in one transaction and completes every waiter of it — group commit:
/// while one batch commits, the next one gathers, so the number of transactions follows the database's commit time,
/// not the request rate.
/// </para>
/// <para>
/// Fail secure: when a batch cannot be written, the trail is <em>unwritable</em> until a write succeeds again. Waiters
/// of that batch fail (their content is not served), audited requests are refused meanwhile
/// (<see cref="Unwritable"/>), entries that did not wait stay queued — never dropped — and the writer tries again with
/// backoff; the first write that succeeds also records the outage (<c>audit.outage</c>). A full queue makes
/// <see cref="RecordAsync"/> wait (back-pressure); stopping the host writes everything queued, after the server has
/// stopped taking requests.
/// </para>
/// </summary>
public sealed class AuditTrail : IHostedLifecycleService
{

    private readonly Channel<Pending> _queue;
    private readonly AuditLog _log;
    private readonly AuditOptions _options;
    private readonly RegistryClock _clock;
    private readonly ILogger<AuditTrail> _logger;
    private readonly RegistryMetrics _metrics;
    private readonly CancellationTokenSource _abandon = new();
    private readonly TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Entries queued that something waits for, not yet taken into a batch: no pause between flushes while there are any.</summary>
    private int _waiting;

    /// <summary>Completed to end the writer's pause between flushes early.</summary>
    private TaskCompletionSource? _pause;

    /// <summary>
    /// Set by whoever queues an entry (or closes the queue), waited on by the writer thread when the queue is empty. A
    /// direct wake-up: the channel's own <c>WaitToReadAsync</c> would wake the writer through a thread-pool work item,
    /// queued behind the very requests that wait for its commit. No spinning: on a busy machine a spinning writer takes
    /// a core from the requests.
    /// </summary>
    private readonly ManualResetEventSlim _queued = new(false, spinCount: 1);

    private volatile Outage? _outage;

    /// <summary>Entries in the batch the writer is writing, not yet committed (during an outage, those it holds).</summary>
    private int _held;

    /// <summary>The trail itself, the actor of what it records of its own state (an outage, reads left unrecorded).</summary>
    private static readonly AuditActor Trail = AuditActor.System(Subjects.AuditTrail);

    /// <summary>Cancelled when an outage begins, so a waiter blocked on a full queue gives up instead of waiting it out.</summary>
    private CancellationTokenSource _outageBegan = new();

    public AuditTrail(AuditLog log, IOptions<AuditOptions> options, RegistryClock clock, ILogger<AuditTrail> logger, RegistryMetrics metrics)
    {
        _log = log;
        _options = options.Value;
        _clock = clock;
        _logger = logger;
        _metrics = metrics;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(_options.Capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        // Read when metrics are collected, never on the request path.
        metrics.Meter.CreateObservableGauge("registry.audit.queue.depth", () => _queue.Reader.Count, "{entry}",
            "Audit entries queued and not yet taken into a batch (at most Audit:Capacity; at capacity, recording waits).");
        metrics.Meter.CreateObservableGauge("registry.audit.held", () => Volatile.Read(ref _held), "{entry}",
            "Audit entries taken into the batch being written and not yet committed; while the trail cannot be written, the entries held to be written when it can.");
    }

    public bool RecordsReads => _options.RecordReads;

    /// <summary>Why the trail cannot be written now, or null while it can.</summary>
    public string? Unwritable => _outage is { } outage ? outage.Describe() : null;

    /// <summary>A request refused because the trail cannot be written: counted, and the count recorded with the outage.</summary>
    public void Refused()
    {
        if (_outage is { } outage)
        {
            Interlocked.Increment(ref outage.Refused);
        }
    }

    /// <summary>Queues an entry; waits while the queue is full. After shutdown, writes it directly.</summary>
    public async ValueTask RecordAsync(AuditEntry entry, CancellationToken ct = default)
    {
        var pending = new Pending(entry, null);
        if (_queue.Writer.TryWrite(pending))
        {
            _queued.Set();
            return;
        }
        try
        {
            await _queue.Writer.WriteAsync(pending, ct);
            _queued.Set();
        }
        catch (ChannelClosedException)
        {
            // The host has stopped (a request that outlived the server): nothing to batch with, so write it now.
            await _log.AppendAsync([entry], ct);
        }
    }

    /// <summary>
    /// Record, then release: returns once the entry is committed, with the batch that holds it. Throws
    /// <see cref="AuditUnavailableException"/> — at once while the trail is unwritable, else when the batch fails —
    /// and then the entry is not written: what it would record must not happen.
    /// </summary>
    public async Task CommitAsync(AuditEntry entry)
    {
        if (_outage is { } outage)
        {
            Interlocked.Increment(ref outage.Refused);
            throw Unavailable(outage);
        }
        var committed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = new Pending(entry, committed);
        Interlocked.Increment(ref _waiting);
        if (_queue.Writer.TryWrite(pending))
        {
            _queued.Set();
        }
        else
        {
            try
            {
                await _queue.Writer.WriteAsync(pending, _outageBegan.Token);
                _queued.Set();
            }
            catch (ChannelClosedException)
            {
                Interlocked.Decrement(ref _waiting);
                await CommitAfterShutdownAsync(entry);
                return;
            }
            catch (OperationCanceledException)
            {
                Interlocked.Decrement(ref _waiting);
                Refused();
                throw Unavailable(_outage);
            }
        }
        Interlocked.Exchange(ref _pause, null)?.TrySetResult();
        await committed.Task;
    }

    private async Task CommitAfterShutdownAsync(AuditEntry entry)
    {
        try
        {
            await _log.AppendAsync([entry]);
        }
        catch (Exception e)
        {
            throw new AuditUnavailableException("The audit trail could not be written.", e);
        }
    }

    private static AuditUnavailableException Unavailable(Outage? outage) =>
        new(outage?.Describe() ?? "The audit trail cannot be written.");

    /// <summary>
    /// The writer is a thread of its own, writing synchronously: a commit that the requests wait for must not itself
    /// wait in the thread pool's queue behind them (each database round trip of an asynchronous write would).
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.RecordReads)
        {
            // Nothing stops an operator from setting it in production, so the gap is on record where an auditor looks:
            // the trail says from when content reads went unrecorded (the first entry of the queue, before any request).
            _logger.LogWarning("Audit:RecordReads is false: content reads are served without an audit entry. It exists to measure what recording costs; never set it in production.");
            await RecordAsync(Trail.Entry(AuditActions.AuditReadsOff, 0, _clock.Now,
                detail: "Audit:RecordReads is false: content reads are served without an entry from now until a start with it true."), cancellationToken);
        }
        new Thread(WriteLoop) { IsBackground = true, Name = "audit-writer" }.Start();
    }

    /// <summary>
    /// Runs after every hosted service has stopped, the web server included, so no request can still be queueing:
    /// closes the queue and waits until everything in it is written. Only when the host's shutdown timeout expires
    /// does it give up, and then it says how many entries it could not write.
    /// </summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        _queued.Set();
        await using (cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), _abandon))
        {
            await _written.Task;
        }
    }

    private void WriteLoop()
    {
        try
        {
            var reader = _queue.Reader;
            var batch = new List<Pending>(_options.BatchSize);
            while (WaitToRead(reader))
            {
                Take(reader, batch);
                if (!Write(batch))
                {
                    return;
                }
                batch.Clear();
                Pause(reader);
            }
        }
        catch (Exception e)
        {
            _logger.LogCritical(e, "The audit writer stopped: content reads cannot be answered until the service restarts");
            throw;
        }
        finally
        {
            _written.TrySetResult();
        }
    }

    /// <summary>Waits until an entry is queued (true) or the queue is closed and empty (false).</summary>
    private bool WaitToRead(ChannelReader<Pending> reader)
    {
        while (true)
        {
            // Reset before looking: an entry queued after the look sets the event again, so the wait cannot miss it.
            _queued.Reset();
            if (reader.TryPeek(out _))
            {
                return true;
            }
            if (reader.Completion.IsCompleted)
            {
                return false;
            }
            _queued.Wait();
        }
    }

    private void Take(ChannelReader<Pending> reader, List<Pending> batch)
    {
        while (batch.Count < _options.BatchSize && reader.TryRead(out var pending))
        {
            if (pending.Committed is not null)
            {
                Interlocked.Decrement(ref _waiting);
            }
            batch.Add(pending);
        }
    }

    /// <summary>
    /// Between flushes, while nothing waits for a commit and there is less than a batch queued: pause, so entries that
    /// need not wait share a transaction. An entry that is waited for ends the pause.
    /// </summary>
    private void Pause(ChannelReader<Pending> reader)
    {
        if (_options.FlushIntervalMilliseconds == 0 || reader.Completion.IsCompleted || reader.Count >= _options.BatchSize)
        {
            return;
        }
        var pause = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _pause, pause);
        try
        {
            if (Volatile.Read(ref _waiting) == 0)
            {
                pause.Task.Wait(_options.FlushIntervalMilliseconds, _abandon.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down: keep writing without pausing.
        }
        finally
        {
            Interlocked.CompareExchange(ref _pause, null, pause);
        }
    }

    /// <summary>
    /// Writes one batch (after an outage, with its record first) and completes its waiters. While it fails, the trail
    /// is unwritable: waiters fail and leave the batch, everything else stays and is tried again with backoff. False
    /// only when shutdown gave up.
    /// </summary>
    private bool Write(List<Pending> batch)
    {
        // The outage's record of the last attempt: handed again as it was while it may have been written (its batch's
        // commit cut off), so the log leaves it out if it is there; built afresh otherwise, to say until when.
        AuditEntry? record = null;
        for (var attempt = 1; ; attempt++)
        {
            var outage = _outage;
            var entries = new List<AuditEntry>(batch.Count + 1);
            if (outage is not null)
            {
                record = record is not null && _log.MayHaveWritten(record) ? record : outage.Entry(_clock.Now);
                entries.Add(record);
            }
            foreach (var pending in batch)
            {
                entries.Add(pending.Entry);
            }
            Volatile.Write(ref _held, batch.Count);
            try
            {
                if (entries.Count > 0)
                {
                    var started = System.Diagnostics.Stopwatch.GetTimestamp();
                    try
                    {
                        _log.AppendBatch(entries);
                    }
                    catch
                    {
                        _metrics.AuditFlushed(started, failed: true);
                        throw;
                    }
                    _metrics.AuditFlushed(started, failed: false);
                }
                Volatile.Write(ref _held, 0);
                foreach (var pending in batch)
                {
                    pending.Committed?.TrySetResult();
                }
                if (outage is not null)
                {
                    Recovered(outage);
                }
                return true;
            }
            catch (Exception e) when (!_abandon.IsCancellationRequested)
            {
                outage = Failed(outage, e, batch.Count, attempt);
                // What waited is refused now: its request answers 503, so its entry (which would say it was served) goes.
                // Waiters queued behind it are refused too; what did not wait stays queued.
                var refused = batch.RemoveAll(p => p.Committed is not null && p.Committed.TrySetException(Unavailable(outage)));
                Interlocked.Add(ref outage.Refused, refused);
                Volatile.Write(ref _held, batch.Count);
                // Shutdown giving up ends the wait early (reported below).
                _abandon.Token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(Math.Min(2_000, 100 * attempt)));
                RefuseQueuedWaiters(batch);
                Volatile.Write(ref _held, batch.Count);
            }
            catch (Exception e)
            {
                _logger.LogCritical(e, "Shutdown timed out: {Count} audit entries could not be written", batch.Count + _queue.Reader.Count);
                return false;
            }
            if (_abandon.IsCancellationRequested)
            {
                _logger.LogCritical("Shutdown timed out: {Count} audit entries could not be written", batch.Count + _queue.Reader.Count);
                return false;
            }
        }
    }

    /// <summary>
    /// During an outage: waiters that were queued before it began are refused now, rather than after it; what did not
    /// wait joins the held batch (up to the queue's capacity, so what is held stays bounded; beyond it, the queue
    /// fills and recording waits).
    /// </summary>
    private void RefuseQueuedWaiters(List<Pending> batch)
    {
        var reader = _queue.Reader;
        while (batch.Count < _options.Capacity && reader.TryRead(out var pending))
        {
            if (pending.Committed is null)
            {
                batch.Add(pending);
                continue;
            }
            Interlocked.Decrement(ref _waiting);
            pending.Committed.TrySetException(Unavailable(_outage));
            Refused();
        }
    }

    private Outage Failed(Outage? outage, Exception e, int count, int attempt)
    {
        if (outage is not null)
        {
            _logger.LogWarning(e, "The audit trail is still unwritable ({Count} entries held, attempt {Attempt}); retrying", count, attempt);
            return outage;
        }
        outage = new Outage(_clock.Now, e.GetType().Name);
        _outage = outage;
        Interlocked.Exchange(ref _outageBegan, new CancellationTokenSource()).Cancel();
        _logger.LogError(e, "The audit trail cannot be written ({Count} entries held): audited requests are refused with 503 until it can", count);
        return outage;
    }

    private void Recovered(Outage outage)
    {
        _outage = null;
        _logger.LogWarning("The audit trail is writable again after {Duration}; {Refused} requests were refused meanwhile",
            _clock.Now - outage.Since, Volatile.Read(ref outage.Refused));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>An entry queued for writing; <see cref="Committed"/> when something waits for its commit.</summary>
    private sealed record Pending(AuditEntry Entry, TaskCompletionSource? Committed);

    /// <summary>Since when the trail cannot be written, what failed first, and how many requests were refused meanwhile.</summary>
    private sealed class Outage(DateTimeOffset since, string error)
    {
        public int Refused;

        public DateTimeOffset Since => since;

        public string Describe() =>
            $"The audit trail cannot be written since {since.ToString("O", CultureInfo.InvariantCulture)}; content is not served until it can.";

        /// <summary>The outage's own record, written with the first batch that succeeds.</summary>
        public AuditEntry Entry(DateTimeOffset now) => Trail.Entry(
            AuditActions.AuditOutage, StatusCodes.Status503ServiceUnavailable, now, detail:
            $"unwritable from {since.ToString("O", CultureInfo.InvariantCulture)} to {now.ToString("O", CultureInfo.InvariantCulture)} ({error}); "
            + $"{Volatile.Read(ref Refused).ToString(CultureInfo.InvariantCulture)} requests to audited routes refused with 503 meanwhile");
    }
}

/// <summary>Readiness: not ready while the audit trail cannot be written (audited routes answer 503 meanwhile).</summary>
public sealed class AuditHealthCheck(AuditTrail trail) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(trail.Unwritable is { } why ? HealthCheckResult.Unhealthy(why) : HealthCheckResult.Healthy("The audit trail is writable."));
}
