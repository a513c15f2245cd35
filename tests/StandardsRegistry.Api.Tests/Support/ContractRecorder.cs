using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Xunit.Sdk;
using Xunit.v3;

[assembly: AssemblyFixture(typeof(StandardsRegistry.Api.Tests.Support.ContractSummary))]

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// Every response an in-process registry sends is checked against the committed OpenAPI document as it leaves the app
/// (outermost, so it sees what the client gets): the body is copied as it streams through (up to
/// <see cref="MaxCapturedBytes"/>), then <see cref="OpenApiContract"/> judges status, media type and body. A broken
/// contract is recorded with the route, the status and the JSON path, and fails the test when the app is disposed, as a
/// server error does. Added by <see cref="RegistryApp"/> for every test, so new routes and new tests are covered without
/// editing anything here.
/// </summary>
internal sealed class ContractRecorder(string provider, ConcurrentQueue<string> violations) : IStartupFilter
{
    /// <summary>Larger bodies (none the in-process tests fetch) are checked for status and media type only.</summary>
    public const int MaxCapturedBytes = 8 * 1024 * 1024;

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(CheckAsync);
        next(app);
    };

    private async Task CheckAsync(HttpContext context, RequestDelegate next)
    {
        var response = context.Response;
        // The headers are judged as they are sent: registered first, this runs after every other OnStarting callback
        // (they run last-registered first), when the app's own (the request id) have been added.
        response.OnStarting(static state =>
        {
            var (context, violations) = ((HttpContext, ConcurrentQueue<string>))state;
            var path = context.Request.Path.Value ?? "/";
            try
            {
                if (InTheDocument(path) && OpenApiContract.Committed.HeaderViolation(context.Request.Method, path, context.Response.StatusCode, context.Response.Headers.Keys) is { } broken)
                {
                    violations.Enqueue(broken);
                }
            }
            catch (Exception e)
            {
                // As for the body: a check that cannot run fails the run, never the response.
                violations.Enqueue($"{context.Request.Method} {path} -> {context.Response.StatusCode}: the header check failed: {e}");
            }
            return Task.CompletedTask;
        }, (context, violations));
        var original = response.Body;
        await using var copy = new CopyingStream(original, MaxCapturedBytes);
        response.Body = copy;
        try
        {
            await next(context);
        }
        finally
        {
            response.Body = original;
        }
        var path = context.Request.Path.Value ?? "/";
        if (context.RequestAborted.IsCancellationRequested || response.StatusCode == 499)
        {
            return; // The client went away: nothing was answered.
        }
        if (!InTheDocument(path))
        {
            ContractSummary.Count(provider, ContractSummary.Outside);
            return;
        }
        var routed = context.GetEndpoint() is RouteEndpoint;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        string? violation;
        try
        {
            violation = copy.Overflowed
                ? null
                : OpenApiContract.Committed.Violation(context.Request.Method, path, routed, response.StatusCode, response.ContentType, copy.Captured);
        }
        catch (Exception e)
        {
            // A check that cannot run is a failure of the run, reported like a violation, never a broken response.
            violation = $"{context.Request.Method} {path} -> {response.StatusCode}: the contract check failed: {e}";
        }
        ContractSummary.Spent(System.Diagnostics.Stopwatch.GetElapsedTime(started));
        ContractSummary.Count(provider, copy.Overflowed ? ContractSummary.TooLarge : ContractSummary.Checked);
        if (violation is not null)
        {
            ContractSummary.Count(provider, ContractSummary.Broken);
            violations.Enqueue(violation);
        }
    }

    private static bool InTheDocument(string path) =>
        path.Equals(OpenApiContract.ApiPrefix, StringComparison.Ordinal) || path.StartsWith(OpenApiContract.ApiPrefix + "/", StringComparison.Ordinal);

    /// <summary>Writes through to the response and keeps a copy of what was written, up to a limit.</summary>
    private sealed class CopyingStream(Stream inner, int limit) : WriteThroughStream(inner)
    {
        private readonly MemoryStream _copy = new();

        public bool Overflowed { get; private set; }

        public ReadOnlySpan<byte> Captured => _copy.GetBuffer().AsSpan(0, (int)_copy.Length);

        private void Keep(ReadOnlySpan<byte> bytes)
        {
            if (Overflowed || _copy.Length + bytes.Length > limit)
            {
                Overflowed = true;
                return;
            }
            _copy.Write(bytes);
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Keep(buffer.AsSpan(offset, count));
            Inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Keep(buffer.Span);
            await Inner.WriteAsync(buffer, cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _copy.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

/// <summary>
/// How many responses the contract check saw, per provider, printed (as a diagnostic message, and to
/// contract-check.txt beside the test assembly) when the test run ends.
/// </summary>
public sealed class ContractSummary(IMessageSink sink) : IDisposable
{
    public const string Checked = "checked against the document";
    public const string Broken = "broke it";
    public const string TooLarge = "too large to copy (status and media type only)";
    public const string Outside = "outside /v1 (not in the document)";

    private static readonly ConcurrentDictionary<(string Provider, string Kind), long> Counts = new();

    private static long _ticks;

    public static void Count(string provider, string kind) => Counts.AddOrUpdate((provider, kind), 1, (_, n) => n + 1);

    public static void Spent(TimeSpan time) => Interlocked.Add(ref _ticks, time.Ticks);

    public void Dispose()
    {
        var lines = Counts.OrderBy(c => c.Key.Provider, StringComparer.Ordinal).ThenBy(c => c.Key.Kind, StringComparer.Ordinal)
            .Select(c => $"{c.Key.Provider}: {c.Value} responses {c.Key.Kind}")
            .ToList();
        var text = "OpenAPI contract check: " + (lines.Count == 0 ? "no responses" : string.Join("; ", lines))
            + $"; {TimeSpan.FromTicks(Interlocked.Read(ref _ticks)).TotalSeconds:0.0} s spent judging them (over all threads)";
        if (!Counts.IsEmpty)
        {
            var unexercised = OpenApiContract.Committed.Unexercised;
            text += $"; {OpenApiContract.Committed.OperationCount - unexercised.Count} of {OpenApiContract.Committed.OperationCount} operations exercised"
                + (unexercised.Count == 0 ? "" : $" (not: {string.Join(", ", unexercised)})");
        }
        sink.OnMessage(new DiagnosticMessage(text));
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "contract-check.txt"), text + Environment.NewLine);
    }
}
