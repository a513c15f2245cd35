using System.Text.Json.Nodes;
using StandardsRegistry.Api.Tests.Support;

namespace StandardsRegistry.Api.Tests;

public sealed class OpenApiDocumentTests : IAsyncDisposable
{
    private readonly RegistryApp _app = new();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task<JsonObject> GeneratedAsync() => await _app.Anonymous().GetJsonAsync("/openapi/v1.json");

    [Fact]
    public async Task CommittedDocumentEqualsTheGeneratedOne()
    {
        var committed = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "openapi", "standards-registry.v1.json")));
        var generated = await GeneratedAsync();

        Assert.True(JsonNode.DeepEquals(committed, generated),
            "openapi/standards-registry.v1.json differs from what the code generates: run `dotnet build src/StandardsRegistry.Api -p:UpdateOpenApi=true` and commit the result.");
    }

    [Fact]
    public async Task EveryOperationHasAnIdASummaryAndItsProblemResponses()
    {
        var document = await GeneratedAsync();
        var operations = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(op => (Path: path.Key, Method: op.Key, Operation: op.Value!.AsObject())))
            .ToList();

        Assert.Equal(48, operations.Count);
        foreach (var (path, method, operation) in operations)
        {
            var where = $"{method.ToUpperInvariant()} {path}";
            Assert.False(string.IsNullOrWhiteSpace(operation["operationId"]?.GetValue<string>()), $"{where} has no operationId");
            Assert.False(string.IsNullOrWhiteSpace(operation["summary"]?.GetValue<string>()), $"{where} has no summary");
            var responses = operation["responses"]!.AsObject();
            Assert.Contains(responses, r => r.Key.StartsWith('2'));
            var problems = responses.Where(r => r.Key.StartsWith('4')).ToList();
            Assert.NotEmpty(problems);
            Assert.All(problems, r => Assert.NotNull(r.Value!["content"]?["application/problem+json"]));
            // The headers a client needs are declared where they are sent (ContractRecorder holds every answer to it).
            foreach (var (status, response) in responses)
            {
                var headers = response!["headers"]?.AsObject().Select(h => h.Key).ToHashSet() ?? [];
                Assert.True(headers.Contains("Registry-Request-Id"), $"{where} -> {status} does not declare Registry-Request-Id");
                Assert.True(status is not ("429" or "503") || headers.Contains("Retry-After"), $"{where} -> {status} does not declare Retry-After");
                Assert.True(status is not ("201" or "307") || headers.Contains("Location"), $"{where} -> {status} does not declare Location");
            }
        }
        var components = document["components"]!["headers"]!.AsObject();
        Assert.All(components, h => Assert.True(h.Value!["required"]!.GetValue<bool>(), $"{h.Key} is declared only where it is always sent"));
    }

    [Fact]
    public async Task SwaggerUiIsServedAndPointsAtTheDocument()
    {
        var client = _app.Anonymous();
        var page = await client.GetStringAsync("/swagger/index.html");
        var settings = await client.GetStringAsync("/swagger/index.js");

        Assert.Contains("swagger-ui", page, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("/openapi/v1.json", settings, StringComparison.Ordinal);
    }

    /// <summary>
    /// Swagger UI is served under the catalogue page's Content-Security-Policy: nothing from another origin, no inline
    /// script or style, and no other site may frame it (<c>frame-ancestors 'none'</c>), on the address a reader types
    /// (<c>/swagger</c>, which redirects) as on the page itself. The page needs nothing the policy refuses: its HTML
    /// loads every script and style from files of its own origin (index.js holds its settings), with nothing inline.
    /// </summary>
    [Theory]
    [InlineData("/swagger")]
    [InlineData("/swagger/")]
    [InlineData("/swagger/index.html")]
    public async Task SwaggerUiIsServedUnderAPolicyThatAllowsOnlyItsOwnFilesAndNoFraming(string path)
    {
        var client = _app.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.GetAsync(path);

        Assert.True(response.IsSuccessStatusCode || (int)response.StatusCode is >= 300 and < 400, $"{path} answered {(int)response.StatusCode}");
        var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        foreach (var directive in new[] { "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'" })
        {
            Assert.Contains(directive, policy, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("unsafe-", policy, StringComparison.Ordinal);
        Assert.Equal("no-referrer", string.Join(",", response.Headers.GetValues("Referrer-Policy")));
        if (response.IsSuccessStatusCode)
        {
            var html = await response.Content.ReadAsStringAsync();
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            // What the policy would refuse: a script without src, a style element or attribute, an inline handler.
            Assert.DoesNotMatch(@"(?i)<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=", html);
        }
    }

    [Fact]
    public async Task TheDocumentIsGeneratedOnceAndServedAlikeToEveryCaller()
    {
        var first = await _app.Anonymous().GetAsync("/openapi/v1.json");
        var again = await _app.As(TestCaller.Editor("CTS")).GetAsync("/openapi/v1.json");
        var head = await _app.As(TestCaller.Eu("NS")).SendAsync(new HttpRequestMessage(HttpMethod.Head, "/openapi/v1.json"));

        Assert.Equal(System.Net.HttpStatusCode.OK, first.StatusCode);
        Assert.False(first.Headers.Age.HasValue, "the first answer is generated");
        // The output cache marks what it serves with Age: a token does not bypass it, nor does HEAD.
        Assert.True(again.Headers.Age.HasValue, "the second answer, with a token, is the kept one");
        Assert.True(head.Headers.Age.HasValue, "HEAD is answered from the kept one");
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());

        // Nor does a Host header of the caller's choosing: the document names its server itself, and keyed by host every
        // made-up name was generated anew (and kept, 330 KB each), so an anonymous caller cycling names paid the cost
        // the kept document exists to spare, at will.
        foreach (var host in new[] { "other.example", "registry.example:8443", "127.0.0.1" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json");
            request.Headers.Host = host;
            using var elsewhere = await _app.Anonymous().SendAsync(request);
            Assert.Equal(System.Net.HttpStatusCode.OK, elsewhere.StatusCode);
            Assert.True(elsewhere.Headers.Age.HasValue, $"Host: {host} is answered from the kept one");
            Assert.Equal(await first.Content.ReadAsStringAsync(), await elsewhere.Content.ReadAsStringAsync());
        }

        // Another document name is a 404 problem each time, never kept.
        foreach (var _ in new[] { 1, 2 })
        {
            var unknown = await _app.Anonymous().GetAsync("/openapi/v2.json");
            Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.False(unknown.Headers.Age.HasValue);
        }
    }
}
