using System.Text.Json.Nodes;
using StandardsRegistry.Api.Tests.Support;

namespace StandardsRegistry.Api.Tests;

public sealed class OpenApiDocumentTests : IAsyncLifetime
{
    private readonly RegistryApp _app = new();

    public ValueTask InitializeAsync()
    {
        _app.Start();
        return ValueTask.CompletedTask;
    }

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
        }
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

        // Another document name is a 404 problem each time, never kept.
        foreach (var _ in new[] { 1, 2 })
        {
            var unknown = await _app.Anonymous().GetAsync("/openapi/v2.json");
            Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.False(unknown.Headers.Age.HasValue);
        }
    }
}
