using System.Net;
using System.Net.Http.Json;
using Npgsql;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Tests.Support;
using static StandardsRegistry.Api.Tests.Support.ProblemAssertions;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// The per-principal rate limit (429 with Retry-After), request timeouts (503 with Retry-After), the
/// headers every response carries, no server banner, and HTTPS redirection with HSTS outside Development.
/// </summary>
public sealed class LimitsAndHeadersTests
{
    private static Dictionary<string, string> Rate(int permitsPerSecond, int burst) => new()
    {
        ["RateLimiting:PermitsPerSecond"] = permitsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RateLimiting:Burst"] = burst.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    // ---------------------------------------------------------------- rate limiting

    /// <summary>
    /// Runs a scenario that counts on the bucket not refilling while it runs. A principal's bucket first refills a
    /// second after its first request; a loaded machine can stall requests past that, and a run that took so long proves
    /// nothing either way. Such a run, if it failed, is run again on a fresh host, at most three times; a run that failed
    /// within the second fails the test at once.
    /// </summary>
    private static async Task BeforeTheFirstRefillAsync(Dictionary<string, string> settings, Func<RegistryApp, Task> scenario)
    {
        for (var run = 1; ; run++)
        {
            await using var app = new RegistryApp(settings: settings).Start();
            await app.Anonymous().GetStringAsync("/health/live"); // the host warmed up outside the timed run (not rate limited)
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                await scenario(app);
                return;
            }
            catch (Exception) when (run < 3 && clock.Elapsed >= TimeSpan.FromSeconds(1))
            {
            }
        }
    }

