using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using StandardsRegistry.Api.Http;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>The registry's write calls as the tests make them; each asserts the call succeeded.</summary>
public static class RegistryClient
{
    public static async Task CreateStandardAsync(this HttpClient editor, string key, string category = "caliber", string? title = null)
    {
        var response = await editor.PostAsJsonAsync("/v1/standards", new { key, designation = key.ToUpperInvariant(), category, title = title ?? $"Title of {key}" });
        await Expect(response, HttpStatusCode.Created);
    }

    public static async Task<int> CreateDraftAsync(this HttpClient editor, string key, string classification = "NU", string? title = null, string category = "caliber",
        string body = "The body.")
    {
        var response = await editor.PostAsJsonAsync($"/v1/standards/{key}/versions", new
        {
            title = title ?? $"{key} draft",
            summary = "A summary.",
            body,
            classification,
            attributes = AttributesFor(category),
        });
        await Expect(response, HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["edition"]!.GetValue<int>();
    }

    public static async Task PublishAsync(this HttpClient editor, string key, int edition) =>
        await Expect(await editor.PostAsync($"/v1/standards/{key}/versions/{edition}/publish", null), HttpStatusCode.OK);

    public static async Task WithdrawAsync(this HttpClient editor, string key, int edition, string reason = "No longer valid.") =>
        await Expect(await editor.PostAsJsonAsync($"/v1/standards/{key}/versions/{edition}/withdraw", new { reason }), HttpStatusCode.OK);

    public static async Task ReleaseAsync(this HttpClient authority, string key, int edition, string audience, DateTimeOffset? effectiveFrom = null)
    {
        var response = await authority.PutAsJsonAsync($"/v1/standards/{key}/versions/{edition}/releases/{audience}", new { reason = "Needed by the audience.", effectiveFrom });
        await Expect(response, HttpStatusCode.Created);
    }

    public static async Task RevokeAsync(this HttpClient authority, string key, int edition, string audience) =>
        await Expect(await authority.DeleteAsync($"/v1/standards/{key}/versions/{edition}/releases/{audience}?reason=test"), HttpStatusCode.OK);

    /// <summary>
    /// Each of <see cref="CapabilityTableTests.Targets"/> recorded for <paramref name="cycle"/> (201 each), marked
    /// <paramref name="classification"/>: a cycle whose table can be published.
    /// </summary>
    public static async Task RecordTargetsAsync(this HttpClient planner, int cycle, string classification, string? france = null)
    {
        foreach (var (nation, capability, horizon, quantity) in CapabilityTableTests.Targets)
        {
            await Expect(await planner.PutAsJsonAsync($"/v1/capability-targets/{cycle}/{nation}/{capability}/{horizon}",
                new { quantity, classification = nation == "FRA" ? france ?? classification : classification }), HttpStatusCode.Created);
        }
    }

    /// <summary>
    /// <c>PUT /v1/capability-tables/{cycle}/{audience}</c>: the cycle's table published to the audience, marked
    /// <paramref name="classification"/>; the answer unchecked, for a test that expects a refusal or sends it in flight.
    /// </summary>
    public static Task<HttpResponseMessage> PutTableAsync(this HttpClient authority, int cycle, string audience, string classification) =>
        authority.PutAsJsonAsync($"/v1/capability-tables/{cycle}/{audience}", new { classification });

    /// <summary>The cycle's table published to the audience (201): the table as the answer gives it.</summary>
    public static async Task<JsonObject> PublishTableAsync(this HttpClient authority, int cycle, string audience, string classification)
    {
        var response = await authority.PutTableAsync(cycle, audience, classification);
        await Expect(response, HttpStatusCode.Created);
        return await response.JsonAsync();
    }

    public static async Task RevokeTableAsync(this HttpClient authority, int cycle, string audience) =>
        await Expect(await authority.DeleteAsync($"/v1/capability-tables/{cycle}/{audience}"), HttpStatusCode.NoContent);

    /// <summary>Valid attributes for a category.</summary>
    public static object AttributesFor(string category) => category switch
    {
        "caliber" => new { boreMm = 5.56, caseLengthMm = 44.7, cartridge = "5.56x45mm" },
        "radio-band" => new { lowMHz = 225.0, highMHz = 400.0 },
        "comms-protocol" => new { layer = "transport", transport = "UDP/IP" },
        "data-link" => new { messageFormat = "J-series", dataRateKbps = 115.2 },
        _ => throw new ArgumentOutOfRangeException(nameof(category)),
    };

    public static async Task<JsonObject> JsonAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    public static async Task<JsonObject> GetJsonAsync(this HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        await Expect(response, HttpStatusCode.OK);
        return await response.JsonAsync();
    }

    public static async Task<JsonArray> GetJsonArrayAsync(this HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        await Expect(response, HttpStatusCode.OK);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray();
    }

    /// <summary>
    /// The webhook subscription <paramref name="id"/> as <paramref name="admin"/> reads it, once
    /// <paramref name="condition"/> holds (within 20 s, else the test fails saying what it waited for). A receiver sees a
    /// delivery before the dispatcher records it: what the subscription shows of it is waited for, never raced.
    /// </summary>
    public static async Task<JsonObject> WaitForSubscriptionAsync(this HttpClient admin, string id, Func<JsonObject, bool> condition, string what)
    {
        JsonObject? state = null;
        await Wait.UntilAsync(async () => condition(state = await admin.GetJsonAsync($"/v1/subscriptions/{id}")), TimeSpan.FromSeconds(20),
            () => $"{what}; the subscription reads {state?.ToJsonString()}");
        return state!;
    }

    /// <summary>
    /// The audit entries <c>/v1/audit?{query}</c> answers on its first page, once <paramref name="until"/> holds for them
    /// (within 10 s; then as they are, for the test's assertions to say what is missing). A content read answered 200
    /// is committed before its answer; anything else is queued, so it is waited for, never raced.
    /// </summary>
    public static async Task<List<JsonObject>> AuditEntriesAsync(this HttpClient admin, string query, Func<List<JsonObject>, bool> until)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var entries = (await admin.GetJsonAsync($"/v1/audit?{query}"))["items"]!.AsArray().Select(e => e!.AsObject()).ToList();
            if (until(entries) || DateTime.UtcNow > deadline)
            {
                return entries;
            }
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Every item of a paged list (<paramref name="url"/> with its query, <c>limit</c> among it), its pages followed by
    /// their <c>nextCursor</c> to the end.
    /// </summary>
    public static async Task<List<JsonObject>> EveryItemAsync(this HttpClient client, string url)
    {
        var items = new List<JsonObject>();
        string? cursor = null;
        do
        {
            var page = await client.GetJsonAsync(cursor is null ? url : $"{url}&cursor={Uri.EscapeDataString(cursor)}");
            items.AddRange(page["items"]!.AsArray().Select(e => e!.AsObject()));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        return items;
    }

    /// <summary>
    /// Every entry of the audit trail, oldest first, once it holds the entry of every request answered before this call.
    /// Entries other than a content read's 200 are queued when their answer starts, and the writer writes them in the
    /// order queued; so the trail is read again until it holds the entry of a query this call made after them (found by
    /// the <c>Registry-Request-Id</c> it was answered with): waited for, never raced, within 10 s.
    /// </summary>
    public static async Task<List<JsonObject>> SettledAuditTrailAsync(this HttpClient admin)
    {
        var marker = await admin.GetAsync("/v1/audit?limit=1");
        await Expect(marker, HttpStatusCode.OK);
        var markerId = marker.Headers.GetValues(RequestLimits.RequestIdHeader).Single();
        List<JsonObject> entries = [];
        await Wait.UntilAsync(async () => (entries = await admin.EveryItemAsync($"/v1/audit?limit={Limits.MaxPageSize}")).Any(e => (string?)e["requestId"] == markerId),
            TimeSpan.FromSeconds(10), $"the audit trail holding the entry of request {markerId}");
        return entries;
    }

    /// <summary>The subscription once the dispatcher has recorded every delivery it owes (nothing pending).</summary>
    public static Task<JsonObject> WaitUntilNothingPendingAsync(this HttpClient admin, string id, string what = "no delivery pending") =>
        admin.WaitForSubscriptionAsync(id, s => s["pending"]!.GetValue<long>() == 0, what);

    /// <summary>
    /// Everything an editor can read — every standard, edition and release record — as text, so a test can show that
    /// a refused request wrote nothing.
    /// </summary>
    public static async Task<string> SnapshotAsync(this HttpClient editor)
    {
        var snapshot = new System.Text.StringBuilder();
        var standards = await editor.GetJsonAsync("/v1/standards?limit=100");
        Assert.Null(standards["nextCursor"]);
        snapshot.AppendLine(standards.ToJsonString());
        foreach (var standard in standards["items"]!.AsArray())
        {
            var key = standard!["key"]!.GetValue<string>();
            var versions = await editor.GetJsonAsync($"/v1/standards/{key}/versions?limit=100");
            snapshot.AppendLine(versions.ToJsonString());
            foreach (var version in versions["items"]!.AsArray())
            {
                var edition = version!["edition"]!.GetValue<int>();
                snapshot.AppendLine((await editor.GetJsonAsync($"/v1/standards/{key}/versions/{edition}")).ToJsonString());
                snapshot.AppendLine(await editor.GetStringAsync($"/v1/standards/{key}/versions/{edition}/releases"));
            }
        }
        return snapshot.ToString();
    }

    public static async Task Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        if (response.StatusCode != status)
        {
            throw new Xunit.Sdk.XunitException(
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}, expected {(int)status}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}
