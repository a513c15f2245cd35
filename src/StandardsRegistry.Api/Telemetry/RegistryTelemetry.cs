using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using StandardsRegistry.Api.Hosting;
using StandardsRegistry.Data;

namespace StandardsRegistry.Api.Telemetry;

/// <summary>
/// The <c>Telemetry</c> section. Metrics are scraped from a listener of their own, never from the API's port: what
/// they show (every subscription's id among them, whatever its audience) is for whoever runs the service, not for any
/// principal of the API.
/// </summary>
public sealed class TelemetryOptions : IValidatableObject
{
    public const string Section = "Telemetry";

    /// <summary>The standard variable that turns OTLP export (metrics and traces) on.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// Where the Prometheus scraping endpoint listens: an <c>http://address:port</c> of its own, served only at
    /// <c>/metrics</c> (port 0: any free port, logged at start). Empty: no Prometheus endpoint.
    /// </summary>
    public string PrometheusUrl { get; set; } = "http://127.0.0.1:9464";

    /// <summary><see cref="OtlpEndpointVariable"/>, read from configuration (environment) so it is checked on start too.</summary>
    public string? OtlpEndpoint { get; set; }

    public bool ServesPrometheus => !string.IsNullOrWhiteSpace(PrometheusUrl);

    public bool ExportsOtlp => !string.IsNullOrWhiteSpace(OtlpEndpoint);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ServesPrometheus && !(Uri.TryCreate(PrometheusUrl, UriKind.Absolute, out var url) && url.Scheme == Uri.UriSchemeHttp
            && url.AbsolutePath == "/" && url.Query.Length == 0 && url.UserInfo.Length == 0 && PrometheusUrl.Contains($":{url.Port}", StringComparison.Ordinal)))
        {
            yield return new ValidationResult(
                $"{Section}:PrometheusUrl is '{RegistryStartup.WithoutUserInfo(PrometheusUrl)}'; it must be http://address:port (a port of its own, e.g. http://127.0.0.1:9464), or empty for no Prometheus endpoint.",
                [nameof(PrometheusUrl)]);
        }
        if (ExportsOtlp && !(Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var otlp) && otlp.Scheme is "http" or "https"))
        {
            yield return new ValidationResult($"{OtlpEndpointVariable} is '{RegistryStartup.WithoutUserInfo(OtlpEndpoint!)}'; it must be an absolute http or https URL, or unset.", [nameof(OtlpEndpoint)]);
        }
    }
}

public static class RegistryTelemetry
{
    /// <summary>
    /// OpenTelemetry: ASP.NET Core, HttpClient, runtime, database (the registry's own <see cref="RegistryMetrics"/>
    /// for every provider, Npgsql's for PostgreSQL) and the registry's instruments. Metrics go to the Prometheus
    /// endpoint (<see cref="TelemetryOptions.PrometheusUrl"/>) and, when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, with
    /// traces to OTLP (the exporter's standard <c>OTEL_EXPORTER_OTLP_*</c> variables apply). With neither, nothing
    /// listens and recording costs next to nothing; traces are made only when they are exported.
    /// </summary>
    public static WebApplicationBuilder AddRegistryTelemetry(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<TelemetryOptions>(TelemetryOptions.Section)
            .Configure<IConfiguration>((o, configuration) => o.OtlpEndpoint = configuration[TelemetryOptions.OtlpEndpointVariable]);

        // What to wire is decided from configuration now; the values themselves are validated when the host starts.
        var settings = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var prometheus = settings.ServesPrometheus;
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration[TelemetryOptions.OtlpEndpointVariable]);
        if (!prometheus && !otlp)
        {
            return builder;
        }

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? "standards-registry"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(RegistryMetrics.Name)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddNpgsqlInstrumentation();
                if (prometheus)
                {
                    metrics.AddPrometheusExporter();
                }
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(RegistryMetrics.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                .AddOtlpExporter());
        }
        if (prometheus)
        {
            services.AddSingleton<PrometheusEndpoint>();
            services.AddHostedService(sp => sp.GetRequiredService<PrometheusEndpoint>());
        }
        return builder;
    }
}

/// <summary>
/// The Prometheus scraping endpoint: a small server of its own on <see cref="TelemetryOptions.PrometheusUrl"/> that
/// answers <c>/metrics</c> and nothing else (404). The API's port has no metrics route, so no principal of the API,
/// an admin included, can read them; whoever can reach this listener can (bind it to loopback or a management network).
/// </summary>
public sealed class PrometheusEndpoint(IServiceProvider services, IOptions<TelemetryOptions> options, ILogger<PrometheusEndpoint> logger) : IHostedService, IAsyncDisposable
{
    public const string Path = "/metrics";

    private WebApplication? _server;

    /// <summary>Where <c>/metrics</c> is served, once started (the bound port when 0 was asked for).</summary>
    public Uri? Address { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetRequiredService<IHostEnvironment>().IsBuild())
        {
            return;
        }
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseUrls(options.Value.PrometheusUrl);
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        var server = builder.Build();
        server.UseOpenTelemetryPrometheusScrapingEndpoint(
            services.GetRequiredService<MeterProvider>(), predicate: null, path: Path, configureBranchedPipeline: null, optionsName: null);
        await server.StartAsync(cancellationToken);
        _server = server;
        Address = new Uri(new Uri(server.Urls.First()), Path);
        logger.LogInformation("Prometheus metrics are served at {Address}", Address);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { } server)
        {
            await server.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _server, null) is { } server)
        {
            await server.DisposeAsync();
        }
    }
}