    [Fact]
    public Task APrincipalOverItsBurstIsAnswered429WithRetryAfterWhileOtherPrincipalsAreNot() => BeforeTheFirstRefillAsync(Rate(1, 3), async app =>
    {
        var eu = app.As(TestCaller.Eu("NS"));

        for (var i = 0; i < 3; i++)
        {
            await RegistryClient.Expect(await eu.GetAsync("/v1/standards"), HttpStatusCode.OK);
        }
        var refused = await eu.GetAsync("/v1/standards");

        var problem = await ProblemAsync(refused, HttpStatusCode.TooManyRequests, "retry");
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {refused.Headers.RetryAfter}");
        Assert.Equal("nosniff", string.Join(",", refused.Headers.GetValues("X-Content-Type-Options")));
        Assert.DoesNotContain("EU", problem.ToJsonString(), StringComparison.Ordinal);
        await ProblemAsync(await eu.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/standards") { Headers = { { "Accept", "text/html" } } }), HttpStatusCode.TooManyRequests);

        // Partitions are per principal: another subject, the same subject in another community, and anonymous
        // callers each have their own bucket.
        await RegistryClient.Expect(await app.As(new TestCaller("another@eu", "EU", "NS", "consumer")).GetAsync("/v1/standards"), HttpStatusCode.OK);
        await RegistryClient.Expect(await app.As(new TestCaller(TestCaller.Eu("NS").Subject, "NATO", "NS", "consumer")).GetAsync("/v1/standards"), HttpStatusCode.OK);
        await RegistryClient.Expect(await app.Anonymous().GetAsync("/v1/standards"), HttpStatusCode.OK);
    });

    /// <summary>
    /// A subject names a principal only within its issuer (OpenID Connect Core §2: <c>sub</c> is unique within the
    /// issuer): with two issuers configured, the same <c>sub</c> and community from the other issuer is another principal,
    /// with a bucket of its own. Partitioned by subject and community alone, the partner issuer's caller was refused 429
    /// because the home issuer's caller of that subject had spent the bucket (and either could spend the other's).
    /// </summary>
    [Fact]
    public Task TheSameSubjectFromAnotherIssuerIsAnotherPrincipalWithABucketOfItsOwn()
    {
        const string partner = "partner-idp";
        var partnerKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var settings = Rate(1, 3);
        settings["Authentication:Schemes:Bearer:ValidIssuers:0"] = partner;
        settings["Authentication:Schemes:Bearer:SigningKeys:1:Issuer"] = partner;
        settings["Authentication:Schemes:Bearer:SigningKeys:1:Value"] = Convert.ToBase64String(partnerKey);
        return BeforeTheFirstRefillAsync(settings, async app =>
        {
            var home = app.As(TestCaller.Eu("NS"));
            var partners = app.WithToken(Tokens.Create(TestCaller.Eu("NS").Claims(), issuer: partner, key: partnerKey));

            for (var i = 0; i < 3; i++)
            {
                await RegistryClient.Expect(await home.GetAsync("/v1/standards"), HttpStatusCode.OK);
            }
            await ProblemAsync(await home.GetAsync("/v1/standards"), HttpStatusCode.TooManyRequests);

            await RegistryClient.Expect(await partners.GetAsync("/v1/standards"), HttpStatusCode.OK);
        });
    }

    [Fact]
    public async Task ThePermitsComeBackAsTheBucketRefills()
    {
        // One permit, refilled once a second. Nothing here assumes how fast the machine is: the bucket is emptied until
        // a request is refused (a refused request takes no permit), then polled until the refill lets one through.
        await using var app = new RegistryApp(settings: Rate(1, 1)).Start();
        var eu = app.As(TestCaller.Eu("NS"));
        HttpStatusCode status;
        var sent = 0;
        do
        {
            status = (await eu.GetAsync("/v1/standards")).StatusCode;
            Assert.True(++sent <= 20, "the bucket of one permit was never empty");
        }
        while (status != HttpStatusCode.TooManyRequests);

        await Wait.UntilAsync(async () => (await eu.GetAsync("/v1/standards")).StatusCode != HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(10),
            "a permit back from the refill");
    }

    [Fact]
    public Task BrokenTokensShareTheClientAddresssBucketSoTheyCannotDodgeTheLimit() => BeforeTheFirstRefillAsync(Rate(1, 3), async app =>
    {
        var forged = app.WithToken(Tokens.Create(TestCaller.Editor().Claims(), issuer: "someone-else"));
        var garbage = app.WithToken("garbage");

        await ProblemAsync(await forged.GetAsync("/v1/standards"), HttpStatusCode.Unauthorized);
        await ProblemAsync(await garbage.GetAsync("/v1/standards"), HttpStatusCode.Unauthorized);
        await RegistryClient.Expect(await app.Anonymous().GetAsync("/v1/standards"), HttpStatusCode.OK);

        await ProblemAsync(await forged.GetAsync("/v1/standards"), HttpStatusCode.TooManyRequests);
        await ProblemAsync(await app.Anonymous().GetAsync("/v1/standards"), HttpStatusCode.TooManyRequests);
        await RegistryClient.Expect(await app.As(TestCaller.Eu("NS")).GetAsync("/v1/standards"), HttpStatusCode.OK);
    });

    [Fact]
    public Task AWriteRefusedByTheRateLimitWritesNothing() => BeforeTheFirstRefillAsync(Rate(1, 10), async app =>
    {
        var editor = app.As(TestCaller.Editor());
        var auditor = app.As(new TestCaller("auditor@nato", "NATO", "CTS", "editor"));
        await editor.CreateStandardAsync("stanag-1");
        await editor.CreateDraftAsync("stanag-1");
        var before = await auditor.SnapshotAsync();
        for (var i = 0; i < 20 && (await editor.GetAsync("/v1/standards")).StatusCode != HttpStatusCode.TooManyRequests; i++)
        {
        }

        var refused = await editor.PostAsJsonAsync("/v1/standards", new { key = "stanag-2", designation = "STANAG 2", category = "caliber", title = "T" });

        await ProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.Equal(before, await auditor.SnapshotAsync());
    });

    [Fact]
    public async Task HealthProbesAreNotRateLimited()
    {
        await using var app = new RegistryApp(settings: Rate(1, 1)).Start();
        var probe = app.Anonymous();

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("Healthy", await probe.GetStringAsync("/health/live"));
            Assert.Equal("Healthy", await probe.GetStringAsync("/health/ready"));
        }
    }

    // ---------------------------------------------------------------- request timeouts

