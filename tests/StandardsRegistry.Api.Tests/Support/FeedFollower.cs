using System.Net;
using System.Text.Json.Nodes;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// A consuming system's local copy, kept as docs/consuming.md tells it to: export once (or start from nothing), then
/// apply the feed in order — an event with <c>version</c> puts it, one without removes it. Keeps every body it
/// received, so a test can look for what must never be in them.
/// </summary>
public sealed class FeedFollower(HttpClient client, int pageSize = 7)
{
    public Dictionary<(string Key, int Edition), JsonNode> Copy { get; } = [];

    public string? Cursor { get; private set; }

    public List<string> Bodies { get; } = [];

    public List<JsonObject> Events { get; } = [];

    /// <summary>Starts from a copy made elsewhere (an export read by the test itself) and its cursor.</summary>
    public void Resume(string cursor, IEnumerable<JsonNode> versions)
    {
        Copy.Clear();
        foreach (var version in versions)
        {
            Copy[(version["key"]!.GetValue<string>(), version["edition"]!.GetValue<int>())] = version.DeepClone();
        }
        Cursor = cursor;
    }

    /// <summary>Reads the feed from the cursor to its end, applying each event.</summary>
    public async Task FollowAsync()
    {
        while (true)
        {
            var url = Cursor is null ? $"/v1/feed?limit={pageSize}" : $"/v1/feed?limit={pageSize}&cursor={Cursor}";
            var response = await client.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url} answered {(int)response.StatusCode}: {body}");
            Bodies.Add(body);
            var page = JsonNode.Parse(body)!.AsObject();
            foreach (var e in page["events"]!.AsArray().Select(e => e!.AsObject()))
            {
                Events.Add(e);
                var at = (e["key"]!.GetValue<string>(), e["edition"]!.GetValue<int>());
                if (e["version"] is { } version)
                {
                    Copy[at] = version.DeepClone();
                }
                else
                {
                    Copy.Remove(at);
                }
            }
            Cursor = page["cursor"]!.GetValue<string>();
            if (!page["hasMore"]!.GetValue<bool>())
            {
                return;
            }
        }
    }

    /// <summary>Replaces the copy with an export and takes its cursor.</summary>
    public async Task ExportAsync()
    {
        var response = await client.GetAsync("/v1/export");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /v1/export answered {(int)response.StatusCode}: {body}");
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        Bodies.Add(body);
        Copy.Clear();
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal("end", lines[^1]["type"]!.GetValue<string>());
        Assert.Equal(lines.Count - 1, lines[^1]["versions"]!.GetValue<int>());
        foreach (var line in lines[..^1])
        {
            Assert.Equal("version", line["type"]!.GetValue<string>());
            var version = line["version"]!;
            Copy[(version["key"]!.GetValue<string>(), version["edition"]!.GetValue<int>())] = version.DeepClone();
        }
        Cursor = lines[^1]["cursor"]!.GetValue<string>();
        Assert.Equal(Cursor, response.Headers.GetValues("Feed-Cursor").Single());
    }

    /// <summary>Every version the read routes return to the client now: the standards list, each version list, each edition.</summary>
    public static async Task<Dictionary<(string Key, int Edition), JsonNode>> ReadRoutesAsync(HttpClient client)
    {
        var state = new Dictionary<(string, int), JsonNode>();
        foreach (var key in await PagesAsync(client, "/v1/standards", i => i["key"]!.GetValue<string>()))
        {
            foreach (var edition in await PagesAsync(client, $"/v1/standards/{key}/versions", i => i["edition"]!.GetValue<int>()))
            {
                state[(key, edition)] = await client.GetJsonAsync($"/v1/standards/{key}/versions/{edition}");
            }
        }
        return state;
    }

    private static async Task<List<T>> PagesAsync<T>(HttpClient client, string path, Func<JsonNode, T> item)
    {
        var all = new List<T>();
        string? cursor = null;
        do
        {
            var page = await client.GetJsonAsync(cursor is null ? $"{path}?limit=100" : $"{path}?limit=100&cursor={cursor}");
            all.AddRange(page["items"]!.AsArray().Select(i => item(i!)));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        return all;
    }

    /// <summary>The differences between a copy and the read routes, one line each; empty when they are equal.</summary>
    public static IEnumerable<string> Differences(IReadOnlyDictionary<(string Key, int Edition), JsonNode> copy, IReadOnlyDictionary<(string Key, int Edition), JsonNode> routes)
    {
        foreach (var (at, version) in routes.OrderBy(r => r.Key))
        {
            if (!copy.TryGetValue(at, out var held))
            {
                yield return $"{at.Key}/{at.Edition} is returned by the read routes but missing from the copy";
            }
            else if (!JsonNode.DeepEquals(held, version))
            {
                yield return $"{at.Key}/{at.Edition} differs: copy {held.ToJsonString()} / routes {version.ToJsonString()}";
            }
        }
        foreach (var at in copy.Keys.Where(k => !routes.ContainsKey(k)).Order())
        {
            yield return $"{at.Key}/{at.Edition} is in the copy but the read routes do not return it";
        }
    }
}
