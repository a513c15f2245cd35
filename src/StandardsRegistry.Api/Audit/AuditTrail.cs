using System.ComponentModel.DataAnnotations;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using StandardsRegistry.Data;

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

    /// <summary>Pause between flushes, so entries arriving meanwhile share one transaction.</summary>
    [Range(0, 1_000)]
    public int FlushIntervalMilliseconds { get; set; } = 5;
}

/// <summary>
/// The batched path into the audit log, for entries that are not part of a write transaction: content reads and
/// refused or failed requests (successful editorial writes append their entry in their own transaction, see
/// <see cref="AuditLog.AppendAsync(DbSession, IReadOnlyList{AuditEntry})"/>). <see cref="RecordAsync"/> returns once
/// the entry is queued; a background loop writes the queue in batches every few milliseconds. A full queue makes
/// <see cref="RecordAsync"/> wait (back-pressure), never drop; stopping the host writes everything queued, after
/// the server has stopped taking requests.
/// </summary>
public sealed class AuditTrail : IHostedLifecycleService
{
    private readonly Channel<AuditEntry> _queue;
    private readonly AuditLog _log;
    private readonly AuditOptions _options;
    private readonly ILogger<AuditTrail> _logger;
    private readonly CancellationTokenSource _abandon = new();
    private Task _writer = Task.CompletedTask;

    public AuditTrail(AuditLog log, IOptions<AuditOptions> options, ILogger<AuditTrail> logger)
    {
        _log = log;
        _options = options.Value;
        _logger = logger;
        _queue = Channel.CreateBounded<AuditEntry>(new BoundedChannelOptions(_options.Capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    public bool RecordsReads => _options.RecordReads;

    /// <summary>Queues an entry; waits while the queue is full. After shutdown, writes it directly.</summary>
    public async ValueTask RecordAsync(AuditEntry entry, CancellationToken ct = default)
    {
        if (_queue.Writer.TryWrite(entry))
        {
            return;
        }
        try
        {
            await _queue.Writer.WriteAsync(entry, ct);
        }
        catch (ChannelClosedException)
        {
            // The host has stopped (a request that outlived the server): nothing to batch with, so write it now.
            await _log.AppendAsync([entry], ct);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _writer = Task.Run(WriteLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Runs after every hosted service has stopped, the web server included, so no request can still be queueing:
    /// closes the queue and waits until everything in it is written. Only when the host's shutdown timeout expires
    /// does it give up, and then it says how many entries it could not write.
    /// </summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await using (cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), _abandon))
        {
            await _writer;
        }
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<AuditEntry>(_options.BatchSize);
        while (await reader.WaitToReadAsync())
        {
            while (batch.Count < _options.BatchSize && reader.TryRead(out var entry))
            {
                batch.Add(entry);
            }
            if (!await WriteAsync(batch))
            {
                return;
            }
            batch.Clear();
            if (_options.FlushIntervalMilliseconds > 0 && !reader.Completion.IsCompleted && reader.Count < _options.BatchSize)
            {
                try
                {
                    await Task.Delay(_options.FlushIntervalMilliseconds, _abandon.Token);
                }
                catch (OperationCanceledException)
                {
                    // Shutting down: keep writing without pausing.
                }
            }
        }
    }

    /// <summary>Writes one batch, retrying while the database is unavailable; false only when shutdown gave up.</summary>
    private async Task<bool> WriteAsync(List<AuditEntry> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _log.AppendAsync(batch, CancellationToken.None);
                return true;
            }
            catch (Exception e) when (!_abandon.IsCancellationRequested)
            {
                _logger.LogWarning(e, "Writing {Count} audit entries failed (attempt {Attempt}); retrying", batch.Count, attempt);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2_000, 100 * attempt)), _abandon.Token);
                }
                catch (OperationCanceledException)
                {
                    // Shutdown gave up while waiting: fall through to the report below.
                }
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

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
