using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using StandardsRegistry.Api.Tests.Support;
using static StandardsRegistry.Api.Tests.Support.ProblemAssertions;
using StandardsRegistry.Tests.Support;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Tests;

/// <summary>The bad-input suite's catalogue on one provider, seeded once for all its tests.</summary>
public sealed class BadInputCatalogue<TProvider>() : SharedRegistry(TProvider.Provider) where TProvider : IProviderChoice
{
    protected override Task SeedAsync(RegistryApp app) => BadInputTests.SeedAsync(app);
}

/// <summary>
/// Bad input gets a clear 4xx problem that names what is wrong, and nothing is written: every refused write is
/// followed by a re-read of the whole catalogue (as a CTS editor, drafts and release histories included) compared
/// with the one taken before, and the suite's shared host checks after every test that nothing was written at all.
/// </summary>
public abstract partial class BadInputTests(SharedRegistry catalogue) : IAsyncLifetime
{
    private const string Key = "stanag-1";

    private RegistryApp _app = null!;
    private HttpClient _editor = null!;
    private HttpClient _authority = null!;
    private HttpClient _anonymous = null!;

    public async ValueTask InitializeAsync()
    {
        _app = await catalogue.StartTestAsync();
        _editor = _app.As(TestCaller.Editor());
        _authority = _app.As(TestCaller.ReleaseAuthority());
        _anonymous = _app.Anonymous();
    }

    public ValueTask DisposeAsync() => catalogue.EndTestAsync(_app);

    /// <summary>stanag-1: edition 1 superseded, edition 2 published (both released to EU and PUBLIC), edition 3 a draft.</summary>
    internal static async Task SeedAsync(RegistryApp app)
    {
        var editor = app.As(TestCaller.Editor());
        var authority = app.As(TestCaller.ReleaseAuthority());
        await editor.CreateStandardAsync(Key);
        for (var edition = 1; edition <= 2; edition++)
        {
            Assert.Equal(edition, await editor.CreateDraftAsync(Key));
            await editor.PublishAsync(Key, edition);
            await authority.ReleaseAsync(Key, edition, "EU");
            await authority.ReleaseAsync(Key, edition, "PUBLIC");
        }
        Assert.Equal(3, await editor.CreateDraftAsync(Key));
    }

    // ---------------------------------------------------------------- classification markings

    [Theory]
    [InlineData("SECRETISH")]
    [InlineData("nato secret ")]
    [InlineData(" NS")]
    [InlineData("N S")]
    [InlineData("NATO  SECRET")]
    [InlineData("NATO SECRET'--")]
    [InlineData("SECRET")]
    [InlineData("")]
    [InlineData("3")]
    public async Task AnUnknownClassificationMarkingInANewDraftIsRefusedByName(string marking)
    {
        var before = await _editor.SnapshotAsync();

        var response = await _editor.PostAsJsonAsync($"/v1/standards/{Key}/versions", Draft(classification: marking));

        await ErrorsAsync(response, "classification");
        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Theory]
    [InlineData("SECRETISH")]
    [InlineData("nato secret ")]
    public async Task AnUnknownClassificationMarkingInAnEditedDraftIsRefusedByNameAndTheDraftIsUnchanged(string marking)
    {
        var etag = (await _editor.GetAsync($"/v1/standards/{Key}/versions/3")).Headers.ETag!.Tag;
        var before = await _editor.SnapshotAsync();

        var response = await PutDraftAsync(3, Draft(classification: marking), etag);

        await ErrorsAsync(response, "classification");
        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Fact]
    public async Task AMissingClassificationIsRefusedByName()
    {
        var before = await _editor.SnapshotAsync();

        var response = await _editor.PostAsJsonAsync($"/v1/standards/{Key}/versions",
            new { title = "t", summary = "s", body = "b", attributes = RegistryClient.AttributesFor("caliber") });

        await ErrorsAsync(response, "classification");
        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    // ---------------------------------------------------------------- categories

    [Theory]
    [InlineData("weapons")]
    [InlineData("Caliber")]
    [InlineData("caliber ")]
    [InlineData("")]
    [InlineData("caliber' OR '1'='1")]
    public async Task AnUnknownCategoryIsRefusedWhenCreatingAStandard(string category)
    {
        var before = await _editor.SnapshotAsync();

        var response = await _editor.PostAsJsonAsync("/v1/standards", new { key = "new-one", designation = "NEW 1", category, title = "New" });

        await ErrorsAsync(response, "category");
        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Fact]
    public async Task AMissingCategoryIsRefusedWhenCreatingAStandard()
    {
        var before = await _editor.SnapshotAsync();

        var response = await _editor.PostAsJsonAsync("/v1/standards", new { key = "new-one", designation = "NEW 1", title = "New" });

        await ErrorsAsync(response, "category");
        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Theory]
    [InlineData("weapons")]
    [InlineData("Caliber")]
    [InlineData("caliber%27%20OR%20%271%27%3D%271")]
    [InlineData("%25")]
    public async Task AnUnknownCategoryFilterIsRefused(string category)
    {
        await ErrorsAsync(await _anonymous.GetAsync($"/v1/standards?category={category}"), "category");
        await ErrorsAsync(await _editor.GetAsync($"/v1/standards?category={category}"), "category");
    }

    // ---------------------------------------------------------------- attributes

    [Writes]
    [Theory]
    [InlineData("caliber", """{"caseLengthMm":44.7,"cartridge":"5.56x45mm"}""", "attributes.boreMm")]
    [InlineData("caliber", """{"boreMm":5.56,"caseLengthMm":-44.7,"cartridge":"5.56x45mm"}""", "attributes.caseLengthMm")]
    [InlineData("caliber", """{"boreMm":0,"caseLengthMm":44.7,"cartridge":"5.56x45mm"}""", "attributes.boreMm")]
    [InlineData("caliber", """{"boreMm":"5.56","caseLengthMm":44.7,"cartridge":"5.56x45mm"}""", "attributes.boreMm")]
    [InlineData("caliber", """{"boreMm":null,"caseLengthMm":44.7,"cartridge":"5.56x45mm"}""", "attributes.boreMm")]
    [InlineData("caliber", """{"boreMm":5.56,"caseLengthMm":44.7,"cartridge":""}""", "attributes.cartridge")]
    [InlineData("caliber", """{"boreMm":5.56,"caseLengthMm":44.7,"cartridge":"5.56x45mm","colour":"red"}""", "attributes.colour")]
    [InlineData("radio-band", """{"lowMHz":400,"highMHz":225}""", "attributes.highMHz")]
    [InlineData("radio-band", """{"lowMHz":225,"highMHz":225}""", "attributes.highMHz")]
    [InlineData("radio-band", """{"lowMHz":-1,"highMHz":225}""", "attributes.lowMHz")]
    // Finite, but wider than any band the attribute index can file (its widest level spans 1e308 MHz).
    [InlineData("radio-band", """{"lowMHz":1,"highMHz":1.7976931348623157e308}""", "attributes.highMHz")]
    [InlineData("radio-band", """{"lowMHz":1e-300,"highMHz":1.5e308}""", "attributes.highMHz")]
    [InlineData("comms-protocol", """{"layer":"layer-8","transport":"UDP/IP"}""", "attributes.layer")]
    [InlineData("comms-protocol", """{"layer":"Transport","transport":"UDP/IP"}""", "attributes.layer")]
    [InlineData("comms-protocol", """{"transport":"UDP/IP"}""", "attributes.layer")]
    [InlineData("data-link", """{"messageFormat":"J-series"}""", "attributes.dataRateKbps")]
    [InlineData("data-link", """{"messageFormat":"J-series","dataRateKbps":115.2,"boreMm":5.56}""", "attributes.boreMm")]
    public async Task InvalidAttributesAreRefusedAndKeyedByAttribute(string category, string attributes, string errorKey)
    {
        var key = $"std-{category}";
        await _editor.CreateStandardAsync(key, category);
        var before = await _editor.SnapshotAsync();

        var body = $$"""{"title":"t","summary":"s","body":"b","classification":"NU","attributes":{{attributes}}}""";
        var response = await _editor.PostAsync($"/v1/standards/{key}/versions", Json(body));

        await ErrorsAsync(response, errorKey);
        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Fact]
    public async Task MissingAttributesAreRefusedByName()
    {
        var before = await _editor.SnapshotAsync();

        var response = await _editor.PostAsync($"/v1/standards/{Key}/versions", Json("""{"title":"t","summary":"s","body":"b","classification":"NU"}"""));

        await ErrorsAsync(response, "attributes");
        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Fact]
    public async Task EveryProblemWithTheAttributesIsReportedAtOnce()
    {
        var before = await _editor.SnapshotAsync();

        var response = await _editor.PostAsync($"/v1/standards/{Key}/versions",
            Json("""{"title":"t","classification":"NU","attributes":{"caseLengthMm":-1,"cartridge":"x","colour":"red"}}"""));

        await ErrorsAsync(response, "attributes.boreMm", "attributes.caseLengthMm", "attributes.colour");
        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Fact]
    public async Task InvalidAttributesInAnEditedDraftAreRefusedAndTheDraftIsUnchanged()
    {
        var etag = (await _editor.GetAsync($"/v1/standards/{Key}/versions/3")).Headers.ETag!.Tag;
        var before = await _editor.SnapshotAsync();

        var response = await _editor.SendAsync(new HttpRequestMessage(HttpMethod.Put, $"/v1/standards/{Key}/versions/3")
        {
            Content = Json("""{"title":"t","classification":"NU","attributes":{"boreMm":5.56,"caseLengthMm":-1,"cartridge":"x"}}"""),
            Headers = { IfMatch = { EntityTagHeaderValue.Parse(etag) } },
        });

        await ErrorsAsync(response, "attributes.caseLengthMm");
        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    // ---------------------------------------------------------------- editions in routes

    [Theory]
    [InlineData("abc")]
    [InlineData("1.5")]
    [InlineData("1e3")]
    [InlineData("0x10")]
    [InlineData("99999999999")]
    [InlineData("-99999999999")]
    [InlineData("1%27%20OR%20%271%27%3D%271")]
    public async Task ANonNumericOrHugeEditionIsRefusedOnEveryRouteThatTakesOne(string edition)
    {
        var before = await _editor.SnapshotAsync();

        foreach (var (client, request) in EditionRoutes(edition))
        {
            await ProblemAsync(await client.SendAsync(request), HttpStatusCode.BadRequest, "edition");
        }
        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    public async Task AnEditionBelowOneIsRefusedOnEveryRouteThatTakesOne(string edition)
    {
        var before = await _editor.SnapshotAsync();

        foreach (var (client, request) in EditionRoutes(edition))
        {
            await ErrorsAsync(await client.SendAsync(request), "edition");
        }
        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    // ---------------------------------------------------------------- paging

    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("-5")]
    [InlineData("x")]
    [InlineData("1.5")]
    [InlineData("2147483648")]
    [InlineData("99999999999")]
    public async Task ALimitOutOfBoundsOrNotANumberIsRefusedByName(string limit)
    {
        foreach (var client in new[] { _anonymous, _editor })
        {
            await ProblemAsync(await client.GetAsync($"/v1/standards?limit={limit}"), HttpStatusCode.BadRequest, "limit");
            await ProblemAsync(await client.GetAsync($"/v1/standards/{Key}/versions?limit={limit}"), HttpStatusCode.BadRequest, "limit");
        }
    }

    /// <summary>
    /// An empty <c>limit=</c> is not the default page size: like an empty <c>cursor=</c> or <c>q=</c>, it is refused by
    /// name, on every route whose operation in the committed OpenAPI document (held equal to the code's) takes a
    /// <c>limit</c>, so a route added later is covered too; asked as the admin, who may call all of them.
    /// </summary>
    [Fact]
    public async Task AnEmptyLimitIsRefusedByNameOnEveryRouteThatTakesOne()
    {
        var admin = _app.As(TestCaller.Admin());
        var document = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "openapi", "standards-registry.v1.json")))!;
        var paths = document["paths"]!.AsObject()
            .Where(p => p.Value!["get"]?["parameters"]?.AsArray().Any(q => (string?)q!["name"] == "limit" && (string?)q["in"] == "query") == true)
            .Select(p => AppRoutes.Url(new AppRoutes.Route("GET", p.Key, []), name => name == "key" ? Key : throw new InvalidOperationException($"No value for {{{name}}} in {p.Key}.")))
            .ToList();
        Assert.Superset(new HashSet<string> { "/v1/standards", $"/v1/standards/{Key}/versions", "/v1/responses", "/v1/feed", "/v1/audit", "/v1/audit/verify" }, paths.ToHashSet());

        foreach (var path in paths)
        {
            await ErrorsAsync(await admin.GetAsync($"{path}?limit="), "limit");
            await ErrorsAsync(await admin.GetAsync($"{path}?limit=&cursor="), "limit", "cursor");
        }
    }

