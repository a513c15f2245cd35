using System.Diagnostics;
using System.Text;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// The catalogue page in a real browser: the built service runs as a process on SQLite with the sample catalogue, and
/// tests/browser/catalogue.test.mjs (playwright-core driving Debian's Chromium, headless) reads it anonymously, as an EU
/// consumer, as an industry reader and as a NATO reader. Skipped, with the reason, where Chromium, Node.js or the npm packages are missing
/// (.ci/run installs them, so in CI it always runs). Screenshots land in the test output under screenshots/catalogue.
/// </summary>
[Slow]
public sealed class BrowserTests(ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(3);

    private static string BrowserTestsDirectory => Path.Combine(RepositoryPaths.Root, "tests", "browser");

    public static string ScreenshotDirectory => Path.Combine(AppContext.BaseDirectory, "screenshots", "catalogue");

    [Fact]
    public async Task TheCataloguePageShowsEachReaderOnlyWhatTheReleaseRuleAllowsInARealBrowser()
    {
        var node = FindOnPath("node");
        Assert.SkipWhen(!File.Exists(Chromium), $"Chromium is not installed at {Chromium} (Debian: apt-get install chromium).");
        Assert.SkipWhen(node is null, "Node.js is not on PATH (Debian: apt-get install nodejs).");
        Assert.SkipWhen(!File.Exists(Path.Combine(BrowserTestsDirectory, "node_modules", "playwright-core", "package.json")),
            "playwright-core is not installed: run `npm ci --prefix tests/browser`.");

        var data = ScratchDirectories.Create("registry-browser-");
        try
        {
            await using var service = await ServiceProcess.StartAsync($"Data Source={Path.Combine(data.FullName, "registry.db")}", new Dictionary<string, string>
            {
                ["Database__Provider"] = "sqlite",
                ["Database__Seed"] = "true",
                // The service runs from the test output with a temporary content root: serve the page from the source tree.
                ["ASPNETCORE_WEBROOT"] = Path.Combine(RepositoryPaths.Root, "src", "StandardsRegistry.Api", "wwwroot"),
                // Nor does it read the shipped appsettings.json: its capability table design (the sample's table needs one).
                ["CapabilityTables__Horizons__0"] = "2027",
                ["CapabilityTables__Horizons__1"] = "2029",
                ["CapabilityTables__Horizons__2"] = "2031",
            });

            if (Directory.Exists(ScreenshotDirectory))
            {
                Directory.Delete(ScreenshotDirectory, recursive: true);
            }
            var (exitCode, log) = await RunNodeAsync(node!, new Dictionary<string, string>
            {
                ["REGISTRY_BASE_URL"] = service.BaseAddress.ToString(),
                ["REGISTRY_EU_TOKEN"] = TestCaller.Eu("NS").Token(),
                ["REGISTRY_NATO_TOKEN"] = TestCaller.NatoReader("NS").Token(),
                ["REGISTRY_INDUSTRY_TOKEN"] = new TestCaller("buyer@industry", "INDUSTRY", "NR", "consumer").Token(),
                ["SCREENSHOT_DIR"] = ScreenshotDirectory,
                ["CHROMIUM_PATH"] = Chromium,
            });
            output.WriteLine(log);

            Assert.True(exitCode == 0,
                $"node catalogue.test.mjs exited with {exitCode}:{Environment.NewLine}{log}{Environment.NewLine}Service output:{Environment.NewLine}{service.OutputTail()}");
            Assert.NotEmpty(Directory.GetFiles(ScreenshotDirectory, "*.png"));
            Assert.False(service.HasExited, $"The service stopped during the browser tests:{Environment.NewLine}{service.OutputTail()}");
            Assert.True(service.Failures().Length == 0, $"The service logged failures:{Environment.NewLine}{service.Failures()}");
        }
        finally
        {
            try
            {
                data.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS to clean.
            }
        }
    }

    [Fact]
    public async Task TheCataloguePageIsServedAtTheRootBesideSwaggerAndLoadsNothingFromElsewhere()
    {
        await using var app = new RegistryApp().Start();
        var client = app.Anonymous();

        var page = await client.GetAsync("/");
        var html = await page.Content.ReadAsStringAsync();
        var script = await client.GetStringAsync("/catalogue.js");
        var style = await client.GetStringAsync("/catalogue.css");
        var swagger = await client.GetAsync("/swagger/index.html");

        await RegistryClient.Expect(page, System.Net.HttpStatusCode.OK);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<script src=\"/catalogue.js\" defer></script>", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/swagger/\"", html, StringComparison.Ordinal);
        var policy = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", policy, StringComparison.Ordinal);
        // No address of another origin anywhere (the SVG namespace name is not a request).
        foreach (var (name, text) in new[] { ("index.html", html), ("catalogue.js", script.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal)), ("catalogue.css", style) })
        {
            Assert.DoesNotMatch(@"(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text);
            Assert.False(name == "catalogue.js" && (text.Contains("innerHTML", StringComparison.Ordinal) || text.Contains("insertAdjacentHTML", StringComparison.Ordinal)),
                "the page must put API text on the page as text, never as HTML");
        }
        Assert.Equal(System.Net.HttpStatusCode.OK, swagger.StatusCode);
    }

    private static async Task<(int ExitCode, string Log)> RunNodeAsync(string node, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(node)
        {
            WorkingDirectory = BrowserTestsDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("catalogue.test.mjs");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        // Never let Playwright fetch a browser: it drives the system's Chromium only.
        start.Environment["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1";

        var log = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(ScriptTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Append($"(killed after {ScriptTimeout.TotalMinutes:0} minutes)");
            return (-1, Text());
        }
        // The exit is seen before the last redirected lines are; this waits for the streams to end.
        process.WaitForExit();
        return (process.ExitCode, Text());

        void Append(string? line)
        {
            if (line is not null)
            {
                lock (log)
                {
                    log.AppendLine(line);
                }
            }
        }

        string Text()
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
