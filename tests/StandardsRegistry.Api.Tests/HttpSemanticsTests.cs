using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Tests.Support;
using static StandardsRegistry.Api.Tests.Support.ProblemAssertions;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// What a client library expects of HTTP: HEAD on every GET route, weak comparison for
/// If-None-Match, a problem type on every error, and a JSON property given twice refused with a 400 naming it.
/// </summary>
public sealed class HttpSemanticsTests : IAsyncLifetime
{
    private readonly RegistryApp _app = new RegistryApp(seed: true).With("Webhooks:AllowedHosts:0", "127.0.0.1");
    private string _subscription = "";

    public async ValueTask InitializeAsync()
    {
        _app.Start();
        var created = await _app.As(TestCaller.Admin()).PostAsJsonAsync("/v1/subscriptions", new { audience = "EU", url = "http://127.0.0.1:9/hook", secret = "a-secret-of-sixteen+" });
        _subscription = (await created.JsonAsync())["id"]!.GetValue<string>();
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    /// <summary>Every GET route of the running app (so a route added later is covered), its parameters filled with things that exist.</summary>
    private List<string> GetRoutes() =>
        AppRoutes.Of(_app.Services)
            .Where(r => r.Method == "GET")
            .Select(r => AppRoutes.Url(r, name => name switch
            {
                "key" => "stanag-2310",
                "edition" => "2",
                "audience" => "EU",
                "nation" => "FRA",
                "id" => _subscription,
                "documentName" => "v1",
                "cycle" => "2025",
                var other => throw new Xunit.Sdk.XunitException($"GET {r.Pattern} has a parameter '{other}': teach this test a value for it."),
            }))
            .Distinct()
            .ToList();

    [Fact]
    public async Task HeadOnEveryGetRouteAnswersTheGetsStatusAndHeadersWithoutABody()
    {
        var routes = GetRoutes();
        Assert.True(routes.Count >= 14, string.Join(", ", routes));
        var admin = _app.As(TestCaller.Admin());
        foreach (var route in routes)
        {
            using var get = await admin.GetAsync(route);
            using var head = await admin.SendAsync(new HttpRequestMessage(HttpMethod.Head, route));
            var what = $"HEAD {route}: {(int)head.StatusCode}, GET {(int)get.StatusCode}";
            Assert.True(get.StatusCode == head.StatusCode, what);
            Assert.NotEqual(HttpStatusCode.MethodNotAllowed, head.StatusCode);
            Assert.Empty(await head.Content.ReadAsByteArrayAsync());
            Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
            Assert.Equal(get.Headers.ETag, head.Headers.ETag);
        }
    }

    /// <summary>
    /// A method a route does not take is a 405 whose <c>Allow</c> lists what it does take (RFC 9110 §15.5.6), HEAD
    /// included wherever GET is: every GET route answers HEAD (above), and routing, which knows only the GET, left it out.
    /// No route of the API takes PATCH (the health checks outside it answer any method).
    /// </summary>
    [Fact]
    public async Task AMethodARouteDoesNotTakeIsA405ThatNamesHeadBesideGet()
    {
        var admin = _app.As(TestCaller.Admin());
        var routes = GetRoutes().Where(route => route.StartsWith("/v1/", StringComparison.Ordinal)).ToList();
        Assert.True(routes.Count >= 14, string.Join(", ", routes));
        foreach (var route in routes)
        {
            using var answer = await admin.SendAsync(new HttpRequestMessage(HttpMethod.Patch, route));
            await ProblemAsync(answer, HttpStatusCode.MethodNotAllowed);
            var allow = answer.Content.Headers.Allow;
            Assert.True(allow.Contains("GET") && allow.Contains("HEAD") && !allow.Contains("PATCH"), $"PATCH {route}: Allow: {string.Join(", ", allow)}");
        }
    }

    [Slow]
    [Fact]
    public async Task HeadOnTheRealServerSendsNoBody()
    {
        var data = ScratchDirectories.Create("registry-head-");
        try
        {
            await using var service = await ServiceProcess.StartSqliteAsync(Path.Combine(data.FullName, "registry.db"), new Dictionary<string, string> { ["Database__Seed"] = "true" });
            using var client = service.Client();
            using var get = await client.GetAsync("/v1/standards/stanag-4172/versions/latest");
            using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v1/standards/stanag-4172/versions/latest"));
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(get.Headers.ETag, head.Headers.ETag);
            Assert.Equal(get.Content.Headers.ContentLength, head.Content.Headers.ContentLength);
            Assert.Empty(await head.Content.ReadAsByteArrayAsync());
            // The connection is still good for the next request: nothing was left half-sent.
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/standards")).StatusCode);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    /// <summary>
    /// A path with an empty segment is no route's (a trailing slash is ignored, an empty key is not a key): the
    /// framework's 404, as problem details. The contract check must read it so too, not as the list it resembles.
    /// </summary>
    [Theory]
    [InlineData("/v1/standards//")]
    [InlineData("/v1/standards//versions")]
    [InlineData("/v1/capability-tables//")]
    public async Task APathWithAnEmptySegmentIsTheProblemOfAnUnknownPath(string path)
    {
        using var response = await _app.As(TestCaller.Eu("NS")).GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var slash = await _app.As(TestCaller.Eu("NS")).GetAsync("/v1/standards/");
        Assert.Equal(HttpStatusCode.OK, slash.StatusCode);
    }

    [Fact]
    public async Task IfNoneMatchComparesWeakly()
    {
        var eu = _app.As(TestCaller.Eu("NS"));
        using var first = await eu.GetAsync("/v1/standards/stanag-2310/versions/latest");
        var tag = first.Headers.ETag!.Tag;
        foreach (var header in new[] { tag, $"W/{tag}", $"\"other\", W/{tag}", "*" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/standards/stanag-2310/versions/latest");
            request.Headers.TryAddWithoutValidation("If-None-Match", header);
            using var again = await eu.SendAsync(request);
            Assert.True(again.StatusCode == HttpStatusCode.NotModified, $"If-None-Match: {header} -> {(int)again.StatusCode}");
        }
        using var stale = new HttpRequestMessage(HttpMethod.Get, "/v1/standards/stanag-2310/versions/latest");
        stale.Headers.TryAddWithoutValidation("If-None-Match", "W/\"not-the-tag\"");
        Assert.Equal(HttpStatusCode.OK, (await eu.SendAsync(stale)).StatusCode);
    }

    [Fact]
    public async Task IfMatchStillComparesStrongly()
    {
        var editor = _app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("stanag-7301", "data-link");
        var edition = await editor.CreateDraftAsync("stanag-7301", category: "data-link");
        using var draft = await editor.GetAsync($"/v1/standards/stanag-7301/versions/{edition}");
        var tag = draft.Headers.ETag!.Tag;
        Task<HttpResponseMessage> PutAsync(string ifMatch)
        {
            var put = new HttpRequestMessage(HttpMethod.Put, $"/v1/standards/stanag-7301/versions/{edition}")
            {
                Content = new StringContent("""{"title":"T","summary":"S","body":"B","classification":"NU","attributes":{"messageFormat":"XML","dataRateKbps":16}}""", Encoding.UTF8, "application/json"),
            };
            put.Headers.TryAddWithoutValidation("If-Match", ifMatch);
            return editor.SendAsync(put);
        }
        await ProblemAsync(await PutAsync($"W/{tag}"), HttpStatusCode.PreconditionFailed);
        // Octet by octet: the tag with its letters' case swapped names another representation (compared ignoring case,
        // it matched; no test sent one until 2026-12-08).
        var swapped = new string([.. tag.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c))]);
        Assert.NotEqual(tag, swapped);
        await ProblemAsync(await PutAsync(swapped), HttpStatusCode.PreconditionFailed);
        // The tag itself matches: the refusals changed nothing.
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(tag)).StatusCode);
    }

