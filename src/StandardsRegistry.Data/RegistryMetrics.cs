using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace StandardsRegistry.Data;

/// <summary>
/// The registry's own instruments, on one meter (<see cref="Name"/>), and its own spans (<see cref="Activities"/>).
/// Recording costs a check and, when something listens, a lock-free update: no allocation per call (tags are passed as
/// values, never built per call). The gauges (audit queue depth, outbox backlog) are registered by what owns the
/// value, on <see cref="Meter"/>. README, *Operations*, lists every instrument.
/// </summary>
public sealed class RegistryMetrics : IDisposable
{
    /// <summary>The meter's and the activity source's name.</summary>
    public const string Name = "StandardsRegistry";

    /// <summary>Spans around each database operation (one connection's read, write transaction or snapshot opening).</summary>
    public static readonly ActivitySource Activities = new(Name);

    /// <summary>For stores built by hand (tests): a meter of its own, which nothing exports unless a test listens.</summary>
    public static RegistryMetrics Detached { get; } = new();

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Histogram<double> _dbDuration;
    private readonly Histogram<double> _auditFlush;
    private readonly Histogram<double> _announceLag;
    private readonly Counter<long> _deliveryFailures;
    private readonly Counter<long> _rateLimitRejections;

    // Bucket bounds in seconds (the SDK's defaults are for milliseconds): database calls and flushes from 0.5 ms up,
    // announce lag from 0.1 s (a delivery run's poll interval is 1 s) up to an hour.
    private static readonly InstrumentAdvice<double> Latency = new()
    {
        HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    private static readonly InstrumentAdvice<double> Lag = new()
    {
        HistogramBucketBoundaries = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    };

    /// <param name="meters">The host's meter factory; without one (tests that build stores by hand) a meter of its own.</param>
    public RegistryMetrics(IMeterFactory? meters = null)
    {
        _ownsMeter = meters is null;
        _meter = meters?.Create(Name) ?? new Meter(Name);
        _dbDuration = _meter.CreateHistogram<double>("registry.db.operation.duration", "s",
            "One database operation (a read, a write transaction, a snapshot's opening), per attempt.", advice: Latency);
        _auditFlush = _meter.CreateHistogram<double>("registry.audit.flush.duration", "s",
            "Writing one batch of the audit queue (one transaction), per attempt.", advice: Latency);
        _announceLag = _meter.CreateHistogram<double>("registry.feed.announce.lag", "s",
            "How long after its effective time a release was announced (its events appended to the feed).", advice: Lag);
        _deliveryFailures = _meter.CreateCounter<long>("registry.webhook.delivery.failures", "{delivery}",
            "Webhook deliveries that failed after their immediate retries, per subscription.");
        _rateLimitRejections = _meter.CreateCounter<long>("registry.rate_limit.rejections", "{request}",
            "Requests refused with 429 by the per-principal rate limit.");
    }

    public Meter Meter => _meter;

    /// <summary>Seconds since <paramref name="started"/> (a <see cref="Stopwatch.GetTimestamp"/>).</summary>
    public static double Since(long started) => Stopwatch.GetElapsedTime(started).TotalSeconds;

    public void DbOperation(long started, string system, string operation, bool failed) =>
        _dbDuration.Record(Since(started),
            new KeyValuePair<string, object?>("db.system.name", system),
            new KeyValuePair<string, object?>("db.operation.name", operation),
            new KeyValuePair<string, object?>("outcome", failed ? "error" : "ok"));

    public void AuditFlushed(long started, bool failed) =>
        _auditFlush.Record(Since(started), new KeyValuePair<string, object?>("outcome", failed ? "error" : "ok"));

    public void Announced(TimeSpan lag) => _announceLag.Record(Math.Max(0, lag.TotalSeconds));

    public void DeliveryFailed(string subscriptionId) =>
        _deliveryFailures.Add(1, new KeyValuePair<string, object?>("subscription.id", subscriptionId));

    public void RateLimited(bool anonymous) =>
        _rateLimitRejections.Add(1, new KeyValuePair<string, object?>("caller", anonymous ? "anonymous" : "token"));

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