    [Fact]
    public async Task ARequestThatRunsOutOfTimeIsAnswered503WithRetryAfterAndWritesNothing()
    {
        // A real wait: the test holds an exclusive lock on the standards table of a PostgreSQL database, so the
        // registry's query blocks until the request timeout cancels it.
        await using var app = new RegistryApp(provider: TestProvider.Postgres, settings: new Dictionary<string, string> { ["RequestTimeout:Seconds"] = "1" }).Start();
        var editor = app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("stanag-1");
        var before = await editor.SnapshotAsync();

        HttpResponseMessage read, write;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var command = new NpgsqlCommand("LOCK TABLE standards IN ACCESS EXCLUSIVE MODE", connection, transaction))
            {
                await command.ExecuteNonQueryAsync();
            }
            read = await editor.GetAsync("/v1/standards/stanag-1");
            write = await editor.PostAsJsonAsync("/v1/standards", new { key = "stanag-2", designation = "STANAG 2", category = "caliber", title = "T" });
            await transaction.RollbackAsync();
        }

        // Without the timeout they wait for the lock, held until both have answered (the client gives up after 100 s); with
        // it, a second each and what a loaded machine adds.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"The two requests took {clock.Elapsed}: the timeout did not stop them.");
        foreach (var response in new[] { read, write })
        {
            await ProblemAsync(response, HttpStatusCode.ServiceUnavailable, "took longer than 1 s");
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        }
        Assert.Equal(before, await editor.SnapshotAsync());
    }

    // ---------------------------------------------------------------- response headers

    [Fact]
    public async Task EveryKindOfResponseSaysNosniff()
    {
        await using var app = new RegistryApp().Start();
        var anonymous = app.Anonymous();
        var requests = new (HttpClient Client, HttpRequestMessage Request)[]
        {
            (anonymous, new(HttpMethod.Get, "/v1/standards")),
            (anonymous, new(HttpMethod.Get, "/v1/standards/never-existed")),
            (anonymous, new(HttpMethod.Get, "/v1/standards?limit=0")),
            (anonymous, new(HttpMethod.Post, "/v1/standards")),
            (app.WithToken("garbage"), new(HttpMethod.Get, "/v1/standards")),
            (app.As(TestCaller.Eu("NS")), new(HttpMethod.Post, "/v1/standards")),
            (app.As(TestCaller.Editor()), new(HttpMethod.Post, "/v1/standards") { Content = new StringContent("{", System.Text.Encoding.UTF8, "application/json") }),
            (anonymous, new(HttpMethod.Get, "/no/such/route")),
            (anonymous, new(HttpMethod.Get, "/")),
            (anonymous, new(HttpMethod.Get, "/catalogue.js")),
            (anonymous, new(HttpMethod.Get, "/openapi/v1.json")),
            (anonymous, new(HttpMethod.Get, "/health/live")),
        };

        foreach (var (client, request) in requests)
        {
            var response = await client.SendAsync(request);
            Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var values) && values.Single() == "nosniff",
                $"{request.Method} {request.RequestUri} answered {(int)response.StatusCode} without X-Content-Type-Options: nosniff");
        }
    }

    [Fact]
    public async Task KestrelSendsNoServerBanner()
    {
        await using var app = new RegistryApp();
        app.UseKestrel(0);
        app.StartServer();
        var client = app.Anonymous();

        foreach (var url in new[] { "/health/live", "/v1/standards", "/v1/standards/never-existed" })
        {
            var response = await client.GetAsync(url);
            Assert.False(response.Headers.Contains("Server"), $"{url} carries Server: {string.Join(",", response.Headers.Server)}");
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }
    }

    [Fact]
    public async Task OutsideDevelopmentPlainHttpIsRedirectedToHttpsAndHttpsAnswersCarryHsts()
    {
        await using var app = new RegistryApp(environment: "Production", settings: new Dictionary<string, string> { ["https_port"] = "443" });
        app.ClientOptions.AllowAutoRedirect = false;
        app.Start();

        app.ClientOptions.BaseAddress = new Uri("http://registry.example");
        var plain = await app.CreateClient().GetAsync("/v1/standards?limit=5");
        Assert.Equal(HttpStatusCode.TemporaryRedirect, plain.StatusCode);
        Assert.Equal(new Uri("https://registry.example/v1/standards?limit=5"), plain.Headers.Location);
        Assert.False(plain.Headers.Contains("Strict-Transport-Security"));

        app.ClientOptions.BaseAddress = new Uri("https://registry.example");
        var secure = await app.CreateClient().GetAsync("/v1/standards?limit=5");
        Assert.Equal(HttpStatusCode.OK, secure.StatusCode);
        Assert.Equal("max-age=31536000", secure.Headers.GetValues("Strict-Transport-Security").Single());
    }

    [Fact]
    public async Task InDevelopmentHttpIsServedAsItIsWithoutHsts()
    {
        await using var app = new RegistryApp(environment: "Development", settings: new Dictionary<string, string> { ["https_port"] = "443" });
        app.ClientOptions.AllowAutoRedirect = false;
        app.Start();

        app.ClientOptions.BaseAddress = new Uri("http://registry.example");
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/v1/standards")).StatusCode);
        app.ClientOptions.BaseAddress = new Uri("https://registry.example");
        var secure = await app.CreateClient().GetAsync("/v1/standards");
        Assert.Equal(HttpStatusCode.OK, secure.StatusCode);
        Assert.False(secure.Headers.Contains("Strict-Transport-Security"));
    }
}
