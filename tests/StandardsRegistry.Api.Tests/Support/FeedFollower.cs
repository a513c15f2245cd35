using System.Net;
using System.Text.Json.Nodes;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// A consuming system's local copy, kept as docs/consuming.md tells it to: export once (or start from nothing), then
/// apply the feed in order — an event with its content (<c>version</c>, <c>response</c>, … as its <c>subject</c> says)
/// puts it, one without removes it. Keeps every body it received, so a test can look for what must never be in them.
/// </summary>
public sealed class FeedFollower(HttpClient client, int pageSize = 7)
{
    public Dictionary<(string Key, int Edition), JsonNode> Copy { get; } = [];

    /// <summary>The records other than versions, by <c>"{subject} {ref}"</c>.</summary>
    public Dictionary<string, JsonNode> Records { get; } = new(StringComparer.Ordinal);

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
                // Each event once, in order: its number follows the last one's (a cursor that did not move on repeats it).
                if (Events.Count > 0 && e["sequence"]!.GetValue<long>() <= Events[^1]["sequence"]!.GetValue<long>())
                {
                    Assert.Fail($"GET {url}: event {e["sequence"]} after event {Events[^1]["sequence"]}");
                }
                // An event that shows a record comes with it: one about a record the caller no longer sees is left out
                // (its tombstone follows), not sent bare, which a consumer would apply as the record's removal.
                if (e["type"]!.GetValue<string>() is "visible" or "updated" && e[e["subject"]!.GetValue<string>()] is null)
                {
                    Assert.Fail($"GET {url}: event {e["sequence"]} ({e["type"]} {e["subject"]}) without its record");
                }
                Events.Add(e);
                Apply(e);
            }
            var cursor = page["cursor"]!.GetValue<string>();
            // A page that says more follow moves on, whether or not it kept any event: else a follower reads it forever.
            if (page["hasMore"]!.GetValue<bool>() && cursor == Cursor)
            {
                Assert.Fail($"GET {url}: more follow, but the cursor did not move");
            }
            Cursor = cursor;
            if (!page["hasMore"]!.GetValue<bool>())
            {
                return;
            }
        }
    }

    /// <summary>
    /// Applies one event to the copy: a feed page's, or a webhook delivery's body (the same event), as a receiver does.
    /// </summary>
    public void Apply(JsonObject e)
    {
        var subject = e["subject"]!.GetValue<string>();
        if (subject != "version")
        {
            var name = $"{subject} {e["ref"]!.GetValue<string>()}";
            if (e[subject] is { } record)
            {
                Records[name] = record.DeepClone();
            }
            else
            {
                Records.Remove(name);
            }
            return;
        }
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

    /// <summary>Replaces the copy with an export and takes its cursor.</summary>
    public async Task ExportAsync()
    {
        var response = await client.GetAsync("/v1/export");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /v1/export answered {(int)response.StatusCode}: {body}");
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        Bodies.Add(body);
        Copy.Clear();
        Records.Clear();
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal("end", lines[^1]["type"]!.GetValue<string>());
        Assert.Equal(lines.Count(l => l["type"]!.GetValue<string>() == "version"), lines[^1]["versions"]!.GetValue<int>());
        Assert.Equal(lines.Count - 1, lines[^1]["versions"]!.GetValue<int>() + lines[^1]["records"]!.GetValue<int>());
        foreach (var line in lines[..^1])
        {
            var type = line["type"]!.GetValue<string>();
            if (type != "version")
            {
                Records[$"{type} {line["ref"]!.GetValue<string>()}"] = line[type]!.DeepClone();
                continue;
            }
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

    /// <summary>
    /// Every record other than a version that the read routes show the client now, named as the feed names them: each
    /// visible standard's relations (edges named from their source), equivalents and preferred mark, and each visible
    /// edition's responses (every row of each nation's history the client sees). <paramref name="nation"/>: the client
    /// speaks for that nation, and the feed carries its own nation's responses only.
    /// </summary>
    public static async Task<Dictionary<string, JsonNode>> ReadRecordsAsync(HttpClient client, string? nation = null)
    {
        var records = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var key in await PagesAsync(client, "/v1/standards", i => i["key"]!.GetValue<string>()))
        {
            var relations = await client.GetJsonAsync($"/v1/standards/{key}/relations");
            foreach (var edge in relations["outgoing"]!.AsArray())
            {
                var (kind, to) = (edge!["kind"]!.GetValue<string>(), edge["key"]!.GetValue<string>());
                records[$"relation {FeedRefs.Relation(key, kind, to)}"] = new JsonObject { ["from"] = key, ["kind"] = kind, ["to"] = to };
            }
            foreach (var equivalent in relations["equivalents"]!.AsArray())
            {
                var (source, identifier) = (equivalent!["source"]!.GetValue<string>(), equivalent["identifier"]!.GetValue<string>());
                records[$"equivalent {FeedRefs.Equivalent(key, source, identifier)}"] = new JsonObject { ["key"] = key, ["source"] = source, ["identifier"] = identifier };
            }
            if (relations["preferred"] is { } preferred)
            {
                var category = preferred["category"]!.GetValue<string>();
                records[$"preferred {FeedRefs.Preferred(category, key)}"] = new JsonObject { ["category"] = category, ["key"] = key, ["rationale"] = preferred["rationale"]!.GetValue<string>() };
            }
            foreach (var edition in await PagesAsync(client, $"/v1/standards/{key}/versions", i => i["edition"]!.GetValue<int>()))
            {
                var matrix = await client.GetJsonArrayAsync($"/v1/standards/{key}/versions/{edition}/responses");
                foreach (var current in matrix.Select(r => r!["nation"]!.GetValue<string>()).Where(n => nation is null || n == nation))
                {
                    var history = await client.GetJsonArrayAsync($"/v1/standards/{key}/versions/{edition}/responses/{current}");
                    foreach (var row in history)
                    {
                        records[$"response {FeedRefs.Response(key, edition, current, row!["id"]!.GetValue<string>())}"] = row.DeepClone();
                    }
                }
            }
        }
        return records;
    }

    /// <summary>The differences between the records a follower holds and those the read routes show, one line each.</summary>
    public static IEnumerable<string> RecordDifferences(IReadOnlyDictionary<string, JsonNode> held, IReadOnlyDictionary<string, JsonNode> routes)
    {
        foreach (var (name, record) in routes.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (!held.TryGetValue(name, out var copy))
            {
                yield return $"{name} is shown by the read routes but missing from the copy";
            }
            else if (!JsonNode.DeepEquals(copy, record))
            {
                yield return $"{name} differs: copy {copy.ToJsonString()} / routes {record.ToJsonString()}";
            }
        }
        foreach (var name in held.Keys.Where(k => !routes.ContainsKey(k)).Order(StringComparer.Ordinal))
        {
            yield return $"{name} is in the copy but the read routes do not show it";
        }
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
