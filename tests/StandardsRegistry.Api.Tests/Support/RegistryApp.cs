using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// The registry over HTTP, in process, on a fresh database of its own (SQLite by default; a real server for the
/// other providers, migrated as at start), with a clock the test moves and JWTs signed with a test key through the
/// standard Authentication:Schemes:Bearer section. A provider that is not available here skips the test, with why.
/// </summary>
public sealed class RegistryApp : WebApplicationFactory<Program>
{
    private readonly TestDatabase _database;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _serverErrors = new();
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _contractViolations = new();
    private readonly bool _seed;
    private readonly string _environment;

    /// <param name="settings">Configuration over the tests' defaults, e.g. a low <c>RateLimiting:Burst</c> (or use <see cref="With"/>).</param>
    /// <param name="environment">The host environment; <c>Testing</c> unless a test is about another one.</param>
    public RegistryApp(bool seed = false, TestProvider? provider = null, IReadOnlyDictionary<string, string>? settings = null, string environment = "Testing")
    {
        provider ??= TestProvider.Sqlite;
        Assert.SkipWhen(provider.UnavailableReason is not null, provider.UnavailableReason ?? "");
        _seed = seed;
        _environment = environment;
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            _settings[name] = value;
        }
        _database = MigratedDatabases.CreateAsync(provider).GetAwaiter().GetResult();
    }

    /// <summary>A host over <paramref name="database"/>, which it owns from now on (<see cref="RestartAsync"/>).</summary>
    private RegistryApp(TestDatabase database, bool seed, IReadOnlyDictionary<string, string> settings, string environment)
    {
        _database = database;
        _seed = seed;
        _environment = environment;
        foreach (var (name, value) in settings)
        {
            _settings[name] = value;
        }
    }

    /// <summary>
    /// A host over <paramref name="database"/> as it is (a restored backup, say), with the tests' default settings; it
    /// migrates what the database lacks at start, as the service does, and drops the database when disposed.
    /// </summary>
    public static RegistryApp Over(TestDatabase database) => new(database, seed: false, new Dictionary<string, string>(), "Testing");

    // Set once the database has passed to a restarted host, which drops it when it is disposed.
    private bool _handedOver;

    /// <summary>
    /// Stops this host gracefully and starts another on the same database with the same settings, as an operator
    /// restarting the service: what the database holds stays, what the process held (caches, leases) does not. The new
    /// host owns the database; dispose both. <paramref name="settings"/>: configuration changed for the new host.
    /// </summary>
    public async Task<RegistryApp> RestartAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        await StopAsync();
        AssertNoServerErrorsOrContractViolations();
        _handedOver = true;
        var changed = new Dictionary<string, string>(_settings);
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            changed[name] = value;
        }
        return new RegistryApp(_database, _seed, changed, _environment).Start();
    }

    /// <summary>
    /// Rate limits far above what any suite sends as one principal (the no-leak crawl sends thousands of requests per
    /// principal in seconds); the rate-limit tests set their own.
    /// </summary>
    public static IReadOnlyDictionary<string, string> UnlimitedRate { get; } = new Dictionary<string, string>
    {
        ["RateLimiting:PermitsPerSecond"] = "1000000",
        ["RateLimiting:Burst"] = "1000000",
    };

    public TestProvider Provider => _database.Provider;

    public string ConnectionString => _database.ConnectionString;

    /// <summary>
    /// The registry's clock (when releases take effect); starts now, moves only when a test advances it. Timers,
    /// retries and token lifetimes keep the real clock.
    /// </summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);


    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);
        builder.UseSetting("ConnectionStrings:Registry", _database.ConnectionString);
        builder.UseSetting("Database:Provider", _database.Provider.Name);
        builder.UseSetting("Database:Seed", _seed ? "true" : "false");
        builder.UseSetting("Authentication:Schemes:Bearer:ValidIssuer", Tokens.Issuer);
        builder.UseSetting("Authentication:Schemes:Bearer:ValidAudiences:0", Tokens.Audience);
        builder.UseSetting("Authentication:Schemes:Bearer:SigningKeys:0:Issuer", Tokens.Issuer);
        builder.UseSetting("Authentication:Schemes:Bearer:SigningKeys:0:Value", Tokens.SigningKeyBase64);
        // No metrics listener unless a test asks for one (many apps run side by side; TelemetryTests scrape one).
        builder.UseSetting("Telemetry:PrometheusUrl", "");
        foreach (var (name, value) in UnlimitedRate.Concat(_settings))
        {
            builder.UseSetting(name, value);
        }
        builder.ConfigureServices(services =>
        {
            services.Replace(ServiceDescriptor.Singleton(new Security.RegistryClock(Clock)));
            services.AddSingleton<IStartupFilter>(new ServerErrorRecorder(_serverErrors));
            services.AddSingleton<IStartupFilter>(new ContractRecorder(_database.Provider.Name, _contractViolations));
            foreach (var configure in _services)
            {
                configure(services);
            }
        });
    }

    /// <summary>Starts the host through Program, which migrates the database (and seeds it when asked) before serving.</summary>
    private readonly Dictionary<string, string> _settings = [];

    private readonly List<Action<IServiceCollection>> _services = [];

    /// <summary>Services of a test's own for this app (before <see cref="Start"/>), after the registry's and the recorders'.</summary>
    public RegistryApp WithServices(Action<IServiceCollection> configure)
    {
        _services.Add(configure);
        return this;
    }

    /// <summary>A configuration setting for this app (before <see cref="Start"/>).</summary>
    public RegistryApp With(string key, string value)
    {
        _settings[key] = value;
        return this;
    }

    /// <summary>The capability tables' horizons (<c>CapabilityTables:Horizons</c>), so that tables can be published and read.</summary>
    public RegistryApp WithHorizons(params int[] years)
    {
        for (var i = 0; i < years.Length; i++)
        {
            With($"CapabilityTables:Horizons:{i}", years[i].ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return this;
    }

    public RegistryApp Start()
    {
        _ = Server;
        return this;
    }

    /// <summary>The app's webhook dispatcher (the app started if it is not yet), for a test that waits for its runs.</summary>
    public Webhooks.WebhookDispatcher Dispatcher =>
        Start().Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Webhooks.WebhookDispatcher>().Single();

    /// <summary>A client that reads as anonymous (PUBLIC).</summary>
    public HttpClient Anonymous() => CreateClient();

    /// <summary>A client bearing a token for <paramref name="caller"/>.</summary>
    public HttpClient As(TestCaller caller)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", caller.Token());
        return client;
    }

    public HttpClient WithToken(string token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>
    /// No request a test makes may produce a server error: every 5xx but a 503 (database unavailable, by design) is
    /// recorded as the app serves it, and fails the test when the app is disposed.
    /// </summary>
    public IReadOnlyCollection<string> ServerErrors => _serverErrors;

    /// <summary>
    /// Every response the app sends is checked against the committed OpenAPI document (<see cref="ContractRecorder"/>);
    /// what broke it fails the test when the app is disposed, with the route, the status and the JSON path.
    /// </summary>
    public IReadOnlyCollection<string> ContractViolations => _contractViolations;

    private bool _stopped;

    /// <summary>Stops the host gracefully, as on SIGTERM, and keeps the database, so a test can read what was written.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await base.DisposeAsync();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (!_handedOver)
        {
            await _database.DisposeAsync();
        }
        AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// Fails with what the app recorded so far (<see cref="ServerErrors"/>, <see cref="ContractViolations"/>) and forgets
    /// it, so a host shared by several tests blames the test that caused it.
    /// </summary>
    public void AssertNoServerErrorsOrContractViolations()
    {
        var errors = Drain(_serverErrors);
        var violations = Drain(_contractViolations);
        Assert.True(errors.Count == 0, $"The registry answered with server errors: {string.Join("; ", errors)}");
        Assert.True(violations.Count == 0,
            $"The registry sent {violations.Count} response(s) the OpenAPI document does not describe: {string.Join(" | ", violations.Take(20))}");
    }

    /// <summary>
    /// For a test that causes <paramref name="count"/> server errors on purpose: waits until they and the contract's
    /// objection to their 500s (no operation declares one) are recorded — both are, after the response — and forgets
    /// them, returning the errors.
    /// </summary>
    public async Task<IReadOnlyList<string>> TakeServerErrorsAsync(int count)
    {
        static bool Of500(string violation) => violation.Contains("-> 500", StringComparison.Ordinal);
        await Wait.UntilAsync(() => _serverErrors.Count >= count && _contractViolations.Count(Of500) >= count, TimeSpan.FromSeconds(10),
            () => $"{count} server errors recorded, and the contract's objection to them; {_serverErrors.Count} and {_contractViolations.Count(Of500)} are");
        foreach (var violation in Drain(_contractViolations).Where(v => !Of500(v)))
        {
            _contractViolations.Enqueue(violation);
        }
        return Drain(_serverErrors);
    }

    private static List<string> Drain(System.Collections.Concurrent.ConcurrentQueue<string> queue)
    {
        var items = new List<string>();
        while (queue.TryDequeue(out var item))
        {
            items.Add(item);
        }
        return items;
    }
}

internal sealed class ServerErrorRecorder(System.Collections.Concurrent.ConcurrentQueue<string> errors) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            await nextMiddleware(context);
            if (context.Response.StatusCode >= 500 && context.Response.StatusCode != 503)
            {
                // The exception handler leaves what it handled in the features: name it, so the failure says what broke.
                var handled = context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Error;
                errors.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString} -> {context.Response.StatusCode}"
                    + (handled is null ? "" : $" ({handled.GetType().Name}: {handled.Message})"));
            }
        });
        next(app);
    };
}