    [Fact]
    public async Task TheLimitBoundsThemselvesAreAccepted()
    {
        Assert.Single((await _editor.GetJsonAsync("/v1/standards?limit=1"))["items"]!.AsArray());
        Assert.Single((await _editor.GetJsonAsync($"/v1/standards/{Key}/versions?limit=1"))["items"]!.AsArray());
        Assert.Equal(3, (await _editor.GetJsonAsync($"/v1/standards/{Key}/versions?limit=100"))["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task EveryBadQueryParameterOrBodyFieldIsNamedInTheOneProblem()
    {
        var forged = Base64Url(Encoding.UTF8.GetBytes("nothing:1"));
        foreach (var client in new[] { _anonymous, _editor })
        {
            await ErrorsAsync(await client.GetAsync($"/v1/standards?limit=0&cursor={forged}"), "limit", "cursor");
            await ErrorsAsync(await client.GetAsync($"/v1/standards?category=nope&q=%01&limit=101&cursor={forged}"), "category", "q", "limit", "cursor");
            await ErrorsAsync(await client.GetAsync($"/v1/standards/{Key}/versions?limit=0&cursor={forged}"), "limit", "cursor");
            await ErrorsAsync(await client.GetAsync($"/v1/feed?limit=101&cursor={forged}"), "limit", "cursor");
            // A value that is not even of its parameter's type is named beside the other errors, not instead of them.
            await ErrorsAsync(await client.GetAsync($"/v1/standards?limit=x&category=nope&cursor={forged}"), "limit", "category", "cursor");
            await ErrorsAsync(await client.GetAsync($"/v1/standards/{Key}/versions?limit=99999999999&cursor={forged}"), "limit", "cursor");
            await ErrorsAsync(await client.GetAsync($"/v1/feed?limit=1.5&cursor={forged}"), "limit", "cursor");
        }
        var before = await _editor.SnapshotAsync();
        await ErrorsAsync(await _authority.PutAsync($"/v1/standards/{Key}/versions/2/releases/EU",
            Json("""{"reason":" ","effectiveFrom":"2000-01-01T00:00:00Z"}""")), "reason", "effectiveFrom");
        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Writes]
    [Fact]
    public async Task ForgedCursorsAreRefusedByName()
    {
        await _editor.CreateStandardAsync("stanag-2");
        var versionsCursor = (await _editor.GetJsonAsync($"/v1/standards/{Key}/versions?limit=1"))["nextCursor"]!.GetValue<string>();
        var standardsCursor = (await _editor.GetJsonAsync("/v1/standards?limit=1"))["nextCursor"]!.GetValue<string>();

        // The genuine cursors work where they belong.
        Assert.Equal("stanag-2", (await _editor.GetJsonAsync($"/v1/standards?limit=1&cursor={standardsCursor}"))["items"]![0]!["key"]!.GetValue<string>());
        Assert.Equal(2, (await _editor.GetJsonAsync($"/v1/standards/{Key}/versions?limit=1&cursor={versionsCursor}"))["items"]![0]!["edition"]!.GetValue<int>());

        var random = Base64Url(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        var forgedForStandards = new[]
        {
            random,
            versionsCursor,
            "!!!",
            "aGVsbG8",                                                 // "hello"
            Base64Url(Encoding.UTF8.GetBytes("Standards:stanag-1")),   // the wrong case of the kind
            Base64Url([0xff, 0xfe, 0xfd, 0x3a]),                       // not UTF-8
            Base64Url(Encoding.UTF8.GetBytes("standards:" + new string('a', 2000))),
            Base64Url(Encoding.UTF8.GetBytes("standards:stanag-1\u0000")),       // a NUL, which PostgreSQL cannot take as text
            Base64Url(Encoding.UTF8.GetBytes("standards:\u202Estanag-1")),       // a bidirectional control
            new string('A', 100_000),
            "c3RhbmRhcmRzOnN0YW5hZy0x+/",                              // base64 (not base64url) alphabet
            "%00",
            "%20",
        };
        foreach (var cursor in forgedForStandards)
        {
            await ProblemAsync(await _editor.GetAsync($"/v1/standards?cursor={Uri.EscapeDataString(Uri.UnescapeDataString(cursor))}"), HttpStatusCode.BadRequest, "cursor");
            await ProblemAsync(await _anonymous.GetAsync($"/v1/standards?cursor={Uri.EscapeDataString(Uri.UnescapeDataString(cursor))}"), HttpStatusCode.BadRequest, "cursor");
        }

        var forgedForVersions = new[]
        {
            random,
            standardsCursor,
            "!!!",
            Base64Url(Encoding.UTF8.GetBytes("versions:0")),
            Base64Url(Encoding.UTF8.GetBytes("versions:-1")),
            Base64Url(Encoding.UTF8.GetBytes("versions:abc")),
            Base64Url(Encoding.UTF8.GetBytes("versions:99999999999")),
            Base64Url(Encoding.UTF8.GetBytes("versions:1 OR 1=1")),
            new string('A', 100_000),
        };
        foreach (var cursor in forgedForVersions)
        {
            await ProblemAsync(await _editor.GetAsync($"/v1/standards/{Key}/versions?cursor={Uri.EscapeDataString(cursor)}"), HttpStatusCode.BadRequest, "cursor");
            await ProblemAsync(await _anonymous.GetAsync($"/v1/standards/{Key}/versions?cursor={Uri.EscapeDataString(cursor)}"), HttpStatusCode.BadRequest, "cursor");
        }
    }

    // ---------------------------------------------------------------- request bodies

    [Fact]
    public async Task ABodyOverTheLimitIsRefusedWith413AndNothingIsWritten()
    {
        var before = await _editor.SnapshotAsync();
        var huge = new string('x', (int)Limits.RequestBodyBytes + 1);

        var requests = new (HttpMethod Method, string Url, string Body, string? IfMatch)[]
        {
            (HttpMethod.Post, "/v1/standards", $$"""{"key":"big","designation":"BIG","category":"caliber","title":"{{huge}}"}""", null),
            (HttpMethod.Post, $"/v1/standards/{Key}/versions", DraftJson(body: huge), null),
            (HttpMethod.Put, $"/v1/standards/{Key}/versions/3", DraftJson(body: huge), (await _editor.GetAsync($"/v1/standards/{Key}/versions/3")).Headers.ETag!.Tag),
            (HttpMethod.Post, $"/v1/standards/{Key}/versions/2/withdraw", $$"""{"reason":"{{huge}}"}""", null),
        };
        foreach (var (method, url, body, ifMatch) in requests)
        {
            var request = new HttpRequestMessage(method, url) { Content = Json(body) };
            if (ifMatch is not null)
            {
                request.Headers.IfMatch.Add(EntityTagHeaderValue.Parse(ifMatch));
            }
            var problem = await ProblemAsync(await _editor.SendAsync(request), HttpStatusCode.RequestEntityTooLarge);
            Assert.Contains(Limits.RequestBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        var release = await _authority.PutAsync($"/v1/standards/{Key}/versions/2/releases/EU", Json($$"""{"reason":"{{huge}}"}"""));
        await ProblemAsync(release, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Fact]
    public async Task ABodyOverTheLimitWithoutADeclaredLengthIsRefusedWith413ByKestrelAndNothingIsWritten()
    {
        // Only a real server enforces MaxRequestBodySize on a chunked body, so this test runs its own Kestrel app.
        await using var app = new RegistryApp(provider: catalogue.Provider);
        app.UseKestrel(0);
        app.StartServer();
        var editor = app.As(TestCaller.Editor());
        await editor.CreateStandardAsync(Key);

        // 200 000 characters is within the body's own limit, but as UTF-8 it is 600 000 bytes.
        var bytes = Encoding.UTF8.GetBytes(DraftJson(body: new string('€', Limits.BodyLength)));
        HttpResponseMessage? response = null;
        for (var attempt = 1; response is null; attempt++)
        {
            try
            {
                response = await editor.PostAsync($"/v1/standards/{Key}/versions", new UnknownLengthContent(bytes));
            }
            catch (HttpRequestException e) when (e.InnerException is IOException && attempt < 5)
            {
                // Kestrel answers 413 and closes the connection; a client still sending the rest of the body can
                // see the closed pipe before it reads the answer (a race on a loaded machine). Nothing was written.
                Assert.Equal(0, (await editor.GetJsonAsync($"/v1/standards/{Key}"))["versionCount"]!.GetValue<int>());
            }
        }

        await ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(0, (await editor.GetJsonAsync($"/v1/standards/{Key}"))["versionCount"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("""{"key":"new-one","designation":"NEW 1","category":"caliber","title":"New""", "JSON")]
    [InlineData("""{"key":"new-one","designation":"NEW 1","category":"caliber","title":"New"} trailing""", "JSON")]
    [InlineData("""{"key":"new-one","designation":"NEW 1","category":"caliber","title":"New"}{}""", "JSON")]
    [InlineData("""{"key":"new-one","designation":"NEW 1","category":"caliber","title":5}""", "$.title")]
    [InlineData("""{"key":"new-one","designation":["NEW 1"],"category":"caliber","title":"New"}""", "$.designation")]
    [InlineData("""{"key":7,"designation":"NEW 1","category":"caliber","title":"New"}""", "$.key")]
    [InlineData("""{'key':'new-one'}""", "JSON")]
    [InlineData("""not json at all""", "JSON")]
    [InlineData("""["key","new-one"]""", "JSON")]
    public async Task MalformedJsonWhenCreatingAStandardIsRefusedWithTheJsonProblem(string body, string named)
    {
        var before = await _editor.SnapshotAsync();

        var problem = await ProblemAsync(await _editor.PostAsync("/v1/standards", Json(body)), HttpStatusCode.BadRequest, named);

        Assert.Contains("JSON", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Theory]
    [InlineData("""{"title":"t","classification":"NU","attributes":[5.56,44.7]}""", "$.attributes")]
    [InlineData("""{"title":"t","classification":2,"attributes":{}}""", "$.classification")]
    [InlineData("""{"title":"t","classification":"NU","attributes":{"boreMm":5.56,""", "JSON")]
    [InlineData("""{"title":true,"classification":"NU","attributes":{}}""", "$.title")]
    public async Task MalformedJsonInADraftIsRefusedWithTheJsonProblem(string body, string named)
    {
        var before = await _editor.SnapshotAsync();

        var problem = await ProblemAsync(await _editor.PostAsync($"/v1/standards/{Key}/versions", Json(body)), HttpStatusCode.BadRequest, named);

        Assert.Contains("JSON", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Theory]
    [InlineData("""{"reason":"Needed.","effectiveFrom":"tomorrow"}""", "$.effectiveFrom")]
    [InlineData("""{"reason":"Needed.","effectiveFrom":12345}""", "$.effectiveFrom")]
    [InlineData("""{"reason":42}""", "$.reason")]
    [InlineData("""{"reason":"Needed.""", "JSON")]
    public async Task MalformedJsonInAReleaseIsRefusedWithTheJsonProblem(string body, string named)
    {
        var before = await _editor.SnapshotAsync();

        var problem = await ProblemAsync(await _authority.PutAsync($"/v1/standards/{Key}/versions/2/releases/EU", Json(body)), HttpStatusCode.BadRequest, named);

        Assert.Contains("JSON", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    /// <summary>
    /// A release's time names its offset (<c>Z</c> or <c>±hh:mm</c>, as RFC 3339's date-time does): read without one,
    /// System.Text.Json took it as the host's local time, so the same request made a release take effect at another
    /// instant on each host's time zone — on a host at UTC+14 a release "from 2028-01-01T00:00:00" was in effect 14 hours
    /// before midnight UTC, and on one at UTC-12 a time "now" was 12 hours ahead and passed the backdating check.
    /// </summary>
    [Theory]
    [InlineData("""{"reason":"Needed.","effectiveFrom":"2099-01-01T00:00:00"}""")]
    [InlineData("""{"reason":"Needed.","effectiveFrom":"2099-01-01T00:00"}""")]
    [InlineData("""{"reason":"Needed.","effectiveFrom":"2099-01-01T00:00:00.250"}""")]
    [InlineData("""{"reason":"Needed.","effectiveFrom":"2099-01-01"}""")]
    public async Task AReleaseTimeWithoutItsOffsetIsRefusedByNameAndWritesNothing(string body)
    {
        var before = await _editor.SnapshotAsync();

        var problem = await ProblemAsync(await _authority.PutAsync($"/v1/standards/{Key}/versions/2/releases/INDUSTRY", Json(body)), HttpStatusCode.BadRequest, "$.effectiveFrom");

        Assert.Contains("offset", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Fact]
    public async Task UnknownJsonPropertiesAreRefusedByName()
    {
        var before = await _editor.SnapshotAsync();

        await NotAcceptedAsync(await _editor.PostAsync("/v1/standards",
            Json("""{"key":"new-one","designation":"NEW 1","category":"caliber","title":"New","colour":"red"}""")), "colour");
        await NotAcceptedAsync(await _editor.PostAsync($"/v1/standards/{Key}/versions",
            Json("""{"title":"t","classification":"NU","attributes":{"boreMm":5.56,"caseLengthMm":44.7,"cartridge":"x"},"status":"published"}""")), "status");
        await NotAcceptedAsync(await _editor.PostAsync($"/v1/standards/{Key}/versions/2/withdraw",
            Json("""{"reason":"Obsolete.","withdrawnAt":"2020-01-01T00:00:00Z"}""")), "withdrawnAt");
        await NotAcceptedAsync(await _authority.PutAsync($"/v1/standards/{Key}/versions/2/releases/EU",
            Json("""{"reason":"Needed.","releasedBy":"someone-else"}""")), "releasedBy");

        Assert.Equal(before, await _editor.SnapshotAsync());

        // Said as a property the operation does not take, not as JSON that is not valid (it is) with the reader's
        // account of the API's own types.
        static async Task NotAcceptedAsync(HttpResponseMessage response, string property)
        {
            var detail = (await ProblemAsync(response, HttpStatusCode.BadRequest, property))["detail"]!.GetValue<string>();
            Assert.Equal($"The request body's JSON has a property this operation does not accept: $.{property}.", detail);
        }
    }

    /// <summary>
    /// A route that reads a JSON body, sent none (no content, or an empty one declared JSON), says a body is required —
    /// not the framework's account of the handler's parameter, which names the API's own types.
    /// </summary>
    [Theory]
    [InlineData("/v1/standards", null)]
    [InlineData("/v1/standards", "")]
    [InlineData($"/v1/standards/{Key}/versions", null)]
    [InlineData($"/v1/standards/{Key}/versions", "")]
    [InlineData($"/v1/standards/{Key}/versions/2/withdraw", "")]
    public async Task ARouteThatReadsAJsonBodySentNoneSaysABodyIsRequired(string url, string? body)
    {
        var before = await _editor.SnapshotAsync();

        var problem = await ProblemAsync(await _editor.SendAsync(Send(HttpMethod.Post, url, body)), HttpStatusCode.BadRequest);

        Assert.Equal("A JSON request body is required.", problem["detail"]!.GetValue<string>());
        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    // ---------------------------------------------------------------- keys and required fields

    [Theory]
    [InlineData("STANAG-9")]
    [InlineData("stanag 9")]
    [InlineData("../etc")]
    [InlineData("..")]
    [InlineData("stanag/9")]
    [InlineData("stanag--9")]
    [InlineData("-stanag")]
    [InlineData("stanag-")]
    [InlineData("stanag_9")]
    [InlineData("stanäg")]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("x' OR '1'='1")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // 65 characters
    public async Task AnInvalidKeyIsRefusedByName(string key)
    {
        var before = await _editor.SnapshotAsync();

        var response = await _editor.PostAsJsonAsync("/v1/standards", new { key, designation = "NEW 1", category = "caliber", title = "New" });

        await ErrorsAsync(response, "key");
        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Writes]
    [Fact]
    public async Task AKeyOfSixtyFourCharactersIsAccepted()
    {
        var key = new string('a', Limits.KeyLength);

        await _editor.CreateStandardAsync(key);

        Assert.Equal(key, (await _editor.GetJsonAsync($"/v1/standards/{key}"))["key"]!.GetValue<string>());
    }

    [Fact]
    public async Task ADuplicateKeyIsAConflictAndTheExistingStandardIsUnchanged()
    {
        var before = await _editor.SnapshotAsync();

        var response = await _editor.PostAsJsonAsync("/v1/standards", new { key = Key, designation = "OTHER", category = "radio-band", title = "Another title" });

        await ProblemAsync(response, HttpStatusCode.Conflict, Key);
        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Writes]
    [Fact]
    public async Task ConcurrentCreatesOfTheSameKeyMakeOneStandardAndConflictsForTheRest()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            _editor.PostAsJsonAsync("/v1/standards", new { key = "race", designation = $"RACE {i}", category = "caliber", title = $"Race {i}" })));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
    }

    [Fact]
    public async Task MissingFieldsOfANewStandardAreAllNamed()
    {
        var before = await _editor.SnapshotAsync();

        await ErrorsAsync(await _editor.PostAsync("/v1/standards", Json("{}")), "key", "designation", "category", "title");
        await ErrorsAsync(await _editor.PostAsJsonAsync("/v1/standards", new { key = "new-one", designation = "NEW 1", category = "caliber" }), "title");
        await ErrorsAsync(await _editor.PostAsJsonAsync("/v1/standards", new { key = "new-one", category = "caliber", title = "New" }), "designation");
        await ErrorsAsync(await _editor.PostAsJsonAsync("/v1/standards", new { key = "new-one", designation = "  ", category = "caliber", title = "\t" }), "designation", "title");
        await ErrorsAsync(await _editor.PostAsJsonAsync("/v1/standards", new { key = "new-one", designation = (string?)null, category = "caliber", title = "New" }), "designation");

        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Fact]
    public async Task OverlongFieldsOfANewStandardAreNamed()
    {
        var before = await _editor.SnapshotAsync();

        var response = await _editor.PostAsJsonAsync("/v1/standards", new
        {
            key = "new-one",
            designation = new string('D', Limits.DesignationLength + 1),
            category = "caliber",
            title = new string('T', Limits.TitleLength + 1),
        });

        await ErrorsAsync(response, "designation", "title");
        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Fact]
    public async Task ADraftWithoutATitleIsRefusedByName()
    {
        var before = await _editor.SnapshotAsync();

        await ErrorsAsync(await _editor.PostAsync($"/v1/standards/{Key}/versions",
            Json("""{"summary":"s","body":"b","classification":"NU","attributes":{"boreMm":5.56,"caseLengthMm":44.7,"cartridge":"x"}}""")), "title");
        await ErrorsAsync(await _editor.PostAsJsonAsync($"/v1/standards/{Key}/versions", Draft(title: " ")), "title");
        await ErrorsAsync(await _editor.PostAsJsonAsync($"/v1/standards/{Key}/versions", Draft(title: new string('T', Limits.TitleLength + 1))), "title");
        await ErrorsAsync(await _editor.PostAsJsonAsync($"/v1/standards/{Key}/versions", Draft(summary: new string('S', Limits.SummaryLength + 1))), "summary");
        await ErrorsAsync(await _editor.PostAsJsonAsync($"/v1/standards/{Key}/versions", Draft(body: new string('B', Limits.BodyLength + 1))), "body");

        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Fact]
    public async Task AWithdrawalWithoutAReasonIsRefusedByName()
    {
        var before = await _editor.SnapshotAsync();

        await ErrorsAsync(await _editor.PostAsync($"/v1/standards/{Key}/versions/2/withdraw", Json("{}")), "reason");
        await ErrorsAsync(await _editor.PostAsync($"/v1/standards/{Key}/versions/2/withdraw", Json("""{"reason":null}""")), "reason");
        await ErrorsAsync(await _editor.PostAsync($"/v1/standards/{Key}/versions/2/withdraw", Json("""{"reason":"   "}""")), "reason");
        await ErrorsAsync(await _editor.PostAsJsonAsync($"/v1/standards/{Key}/versions/2/withdraw", new { reason = new string('r', Limits.ReasonLength + 1) }), "reason");

        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Writes]
    [Fact]
    public async Task AReleaseWithoutAReasonIsRefusedByName()
    {
        await _editor.CreateStandardAsync("stanag-2");
        await _editor.PublishAsync("stanag-2", await _editor.CreateDraftAsync("stanag-2"));
        var before = await _editor.SnapshotAsync();

        await ErrorsAsync(await _authority.PutAsync("/v1/standards/stanag-2/versions/1/releases/EU", Json("{}")), "reason");
        await ErrorsAsync(await _authority.PutAsync("/v1/standards/stanag-2/versions/1/releases/EU", Json("""{"reason":""}""")), "reason");
        await ErrorsAsync(await _authority.PutAsync("/v1/standards/stanag-2/versions/1/releases/EU", Json("""{"reason":" ","effectiveFrom":null}""")), "reason");
        await ErrorsAsync(await _authority.PutAsJsonAsync("/v1/standards/stanag-2/versions/1/releases/EU", new { reason = new string('r', Limits.ReasonLength + 1) }), "reason");
        await ErrorsAsync(await _authority.DeleteAsync($"/v1/standards/{Key}/versions/2/releases/EU?reason={new string('r', Limits.ReasonLength + 1)}"), "reason");

        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    // ---------------------------------------------------------------- SQL metacharacters are data

    [Theory]
    [InlineData("x' OR '1'='1")]
    [InlineData("x\" OR \"1\"=\"1")]
    [InlineData("stanag-1' --")]
    [InlineData("stanag-1'; DROP TABLE standards; --")]
    [InlineData("%")]
    [InlineData("_")]
    [InlineData("stanag-%")]
    [InlineData("stanag-_")]
    [InlineData("\\")]
    [InlineData("*")]
    public async Task SqlMetacharactersInRouteParametersAreTreatedAsData(string value)
    {
        var before = await _editor.SnapshotAsync();
        var key = Uri.EscapeDataString(value);

        foreach (var client in new[] { _anonymous, _editor })
        {
            await ProblemAsync(await client.GetAsync($"/v1/standards/{key}"), HttpStatusCode.NotFound);
            await ProblemAsync(await client.GetAsync($"/v1/standards/{key}/versions"), HttpStatusCode.NotFound);
            await ProblemAsync(await client.GetAsync($"/v1/standards/{key}/versions/latest"), HttpStatusCode.NotFound);
            await ProblemAsync(await client.GetAsync($"/v1/standards/{key}/versions/1"), HttpStatusCode.NotFound);
        }
        await ProblemAsync(await _editor.GetAsync($"/v1/standards/{key}/versions/1/releases"), HttpStatusCode.NotFound);
        await ProblemAsync(await _editor.PostAsJsonAsync($"/v1/standards/{key}/versions", Draft()), HttpStatusCode.NotFound);
        await ProblemAsync(await PutDraftAsync(key, 3, Draft(), "\"x\""), HttpStatusCode.NotFound);
        await ProblemAsync(await _editor.PostAsync($"/v1/standards/{key}/versions/3/publish", null), HttpStatusCode.NotFound);
        await ProblemAsync(await _editor.PostAsJsonAsync($"/v1/standards/{key}/versions/2/withdraw", new { reason = "r" }), HttpStatusCode.NotFound);
        await ProblemAsync(await _authority.PutAsJsonAsync($"/v1/standards/{key}/versions/2/releases/EU", new { reason = "r" }), HttpStatusCode.NotFound);
        await ProblemAsync(await _authority.DeleteAsync($"/v1/standards/{key}/versions/2/releases/EU"), HttpStatusCode.NotFound);

        // The same text as an audience: unknown, named, nothing released or revoked.
        await ProblemAsync(await _authority.PutAsJsonAsync($"/v1/standards/{Key}/versions/2/releases/{key}", new { reason = "r" }), HttpStatusCode.NotFound, value);
        await ProblemAsync(await _authority.DeleteAsync($"/v1/standards/{Key}/versions/2/releases/{key}"), HttpStatusCode.NotFound);

        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Theory]
    [InlineData("%' --")]
    [InlineData("' OR '1'='1")]
    [InlineData("\" OR \"1\"=\"1")]
    [InlineData("'; DROP TABLE standards; --")]
    [InlineData("stanag-1' --")]
    [InlineData("') OR 1=1 --")]
    [InlineData("\\")]
    [InlineData("\\%")]
    public async Task SqlMetacharactersInTheTextSearchAreTreatedAsData(string q)
    {
        foreach (var client in new[] { _anonymous, _editor })
        {
            var page = await client.GetJsonAsync($"/v1/standards?q={Uri.EscapeDataString(q)}");
            Assert.Empty(page["items"]!.AsArray());
        }
        Assert.Single((await _editor.GetJsonAsync("/v1/standards"))["items"]!.AsArray());
    }

    [Writes]
    [Fact]
    public async Task LikeWildcardsInTheTextSearchMatchOnlyThemselves()
    {
        await _editor.CreateStandardAsync("pct", title: "Yield of 100% of the charge");
        await _editor.CreateStandardAsync("under", title: "The snake_case naming rule");
        await _editor.CreateStandardAsync("slash", title: @"Paths like C:\temp");
        await _editor.CreateStandardAsync("quote", title: "O'Brien's \"quoted\" rule");
        await _editor.CreateStandardAsync("plain", title: "Plain words only");
        await _editor.CreateStandardAsync("bracket", title: "Band [VHF] plan");

        Assert.Equal(["pct"], await SearchAsync(_editor, "%"));
        Assert.Equal(["under"], await SearchAsync(_editor, "_"));
        Assert.Equal(["pct"], await SearchAsync(_editor, "0%"));
        Assert.Equal(["under"], await SearchAsync(_editor, "e_c"));
        Assert.Equal(["slash"], await SearchAsync(_editor, @"\"));
        Assert.Equal(["slash"], await SearchAsync(_editor, @"C:\t"));
        Assert.Equal(["quote"], await SearchAsync(_editor, "'"));
        Assert.Equal(["quote"], await SearchAsync(_editor, "O'Brien's \"quoted\""));
        Assert.Empty(await SearchAsync(_editor, "%%"));
        Assert.Empty(await SearchAsync(_editor, "__________________________________________"));
        Assert.Empty(await SearchAsync(_editor, "snake%rule"));
        Assert.Empty(await SearchAsync(_editor, "p_ain"));
        // SQL Server's LIKE reads '[' as a character set's start: '[' alone matched nothing there, '[p]lain' matched "plain".
        Assert.Equal(["bracket"], await SearchAsync(_editor, "["));
        Assert.Equal(["bracket"], await SearchAsync(_editor, "[vhf]"));
        Assert.Empty(await SearchAsync(_editor, "[p]lain"));
        Assert.Empty(await SearchAsync(_editor, "[a-z]"));
        Assert.Empty(await SearchAsync(_editor, "[^x]"));
        Assert.Equal(["plain"], await SearchAsync(_editor, "plain"));
    }

    [Fact]
    public async Task ControlCharactersInTextAreRefusedByNameAndWriteNothing()
    {
        var before = await _editor.SnapshotAsync();

        await ErrorsAsync(await _editor.PostAsJsonAsync("/v1/standards", new { key = "new-one", designation = "NEW\u00001", category = "caliber", title = "Bell\u0007" }), "designation", "title");
        await ErrorsAsync(await _editor.PostAsJsonAsync($"/v1/standards/{Key}/versions", new
        {
            title = "t",
            summary = "nul \u0000 here",
            body = "ok\ttabs\r\nand lines",
            classification = "NU",
            attributes = new { boreMm = 5.56, caseLengthMm = 44.7, cartridge = "5.56\u0000mm" },
        }), "summary", "attributes.cartridge");
        await ErrorsAsync(await _authority.DeleteAsync($"/v1/standards/{Key}/versions/2/releases/EU?reason=%00"), "reason");
        await ErrorsAsync(await _anonymous.GetAsync("/v1/standards?q=%00"), "q");

        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    /// <summary>
    /// Characters that make text render as other than it stores: bidirectional controls (a title "STANAG 4172
    /// U+202E TERCES" reads "STANAG 4172 SECRET"), zero-width and other invisible format characters (a designation or an
    /// identifier that looks like another), C1 controls, and a tag character (invisible, outside the BMP).
    /// </summary>
    public static TheoryData<int> DeceivingCharacters =>
    [
        0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F, 0x061C,
        0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x0085, 0x009B, 0xE0041,
    ];

    /// <summary>
    /// Every field a reader is shown refuses them (docs/design.md §1.1, *Text*), naming the field and the code point, and
    /// nothing is written. Until 2026-12-07 each was stored and served as sent.
    /// </summary>
    [Theory]
    [MemberData(nameof(DeceivingCharacters))]
    public async Task BidiControlsAndInvisibleCharactersAreRefusedInEveryFieldAReaderSeesNamingTheCodePoint(int codePoint)
    {
        var c = char.ConvertFromUtf32(codePoint);
        var named = $"U+{codePoint:X4}";
        var before = await _editor.SnapshotAsync();

        await ErrorsNamingAsync(await _editor.PostAsJsonAsync("/v1/standards", new { key = "new-one", designation = $"NEW{c} 1", category = "caliber", title = $"STANAG 4172 {c}TERCES" }),
            named, "designation", "title");
        await ErrorsNamingAsync(await _editor.PostAsJsonAsync($"/v1/standards/{Key}/versions", new
        {
            title = $"t{c}",
            summary = $"s{c}",
            body = $"b{c}",
            classification = "NU",
            attributes = new { boreMm = 5.56, caseLengthMm = 44.7, cartridge = $"5.56{c}mm" },
        }), named, "title", "summary", "body", "attributes.cartridge");
        await ErrorsNamingAsync(await _editor.PostAsJsonAsync($"/v1/standards/{Key}/versions/2/withdraw", new { reason = $"r{c}" }), named, "reason");
        await ErrorsNamingAsync(await _authority.PutAsJsonAsync($"/v1/standards/{Key}/versions/2/releases/EU", new { reason = $"r{c}" }), named, "reason");
        await ErrorsNamingAsync(await _authority.DeleteAsync($"/v1/standards/{Key}/versions/2/releases/EU?reason={Uri.EscapeDataString($"r{c}")}"), named, "reason");
        await ErrorsNamingAsync(await _editor.PutAsJsonAsync($"/v1/standards/{Key}/versions/2/responses/FRA",
            new { response = "ratified-with-reservations", reservation = $"r{c}", implementingDocument = $"d{c}", classification = "NU" }),
            named, "reservation", "implementingDocument");
        await ErrorsNamingAsync(await _authority.PutAsJsonAsync($"/v1/standards/{Key}/versions/2/responses/FRA/releases/EU", new { reason = $"r{c}" }), named, "reason");
        await ErrorsNamingAsync(await _editor.PutAsJsonAsync($"/v1/standards/{Key}/preferred", new { rationale = $"r{c}" }), named, "rationale");
        await ErrorsNamingAsync(await _editor.PutAsync($"/v1/standards/{Key}/equivalents/ISO/{Uri.EscapeDataString($"90{c}01")}", null), named, "identifier");

        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    /// <summary>
    /// A line break or a tab has no place in a one-line field (a designation, a title, an identifier, an implementing
    /// document, an attribute's text): it is refused there by name and code point, and kept in multi-line text.
    /// </summary>
    [Theory]
    [InlineData(0x09)]
    [InlineData(0x0A)]
    [InlineData(0x0D)]
    [InlineData(0x2028)]
    [InlineData(0x2029)]
    public async Task LineBreaksAndTabsAreRefusedInOneLineFieldsNamingTheCodePoint(int codePoint)
    {
        var c = char.ConvertFromUtf32(codePoint);
        var named = $"U+{codePoint:X4}";
        var before = await _editor.SnapshotAsync();

        await ErrorsNamingAsync(await _editor.PostAsJsonAsync("/v1/standards", new { key = "new-one", designation = $"NEW{c}1", category = "caliber", title = $"STANAG 4172{c}NATO UNCLASSIFIED" }),
            named, "designation", "title");
        var draft = await _editor.PostAsJsonAsync($"/v1/standards/{Key}/versions", new
        {
            title = $"t{c}t",
            summary = $"s{c}s",
            body = $"b{c}b",
            classification = "NU",
            attributes = new { boreMm = 5.56, caseLengthMm = 44.7, cartridge = $"5.56{c}mm" },
        });
        await ErrorsNamingAsync(draft, named, "title", "attributes.cartridge");
        var errors = (await draft.JsonAsync())["errors"]!.AsObject();
        Assert.False(errors.ContainsKey("summary") || errors.ContainsKey("body"), errors.ToJsonString());
        await ErrorsNamingAsync(await _editor.PutAsJsonAsync($"/v1/standards/{Key}/versions/2/responses/FRA",
            new { response = "ratified", implementingDocument = $"d{c}d", classification = "NU" }), named, "implementingDocument");
        await ErrorsNamingAsync(await _editor.PutAsync($"/v1/standards/{Key}/equivalents/ISO/{Uri.EscapeDataString($"90{c}01")}", null), named, "identifier");

        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    /// <summary>A 400 whose errors name each of <paramref name="fields"/> with a message naming <paramref name="named"/>.</summary>
    private static async Task ErrorsNamingAsync(HttpResponseMessage response, string named, params string[] fields)
    {
        var body = await ProblemAsync(response, HttpStatusCode.BadRequest);
        foreach (var field in fields)
        {
            Assert.True(body["errors"]?[field]?.AsArray().Any(m => m!.GetValue<string>().Contains(named, StringComparison.Ordinal)) == true,
                $"Expected errors['{field}'] naming {named} in {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {body.ToJsonString()}");
        }
    }

    [Writes]
    [Fact]
    public async Task SqlMetacharactersInEveryStringFieldAreStoredAndReturnedVerbatim()
    {
        // The key sorts after stanag-1 on purpose: a standard with no edition in force sorting first breaks the editor's
        // list for an unrelated reason (see WorkflowTests.TheEditorsListShowsAStandardWithoutAnEditionInForceBesideOnesWithOne).
        const string Nasty = "x'); DROP TABLE versions; -- \" \\ % _ ; /* */ ` é €";
        var created = await _editor.PostAsJsonAsync("/v1/standards", new { key = "z-nasty", designation = Nasty, category = "comms-protocol", title = Nasty });
        await RegistryClient.Expect(created, HttpStatusCode.Created);
        var draft = await _editor.PostAsJsonAsync("/v1/standards/z-nasty/versions", new
        {
            title = Nasty,
            summary = Nasty,
            body = Nasty,
            classification = "NU",
            attributes = new { layer = "transport", transport = Nasty },
        });
        await RegistryClient.Expect(draft, HttpStatusCode.Created);
        await _editor.PublishAsync("z-nasty", 1);
        await RegistryClient.Expect(await _authority.PutAsJsonAsync("/v1/standards/z-nasty/versions/1/releases/EU", new { reason = Nasty }), HttpStatusCode.Created);
        await RegistryClient.Expect(await _authority.DeleteAsync($"/v1/standards/z-nasty/versions/1/releases/EU?reason={Uri.EscapeDataString(Nasty)}"), HttpStatusCode.OK);
        await _editor.WithdrawAsync("z-nasty", 1, Nasty);

        var standard = await _editor.GetJsonAsync("/v1/standards/z-nasty");
        Assert.Equal(Nasty, standard["designation"]!.GetValue<string>());
        Assert.Equal(Nasty, standard["title"]!.GetValue<string>());
        var version = await _editor.GetJsonAsync("/v1/standards/z-nasty/versions/1");
        Assert.Equal(Nasty, version["title"]!.GetValue<string>());
        Assert.Equal(Nasty, version["summary"]!.GetValue<string>());
        Assert.Equal(Nasty, version["body"]!.GetValue<string>());
        Assert.Equal(Nasty, version["attributes"]!["transport"]!.GetValue<string>());
        Assert.Equal(Nasty, version["withdrawalReason"]!.GetValue<string>());
        var release = JsonNode.Parse(await _editor.GetStringAsync("/v1/standards/z-nasty/versions/1/releases"))!.AsArray().Single()!;
        Assert.Equal(Nasty, release["reason"]!.GetValue<string>());
        Assert.Equal(Nasty, release["revocationReason"]!.GetValue<string>());

        // Nothing was dropped or widened: the other standard and its editions are still there, and only as they were.
        Assert.Equal(new[] { Key, "z-nasty" }, (await _editor.GetJsonAsync("/v1/standards"))["items"]!.AsArray().Select(s => s!["key"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(3, (await _editor.GetJsonAsync($"/v1/standards/{Key}/versions"))["items"]!.AsArray().Count);
        Assert.Equal(["z-nasty"], await SearchAsync(_editor, "DROP TABLE versions"));
    }

    // ---------------------------------------------------------------- nothing answers 5xx

    [Fact]
    public async Task NoBadRequestIsAnsweredWithAServerError()
    {
        var before = await _editor.SnapshotAsync();
        var nato = _app.As(TestCaller.NatoReader("NR"));
        var eu = _app.As(TestCaller.Eu("CTS"));
        var readers = new[] { _anonymous, _editor, nato, eu };
        var etag = (await _editor.GetAsync($"/v1/standards/{Key}/versions/3")).Headers.ETag!.Tag;

        var reads = new List<string>
        {
            "/v1/standards?limit=", "/v1/standards?limit=0", "/v1/standards?limit=-2147483649", "/v1/standards?limit=%00",
            "/v1/standards?limit=1&limit=2", "/v1/standards?cursor=", "/v1/standards?cursor=%00", "/v1/standards?cursor=%F0%9F%92%A3",
            "/v1/standards?cursor=====", "/v1/standards?cursor=c3RhbmRhcmRzOg", "/v1/standards?cursor=c3RhbmRhcmRzOiUnIC0t",
            "/v1/standards?category=", "/v1/standards?category=%00", "/v1/standards?category=caliber&category=radio-band",
            "/v1/standards?q=", "/v1/standards?q=%20", "/v1/standards?q=%00", "/v1/standards?q=" + new string('q', 101),
            "/v1/standards?q=" + new string('%', 100), "/v1/standards?q=%F0%9F%92%A3", "/v1/standards?q=%ED%A0%80", "/v1/standards?q=a&q=b",
            "/v1/standards?q=%25%27%20--&category=caliber&limit=100", "/v1/standards?unknown=1",
            "/v1/standards?covers=-1.7976931348623157e308", "/v1/standards?overlaps=-1e308,1", "/v1/standards?covers=1.7976931348623157e308",
            "/v1/standards/%20", "/v1/standards/%F0%9F%92%A3", "/v1/standards/" + new string('k', 5000),
            "/v1/standards/..%2F..%2Fetc%2Fpasswd", "/v1/standards/%2e%2e", 
            $"/v1/standards/{Key}/versions/%20",
            $"/v1/standards/{Key}/versions/+1", $"/v1/standards/{Key}/versions/%2B1", $"/v1/standards/{Key}/versions/01",
            $"/v1/standards/{Key}/versions/2147483647", $"/v1/standards/{Key}/versions/2147483648", $"/v1/standards/{Key}/versions/-2147483648",
            $"/v1/standards/{Key}/versions/%D9%A1", $"/v1/standards/{Key}/versions/NaN", $"/v1/standards/{Key}/versions/Infinity",
            $"/v1/standards/{Key}/versions?limit=100&cursor=dmVyc2lvbnM6", $"/v1/standards/{Key}/versions?cursor=dmVyc2lvbnM6Mi41",
            $"/v1/standards/{Key}/versions/1/releases", $"/v1/standards/{Key}/versions/abc/releases", $"/v1/standards/{Key}/versions/2147483647/releases",
        };

        var failures = new List<string>();
        foreach (var url in reads)
        {
            foreach (var reader in readers)
            {
                await Check(reader, new HttpRequestMessage(HttpMethod.Get, url));
            }
        }

        var writes = new List<(HttpClient Client, Func<HttpRequestMessage> Request)>
        {
            (_editor, () => Send(HttpMethod.Post, "/v1/standards", "")),
            (_editor, () => Send(HttpMethod.Post, "/v1/standards", "null")),
            (_editor, () => Send(HttpMethod.Post, "/v1/standards", "[]")),
            (_editor, () => Send(HttpMethod.Post, "/v1/standards", "\"text\"")),
            (_editor, () => Send(HttpMethod.Post, "/v1/standards", "{\"key\":\"a\",\"key\":\"b\",\"designation\":\"A\",\"category\":\"caliber\",\"title\":\"T\",\"title\":5}")),
            (_editor, () => Send(HttpMethod.Post, "/v1/standards", new string('[', 10_000))),
            (_editor, () => Send(HttpMethod.Post, "/v1/standards", "{\"key\":\"a b\",\"designation\":\"A\",\"category\":\"caliber\",\"title\":\"\\uD800\"}")),
            (_editor, () => Send(HttpMethod.Post, "/v1/standards", "{\"key\":\"a b\",\"designation\":\"A\",\"category\":\"caliber\",\"title\":\"\\u0000\"}")),
            (_editor, () => Send(HttpMethod.Post, "/v1/standards", "{\"key\":\"x' OR '1'='1\",\"designation\":\"' OR 1=1 --\",\"category\":\"caliber' --\",\"title\":\"%\"}")),
            (_editor, () => Send(HttpMethod.Post, "/v1/standards", "{\"key\":\"good-key\"}", "text/plain")),
            (_editor, () => Send(HttpMethod.Post, "/v1/standards", "key=good-key", "application/x-www-form-urlencoded")),
            (_editor, () => Send(HttpMethod.Post, "/v1/standards", "{\"key\":\"good-key\"}", "application/xml")),
            (_editor, () => Send(HttpMethod.Post, $"/v1/standards/{Key}/versions", "")),
            (_editor, () => Send(HttpMethod.Post, $"/v1/standards/{Key}/versions", "{\"title\":\"t\",\"classification\":\"NU\",\"attributes\":null}")),
            (_editor, () => Send(HttpMethod.Post, $"/v1/standards/{Key}/versions", "{\"title\":\"t\",\"classification\":\"NU\",\"attributes\":{\"boreMm\":1e400,\"caseLengthMm\":1,\"cartridge\":\"x\"}}")),
            (_editor, () => Send(HttpMethod.Post, $"/v1/standards/{Key}/versions", "{\"title\":\"t\",\"classification\":\"NU\",\"attributes\":{\"boreMm\":-0,\"caseLengthMm\":1,\"cartridge\":\"x\"}}")),
            (_editor, () => Send(HttpMethod.Post, $"/v1/standards/{Key}/versions", "{\"title\":\"t\",\"classification\":\"NU\",\"attributes\":{\"boreMm\":{\"a\":1},\"caseLengthMm\":[1],\"cartridge\":5}}")),
            (_editor, () => Send(HttpMethod.Post, $"/v1/standards/{Key}/versions", "{\"title\":\"t\",\"classification\":\"NU\",\"attributes\":" + Nest(40) + "}")),
            (_editor, () => Send(HttpMethod.Post, $"/v1/standards/{Key}/versions", "{\"title\":\"t\",\"classification\":\"CTS' --\",\"attributes\":{}}")),
            (_editor, () => Send(HttpMethod.Put, $"/v1/standards/{Key}/versions/3", DraftJson(), ifMatch: "garbage")),
            (_editor, () => Send(HttpMethod.Put, $"/v1/standards/{Key}/versions/3", DraftJson(), ifMatch: "W/" + etag)),
            (_editor, () => Send(HttpMethod.Put, $"/v1/standards/{Key}/versions/3", DraftJson(), ifMatch: "\"" + new string('x', 10_000) + "\"")),
            (_editor, () => Send(HttpMethod.Put, $"/v1/standards/{Key}/versions/3", "{\"title\":5}", ifMatch: etag)),
            (_editor, () => Send(HttpMethod.Put, $"/v1/standards/{Key}/versions/99", DraftJson(), ifMatch: etag)),
            (_editor, () => Send(HttpMethod.Post, $"/v1/standards/{Key}/versions/99/publish", null)),
            (_editor, () => Send(HttpMethod.Post, $"/v1/standards/{Key}/versions/2147483647/publish", null)),
            (_editor, () => Send(HttpMethod.Post, $"/v1/standards/{Key}/versions/99/publish", "{\"unexpected\":true}")),
            (_editor, () => Send(HttpMethod.Post, $"/v1/standards/{Key}/versions/3/withdraw", "{\"reason\":\"draft\"}")),
            (_editor, () => Send(HttpMethod.Post, $"/v1/standards/{Key}/versions/2/withdraw", "")),
            (_editor, () => Send(HttpMethod.Post, $"/v1/standards/{Key}/versions/2/withdraw", "{\"reason\":[\"a\"]}")),
            (_authority, () => Send(HttpMethod.Put, $"/v1/standards/{Key}/versions/2/releases/EU", "")),
            (_authority, () => Send(HttpMethod.Put, $"/v1/standards/{Key}/versions/2/releases/EU", "{\"reason\":\"r\",\"effectiveFrom\":\"9999-12-31T23:59:59Z\"}")),
            (_authority, () => Send(HttpMethod.Put, $"/v1/standards/{Key}/versions/2/releases/EU", "{\"reason\":\"r\",\"effectiveFrom\":\"0001-01-01T00:00:00Z\"}")),
            (_authority, () => Send(HttpMethod.Put, $"/v1/standards/{Key}/versions/2/releases/EU", "{\"reason\":\"r\",\"effectiveFrom\":\"2024-13-45T99:99:99Z\"}")),
            (_authority, () => Send(HttpMethod.Put, $"/v1/standards/{Key}/versions/2/releases/eu", "{\"reason\":\"r\"}")),
            (_authority, () => Send(HttpMethod.Put, $"/v1/standards/{Key}/versions/2/releases/NATO", "{\"reason\":\"r\"}")),
            (_authority, () => Send(HttpMethod.Put, $"/v1/standards/{Key}/versions/3/releases/EU", "{\"reason\":\"r\"}")),
            (_authority, () => Send(HttpMethod.Put, $"/v1/standards/{Key}/versions/99/releases/EU", "{\"reason\":\"r\"}")),
            (_authority, () => Send(HttpMethod.Delete, $"/v1/standards/{Key}/versions/2/releases/%25", null)),
            (_authority, () => Send(HttpMethod.Delete, $"/v1/standards/{Key}/versions/99/releases/EU", null)),
            (_authority, () => Send(HttpMethod.Delete, $"/v1/standards/{Key}/versions/3/releases/EU?reason=%00", null)),
            (_authority, () => Send(HttpMethod.Delete, $"/v1/standards/{Key}/versions/3/releases/PUBLIC?reason=a&reason=b&reason=%27%20--", null)),
        };
        foreach (var (client, request) in writes)
        {
            await Check(client, request());
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));

        // Of the writes, only the future-dated release to EU of an edition that has one, the revocations and the
        // duplicate-key create could have changed anything; none of them may have.
        Assert.Equal(before, await _editor.SnapshotAsync());

        async Task Check(HttpClient client, HttpRequestMessage request)
        {
            var description = $"{request.Method} {request.RequestUri}";
            HttpResponseMessage response;
            try
            {
                response = await client.SendAsync(request);
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                failures.Add($"{description} threw {e.GetType().Name}: {e.Message}");
                return;
            }
            if ((int)response.StatusCode >= 500)
            {
                failures.Add($"{description} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
            else if ((int)response.StatusCode >= 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                failures.Add($"{description} answered {(int)response.StatusCode} without a problem body ({response.Content.Headers.ContentType})");
            }
        }

        static string Nest(int depth) => new StringBuilder().Insert(0, "{\"a\":", depth).Append('1').Append('}', depth).ToString();
    }


    // ---------------------------------------------------------------- helpers

    private IEnumerable<(HttpClient Client, HttpRequestMessage Request)> EditionRoutes(string edition)
    {
        var nato = _app.As(TestCaller.NatoReader("CTS"));
        yield return (_anonymous, new HttpRequestMessage(HttpMethod.Get, $"/v1/standards/{Key}/versions/{edition}"));
        yield return (_editor, new HttpRequestMessage(HttpMethod.Get, $"/v1/standards/{Key}/versions/{edition}"));
        yield return (_anonymous, new HttpRequestMessage(HttpMethod.Get, $"/v1/standards/{Key}/versions/{edition}/label"));
        yield return (_editor, new HttpRequestMessage(HttpMethod.Put, $"/v1/standards/{Key}/versions/{edition}")
        {
            Content = Json(DraftJson()),
            Headers = { IfMatch = { new EntityTagHeaderValue("\"anything\"") } },
        });
        yield return (_editor, new HttpRequestMessage(HttpMethod.Post, $"/v1/standards/{Key}/versions/{edition}/publish"));
        yield return (_editor, new HttpRequestMessage(HttpMethod.Post, $"/v1/standards/{Key}/versions/{edition}/withdraw") { Content = Json("""{"reason":"Obsolete."}""") });
        yield return (nato, new HttpRequestMessage(HttpMethod.Get, $"/v1/standards/{Key}/versions/{edition}/releases"));
        yield return (_authority, new HttpRequestMessage(HttpMethod.Put, $"/v1/standards/{Key}/versions/{edition}/releases/EU") { Content = Json("""{"reason":"Needed."}""") });
        yield return (_authority, new HttpRequestMessage(HttpMethod.Delete, $"/v1/standards/{Key}/versions/{edition}/releases/EU"));
    }

    private static HttpRequestMessage Send(HttpMethod method, string url, string? body, string mediaType = "application/json", string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, mediaType);
        }
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }
        return request;
    }

    private Task<HttpResponseMessage> PutDraftAsync(int edition, object draft, string etag) => PutDraftAsync(Key, edition, draft, etag);

    private Task<HttpResponseMessage> PutDraftAsync(string key, int edition, object draft, string etag) =>
        _editor.SendAsync(new HttpRequestMessage(HttpMethod.Put, $"/v1/standards/{key}/versions/{edition}")
        {
            Content = JsonContent.Create(draft),
            Headers = { IfMatch = { EntityTagHeaderValue.Parse(etag) } },
        });

    private static object Draft(string title = "A draft", string classification = "NU", string summary = "A summary.", string body = "The body.") =>
        new { title, summary, body, classification, attributes = RegistryClient.AttributesFor("caliber") };

    private static string DraftJson(string body = "The body.") =>
        System.Text.Json.JsonSerializer.Serialize(Draft(body: body), RegistryClient.Json);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    private static async Task<string[]> SearchAsync(HttpClient client, string q) =>
        (await client.GetJsonAsync($"/v1/standards?limit=100&q={Uri.EscapeDataString(q)}"))["items"]!.AsArray()
            .Select(s => s!["key"]!.GetValue<string>()).ToArray();

    /// <summary>A body sent without a Content-Length (chunked), as a streaming client would.</summary>
    private sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            for (var offset = 0; offset < bytes.Length; offset += 16 * 1024)
            {
                await stream.WriteAsync(bytes.AsMemory(offset, Math.Min(16 * 1024, bytes.Length - offset)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
