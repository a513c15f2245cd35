using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

/// <summary>The built service started as an operator would, with a wrong setting: one clear line, a non-zero exit.</summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData("oracle", "Data Source=x.db", "Database:Provider must be one of sqlite, sqlserver, postgres.")]
    [InlineData("sqlite", "Data Source=x.db;Colour=blue", "not a valid sqlite connection string")]
    [InlineData("sqlite", "Data Source=/no/such/directory/registry.db", "could not be migrated")]
    [InlineData("postgres", "Host=127.0.0.1;Port=bogus", "not a valid postgres connection string")]
    [InlineData("postgres", "Username=registry", "needs a Host")]
    [InlineData("postgres", "Host=127.0.0.1;Minimum Pool Size=900", "Minimum Pool Size (900) is above the requests pool's size")]
    [InlineData("postgres", "Host=127.0.0.1;Port=1;Username=registry;Timeout=2", "could not be migrated")]
    [InlineData("sqlserver", "Server=127.0.0.1;Flavour=mild", "not a valid sqlserver connection string")]
    [InlineData("sqlserver", "Server=127.0.0.1,1;User Id=sa;Password=x;Connect Timeout=2;Encrypt=false", "could not be migrated")]
    public async Task AWrongDatabaseSettingStopsTheServiceWithOneClearLine(string provider, string connectionString, string expected)
    {
        AssertStoppedWithOneLine(await RunServiceAsync(new()
        {
            ["Database__Provider"] = provider,
            ["ConnectionStrings__Registry"] = connectionString,
        }), expected);
    }

    [Theory]
    [InlineData("RateLimiting__PermitsPerSecond", "0", "PermitsPerSecond")]
    [InlineData("RateLimiting__Burst", "-1", "Burst")]
    [InlineData("RequestTimeout__Seconds", "0", "Seconds")]
    [InlineData("Audit__BatchSize", "0", "BatchSize")]
    [InlineData("Audit__VerifySeconds", "0", "VerifySeconds")]
    [InlineData("Database__MaxPoolSize", "1", "MaxPoolSize")]
    [InlineData("Database__StreamPoolSize", "0", "StreamPoolSize")]
    [InlineData("Webhooks__Retries", "-1", "Retries")]
    [InlineData("Webhooks__BreakerFailures", "0", "BreakerFailures")]
    [InlineData("Webhooks__AttemptTimeout", "00:00:00", "Webhooks:AttemptTimeout is 00:00:00")]
    [InlineData("Webhooks__PollInterval", "-00:00:01", "Webhooks:PollInterval is -00:00:01")]
    [InlineData("Webhooks__BreakDuration", "00:00:00.100", "Webhooks:BreakDuration is 00:00:00.1000000")]
    [InlineData("Webhooks__LeaseDuration", "00:00:05", "Webhooks:LeaseDuration is 00:00:05")]
    [InlineData("Webhooks__MaxBackoff", "00:00:01", "Webhooks:MaxBackoff is 00:00:01")]
    [InlineData("Telemetry__PrometheusUrl", "https://127.0.0.1", "Telemetry:PrometheusUrl is 'https://127.0.0.1'")]
    [InlineData("Telemetry__PrometheusUrl", "http://127.0.0.1:9464/metrics", "Telemetry:PrometheusUrl is 'http://127.0.0.1:9464/metrics'")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317", "OTEL_EXPORTER_OTLP_ENDPOINT is 'collector:4317'")]
    [InlineData("CapabilityTables__Horizons__1", "abc", "CapabilityTables:Horizons must be distinct years")]
    [InlineData("ASPNETCORE_HTTPS_PORT", "abc", "HTTPS_PORT must be a port number from 1 to 65535.")]
    [InlineData("CapabilityTables__Horizons__1", "1800", "CapabilityTables:Horizons must be distinct years")]
    public async Task AnUnusableSettingStopsTheServiceWithOneClearLine(string setting, string value, string expected)
    {
        AssertStoppedWithOneLine(await RunServiceAsync(new() { ["ConnectionStrings__Registry"] = "Data Source=registry.db", [setting] = value }), expected);
    }

    /// <summary>
    /// A connection string the driver cannot parse: its message quoted the text it could not read ("Keyword not supported:
    /// 'tail'"), and an unquoted ';' in a password made that text the password's tail, written on stderr (and into
    /// whatever collects it). The line names the setting and the provider, none of its text.
    /// </summary>
    [Theory]
    [InlineData("sqlite", "Data Source=x.db;Password=pa55;s3cret-tail")]
    [InlineData("sqlite", "Data Source=x.db;Password=pa55;s3cret-tail=1")]
    [InlineData("postgres", "Host=127.0.0.1;Username=registry;Password=pa55;s3cret-tail=1")]
    [InlineData("postgres", "Host=127.0.0.1;Username=registry;Password=pa55;Port=s3cret-tail")]
    [InlineData("sqlserver", "Server=127.0.0.1;User Id=sa;Password=pa55;s3cret-tail=1")]
    [InlineData("sqlserver", "Server=127.0.0.1;User Id=sa;Password=pa55;Connect Timeout=s3cret-tail")]
    public async Task AMalformedConnectionStringIsNamedWithoutItsText(string provider, string connectionString)
    {
        var run = await RunServiceAsync(new()
        {
            ["Database__Provider"] = provider,
            ["ConnectionStrings__Registry"] = connectionString,
        });
        AssertStoppedWithOneLine(run, $"ConnectionStrings:Registry is not a valid {provider} connection string");
        Assert.DoesNotContain("s3cret", run.Stdout + run.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>An address given with a user and password in it is named without them.</summary>
    [Theory]
    [InlineData("Authentication__Schemes__Bearer__Authority", "http://admin:s3cret@login.example/", "Authentication:Schemes:Bearer:Authority is 'http://login.example/'")]
    [InlineData("Authentication__Schemes__Bearer__MetadataAddress", "http://admin:s3cret@login.example/.well-known/openid-configuration", "Authentication:Schemes:Bearer:MetadataAddress is 'http://login.example/.well-known/openid-configuration'")]
    [InlineData("Telemetry__PrometheusUrl", "http://admin:s3cret@127.0.0.1:9464", "Telemetry:PrometheusUrl is 'http://127.0.0.1:9464'")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://admin:s3cret@collector:4317", "OTEL_EXPORTER_OTLP_ENDPOINT is 'ftp://collector:4317'")]
    // A password as typed, not percent-encoded: its '/', '?' or '#' is no end of the user information to hide.
    [InlineData("Authentication__Schemes__Bearer__Authority", "http://admin:s3cret/tail@login.example/", "Authentication:Schemes:Bearer:Authority is 'http://login.example/'")]
    [InlineData("Telemetry__PrometheusUrl", "http://admin:s3cret?tail@127.0.0.1:9464", "Telemetry:PrometheusUrl is 'http://127.0.0.1:9464'")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://admin:s3cret#tail@collector:4317", "OTEL_EXPORTER_OTLP_ENDPOINT is 'ftp://collector:4317'")]
    [InlineData("Telemetry__PrometheusUrl", "admin:s3cret://tail@127.0.0.1:9464", "Telemetry:PrometheusUrl is '127.0.0.1:9464'")]
    public async Task AnAddressIsNamedWithoutItsUserInformation(string setting, string value, string expected)
    {
        var run = await RunServiceAsync(new() { ["ConnectionStrings__Registry"] = "Data Source=registry.db", [setting] = value });
        AssertStoppedWithOneLine(run, expected);
        Assert.DoesNotContain("s3cret", run.Stdout + run.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The port to listen on (the API's, or the metrics') taken by another process: the host logged its failure with
    /// the whole stack trace on stdout beside the one line on stderr.
    /// </summary>
    [Theory]
    [InlineData("Urls")]
    [InlineData("Telemetry__PrometheusUrl")]
    public async Task APortInUseStopsTheServiceWithOneClearLine(string setting)
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var address = $"http://127.0.0.1:{((System.Net.IPEndPoint)taken.LocalEndpoint).Port}";
        var run = await RunServiceAsync(new()
        {
            ["ConnectionStrings__Registry"] = "Data Source=registry.db",
            // As appsettings.json has it (the working directory has none): the webhook dispatcher may have started before
            // the metrics' port failed, and Polly logs each of its attempts, the one the stop cancels with its trace.
            ["Logging__LogLevel__Polly"] = "Warning",
            [setting] = address,
        });
        AssertStoppedWithOneLine(run, address);
    }

    /// <summary>
    /// Token settings the service cannot use. Each started the service, healthy: a key that is not base64 answered every
    /// request with a token 500, an http authority every request (health checks included) 500, a short key or a key of an
    /// issuer that is not valid refused every token (401) with nothing saying why. An http metadata address (the
    /// authority's discovery document, which the section may name instead of the authority) was not checked until
    /// 2026-12-07: every request, health probes included, answered 500.
    /// </summary>
    [Theory]
    [InlineData("SigningKeys__0__Value", "not base64!", "Authentication:Schemes:Bearer:SigningKeys:0:Value is not base64")]
    [InlineData("SigningKeys__0__Value", "AAAAAAAAAAAAAAAAAAAAAA==", "Authentication:Schemes:Bearer:SigningKeys:0:Value has 128 bits")]
    [InlineData("SigningKeys__0__Issuer", "registry-test", "Authentication:Schemes:Bearer:SigningKeys:0:Issuer is 'registry-test'")]
    // A value with a line break, echoed in the message, made it two lines.
    [InlineData("SigningKeys__0__Issuer", "registry-test\nsecond line", "Authentication:Schemes:Bearer:SigningKeys:0:Issuer is 'registry-test second line'")]
    [InlineData("Authority", "http://127.0.0.1:1", "Authentication:Schemes:Bearer:Authority is 'http://127.0.0.1:1'")]
    [InlineData("Authority", "login.example", "Authentication:Schemes:Bearer:Authority is 'login.example'")]
    [InlineData("MetadataAddress", "http://127.0.0.1:1/.well-known/openid-configuration", "Authentication:Schemes:Bearer:MetadataAddress is 'http://127.0.0.1:1/.well-known/openid-configuration'")]
    [InlineData("MetadataAddress", "login.example/.well-known/openid-configuration", "Authentication:Schemes:Bearer:MetadataAddress is 'login.example/.well-known/openid-configuration'")]
    // The longest-lived token accepted: from a minute (a shorter one refuses every token with a minute's clock skew) to a week.
    [InlineData("MaxLifetime", "00:00:59", "Authentication:Schemes:Bearer:MaxLifetime is 00:00:59")]
    [InlineData("MaxLifetime", "7.00:00:01", "Authentication:Schemes:Bearer:MaxLifetime is 7.00:00:01")]
    [InlineData("MaxLifetime", "-12:00:00", "Authentication:Schemes:Bearer:MaxLifetime is -12:00:00")]
    public async Task AnUnusableTokenSettingStopsTheServiceWithOneClearLine(string setting, string value, string expected)
    {
        AssertStoppedWithOneLine(await RunServiceAsync(new()
        {
            ["ConnectionStrings__Registry"] = "Data Source=registry.db",
            ["Authentication__Schemes__Bearer__ValidIssuer"] = "registry-tests",
            ["Authentication__Schemes__Bearer__ValidAudiences__0"] = "standards-registry",
            ["Authentication__Schemes__Bearer__SigningKeys__0__Issuer"] = "registry-tests",
            ["Authentication__Schemes__Bearer__SigningKeys__0__Value"] = Convert.ToBase64String(new byte[32]),
            [$"Authentication__Schemes__Bearer__{setting}"] = value,
        }), expected);
    }

    /// <summary>
    /// An operator edits appsettings.json while the service runs, and ASP.NET Core reloads it: the log levels follow at
    /// once, every registry setting waits for the next start (README, Configuration) — also one not used yet, and one
    /// out of range, which the settings' own checks meet when the file is reloaded without stopping the service. The
    /// disclosure rules were read at the first preview: a p of 0 written after the start answered that preview 500.
    /// </summary>
    [Fact]
    public async Task AnEditOfAppsettingsWhileTheServiceRunsChangesNoSettingUntilTheNextStart()
    {
        var directory = ScratchDirectories.Create("registry-edit-").FullName;
        await using var service = await ServiceProcess.StartSqliteAsync(Path.Combine(directory, "registry.db"), new Dictionary<string, string>
        {
            ["CapabilityTables__Horizons__0"] = "2027",
        });
        var edited = Path.Combine(service.WorkingDirectory, "appsettings.json.new");
        await File.WriteAllTextAsync(edited, """
            {
              "Logging": { "LogLevel": { "Microsoft.AspNetCore.Hosting.Diagnostics": "Information" } },
              "CapabilityTables": { "PPercent": 0, "MinContributors": 0 }
            }
            """);
        File.Move(edited, Path.Combine(service.WorkingDirectory, "appsettings.json"));
        var anonymous = service.Client();
        await Wait.UntilAsync(async () =>
        {
            using var _ = await anonymous.GetAsync("/health/live");
            return service.LinesContaining("Request starting") > 0;
        }, TimeSpan.FromSeconds(30), () => $"the edited log level in force: {service.OutputTail()}");

        var planner = service.Client(new TestCaller("planner-CTS@nato", "NATO", "CTS", "planner"));
        using var recorded = await planner.PutAsJsonAsync("/v1/capability-targets/2025/FRA/ammo-155mm/2027", new { quantity = 120, classification = "NS" });
        Assert.Equal(HttpStatusCode.Created, recorded.StatusCode);
        using var preview = await planner.GetAsync("/v1/capability-targets/2025/preview");
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.False(service.HasExited);
    }

    /// <summary>The service exited non-zero, having written one line on stderr that names <paramref name="expected"/>, and no stack trace anywhere.</summary>
    private static void AssertStoppedWithOneLine((int ExitCode, string Stdout, string Stderr) run, string expected)
    {
        Assert.NotEqual(0, run.ExitCode);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Standards Registry could not start:", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stdout + run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MigrateCommandAppliesTheScriptsOnceAndExits()
    {
        var directory = ScratchDirectories.Create("registry-migrate-").FullName;
        try
        {
            var settings = new Dictionary<string, string> { ["ConnectionStrings__Registry"] = $"Data Source={Path.Combine(directory, "r.db")}" };

            var first = await RunServiceAsync(settings, "migrate");
            var second = await RunServiceAsync(settings, "migrate");

            Assert.Equal(0, first.ExitCode);
            Assert.Contains($"Applied {Support.MigrationScripts.Count("sqlite")} migration script(s).", first.Stdout, StringComparison.Ordinal);
            Assert.Equal(0, second.ExitCode);
            Assert.Contains("Applied 0 migration script(s).", second.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunServiceAsync(Dictionary<string, string> environment, params string[] args)
    {
        var workingDirectory = ScratchDirectories.Create("registry-run-");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory.FullName,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "StandardsRegistry.Api.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Database__Seed"] = "false";
        // A port of its own, so a stray start never collides with a running registry.
        start.Environment["Urls"] = "http://127.0.0.1:0";
        start.Environment["Telemetry__PrometheusUrl"] = "http://127.0.0.1:0";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        try
        {
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("The service did not exit within 60 s.");
            }
            return (process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            workingDirectory.Delete(recursive: true);
        }
    }
}
