using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StandardsRegistry.Api.Telemetry;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// Operators see the service: the built service, after some traffic, serves its metrics for
/// Prometheus on a listener of its own — the registry's own instruments with plausible values beside ASP.NET Core's,
/// HttpClient's and the runtime's — and the API's port serves no metrics to anyone, an admin included.
/// </summary>
public sealed class TelemetryTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    [Slow]
    [Fact]
    public async Task AfterSomeTrafficTheMetricsListenerShowsTheRegistrysOwnInstrumentsAndTheApiPortShowsNone()
    {
        var data = ScratchDirectories.Create("registry-telemetry-");
        try
        {
            await using var receiver = await WebhookReceiver.StartAsync();
            receiver.Mode = WebhookReceiver.Behaviour.Fail;
            await using var service = await ServiceProcess.StartSqliteAsync(Path.Combine(data.FullName, "registry.db"), new Dictionary<string, string>
            {
                ["Database__Seed"] = "true",
                // A small bucket: anonymous callers (one partition, by address) run out of it below.
                ["RateLimiting__Burst"] = "20",
                ["RateLimiting__PermitsPerSecond"] = "1",
                ["Webhooks__AllowedHosts__0"] = "127.0.0.1",
                ["Webhooks__PollInterval"] = "00:00:00.100",
                ["Webhooks__AttemptTimeout"] = "00:00:00.500",
                ["Webhooks__Retries"] = "0",
                ["Webhooks__Backoff"] = "00:00:00.200",
                ["Webhooks__MaxBackoff"] = "00:00:00.500",
            });
            using var consumer = service.Client(TestCaller.Eu("NS"));
            using var admin = service.Client(TestCaller.Admin());
            using var anonymous = service.Client();
            using var scraper = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

            // A content read, a refused request, and a subscription whose receiver fails, for a release that takes
            // effect a moment later (announced late by up to a delivery run).
            Assert.Equal(HttpStatusCode.OK, (await consumer.GetAsync("/v1/standards/stanag-4172/versions/latest")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await consumer.GetAsync("/v1/audit")).StatusCode);
            var created = await admin.PostAsJsonAsync("/v1/subscriptions", new { audience = "EU", url = receiver.Url.ToString(), secret = receiver.Secret });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var subscription = (await created.JsonAsync())["id"]!.GetValue<string>();
            using (var editor = service.Client(TestCaller.Editor()))
            {
                await editor.CreateStandardAsync("stanag-9101");
                await editor.PublishAsync("stanag-9101", await editor.CreateDraftAsync("stanag-9101"));
            }
            using (var authority = service.Client(TestCaller.ReleaseAuthority()))
            {
                await authority.ReleaseAsync("stanag-9101", 1, "EU", DateTimeOffset.UtcNow.AddSeconds(2));
            }

            // Everything it shows is for whoever reaches the listener; the API's port has none of it, for anyone.
            foreach (var client in new[] { anonymous, consumer, admin })
            {
                Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/metrics")).StatusCode);
            }
            var metrics = service.MetricsAddress;
            Assert.Equal("127.0.0.1", metrics.Host);
            Assert.NotEqual(service.Port, metrics.Port);
            // And the listener serves nothing of the API.
            Assert.Equal(HttpStatusCode.NotFound, (await scraper.GetAsync(new Uri(metrics, "/v1/standards"))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await scraper.GetAsync(new Uri(metrics, "/health/ready"))).StatusCode);

            // Last, since the anonymous partition stays exhausted. Until the first 429 (a burst of 20 refilling at one a
            // second: on a machine slow enough to answer fewer than one request a second it would never come), bounded.
            var statuses = new List<HttpStatusCode>();
            while (!statuses.Contains(HttpStatusCode.TooManyRequests) && statuses.Count < 200)
            {
                statuses.Add((await anonymous.GetAsync("/v1/standards")).StatusCode);
            }
            Assert.Contains(HttpStatusCode.TooManyRequests, statuses);

            // Delivery runs go on in the background: scrape until what they do shows (bounded), then check everything.
            // A run counts its failures as they happen and the backlog at its end, so each is waited for.
            var scrape = new Scrape("");
            await Wait.UntilAsync(
                async () =>
                {
                    scrape = new Scrape(await scraper.GetStringAsync(metrics));
                    return scrape.Sum("registry_webhook_delivery_failures_total", $"subscription_id=\"{subscription}\"") >= 1
                        && scrape.Sum("registry_webhook_outbox_backlog", $"subscription_id=\"{subscription}\"") >= 1
                        && scrape.Sum("registry_feed_announce_lag_seconds_count") >= 1;
                },
                Within,
                () => $"a delivery failure, a backlog and an announcement shown. {scrape.Describe("registry_webhook")}; {scrape.Describe("registry_feed")}");

            // The registry's own instruments.
            Assert.True(scrape.Sum("registry_audit_flush_duration_seconds_count", "outcome=\"ok\"") > 0, scrape.Describe("registry_audit_flush"));
            Assert.True(scrape.Has("registry_audit_queue_depth"), scrape.Describe("registry_audit_queue_depth"));
            Assert.InRange(scrape.Sum("registry_audit_queue_depth"), 0, 10_000);
            Assert.True(scrape.Has("registry_audit_held"), scrape.Describe("registry_audit_held"));
            Assert.InRange(scrape.Sum("registry_audit_held"), 0, 10_000);
            Assert.True(scrape.Sum("registry_db_operation_duration_seconds_count", "db_operation_name=\"read\"", "db_system_name=\"sqlite\"") > 0, scrape.Describe("registry_db_operation"));
            Assert.True(scrape.Sum("registry_db_operation_duration_seconds_count", "db_operation_name=\"write\"") > 0, scrape.Describe("registry_db_operation"));
            Assert.True(scrape.Sum("registry_rate_limit_rejections_total", "caller=\"anonymous\"") >= 1, scrape.Describe("registry_rate_limit"));
            Assert.Equal(statuses.Count(s => s == HttpStatusCode.TooManyRequests), scrape.Sum("registry_rate_limit_rejections_total"));
            Assert.True(scrape.Sum("registry_webhook_delivery_failures_total", $"subscription_id=\"{subscription}\"") >= 1, scrape.Describe("registry_webhook"));
            Assert.True(scrape.Sum("registry_webhook_outbox_backlog", $"subscription_id=\"{subscription}\"") >= 1, scrape.Describe("registry_webhook_outbox"));
            var announced = scrape.Sum("registry_feed_announce_lag_seconds_count");
            Assert.True(announced >= 1, scrape.Describe("registry_feed"));
            // Announced after its effective time, by at most the time the test took.
            Assert.InRange(scrape.Sum("registry_feed_announce_lag_seconds_sum") / announced, 0, Within.TotalSeconds + 30);
            // The platform's: ASP.NET Core, HttpClient (the deliveries), the runtime.
            Assert.True(scrape.Sum("http_server_request_duration_seconds_count") > 0, scrape.Describe("http_server"));
            Assert.True(scrape.Sum("http_client_request_duration_seconds_count") > 0, scrape.Describe("http_client"));
            Assert.True(scrape.Has("dotnet_gc_collections_total") || scrape.Has("dotnet_process_cpu_time_seconds_total"), scrape.Describe("dotnet_"));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task WithAnOtlpEndpointConfiguredTracesAndMetricsAreExportedToIt()
    {
        await using var collector = await OtlpCollector.StartAsync();
        await using var app = new RegistryApp(seed: true)
            .With(TelemetryOptions.OtlpEndpointVariable, collector.Url)
            .With("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
            .With("OTEL_BSP_SCHEDULE_DELAY", "100")
            .With("OTEL_METRIC_EXPORT_INTERVAL", "200")
            .Start();
        Assert.Null(app.Services.GetService<PrometheusEndpoint>());

        Assert.Equal(HttpStatusCode.OK, (await app.Anonymous().GetAsync("/v1/standards/stanag-4172/versions/latest")).StatusCode);

        // The request's span and the database spans inside it; the registry's instruments among the metrics.
        await collector.WaitUntilAsync("/v1/traces", "db.read", Within);
        await collector.WaitUntilAsync("/v1/traces", "/v1/standards/{key}/versions/latest", Within);
        await collector.WaitUntilAsync("/v1/metrics", "registry.audit.flush.duration", Within);
    }

    [Fact]
    public async Task OnPostgresTheDriversOwnDatabaseMetricsAreScrapedToo()
    {
        await using var app = new RegistryApp(seed: true, provider: TestProvider.Postgres)
            .With("Telemetry:PrometheusUrl", "http://127.0.0.1:0")
            .Start();
        var metrics = app.Services.GetRequiredService<PrometheusEndpoint>().Address!;
        Assert.Equal(HttpStatusCode.OK, (await app.Anonymous().GetAsync("/v1/standards/stanag-4172/versions/latest")).StatusCode);

        using var scraper = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var scrape = new Scrape(await scraper.GetStringAsync(metrics));
        Assert.True(scrape.Sum("registry_db_operation_duration_seconds_count", "db_system_name=\"postgres\"") > 0, scrape.Describe("registry_db"));
        Assert.True(scrape.HasPrefix("db_client_"), scrape.Describe("db_client_"));
    }

    /// <summary>An OTLP/HTTP receiver on 127.0.0.1 that keeps what it is sent (protobuf: names travel as plain UTF-8).</summary>
    private sealed class OtlpCollector : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly System.Collections.Concurrent.ConcurrentQueue<(string Path, byte[] Body)> _received = new();

        private OtlpCollector(WebApplication app) => _app = app;

        public string Url => _app.Urls.First();

        public static async Task<OtlpCollector> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var collector = new OtlpCollector(app);
            app.Run(async context =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                collector._received.Enqueue((context.Request.Path.Value ?? "", body.ToArray()));
                context.Response.ContentType = "application/x-protobuf";
            });
            await app.StartAsync();
            return collector;
        }

        public Task WaitUntilAsync(string path, string text, TimeSpan within)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(text);
            return Wait.UntilAsync(
                () => _received.Any(r => r.Path == path && r.Body.AsSpan().IndexOf(bytes) >= 0),
                within,
                () => $"'{text}' at {path}; received {string.Join(", ", _received.Select(r => $"{r.Path} ({r.Body.Length} bytes)"))}");
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>One Prometheus text exposition: samples by name, summed over the series whose labels contain all the given pairs.</summary>
    private sealed class Scrape(string text)
    {
        private readonly string[] _samples = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')).ToArray();

        public bool Has(string name) => Series(name).Any();

        public bool HasPrefix(string prefix) => _samples.Any(l => l.StartsWith(prefix, StringComparison.Ordinal));

        public double Sum(string name, params string[] labels) =>
            Series(name).Where(l => labels.All(label => l.Contains(label, StringComparison.Ordinal)))
                .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

        public string Describe(string prefix) =>
            $"Samples starting {prefix}: {string.Join(" | ", _samples.Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).Take(20))}";

        private IEnumerable<string> Series(string name) =>
            _samples.Where(l => l.StartsWith(name, StringComparison.Ordinal) && l.Length > name.Length && l[name.Length] is '{' or ' ');
    }
}