    /// <summary>
    /// Every answer of the API says how it may be cached: a read with an ETag as every read does (anonymous: public,
    /// identified: private; always revalidated, varying by Authorization), anything else — the reads without a validator
    /// (raw capability targets and their preview, release histories, subscriptions, the audit trail: classified or
    /// principal-specific), problems (a 404 is heuristically cacheable, and an anonymous one served from a cache to an
    /// identified caller would answer it wrongly), write answers — <c>no-store</c>. Until 2026-12-07 those said nothing,
    /// which let any cache keep them and judge their freshness by itself.
    /// </summary>
    [Fact]
    public async Task EveryAnswerOfTheApiSaysHowItMayBeCached()
    {
        var everyRole = new TestCaller("root@nato", "NATO", "CTS", "editor", "release-authority", "admin", "planner", "consumer");
        var callers = new (HttpClient Client, bool Identified)[] { (_app.Anonymous(), false), (_app.As(TestCaller.Eu("NS")), true), (_app.As(everyRole), true) };
        var urls = GetRoutes().Where(u => u.StartsWith("/v1/", StringComparison.Ordinal)).ToList();
        urls.AddRange(urls.Select(u => u.Replace("stanag-2310", "never-existed", StringComparison.Ordinal)).ToList());
        var checkedUncached = 0;
        foreach (var url in urls.Distinct())
        {
            foreach (var (client, identified) in callers)
            {
                using var response = await client.GetAsync(url);
                checkedUncached += Judge(response, identified, $"GET {url}") ? 0 : 1;
            }
        }
        using var write = await _app.As(TestCaller.Editor()).PostAsync("/v1/standards", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, write.StatusCode);
        Judge(write, identified: true, "POST /v1/standards");
        // The routes without a validator were among those asked, with a 200.
        Assert.True(checkedUncached >= 20, $"{checkedUncached} answers without an ETag");

        static bool Judge(HttpResponseMessage response, bool identified, string what)
        {
            var directives = string.Join(", ", response.Headers.NonValidated.TryGetValues("Cache-Control", out var values) ? values : [])
                .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();
            var said = $"{what} as {(identified ? "an identified caller" : "anonymous")} -> {(int)response.StatusCode}, Cache-Control: {string.Join(", ", directives)}";
            if (response.Headers.ETag is null)
            {
                Assert.True(directives.Contains("no-store"), said);
                return false;
            }
            Assert.True(directives.SequenceEqual(identified ? ["no-cache", "private"] : ["no-cache", "public"]), said);
            Assert.Contains("Authorization", response.Headers.Vary);
            return true;
        }
    }

