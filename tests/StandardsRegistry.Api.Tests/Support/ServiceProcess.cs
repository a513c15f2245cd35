using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// The built service as a real child process (<c>dotnet StandardsRegistry.Api.dll</c>) on a free 127.0.0.1 port, on
/// PostgreSQL (or SQLite, <see cref="StartSqliteAsync"/>), with the tests' JWT settings; started once <c>/health/ready</c> answers 200, killed when disposed.
/// Its console output is kept (the last lines) for failure messages.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    /// <summary>How a test tells the service where to listen.</summary>
    public enum ListenBy
    {
        /// <summary>The <c>Urls</c> setting (an environment variable), with a temp directory as the content root.</summary>
        UrlsSetting,
        /// <summary><c>ASPNETCORE_URLS</c>, with the app's own appsettings.json.</summary>
        AspNetCoreUrls,
        /// <summary><c>--urls</c> on the command line, with the app's own appsettings.json.</summary>
        CommandLine,
        /// <summary>Nothing, with the app's own appsettings.json: the service's default port.</summary>
        Nothing,
    }

    // Enough for a whole test's log (a line per request failure); beyond it later lines are dropped.
    private const int KeptLines = 50_000;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly string _workingDirectory;
    private int _disposed;

    /// <summary>The line the host writes once it has started, after the start's other lines.</summary>
    private const string StartedLine = "Application started.";

    /// <summary>Completed by <see cref="Keep"/> when <see cref="StartedLine"/> arrives.</summary>
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(Process process, int port, string workingDirectory)
    {
        _process = process;
        _workingDirectory = workingDirectory;
        Port = port;
        BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/"));
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The directory the service runs in, its content root: an <c>appsettings.json</c> written there is read (and watched).</summary>
    public string WorkingDirectory => _workingDirectory;

    /// <summary>The last lines the service wrote (stdout and stderr interleaved).</summary>
    public string OutputTail(int lines = 60)
    {
        var all = Output;
        return string.Join(Environment.NewLine, all.Skip(Math.Max(0, all.Count - lines)));
    }

    /// <summary>Every output line so far (up to a bound far above what a test writes).</summary>
    public IReadOnlyList<string> Output => _output.ToArray();

    /// <summary>Where the service serves its Prometheus metrics, as it logged at start.</summary>
    public Uri MetricsAddress
    {
        get
        {
            const string said = "Prometheus metrics are served at ";
            var line = Output.FirstOrDefault(l => l.Contains(said, StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"The service did not say where it serves metrics:{Environment.NewLine}{OutputTail()}");
            return new Uri(line[(line.IndexOf(said, StringComparison.Ordinal) + said.Length)..].Trim());
        }
    }

    /// <summary>How many output lines contain <paramref name="text"/>.</summary>
    public int LinesContaining(string text) => _output.Count(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>The kept lines that report a failed request or an exception (for failure messages).</summary>
    public string Failures(int lines = 20, string? containing = null) =>
        string.Join(Environment.NewLine, Output
            .Where(l => l.StartsWith("fail:", StringComparison.Ordinal) && (containing is null || l.Contains(containing, StringComparison.Ordinal)))
            .Take(lines)
            .Select(l => l.Length > 2000 ? l[..2000] + "…" : l));

    /// <summary>
    /// Webhook settings for a service that delivers quickly to a receiver on 127.0.0.1: polling every 100 ms, one retry of
    /// an attempt of <paramref name="attempt"/>, short backoffs, and a lease of <paramref name="lease"/> (at least the
    /// two attempts). An acknowledgment slower than the attempt is given up on and sent again: a test that counts what
    /// arrives needs attempts well above what a loaded machine takes to answer on loopback.
    /// </summary>
    public static Dictionary<string, string> QuickWebhooks(string lease, string attempt = "00:00:01") => new()
    {
        ["Webhooks__AllowedHosts__0"] = "127.0.0.1",
        ["Webhooks__PollInterval"] = "00:00:00.100",
        ["Webhooks__AttemptTimeout"] = attempt,
        ["Webhooks__Retries"] = "1",
        ["Webhooks__RetryDelay"] = "00:00:00.050",
        ["Webhooks__Backoff"] = "00:00:00.200",
        ["Webhooks__MaxBackoff"] = "00:00:00.500",
        ["Webhooks__LeaseDuration"] = lease,
    };

    /// <summary>
    /// Starts the service on <paramref name="connectionString"/> (PostgreSQL unless <paramref name="settings"/> say
    /// otherwise) and waits until it is ready: within 30 s, or <paramref name="readyTimeout"/> when its start has more
    /// to do (a large feed backfill).
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(
        string connectionString, IReadOnlyDictionary<string, string>? settings = null, TimeSpan? readyTimeout = null, ListenBy listenBy = ListenBy.UrlsSetting)
    {
        // The port was free a moment ago; if another process takes it first, the service exits and we retry.
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var port = listenBy == ListenBy.Nothing ? DefaultPort : StandardsRegistry.Tests.Support.PostgresCluster.FreePort();
            var service = Launch(connectionString, port, settings, listenBy);
            try
            {
                await service.WaitUntilReadyAsync(readyTimeout ?? ReadyTimeout);
                await service.WaitForStartLinesAsync();
                return service;
            }
            catch (Exception) when (attempt < attempts && service.HasExited && service.Output.Any(l => l.Contains("address already in use", StringComparison.OrdinalIgnoreCase)))
            {
                await service.DisposeAsync();
            }
            catch
            {
                await service.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Starts the service on the SQLite file <paramref name="databaseFile"/> (created and migrated when absent), without the sample catalogue.</summary>
    public static Task<ServiceProcess> StartSqliteAsync(
        string databaseFile, IReadOnlyDictionary<string, string>? settings = null, TimeSpan? readyTimeout = null, ListenBy listenBy = ListenBy.UrlsSetting)
    {
        var all = new Dictionary<string, string>(settings ?? new Dictionary<string, string>()) { ["Database__Provider"] = "sqlite" };
        return StartAsync($"Data Source={databaseFile}", all, readyTimeout, listenBy);
    }

    /// <summary>Starts the service on a test database of any provider.</summary>
    public static Task<ServiceProcess> StartAsync(StandardsRegistry.Tests.Support.TestDatabase database, IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>(settings ?? new Dictionary<string, string>()) { ["Database__Provider"] = database.Provider.Name };
        return StartAsync(database.ConnectionString, all);
    }

    /// <summary>A client of this instance, bearing <paramref name="caller"/>'s token (anonymous when null).</summary>
    public HttpClient Client(TestCaller? caller = null, TimeSpan? timeout = null)
    {
        var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
        {
            BaseAddress = BaseAddress,
            Timeout = timeout ?? TimeSpan.FromSeconds(20),
        };
        if (caller is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", caller.Token());
        }
        return client;
    }

    /// <summary>
    /// Asks the service to stop gracefully, as an orchestrator does (SIGTERM), and waits for it to exit, at most
    /// <paramref name="bound"/>: how long it took (a <see cref="TimeoutException"/> beyond the bound; disposing then kills it).
    /// </summary>
    public async Task<TimeSpan> TerminateAsync(TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })!)
        {
            await kill.WaitForExitAsync();
        }
        try
        {
            await _process.WaitForExitAsync().WaitAsync(bound);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The service did not exit within {bound.TotalSeconds:0} s of SIGTERM:{Environment.NewLine}{OutputTail()}");
        }
        return clock.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // Already gone, or did not die in time: nothing more a test can do.
        }
        finally
        {
            _process.Dispose();
            try
            {
                Directory.Delete(_workingDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS to clean.
            }
        }
    }

    /// <summary>Where the service listens when nothing says (RegistryHost.DefaultUrl).</summary>
    public const int DefaultPort = 5080;

    private static ServiceProcess Launch(string connectionString, int port, IReadOnlyDictionary<string, string>? settings, ListenBy listenBy)
    {
        var workingDirectory = ScratchDirectories.Create("registry-service-").FullName;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "StandardsRegistry.Api.dll"));
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["DOTNET_ENVIRONMENT"] = "Testing";
        start.Environment["ConnectionStrings__Registry"] = connectionString;
        start.Environment["Database__Provider"] = "postgres";
        start.Environment["Database__Seed"] = "false";
        var url = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
        switch (listenBy)
        {
            case ListenBy.UrlsSetting:
                start.Environment["Urls"] = url;
                break;
            case ListenBy.AspNetCoreUrls:
                start.Environment["ASPNETCORE_URLS"] = url;
                break;
            case ListenBy.CommandLine:
                start.ArgumentList.Add("--urls");
                start.ArgumentList.Add(url);
                break;
        }
        if (listenBy != ListenBy.UrlsSetting)
        {
            // The shipped appsettings.json is read, as on a real start: what it says must not outrank the conventions.
            start.ArgumentList.Add("--contentRoot");
            start.ArgumentList.Add(AppContext.BaseDirectory);
        }
        start.Environment["Authentication__Schemes__Bearer__ValidIssuer"] = Tokens.Issuer;
        start.Environment["Authentication__Schemes__Bearer__ValidAudiences__0"] = Tokens.Audience;
        start.Environment["Authentication__Schemes__Bearer__SigningKeys__0__Issuer"] = Tokens.Issuer;
        start.Environment["Authentication__Schemes__Bearer__SigningKeys__0__Value"] = Tokens.SigningKeyBase64;
        foreach (var (name, value) in RegistryApp.UnlimitedRate)
        {
            start.Environment[name.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        // The metrics listener on a free port (its default, 9464, would collide between services started side by side).
        start.Environment["Telemetry__PrometheusUrl"] = "http://127.0.0.1:0";
        // One line per log entry, so the kept tail stays readable.
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        // The content root is a temp directory (appsettings.json is not read): the levels it would set.
        start.Environment["Logging__LogLevel__Default"] = "Information";
        start.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
        start.Environment["Logging__LogLevel__Polly"] = "Warning";
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var service = new ServiceProcess(process, port, workingDirectory);
        process.OutputDataReceived += (_, e) => service.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => service.Keep(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        if (_output.Count < KeptLines)
        {
            _output.Enqueue(line);
        }
        // After the line is kept, so a waiter that resumes finds it and every line before it in Output.
        if (!_started.Task.IsCompleted && line.Contains(StartedLine, StringComparison.Ordinal))
        {
            _started.TrySetResult();
        }
    }

    /// <summary>
    /// Waits for <see cref="StartedLine"/>, which follows the start's other lines (where the service listens, where it
    /// serves metrics), so tests read those from <see cref="Output"/> without racing them: /health/ready can answer
    /// before they arrive, because the service logs through a queue and its output reaches the test through another.
    /// </summary>
    private async Task WaitForStartLinesAsync()
    {
        try
        {
            await _started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The service answered as ready but did not write '{StartedLine}' within 10 s:{Environment.NewLine}{OutputTail()}");
        }
    }

    private async Task WaitUntilReadyAsync(TimeSpan readyTimeout)
    {
        using var client = Client(timeout: TimeSpan.FromSeconds(5));
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < readyTimeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException(
                    $"The service exited with code {_process.ExitCode} before it was ready:{Environment.NewLine}{OutputTail()}");
            }
            try
            {
                using var response = await client.GetAsync("/health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The service was not ready within {readyTimeout.TotalSeconds:0} s:{Environment.NewLine}{OutputTail()}");
    }

}
