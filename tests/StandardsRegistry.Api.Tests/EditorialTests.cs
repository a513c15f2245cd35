using System.Net;
using System.Net.Http.Json;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

public abstract class EditorialTests(TestProvider provider) : IAsyncLifetime
{
    private readonly RegistryApp _app = new(provider: provider);
    private HttpClient _editor = null!;

    public ValueTask InitializeAsync()
    {
        _app.Start();
        _editor = _app.As(TestCaller.Editor());
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Fact]
    public async Task EditorCreatesAStandardAndGetsItsLocation()
    {
        var response = await _editor.PostAsJsonAsync("/v1/standards", new { key = "stanag-4172", designation = "STANAG 4172", category = "caliber", title = "5.56 mm ammunition" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/v1/standards/stanag-4172", response.Headers.Location?.OriginalString);
        var body = await response.JsonAsync();
        Assert.Equal("STANAG 4172", body["designation"]!.GetValue<string>());
        Assert.Equal(0, body["versionCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task DraftsGetConsecutiveEditionsAndPublishingSupersedesTheCurrentOne()
    {
        await _editor.CreateStandardAsync("stanag-1");
        var first = await _editor.CreateDraftAsync("stanag-1");
        await _editor.PublishAsync("stanag-1", first);
        var second = await _editor.CreateDraftAsync("stanag-1");
        await _editor.PublishAsync("stanag-1", second);

        Assert.Equal((1, 2), (first, second));
        var one = await _editor.GetJsonAsync("/v1/standards/stanag-1/versions/1");
        Assert.Equal("superseded", one["status"]!.GetValue<string>());
        Assert.Equal(2, one["supersededBy"]!.GetValue<int>());
        var latest = await _editor.GetJsonAsync("/v1/standards/stanag-1/versions/latest");
        Assert.Equal(2, latest["edition"]!.GetValue<int>());
        Assert.Equal("published", latest["status"]!.GetValue<string>());
    }
}