    [Fact]
    public async Task AnUnknownOpenApiDocumentIsAProblemWithAType()
    {
        await ProblemAsync(await _app.Anonymous().GetAsync("/openapi/v2.json"), HttpStatusCode.NotFound);
    }

    /// <summary>
    /// A unique violation still there after the write path's retries (writers colliding on every attempt, which no test
    /// can arrange: each retry finds the row the other wrote and answers 409 itself) is the 409 problem saying nothing
    /// was written and the request may be retried — not a 500.
    /// </summary>
    [Fact]
    public async Task AUniqueViolationTheRetriesDidNotResolveIsA409ProblemNotA500()
    {
        var handler = Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<Http.ExceptionProblems>(_app.Services);
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext { RequestServices = _app.Services };
        context.Response.Body = new MemoryStream();
        var violation = new Microsoft.Data.Sqlite.SqliteException("UNIQUE constraint failed: standards.standard_key", SQLitePCL.raw.SQLITE_CONSTRAINT, SQLitePCL.raw.SQLITE_CONSTRAINT_UNIQUE);

        Assert.True(await handler.TryHandleAsync(context, violation, TestContext.Current.CancellationToken));

        Assert.Equal(Microsoft.AspNetCore.Http.StatusCodes.Status409Conflict, context.Response.StatusCode);
        Assert.Contains("nothing was written; retry it", Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"key":"stanag-7302","key":"stanag-7303","designation":"STANAG 7302","category":"comms-protocol","title":"T"}""", "key", "/v1/standards")]
    [InlineData("""{"key":"stanag-7302","Key":"stanag-7303","designation":"STANAG 7302","category":"comms-protocol","title":"T"}""", "key", "/v1/standards")]
    [InlineData("""{"title":"T","summary":"S","body":"B","classification":"NU","attributes":{"messageFormat":"XML","messageFormat":"JSON","dataRateKbps":16}}""", "messageFormat", "/v1/standards/stanag-7310/versions")]
    [InlineData("""{"title":"T","summary":"S","body":"B","classification":"NU","attributes":{"messageFormat":"XML","MESSAGEFORMAT":"JSON","dataRateKbps":16}}""", "MESSAGEFORMAT", "/v1/standards/stanag-7310/versions")]
    [InlineData("""{"title":"T","title":"U","summary":"S","body":"B","classification":"NU","attributes":{"messageFormat":"XML","dataRateKbps":16}}""", "title", "/v1/standards/stanag-7310/versions")]
    public async Task APropertyGivenTwiceIsA400NamingItAndNothingIsWritten(string json, string property, string url)
    {
        var editor = _app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("stanag-7310", "data-link");
        var before = await editor.SnapshotAsync();
        using var response = await editor.PostAsync(url, new StringContent(json, Encoding.UTF8, "application/json"));
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest, $"'{property}'");
        Assert.Contains($"gives the property '{property}' more than once", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(before, await editor.SnapshotAsync());
    }
}
