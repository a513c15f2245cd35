using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Data;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// Capability targets and the tables published from them, through the service (the engine's own proof is
/// tests/StandardsRegistry.Disclosure.Tests): planners record targets, release authorities publish and revoke, readers
/// read JSON and CSV; raw targets are the standard 404 to every principal outside NATO, byte for byte like a cycle that
/// has none; nothing a non-NATO reader sees (standards, ETags, feed) moves when targets change; a suppressed cell
/// never carries a value.
/// </summary>
public abstract class CapabilityTableTests(TestProvider provider) : IAsyncDisposable
{
    private const int Cycle = 2025;
    private const int Absent = 2031;

    private readonly RegistryApp _app = new RegistryApp(provider: provider, settings: RegistryApp.UnlimitedRate)
        .WithHorizons(2027, 2029);

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private HttpClient Planner(string clearance = "CTS") => _app.As(new TestCaller($"planner-{clearance}@nato", "NATO", clearance, "planner"));

    private HttpClient Industry(string clearance = "NR") => _app.As(new TestCaller($"buyer-{clearance}@industry", "INDUSTRY", clearance, "consumer"));

    /// <summary>Targets with safe cells, a single-nation cell and a dominated one: the table has primary and secondary suppressions.</summary>
    internal static readonly (string Nation, string Capability, int Horizon, long Quantity)[] Targets =
    [
        ("FRA", "ammo-155mm", 2027, 1000), ("DEU", "ammo-155mm", 2027, 900), ("POL", "ammo-155mm", 2027, 800), ("ITA", "ammo-155mm", 2027, 700),
        ("FRA", "ammo-155mm", 2029, 1200), ("DEU", "ammo-155mm", 2029, 1100), ("POL", "ammo-155mm", 2029, 950), ("ITA", "ammo-155mm", 2029, 600),
        ("USA", "ammo-120mm", 2027, 5000),
        ("USA", "ammo-120mm", 2029, 4000), ("GBR", "ammo-120mm", 2029, 30), ("FRA", "ammo-120mm", 2029, 20),
        ("FRA", "radio-vhf", 2027, 300), ("DEU", "radio-vhf", 2027, 250), ("NLD", "radio-vhf", 2027, 280), ("BEL", "radio-vhf", 2027, 260),
    ];

    private async Task RecordAsync(HttpClient planner, string nation, string capability, int horizon, long quantity, string classification = "NS", HttpStatusCode status = HttpStatusCode.Created, int cycle = Cycle)
    {
        var response = await planner.PutAsJsonAsync($"/v1/capability-targets/{cycle}/{nation}/{capability}/{horizon}", new { quantity, classification });
        await RegistryClient.Expect(response, status);
    }

    /// <param name="france">France's targets' marking, when not <paramref name="classification"/>.</param>
    private Task RecordAllAsync(string classification = "NS", int cycle = Cycle, string? france = null) =>
        Planner().RecordTargetsAsync(cycle, classification, france);

    /// <summary>An export read by <paramref name="client"/> holds the records the follower holds and stands where its feed does.</summary>
    private static async Task AssertExportIsWhereTheFeedIsAsync(HttpClient client, FeedFollower follower)
    {
        var mirror = new FeedFollower(client);
        await mirror.ExportAsync();
        Assert.Equal(follower.Records.Keys, mirror.Records.Keys);
        Assert.Equal(follower.Cursor, mirror.Cursor);
    }

    /// <summary>
    /// A target without its quantity, or with one out of range, is a 400 naming it beside every other problem of the
    /// request, and records nothing (the handler reads the quantity validation let through: without the check, a 500).
    /// </summary>
    [Fact]
    public async Task ATargetWithoutItsQuantityIsRefusedByNameAndRecordsNothing()
    {
        var planner = Planner();
        var url = $"/v1/capability-targets/{Cycle}/FRA/ammo-155mm/2027";
        await ProblemAssertions.ErrorsAsync(await planner.PutAsJsonAsync(url, new { classification = "NS" }), "quantity");
        await ProblemAssertions.ErrorsAsync(await planner.PutAsJsonAsync(url, new { quantity = (long?)null, classification = "NS" }), "quantity");
        await ProblemAssertions.ErrorsAsync(await planner.PutAsJsonAsync(url, new { quantity = -1, classification = "secret" }), "quantity", "classification");
        Assert.Empty(await planner.GetJsonArrayAsync($"/v1/capability-targets/{Cycle}"));
    }

    [Fact]
    public async Task PlannersRecordAuthoritiesPublishAndIndustryReadsSuppressedCellsMarkedNeverValued()
    {
        await RecordAllAsync();
        var planner = Planner();
        // The same figure again is no revision; a changed one is, and the list shows the current one.
        await RecordAsync(planner, "ITA", "ammo-155mm", 2027, 700, status: HttpStatusCode.OK);
        await RecordAsync(planner, "ITA", "ammo-155mm", 2027, 750, status: HttpStatusCode.OK);
        var listed = await planner.GetJsonArrayAsync($"/v1/capability-targets/{Cycle}");
        Assert.Equal(Targets.Length, listed.Count);
        Assert.Equal(750, listed.Single(t => t!["nation"]!.GetValue<string>() == "ITA" && t["horizon"]!.GetValue<int>() == 2027)!["quantity"]!.GetValue<long>());
        // A NATO reader below the targets' marking sees none of them, and may not preview the cycle.
        Assert.Empty(await _app.As(TestCaller.NatoReader("NC")).GetJsonArrayAsync($"/v1/capability-targets/{Cycle}"));
        await ProblemAssertions.ProblemAsync(await _app.As(TestCaller.NatoReader("NC")).GetAsync($"/v1/capability-targets/{Cycle}/preview"), HttpStatusCode.NotFound);

        var preview = await planner.GetJsonAsync($"/v1/capability-targets/{Cycle}/preview?audience=INDUSTRY");
        Assert.True(preview["releasable"]!.GetValue<bool>());
        var statuses = preview["rows"]!.AsArray().ToDictionary(c => $"{c!["row"]}/{c["column"]}", c => c!["status"]!.GetValue<string>());
        Assert.Equal("primary", statuses["ammo-120mm/2027"]);
        Assert.Contains("secondary", statuses.Values);
        var values = preview["rows"]!.AsArray().ToDictionary(c => $"{c!["row"]}/{c["column"]}", c => c!["value"]!.GetValue<long>());
        Assert.Equal(1000 + 900 + 800 + 750, values["ammo-155mm/2027"]);
        Assert.Contains("published", statuses.Values);
        Assert.DoesNotContain("minContributors", preview.ToJsonString(), StringComparison.OrdinalIgnoreCase);

        var authority = _app.As(TestCaller.ReleaseAuthority());
        // The table's marking must fit the audience's accreditation (INDUSTRY: NR).
        await ProblemAssertions.ProblemAsync(await authority.PutTableAsync(Cycle, "INDUSTRY", "NC"), HttpStatusCode.UnprocessableEntity);
        await authority.PublishTableAsync(Cycle, "INDUSTRY", "NR");
        await ProblemAssertions.ProblemAsync(await authority.PutTableAsync(Cycle, "INDUSTRY", "NR"), HttpStatusCode.Conflict);

        var industry = Industry();
        Assert.Single(await industry.GetJsonArrayAsync("/v1/capability-tables"));
        var table = await industry.GetJsonAsync($"/v1/capability-tables/{Cycle}/INDUSTRY");
        Assert.Null(table["publishedBy"]);
        var cells = table["cells"]!.AsArray();
        Assert.Equal(statuses.Count, cells.Count);
        foreach (var cell in cells)
        {
            var key = $"{cell!["row"]}/{cell["column"]}";
            var suppressed = cell["suppressed"]!.GetValue<bool>();
            Assert.Equal(statuses[key] != "published", suppressed);
            Assert.Equal(suppressed, cell["value"] is null);
            if (!suppressed)
            {
                Assert.Equal(values[key], cell["value"]!.GetValue<long>());
            }
        }

        var csv = await industry.GetAsync($"/v1/capability-tables/{Cycle}/INDUSTRY?format=csv");
        await RegistryClient.Expect(csv, HttpStatusCode.OK);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("row,column,value,suppressed", lines[0]);
        Assert.Equal(cells.Count, lines.Length - 1);
        foreach (var line in lines.Skip(1))
        {
            var fields = line.Split(',');
            Assert.Equal(statuses[$"{fields[0]}/{fields[1]}"] != "published" ? ",true" : ",false", "," + fields[3]);
            Assert.Equal(fields[3] == "true", fields[2].Length == 0);
            Assert.True(fields[3] == "true" || values[$"{fields[0]}/{fields[1]}"].ToString(System.Globalization.CultureInfo.InvariantCulture) == fields[2], line);
        }
        await ProblemAssertions.ProblemAsync(await industry.GetAsync($"/v1/capability-tables/{Cycle}/INDUSTRY?format=xml"), HttpStatusCode.BadRequest, "format");
        // The CSV is a representation of its own: its strong tag is not the JSON's, and revalidating with it answers 304.
        var jsonTag = (await industry.GetAsync($"/v1/capability-tables/{Cycle}/INDUSTRY")).Headers.ETag;
        var csvTag = csv.Headers.ETag!;
        Assert.NotEqual(jsonTag, csvTag);
        // Marked as an edition is, in the headers: the CSV has no field for the marking, so without them a table of NATO
        // RESTRICTED figures left as an unmarked file (until 2026-12-07). The 304 carries them too; a 404 none.
        const string labelHeader = "policy=\"NATO\", classification=\"NATO RESTRICTED\"";
        var labelLink = $"</v1/capability-tables/{Cycle}/INDUSTRY/label>; rel=\"describedby\"; type=\"application/xml\"";
        var asJson = await industry.GetAsync($"/v1/capability-tables/{Cycle}/INDUSTRY");
        foreach (var marked in new[] { csv, asJson })
        {
            Assert.Equal(labelHeader, string.Join(",", marked.Headers.GetValues("Confidentiality-Label")));
            Assert.Equal(labelLink, string.Join(",", marked.Headers.GetValues("Link")));
        }
        using (var revalidate = new HttpRequestMessage(HttpMethod.Get, $"/v1/capability-tables/{Cycle}/INDUSTRY?format=csv") { Headers = { IfNoneMatch = { csvTag } } })
        {
            var notModified = await industry.SendAsync(revalidate);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
            Assert.Equal(labelHeader, string.Join(",", notModified.Headers.GetValues("Confidentiality-Label")));
        }
        var absent = await industry.GetAsync($"/v1/capability-tables/{Cycle + 1}/INDUSTRY?format=csv");
        Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);
        Assert.False(absent.Headers.Contains("Confidentiality-Label"));
        Assert.False(absent.Headers.Contains("Link"));

        // The table's STANAG 4774 label: its marking as the reader's scheme shows it, released to its audience.
        var label = await LabelAsync(industry, $"/v1/capability-tables/{Cycle}/INDUSTRY/label");
        Assert.Equal(HttpStatusCode.OK, label.Status);
        var labelJson = JsonNode.Parse(label.Body)!;
        Assert.Equal($"/v1/capability-tables/{Cycle}/INDUSTRY", labelJson["resource"]!.GetValue<string>());
        var information = labelJson["originatorConfidentialityLabel"]!["confidentialityInformation"]!;
        Assert.Equal("NATO", information["policyIdentifier"]!.GetValue<string>());
        Assert.Equal(table["marking"]!.GetValue<string>(), information["classification"]!.GetValue<string>());
        Assert.Equal("NATO RESTRICTED", information["classification"]!.GetValue<string>());
        Assert.Equal("""[{"tagName":"Releasable To","type":"PERMISSIVE","genericValues":["INDUSTRY"]}]""", information["categories"]!.ToJsonString());
        Assert.Empty(labelJson["alternativeConfidentialityLabels"]!.AsArray());
        using (var xml = await industry.GetAsync($"/v1/capability-tables/{Cycle}/INDUSTRY/label"))
        {
            await RegistryClient.Expect(xml, HttpStatusCode.OK);
            Assert.Equal("application/xml", xml.Content.Headers.ContentType!.MediaType);
            Assert.Contains("<slab:Classification>NATO RESTRICTED</slab:Classification>", await xml.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        // Audited as a label read of that table (a content read: its entry is committed before the label is sent).
        var audited = (await _app.As(TestCaller.Admin()).GetJsonAsync("/v1/audit?subject=buyer-NR@industry&limit=100"))["items"]!.AsArray();
        Assert.Equal(2, audited.Count(e => (string?)e!["action"] == "label.read" && (int?)e["status"] == 200 && (string?)e["detail"] == $"cycle={Cycle} audience=INDUSTRY"));

        // The EU was given nothing; another audience's table is the standard 404.
        var eu = _app.As(TestCaller.Eu("CTS"));
        Assert.Empty(await eu.GetJsonArrayAsync("/v1/capability-tables"));
        Assert.Equal(await (await eu.GetAsync($"/v1/capability-tables/{Absent}/EU")).Content.ReadAsStringAsync(),
            await (await eu.GetAsync($"/v1/capability-tables/{Cycle}/INDUSTRY")).Content.ReadAsStringAsync());
        // Its label likewise: hidden is absent, byte for byte, whatever the reader's clearance.
        var hiddenLabel = await LabelAsync(eu, $"/v1/capability-tables/{Cycle}/INDUSTRY/label");
        Assert.Equal(HttpStatusCode.NotFound, hiddenLabel.Status);
        Assert.Equal(await LabelAsync(eu, $"/v1/capability-tables/{Absent}/INDUSTRY/label"), hiddenLabel);
        Assert.Equal(await LabelAsync(eu, $"/v1/capability-tables/{Cycle}/EU/label"), hiddenLabel);
        // Acceptability is decided before the table is looked up: a label nobody can have is 406 alike, shown or hidden.
        async Task<string> NotAcceptableAsync(HttpClient client)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/capability-tables/{Cycle}/INDUSTRY/label");
            request.Headers.Accept.ParseAdd("text/csv");
            using var answer = await client.SendAsync(request);
            return $"{(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}";
        }
        Assert.StartsWith("406 ", await NotAcceptableAsync(industry), StringComparison.Ordinal);
        Assert.Equal(await NotAcceptableAsync(industry), await NotAcceptableAsync(eu));

        // Revoked: gone for industry, kept for NATO as revoked; published again from the same figures, the same table.
        await authority.RevokeTableAsync(Cycle, "INDUSTRY");
        await ProblemAssertions.ProblemAsync(await industry.GetAsync($"/v1/capability-tables/{Cycle}/INDUSTRY"), HttpStatusCode.NotFound);
        Assert.Empty(await industry.GetJsonArrayAsync("/v1/capability-tables"));
        Assert.Equal("revoked", (await authority.GetJsonAsync($"/v1/capability-tables/{Cycle}/INDUSTRY"))["state"]!.GetValue<string>());
        Assert.Equal(await LabelAsync(industry, $"/v1/capability-tables/{Absent}/INDUSTRY/label"), await LabelAsync(industry, $"/v1/capability-tables/{Cycle}/INDUSTRY/label"));
        var revokedLabel = JsonNode.Parse((await LabelAsync(authority, $"/v1/capability-tables/{Cycle}/INDUSTRY/label")).Body)!;
        Assert.Empty(revokedLabel["originatorConfidentialityLabel"]!["confidentialityInformation"]!["categories"]!.AsArray());
        await authority.PublishTableAsync(Cycle, "INDUSTRY", "NR");
        Assert.Equal(cells.ToJsonString(), (await industry.GetJsonAsync($"/v1/capability-tables/{Cycle}/INDUSTRY"))["cells"]!.ToJsonString());

        // Revised after release: the revoked and the active table stay known to the audit, so the cycle is refused,
        // with a problem that names no cell, value or rule.
        await authority.RevokeTableAsync(Cycle, "INDUSTRY");
        await RecordAsync(planner, "USA", "ammo-120mm", 2027, 5100, status: HttpStatusCode.OK);
        var refused = await ProblemAssertions.ProblemAsync(await authority.PutTableAsync(Cycle, "INDUSTRY", "NR"), HttpStatusCode.UnprocessableEntity);
        var detail = refused["detail"]!.GetValue<string>();
        Assert.DoesNotContain("ammo", detail, StringComparison.Ordinal);
        Assert.DoesNotMatch("[0-9]", detail);
        await ProblemAssertions.ProblemAsync(await industry.GetAsync($"/v1/capability-tables/{Cycle}/INDUSTRY"), HttpStatusCode.NotFound);
    }

    /// <summary>
    /// A cycle's table revoked and published again to the same audience: the table of that cycle and audience is the
    /// new one, to every reader, NATO's too (which reads the revoked one in its list, marked revoked), as JSON and as
    /// its label. (Read as the first table of the pair, NATO read the revoked table as the cycle's.)
    /// </summary>
    [Fact]
    public async Task ATablePublishedAgainAfterItsRevocationIsTheTableOfItsCycleAndAudienceToEveryReader()
    {
        await RecordAllAsync();
        var authority = _app.As(TestCaller.ReleaseAuthority());
        var first = await authority.PublishTableAsync(Cycle, "INDUSTRY", "NR");
        await authority.RevokeTableAsync(Cycle, "INDUSTRY");
        var second = await authority.PublishTableAsync(Cycle, "INDUSTRY", "NR");
        Assert.NotEqual(first["id"]!.GetValue<string>(), second["id"]!.GetValue<string>());

        foreach (var reader in new[] { authority, _app.As(TestCaller.NatoReader("NR")), Industry() })
        {
            var table = await reader.GetJsonAsync($"/v1/capability-tables/{Cycle}/INDUSTRY");
            Assert.Equal(second["id"]!.GetValue<string>(), table["id"]!.GetValue<string>());
            Assert.Equal("active", table["state"]!.GetValue<string>());
            var label = JsonNode.Parse((await LabelAsync(reader, $"/v1/capability-tables/{Cycle}/INDUSTRY/label")).Body)!;
            Assert.Equal("""[{"tagName":"Releasable To","type":"PERMISSIVE","genericValues":["INDUSTRY"]}]""",
                label["originatorConfidentialityLabel"]!["confidentialityInformation"]!["categories"]!.ToJsonString());
        }
        Assert.Equal(["revoked", "active"], (await authority.GetJsonArrayAsync("/v1/capability-tables")).Select(t => t!["state"]!.GetValue<string>()));
        _app.AssertNoServerErrorsOrContractViolations();
    }

    private static async Task<(HttpStatusCode Status, string? ContentType, string Body)> LabelAsync(HttpClient client, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue("application/json"));
        using var answer = await client.SendAsync(request);
        return (answer.StatusCode, answer.Content.Headers.ContentType?.ToString(), await answer.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// A table's publication announces the releases due first, as every other write does: the feed keeps the order in
    /// which things became true. It did not (its write skipped the announcement), so an INDUSTRY reader's feed put the
    /// table, published after an edition's release took effect, before that release, its time going backwards.
    /// </summary>
    [Fact]
    public async Task ATableOfTargetsInTheHundredsOfBillionsIsPublished()
    {
        // Ammunition targets run to hundreds of millions of rounds and more (up to 10¹² a figure), and a nation's small
        // target among them is sensitive with a level of a fraction of a round. Until 2026-12-07 such a table found no
        // secondary suppression and the audit refused it: 422 for every publication.
        var planner = Planner();
        foreach (var (nation, _, horizon, quantity) in Targets.Where(t => t.Capability == "ammo-155mm"))
        {
            await RecordAsync(planner, nation, "ammo-155mm", horizon, quantity * 100_000_000);
            if (horizon == 2027) await RecordAsync(planner, nation, "ammo-120mm", horizon, quantity * 100_000_000 + 1);
        }
        await RecordAsync(planner, "USA", "ammo-120mm", 2029, 7);
        var preview = await planner.GetJsonAsync($"/v1/capability-targets/{Cycle}/preview?audience=INDUSTRY");
        Assert.True(preview["releasable"]!.GetValue<bool>());
        var statuses = preview["rows"]!.AsArray().Select(c => c!["status"]!.GetValue<string>()).ToList();
        Assert.Contains("primary", statuses);
        Assert.Contains("secondary", statuses);
        await _app.As(TestCaller.ReleaseAuthority()).PublishTableAsync(Cycle, "INDUSTRY", "NR");
        var table = await Industry().GetJsonAsync($"/v1/capability-tables/{Cycle}/INDUSTRY");
        Assert.Contains(table["cells"]!.AsArray(), cell => cell!["value"] is null);
    }

    [Fact]
    public async Task ATablePublishedAfterAReleaseTookEffectFollowsItInTheFeed()
    {
        await using var app = new RegistryApp(provider: provider, settings: RegistryApp.UnlimitedRate).WithHorizons(2027, 2029)
            .With("Webhooks:PollInterval", "01:00:00");
        var dispatcher = app.Dispatcher;
        var editor = app.As(TestCaller.Editor());
        var authority = app.As(TestCaller.ReleaseAuthority());
        var planner = app.As(new TestCaller("planner-CTS@nato", "NATO", "CTS", "planner"));
        await planner.RecordTargetsAsync(Cycle, "NS");
        await editor.CreateStandardAsync("stanag-4001");
        await editor.PublishAsync("stanag-4001", await editor.CreateDraftAsync("stanag-4001"));
        await authority.ReleaseAsync("stanag-4001", 1, "INDUSTRY", app.Clock.GetUtcNow().AddMinutes(10));
        // The dispatcher's first run (at start) is over; the next is an hour away: nothing announces the release but the table's write.
        await Wait.UntilAsync(() => dispatcher.RunsEnded >= 1, TimeSpan.FromSeconds(20), "the dispatcher's first run");

        app.Clock.Advance(TimeSpan.FromMinutes(11));
        await authority.PublishTableAsync(Cycle, "INDUSTRY", "NR");

        var industry = new FeedFollower(app.As(new TestCaller("buyer-NR@industry", "INDUSTRY", "NR", "consumer")));
        await industry.FollowAsync();
        Assert.Equal(["version", "table"], industry.Events.Select(e => e["subject"]!.GetValue<string>()));
        var times = industry.Events.Select(e => e["occurredAt"]!.GetValue<DateTimeOffset>()).ToList();
        Assert.True(times[0] <= times[1], $"occurredAt goes backwards: {string.Join(", ", times)}");
    }

    [Fact]
    public async Task RawTargetsAreTheStandard404OutsideNatoAndNothingANonNatoReaderSeesMovesUntilATableIsPublished()
    {
        var editor = _app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("cap-std");
        var edition = await editor.CreateDraftAsync("cap-std", "NU");
        await editor.PublishAsync("cap-std", edition);
        var authority = _app.As(TestCaller.ReleaseAuthority());
        await authority.ReleaseAsync("cap-std", edition, "INDUSTRY");
        await authority.ReleaseAsync("cap-std", edition, "EU");

        // INDUSTRY is an audience like the EU: a standard released to it is in its readers' list, with no new code.
        Assert.Contains("cap-std", await Industry().GetStringAsync("/v1/standards"), StringComparison.Ordinal);

        var outsiders = GeneratedEditions.Readers().Where(r => !r.Nato).ToList();
        async Task<string> ViewsAsync()
        {
            var views = new System.Text.StringBuilder();
            foreach (var reader in outsiders)
            {
                var client = reader.Client(_app);
                foreach (var url in new[] { "/v1/standards", "/v1/feed", "/v1/capability-tables" })
                {
                    using var response = await client.GetAsync(url);
                    views.Append(reader.Name).Append(' ').Append(url).Append(' ').Append((int)response.StatusCode).Append(' ')
                        .Append(response.Headers.ETag).Append(await response.Content.ReadAsStringAsync()).AppendLine();
                }
            }
            return views.ToString();
        }
        async Task<Dictionary<string, string>> RawAsync(Reader reader, int cycle)
        {
            var client = reader.Client(_app);
            var answers = new Dictionary<string, string>();
            foreach (var url in new[] { $"/v1/capability-targets/{cycle}", $"/v1/capability-targets/{cycle}/preview", $"/v1/capability-targets/{cycle}/preview?audience=INDUSTRY" })
            {
                using var response = await client.GetAsync(url);
                answers[url.Replace(cycle.ToString(System.Globalization.CultureInfo.InvariantCulture), "{cycle}", StringComparison.Ordinal)] =
                    $"{(int)response.StatusCode} {response.Content.Headers.ContentType} {await response.Content.ReadAsStringAsync()}";
            }
            return answers;
        }

        var before = await ViewsAsync();
        await RecordAllAsync();
        await RecordAsync(Planner(), "FRA", "radio-vhf", 2027, 310, status: HttpStatusCode.OK);
        await RecordAsync(Planner(), "FRA", "radio-hf", 2029, 40, classification: "NU");
        Assert.Equal(before, await ViewsAsync());

        var checkedReaders = 0;
        foreach (var reader in GeneratedEditions.Readers())
        {
            var present = await RawAsync(reader, Cycle);
            var absent = await RawAsync(reader, Absent);
            if (reader.Nato)
            {
                Assert.StartsWith("200", present[$"/v1/capability-targets/{{cycle}}"], StringComparison.Ordinal);
                continue;
            }
            checkedReaders++;
            Assert.Equal(absent, present);
            Assert.All(present.Values, answer => Assert.StartsWith("404 application/problem+json", answer, StringComparison.Ordinal));
        }
        Assert.True(checkedReaders >= 13, $"{checkedReaders} readers outside NATO");

        // Published: industry's table list and feed change; nothing the EU or the public sees does.
        await authority.PublishTableAsync(Cycle, "INDUSTRY", "NU");
        var after = await ViewsAsync();
        Assert.NotEqual(before, after);
        var changed = after.Split('\n').Except(before.Split('\n')).ToList();
        Assert.All(changed, line => Assert.StartsWith("INDUSTRY/", line, StringComparison.Ordinal));
        Assert.All(changed, line => Assert.True(line.Contains(" /v1/capability-tables ", StringComparison.Ordinal) || line.Contains(" /v1/feed ", StringComparison.Ordinal), line));
        Assert.Contains(changed, line => line.Contains(" /v1/feed ", StringComparison.Ordinal));
    }

    /// <summary>
    /// A published table goes through the change feed and the export like a version: its audience's readers (within the
    /// table's marking) get it as a <c>table</c> record with its cells, suppressed ones marked; a revocation is its
    /// tombstone; NATO readers see it within their clearance, revoked or not; every other reader's feed and export never
    /// mention it. A follower that applies the feed holds what the tables routes answer.
    /// </summary>
    [Fact]
    public async Task APublishedTableIsARecordOfItsAudiencesFeedAndExportAndItsRevocationATombstone()
    {
        await RecordAllAsync();
        var authority = _app.As(TestCaller.ReleaseAuthority());
        var industry = new FeedFollower(Industry());
        var lowIndustry = new FeedFollower(Industry("NU"));
        var eu = new FeedFollower(_app.As(TestCaller.Eu("CTS")));
        var nato = new FeedFollower(_app.As(TestCaller.NatoReader("NR")));
        var natoLow = new FeedFollower(_app.As(TestCaller.NatoReader("NU")));
        var followers = new[] { industry, lowIndustry, eu, nato, natoLow };
        async Task FollowAllAsync()
        {
            foreach (var follower in followers)
            {
                await follower.FollowAsync();
            }
        }

        await authority.PublishTableAsync(Cycle, "INDUSTRY", "NR");
        await FollowAllAsync();
        var held = Assert.Single(industry.Records);
        Assert.StartsWith($"table {Cycle}/INDUSTRY/", held.Key, StringComparison.Ordinal);
        var table = await Industry().GetJsonAsync($"/v1/capability-tables/{Cycle}/INDUSTRY");
        Assert.True(JsonNode.DeepEquals(table, held.Value), $"feed {held.Value.ToJsonString()} / route {table.ToJsonString()}");
        Assert.Contains(table["cells"]!.AsArray(), c => c!["suppressed"]!.GetValue<bool>() && c["value"] is null);
        Assert.Empty(lowIndustry.Records);
        Assert.Empty(eu.Records);
        Assert.Empty(natoLow.Records);
        Assert.Equal("active", Assert.Single(nato.Records).Value["state"]!.GetValue<string>());
        Assert.DoesNotContain(eu.Bodies.Concat(lowIndustry.Bodies).Concat(natoLow.Bodies), b => b.Contains("\"table\"", StringComparison.Ordinal));

        // The export carries it, consistent with the feed's position.
        var mirror = new FeedFollower(Industry());
        await mirror.ExportAsync();
        Assert.Equal(industry.Records.Keys, mirror.Records.Keys);
        Assert.Equal(industry.Cursor, mirror.Cursor);

        await authority.RevokeTableAsync(Cycle, "INDUSTRY");
        await FollowAllAsync();
        Assert.Empty(industry.Records);
        Assert.Equal("hidden", industry.Events[^1]["type"]!.GetValue<string>());
        Assert.Null(industry.Events[^1]["table"]);
        Assert.Equal("revoked", Assert.Single(nato.Records).Value["state"]!.GetValue<string>());
        Assert.Equal("updated", nato.Events[^1]["type"]!.GetValue<string>());
        Assert.DoesNotContain(eu.Events, e => e["subject"]!.GetValue<string>() == "table");
        Assert.DoesNotContain(lowIndustry.Events, e => e["subject"]!.GetValue<string>() == "table");
        await mirror.ExportAsync();
        Assert.Empty(mirror.Records);
        Assert.Equal(industry.Cursor, mirror.Cursor);
    }

    [Fact]
    public async Task TargetAndTableRequestsAreRecordedWithTheCycleAndCellAskedForAndTheStatusAnswered()
    {
        await RecordAllAsync();
        var authority = _app.As(TestCaller.ReleaseAuthority());
        var eu = _app.As(TestCaller.Eu("CTS"));
        // Marked below INDUSTRY's ceiling (NR): the entries carry the table's marking, not the audience's.
        await authority.PublishTableAsync(Cycle, "INDUSTRY", "NU");

        await ProblemAssertions.ProblemAsync(await eu.PutAsJsonAsync($"/v1/capability-targets/{Cycle}/FRA/ammo-155mm/2027", new { quantity = 1, classification = "NS" }), HttpStatusCode.Forbidden);
        await ProblemAssertions.ProblemAsync(await eu.GetAsync($"/v1/capability-targets/{Cycle}"), HttpStatusCode.NotFound);
        await ProblemAssertions.ProblemAsync(await eu.GetAsync($"/v1/capability-tables/{Absent}/EU"), HttpStatusCode.NotFound);
        await ProblemAssertions.ProblemAsync(await eu.GetAsync($"/v1/capability-tables/{Absent}/EU/label"), HttpStatusCode.NotFound);
        await ProblemAssertions.ProblemAsync(await eu.PutTableAsync(Absent, "EU", "NU"), HttpStatusCode.Forbidden);
        await RegistryClient.Expect(await authority.GetAsync($"/v1/capability-tables/{Cycle}/INDUSTRY"), HttpStatusCode.OK);
        await authority.RevokeTableAsync(Cycle, "INDUSTRY");
        await ProblemAssertions.ProblemAsync(await authority.DeleteAsync($"/v1/capability-tables/{Cycle}/INDUSTRY"), HttpStatusCode.NotFound);

        // What was asked for is in every entry, refused or not (the cycle is no standard key: it is in the detail); the
        // status is the one answered, the marking that of what was recorded, published or served (none where nothing
        // was). Refusals are queued, so they are waited for.
        var admin = _app.As(TestCaller.Admin());
        var entries = new List<string>();
        await Wait.UntilAsync(
            async () =>
            {
                entries.Clear();
                foreach (var subject in new[] { "consumer-CTS@eu", "ra@nato", "planner-CTS@nato" })
                {
                    entries.AddRange((await admin.GetJsonAsync($"/v1/audit?subject={Uri.EscapeDataString(subject)}&limit=100"))["items"]!.AsArray()
                        .Select(e => $"{e!["action"]} {e["status"]} {e["subject"]} {e["classification"]} {e["detail"]}"));
                }
                return entries.Count >= 9 + Targets.Length;
            },
            TimeSpan.FromSeconds(10),
            () => $"the {9 + Targets.Length} entries of the requests; {entries.Count} are: {string.Join("; ", entries)}");
        Assert.Equal(
            ((string[])
            [
                $"table.publish 201 ra@nato NU cycle={Cycle} audience=INDUSTRY",
                $"target.record 403 consumer-CTS@eu  cycle={Cycle} FRA ammo-155mm 2027",
                $"target.read 404 consumer-CTS@eu  cycle={Cycle}",
                $"table.read 404 consumer-CTS@eu  cycle={Absent} audience=EU",
                $"label.read 404 consumer-CTS@eu  cycle={Absent} audience=EU",
                $"table.publish 403 consumer-CTS@eu  cycle={Absent} audience=EU",
                $"table.read 200 ra@nato NU cycle={Cycle} audience=INDUSTRY",
                $"table.revoke 204 ra@nato  cycle={Cycle} audience=INDUSTRY",
                $"table.revoke 404 ra@nato  cycle={Cycle} audience=INDUSTRY",
                // Each target recorded, with its cell and marking.
                .. Targets.Select(t => $"target.record 201 planner-CTS@nato NS cycle={Cycle} {t.Nation} {t.Capability} {t.Horizon}"),
            ]).Order(StringComparer.Ordinal).Aggregate((a, b) => $"{a}\n{b}"),
            entries.Order(StringComparer.Ordinal).Aggregate((a, b) => $"{a}\n{b}"));
    }

    /// <summary>
    /// A table's targets are the latest rows up to the largest id it saw, so ids must be in commit order: a revision whose
    /// id was allocated before a target the publication saw, but committed after it, was counted among the table's
    /// targets though the table was computed without it. The next cycle's change rule then took DEU's revised figure for
    /// the one the table showed, saw no change, and published the cell: the two tables' difference was DEU's change alone.
    /// (PostgreSQL: the revision is stalled by a lock on its nation's row, which a target record takes before its insert
    /// and a publication takes for every nation, so the publication waits for it.)
    /// </summary>
    [Fact]
    public async Task ATargetCommittedAfterAPublicationIsNeverCountedAmongItsTargets()
    {
        Assert.SkipWhen(provider != TestProvider.Postgres, "a write stalled between its insert and its commit: PostgreSQL");
        await RecordAllAsync();
        var planner = Planner();
        var authority = _app.As(TestCaller.ReleaseAuthority());
        await using var stall = new Npgsql.NpgsqlConnection(_app.ConnectionString);
        await stall.OpenAsync(TestContext.Current.CancellationToken);
        await using var held = await stall.BeginTransactionAsync(TestContext.Current.CancellationToken);
        await using (var lockNation = new Npgsql.NpgsqlCommand("SELECT 1 FROM nations WHERE code = 'DEU' FOR UPDATE", stall, held))
        {
            await lockNation.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        }
        Task UntilWaiting(int writes, Task done) => PostgresLocks.UntilWaitingAsync(_app.ConnectionString, writes, "the writes queued behind the stalled revision", done: done);
        // DEU revises 250 → 400: stalled. ITA revises a target meanwhile, then the cycle is published.
        var revision = RecordAsync(planner, "DEU", "radio-vhf", 2027, 400, status: HttpStatusCode.OK);
        await UntilWaiting(1, revision);
        Assert.False(revision.IsCompleted);
        var other = RecordAsync(planner, "ITA", "ammo-155mm", 2027, 750, status: HttpStatusCode.OK);
        await other;
        var published = authority.PutTableAsync(Cycle, "INDUSTRY", "NR");
        // The publication queues behind the stalled revision (or, were ids allowed out of commit order, it would not).
        await UntilWaiting(2, published);
        await held.RollbackAsync(TestContext.Current.CancellationToken);
        await Task.WhenAll(revision, other);
        await RegistryClient.Expect(await published, HttpStatusCode.Created);

        // The next cycle: the current targets again, nothing changed since.
        foreach (var target in await planner.GetJsonArrayAsync($"/v1/capability-targets/{Cycle}"))
        {
            await RecordAsync(planner, target!["nation"]!.GetValue<string>(), target["capability"]!.GetValue<string>(), target["horizon"]!.GetValue<int>(),
                target["quantity"]!.GetValue<long>(), cycle: Cycle + 1);
        }
        await authority.PublishTableAsync(Cycle + 1, "INDUSTRY", "NR");

        var industry = Industry();
        long? Cell(JsonNode table, string row, string column) =>
            table["cells"]!.AsArray().Single(c => c!["row"]!.GetValue<string>() == row && c["column"]!.GetValue<string>() == column)!["value"]?.GetValue<long>();
        var first = await industry.GetJsonAsync($"/v1/capability-tables/{Cycle}/INDUSTRY");
        var second = await industry.GetJsonAsync($"/v1/capability-tables/{Cycle + 1}/INDUSTRY");
        // Both tables publish the cell only if no single nation's change is their difference.
        if (Cell(first, "radio-vhf", "2027") is { } before && Cell(second, "radio-vhf", "2027") is { } after)
        {
            Assert.True(before == after, $"radio-vhf/2027 published as {before}, then {after}: DEU's change alone");
        }
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// A NATO caller speaking for a nation (a national delegate) is one of the insiders the disclosure audit protects every
    /// other nation against: it reads its own nation's targets only. Another nation's target is to it what a target above
    /// its clearance is to anyone: not listed; a preview (whose true cells sum every nation's targets: a one-nation cell
    /// is that nation's figure) or a publication of a cycle holding one answers as a cycle without targets, byte for byte;
    /// and a planner speaking for a nation records its own nation's targets only (403 from the principal and the URL
    /// alone; recording another's once answered 200 with that nation's row when the guess was right, 201 when it had none,
    /// and overwrote it otherwise).
    /// </summary>
    [Fact]
    public async Task ACallerSpeakingForANationReadsAndRecordsItsOwnNationsTargetsOnly()
    {
        await RecordAllAsync();
        var fra = _app.As(new TestCaller("delegate@fra", "NATO", "CTS", "delegate") { Nation = "FRA" });

        var listed = await fra.GetJsonArrayAsync($"/v1/capability-targets/{Cycle}");
        Assert.Equal(Targets.Count(t => t.Nation == "FRA"), listed.Count);
        Assert.All(listed, t => Assert.Equal("FRA", t!["nation"]!.GetValue<string>()));

        foreach (var query in new[] { "", "?audience=INDUSTRY" })
        {
            using var absent = await fra.GetAsync($"/v1/capability-targets/{Absent}/preview{query}");
            using var preview = await fra.GetAsync($"/v1/capability-targets/{Cycle}/preview{query}");
            await ProblemAssertions.ProblemAsync(preview, HttpStatusCode.NotFound);
            Assert.Equal(await absent.Content.ReadAsStringAsync(), await preview.Content.ReadAsStringAsync());
        }
        var publisher = _app.As(new TestCaller("ra@fra", "NATO", "CTS", "release-authority") { Nation = "FRA" });
        var refused = await ProblemAssertions.ProblemAsync(await publisher.PutTableAsync(Cycle, "INDUSTRY", "NR"), HttpStatusCode.NotFound);
        Assert.Equal(CapabilityStore.NoTargets(Cycle), refused["detail"]!.GetValue<string>());

        // A cycle of its own nation's targets alone it may compute over.
        const int own = Cycle + 2;
        await RecordAsync(Planner(), "FRA", "ammo-155mm", 2027, 10, cycle: own);
        await RegistryClient.Expect(await fra.GetAsync($"/v1/capability-targets/{own}/preview"), HttpStatusCode.OK);

        // A planner speaking for Germany may not record France's target, whether France has one there or not, and
        // learns neither; its own nation's it may.
        var deu = _app.As(new TestCaller("planner@deu", "NATO", "CTS", "planner") { Nation = "DEU" });
        var before = await Planner().GetStringAsync($"/v1/capability-targets/{Cycle}");
        var existing = await ProblemAssertions.ProblemAsync(await deu.PutAsJsonAsync($"/v1/capability-targets/{Cycle}/FRA/ammo-155mm/2027", new { quantity = 1000, classification = "NS" }), HttpStatusCode.Forbidden);
        var none = await ProblemAssertions.ProblemAsync(await deu.PutAsJsonAsync($"/v1/capability-targets/{Cycle}/FRA/radio-hf/2027", new { quantity = 1000, classification = "NS" }), HttpStatusCode.Forbidden);
        Assert.Equal(none["detail"]!.ToJsonString(), existing["detail"]!.ToJsonString());
        Assert.Equal(before, await Planner().GetStringAsync($"/v1/capability-targets/{Cycle}"));
        await RecordAsync(deu, "DEU", "ammo-155mm", 2027, 950, status: HttpStatusCode.OK);
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// A target revised above a reader's clearance leaves the reader's list as it was, byte for byte: the reader reads
    /// each cell's latest row its clearance covers, as it reads the latest edition and the latest national response it
    /// may see, so the revision is to it as one never made. (Until 2026-12-07 the list took each cell's latest row first
    /// and judged it after, so the cell dropped out of the list of a reader cleared below the revision: that told it a
    /// revision above its clearance had been made.) One cleared for the revision reads it as the cell's target.
    /// </summary>
    [Fact]
    public async Task ATargetRevisedAboveAReadersClearanceLeavesItsListAsIfTheRevisionWereNeverMade()
    {
        var planner = Planner();
        await RecordAsync(planner, "FRA", "ammo-155mm", 2027, 1000, "NR");
        await RecordAsync(planner, "DEU", "ammo-155mm", 2027, 900, "NR");
        var url = $"/v1/capability-targets/{Cycle}";
        async Task<(string Body, string? ETag)> ListAsync(HttpClient reader)
        {
            using var response = await reader.GetAsync(url);
            await RegistryClient.Expect(response, HttpStatusCode.OK);
            return (await response.Content.ReadAsStringAsync(), response.Headers.ETag?.Tag);
        }
        var restricted = _app.As(TestCaller.NatoReader("NR"));
        var delegateFra = _app.As(new TestCaller("delegate-nr@fra", "NATO", "NR", "delegate") { Nation = "FRA" });
        var before = (Restricted: await ListAsync(restricted), Delegate: await ListAsync(delegateFra));
        Assert.Equal(2, JsonNode.Parse(before.Restricted.Body)!.AsArray().Count);

        await RecordAsync(planner, "FRA", "ammo-155mm", 2027, 1500, "NS", HttpStatusCode.OK);

        Assert.Equal(before.Restricted, await ListAsync(restricted));
        Assert.Equal(before.Delegate, await ListAsync(delegateFra));
        var secret = JsonNode.Parse((await ListAsync(_app.As(TestCaller.NatoReader("NS")))).Body)!.AsArray();
        var fra = Assert.Single(secret, t => t!["nation"]!.GetValue<string>() == "FRA")!;
        Assert.Equal(1500, fra["quantity"]!.GetValue<long>());
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// NATO reads every audience's tables within its clearance, so one NATO reader cleared for the tables but not for the
    /// targets (tables of NATO RESTRICTED and below, targets NATO SECRET) holds every audience's tables of a cycle
    /// together. Audited each against its own audience's history only, the INDUSTRY table of the cycle and, after Britain
    /// recorded a target, the PUBLIC one differed in every published cell holding that cell by Britain's figure alone
    /// (group:munitions/2027: 8400, then 8900). Every table is audited against every table ever published, whatever its
    /// audience: the same figures publish to a second audience as before; changed ones are refused (the cycle changed
    /// since a table of it was released) or publish nothing that differs.
    /// </summary>
    [Fact]
    public async Task TwoAudiencesTablesOfACycleReadByOneNatoReaderNeverDifferenceOutANationsTarget()
    {
        await RecordAllAsync();
        var authority = _app.As(TestCaller.ReleaseAuthority());
        await authority.PublishTableAsync(Cycle, "INDUSTRY", "NR");
        await authority.PublishTableAsync(Cycle, "EU", "NR");
        await RecordAsync(Planner(), "GBR", "ammo-155mm", 2027, 500);
        using var third = await authority.PutTableAsync(Cycle, "PUBLIC", "NU");
        Assert.True(third.StatusCode is HttpStatusCode.Created or HttpStatusCode.UnprocessableEntity, $"{(int)third.StatusCode} {await third.Content.ReadAsStringAsync()}");

        // A NATO reader cleared NATO RESTRICTED: no target is for it, every table is.
        var reader = _app.As(TestCaller.NatoReader("NR"));
        Assert.Empty(await reader.GetJsonArrayAsync($"/v1/capability-targets/{Cycle}"));
        static Dictionary<string, long?> Cells(JsonNode table) =>
            table["cells"]!.AsArray().ToDictionary(c => $"{c!["row"]}/{c["column"]}", c => c!["value"]?.GetValue<long>());
        var tables = new Dictionary<string, Dictionary<string, long?>>();
        foreach (var audience in new[] { "INDUSTRY", "EU", "PUBLIC" })
        {
            using var answer = await reader.GetAsync($"/v1/capability-tables/{Cycle}/{audience}");
            if (answer.StatusCode == HttpStatusCode.OK)
            {
                tables[audience] = Cells(JsonNode.Parse(await answer.Content.ReadAsStringAsync())!);
            }
        }
        Assert.Equal(third.StatusCode == HttpStatusCode.Created ? 3 : 2, tables.Count);
        foreach (var (audience, cells) in tables)
        {
            foreach (var (key, value) in cells)
            {
                if (value is { } x && tables["INDUSTRY"][key] is { } y)
                {
                    Assert.True(x == y, $"{key} published as {y} to INDUSTRY and {x} to {audience}: GBR's target ({x - y}) to any NATO reader of both");
                }
            }
        }
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// A table's priors are the figures it was computed from (each cell's latest row up to its snapshot), not the cycle's
    /// targets now: a later revision is a change the audit judges against them. Two nations' revisions of a cell the
    /// cycle's table published to INDUSTRY, +50 and −50, leave that cell as it was; a table of the revised figures to
    /// another audience would be the first again, so the nation revising down, seeing the cell unchanged, would read
    /// the other's +50: the audit refuses it. (Priors read from the current targets saw no change, and published it.)
    /// </summary>
    [Fact]
    public async Task ARevisionCancellingInACellOfAPublishedTableIsJudgedAgainstTheFiguresThatTableCameFrom()
    {
        await RecordAllAsync();
        var authority = _app.As(TestCaller.ReleaseAuthority());
        var first = await authority.PublishTableAsync(Cycle, "INDUSTRY", "NR");
        // A published cell of one capability and horizon; two of its nations revise it by +50 and −50.
        var (capability, horizon) = first["cells"]!.AsArray()
            .Where(c => c!["value"] is not null)
            .Select(c => (Capability: c!["row"]!.GetValue<string>(), Column: c["column"]!.GetValue<string>()))
            .Select(c => (c.Capability, Horizon: int.TryParse(c.Column, out var year) ? year : 0))
            .First(c => Targets.Count(t => t.Capability == c.Capability && t.Horizon == c.Horizon) > 1);
        var (up, down) = (Targets.First(t => t.Capability == capability && t.Horizon == horizon), Targets.Last(t => t.Capability == capability && t.Horizon == horizon));
        var planner = Planner();
        await RecordAsync(planner, up.Nation, capability, horizon, up.Quantity + 50, status: HttpStatusCode.OK);
        await RecordAsync(planner, down.Nation, capability, horizon, down.Quantity - 50, status: HttpStatusCode.OK);

        await ProblemAssertions.ProblemAsync(await authority.PutTableAsync(Cycle, "EU", "NR"), HttpStatusCode.UnprocessableEntity);
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// A NATO reader whose clearance covers the targets of several nations of a cycle but not another's knows, from the
    /// raw targets, every figure of a published cell but that nation's: it reads the hidden figure as the cell less what
    /// it knows. The audit protects a nation against one other nation at a time; such a reader is several. Every target
    /// NATO RESTRICTED but France's (NATO SECRET), a NATO RESTRICTED table to INDUSTRY: a reader cleared NATO RESTRICTED
    /// read France's 155 mm figure for 2027 (1000) as the published cell (3400) less Germany's, Poland's and Italy's.
    /// Such a reader reads none of the cycle's tables; one cleared for every target, or for none, or for one nation's
    /// alone (an insider the audit protects against), reads them. The same one level up (every target NATO SECRET but
    /// France's COSMIC TOP SECRET, a reader cleared NATO SECRET): the rule is skipped only for readers cleared to the top
    /// of the scale, and a shortcut taken from NATO SECRET instead was caught only by a seed of the random histories.
    /// </summary>
    [Theory]
    [InlineData("NR", "NS")]
    [InlineData("NS", "CTS")]
    public async Task ANatoReaderClearedForSeveralNationsTargetsButNotAnothersNeverReadsItsFigureOffATable(string others, string franceMarking)
    {
        await RecordAllAsync(others, france: franceMarking);
        await _app.As(TestCaller.ReleaseAuthority()).PublishTableAsync(Cycle, "INDUSTRY", "NR");

        var reader = _app.As(TestCaller.NatoReader(others));
        var known = (await reader.GetJsonArrayAsync($"/v1/capability-targets/{Cycle}"))
            .Select(t => (Nation: t!["nation"]!.GetValue<string>(), Capability: t["capability"]!.GetValue<string>(), Horizon: t["horizon"]!.GetValue<int>(), Quantity: t["quantity"]!.GetValue<long>()))
            .ToList();
        Assert.DoesNotContain(known, t => t.Nation == "FRA");
        Assert.True(known.Select(t => t.Nation).Distinct().Count() > 1);
        using var answer = await reader.GetAsync($"/v1/capability-tables/{Cycle}/INDUSTRY");
        if (answer.StatusCode == HttpStatusCode.OK)
        {
            var table = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!;
            var groups = table["capabilities"]!.AsArray().ToDictionary(c => c!["code"]!.GetValue<string>(), c => c!["group"]!.GetValue<string>());
            var horizons = table["horizons"]!.AsArray().Select(h => h!.GetValue<int>()).ToList();
            foreach (var cell in table["cells"]!.AsArray())
            {
                if (cell!["value"] is not { } value)
                {
                    continue;
                }
                var row = cell["row"]!.GetValue<string>();
                var column = cell["column"]!.GetValue<string>();
                bool Sums(string capability, int horizon) =>
                    groups.ContainsKey(capability)
                    && (row == "total" || row == capability || row == $"group:{groups[capability]}")
                    && (column == "total" || column == horizon.ToString(System.Globalization.CultureInfo.InvariantCulture));
                var france = Targets.Where(t => t.Nation == "FRA" && Sums(t.Capability, t.Horizon)).Sum(t => t.Quantity);
                var rest = known.Where(t => Sums(t.Capability, t.Horizon)).Sum(t => t.Quantity);
                Assert.False(france > 0 && value.GetValue<long>() - rest == france,
                    $"{row}/{column} published as {value} to a reader who knows every figure in it but France's: France's {france}");
            }
        }
        else
        {
            await ProblemAssertions.ProblemAsync(answer, HttpStatusCode.NotFound);
            Assert.Empty(await reader.GetJsonArrayAsync("/v1/capability-tables"));
        }
        // Cleared for every target, or for none of them, a NATO reader reads the table.
        await RegistryClient.Expect(await _app.As(TestCaller.NatoReader(franceMarking)).GetAsync($"/v1/capability-tables/{Cycle}/INDUSTRY"), HttpStatusCode.OK);
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// A table a NATO reader reads none of (its clearance covers several nations' targets of the cycle but not a figure the
    /// table was computed from) is to a release authority so cleared what an absent table is, for revoking it too: it
    /// was revoked (204), which told that authority the table existed, so that a figure above its clearance had been
    /// recorded, and changed what it may not read.
    /// </summary>
    [Fact]
    public async Task ATableHiddenFromAReleaseAuthorityClearedForSeveralNationsButNotAnotherIsNotRevokedByIt()
    {
        await RecordAllAsync("NR", france: "NS");
        await _app.As(TestCaller.ReleaseAuthority()).PublishTableAsync(Cycle, "INDUSTRY", "NR");

        var restricted = _app.As(TestCaller.ReleaseAuthority("NR"));
        await ProblemAssertions.ProblemAsync(await restricted.GetAsync($"/v1/capability-tables/{Cycle}/INDUSTRY"), HttpStatusCode.NotFound);
        var absent = await ProblemAssertions.ProblemAsync(await restricted.DeleteAsync($"/v1/capability-tables/{Absent}/INDUSTRY"), HttpStatusCode.NotFound);
        var hidden = await ProblemAssertions.ProblemAsync(await restricted.DeleteAsync($"/v1/capability-tables/{Cycle}/INDUSTRY"), HttpStatusCode.NotFound);
        Assert.Equal(absent.ToJsonString(), hidden.ToJsonString());
        Assert.Equal("active", (await Industry().GetJsonAsync($"/v1/capability-tables/{Cycle}/INDUSTRY"))["state"]!.GetValue<string>());
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// A table the several-nations rule hides from a NATO reader speaking for no nation is, to that reader's feed, an
    /// event never made: its publication and revocation neither number an event it gets nor move its cursor, and its
    /// export stands where its feed does. They numbered the view's events, so the gap in the reader's sequence told it
    /// that something above its clearance had been published or revoked then. A national delegate of the same
    /// clearance, who reads the table, gets both events.
    /// </summary>
    [Fact]
    public async Task ATableHiddenByTheSeveralNationsRuleLeavesNoGapInTheFeedOfAReaderItIsHiddenFrom()
    {
        await RecordAllAsync("NR", france: "NS");
        var authority = _app.As(TestCaller.ReleaseAuthority());
        var reader = new FeedFollower(_app.As(TestCaller.NatoReader("NR")));
        var delegated = new FeedFollower(_app.As(TestCaller.NatoReader("NR") with { Nation = "DEU" }));
        await reader.FollowAsync();
        await delegated.FollowAsync();
        var cursor = reader.Cursor;

        await authority.PublishTableAsync(Cycle, "INDUSTRY", "NR");
        await authority.RevokeTableAsync(Cycle, "INDUSTRY");
        await reader.FollowAsync();
        await delegated.FollowAsync();
        Assert.Empty(reader.Events);
        Assert.Equal(cursor, reader.Cursor);
        Assert.Equal(["visible", "updated"], delegated.Events.Select(e => e["type"]!.GetValue<string>()));

        // The next table it reads is the first event of its feed, numbered 1, and its export stands at that event.
        const int other = Cycle + 1;
        await RecordAllAsync("NR", other);
        await authority.PublishTableAsync(other, "INDUSTRY", "NR");
        await reader.FollowAsync();
        var only = Assert.Single(reader.Events);
        Assert.Equal(1, only["sequence"]!.GetValue<long>());
        Assert.StartsWith($"table {other}/INDUSTRY/", Assert.Single(reader.Records).Key, StringComparison.Ordinal);
        await AssertExportIsWhereTheFeedIsAsync(_app.As(TestCaller.NatoReader("NR")), reader);
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// The several-nations rule reads every figure a table was computed from, the last target its snapshot names too:
    /// a table whose one figure above a NATO reader's clearance is the cycle's latest target is hidden from that reader
    /// in its feed as on the tables routes: no event of its feed is numbered for it, so its cursor stays where it was,
    /// while a national delegate of the same clearance reads it. (A feed writer that read the figures below the snapshot
    /// only numbered the table for that reader, the page leaving it out: a gap that passed every other test.)
    /// </summary>
    [Fact]
    public async Task ATableWhoseLatestTargetIsItsOnlyFigureAboveAReadersClearanceIsHiddenFromItsFeed()
    {
        await RecordAllAsync("NR");
        await RecordAsync(Planner(), "BEL", "radio-vhf", 2027, 260, "NS", HttpStatusCode.OK);
        var restricted = _app.As(TestCaller.NatoReader("NR"));
        var reader = new FeedFollower(restricted);
        var delegated = new FeedFollower(_app.As(TestCaller.NatoReader("NR") with { Nation = "DEU" }));
        await reader.FollowAsync();
        var cursor = reader.Cursor;

        await _app.As(TestCaller.ReleaseAuthority()).PublishTableAsync(Cycle, "INDUSTRY", "NR");
        await reader.FollowAsync();
        await delegated.FollowAsync();
        Assert.Empty(await restricted.GetJsonArrayAsync("/v1/capability-tables"));
        Assert.Empty(reader.Events);
        Assert.Equal(cursor, reader.Cursor);
        Assert.Equal(["visible"], delegated.Events.Select(e => e["type"]!.GetValue<string>()));
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// The figures a table was computed from are each cell's latest row up to its snapshot, whatever was recorded after:
    /// France's NATO SECRET 155 mm figure for 2027 (1000), revised to 1100 at NATO RESTRICTED once the table was
    /// published, is still a figure of that table above the clearance of a NATO reader cleared NATO RESTRICTED, who knows
    /// every other nation's figure of the cell, so the table stays hidden from it (the cell less the others is the NATO
    /// SECRET 1000). Figures read as each cell's latest row of all dropped the revised cell, and the table was read.
    /// </summary>
    [Fact]
    public async Task ATableStaysHiddenFromANatoReaderWhenTheFigureAboveItsClearanceIsRevisedLowerAfterThePublication()
    {
        await RecordAllAsync("NR", france: "NS");
        await _app.As(TestCaller.ReleaseAuthority()).PublishTableAsync(Cycle, "INDUSTRY", "NR");
        var restricted = _app.As(TestCaller.NatoReader("NR"));
        var reader = new FeedFollower(restricted);
        await reader.FollowAsync();
        var cursor = reader.Cursor;
        foreach (var (nation, capability, horizon, quantity) in Targets.Where(t => t.Nation == "FRA"))
        {
            await RecordAsync(Planner(), nation, capability, horizon, quantity + 100, "NR", HttpStatusCode.OK);
        }

        await ProblemAssertions.ProblemAsync(await restricted.GetAsync($"/v1/capability-tables/{Cycle}/INDUSTRY"), HttpStatusCode.NotFound);
        Assert.Empty(await restricted.GetJsonArrayAsync("/v1/capability-tables"));
        await reader.FollowAsync();
        Assert.Empty(reader.Events);
        Assert.Equal(cursor, reader.Cursor);
        await RegistryClient.Expect(await _app.As(TestCaller.NatoReader("NS")).GetAsync($"/v1/capability-tables/{Cycle}/INDUSTRY"), HttpStatusCode.OK);
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// A target recorded after a table was published can bring a NATO reader's clearance to cover several nations'
    /// targets of the cycle and not every figure of the table: the table is hidden from it from then on. Its feed says
    /// so with a tombstone, numbered in turn, so a follower holds what the tables routes answer; a national delegate's
    /// feed, whose reading of the table the target does not change, gets nothing (the target is no event of any feed).
    /// The table stayed in the follower's copy: the target made no event.
    /// </summary>
    [Fact]
    public async Task ATargetThatHidesAPublishedTableFromANatoReaderIsATombstoneInItsFeed()
    {
        await RecordAllAsync("NS", france: "NR");
        var planner = Planner();
        var authority = _app.As(TestCaller.ReleaseAuthority());
        await authority.PublishTableAsync(Cycle, "INDUSTRY", "NR");
        var restricted = _app.As(TestCaller.NatoReader("NR"));
        var reader = new FeedFollower(restricted);
        var delegated = new FeedFollower(_app.As(TestCaller.NatoReader("NR") with { Nation = "DEU" }));
        await reader.FollowAsync();
        await delegated.FollowAsync();
        Assert.Single(reader.Records);
        Assert.Single(delegated.Records);
        var delegatedCursor = delegated.Cursor;

        // Germany's first figure of the cycle marked NATO RESTRICTED: the reader now knows two nations' targets.
        await RecordAsync(planner, "DEU", "ammo-120mm", 2027, 40, "NR");
        await reader.FollowAsync();
        await delegated.FollowAsync();
        Assert.Empty(await restricted.GetJsonArrayAsync("/v1/capability-tables"));
        Assert.Empty(reader.Records);
        Assert.Equal(["visible", "hidden"], reader.Events.Select(e => e["type"]!.GetValue<string>()));
        Assert.Equal([1L, 2L], reader.Events.Select(e => e["sequence"]!.GetValue<long>()));
        Assert.Equal(delegatedCursor, delegated.Cursor);
        Assert.Single(delegated.Records);

        // Revoked afterwards, the table makes no event the reader gets; another cycle's table is its third event.
        await authority.RevokeTableAsync(Cycle, "INDUSTRY");
        const int other = Cycle + 1;
        await RecordAllAsync("NR", other);
        await authority.PublishTableAsync(other, "INDUSTRY", "NR");
        await reader.FollowAsync();
        await delegated.FollowAsync();
        Assert.Equal([1L, 2L, 3L], reader.Events.Select(e => e["sequence"]!.GetValue<long>()));
        Assert.StartsWith($"table {other}/INDUSTRY/", Assert.Single(reader.Records).Key, StringComparison.Ordinal);
        Assert.Equal(["visible", "updated", "visible"], delegated.Events.Select(e => e["type"]!.GetValue<string>()));
        await AssertExportIsWhereTheFeedIsAsync(restricted, reader);
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// A table published, revoked, then hidden from a NATO reader by a target: a reader that follows its feed from the
    /// start afterwards gets the tombstone alone. The publication's and the revocation's events show a record it no
    /// longer reads, so they are left out (the tombstone says why its numbers start at 3); sent, the revocation's
    /// <c>updated</c> would carry nothing, which a consumer applies as the table's removal.
    /// </summary>
    [Fact]
    public async Task AFollowerFromTheStartOfATableRevokedThenHiddenFromItGetsItsTombstoneAlone()
    {
        await RecordAllAsync("NS", france: "NR");
        var authority = _app.As(TestCaller.ReleaseAuthority());
        await authority.PublishTableAsync(Cycle, "INDUSTRY", "NR");
        await authority.RevokeTableAsync(Cycle, "INDUSTRY");
        await RecordAsync(Planner(), "DEU", "ammo-120mm", 2027, 40, "NR");

        var late = new FeedFollower(_app.As(TestCaller.NatoReader("NR")));
        await late.FollowAsync();
        var only = Assert.Single(late.Events);
        Assert.Equal("hidden", only["type"]!.GetValue<string>());
        Assert.Equal(3, only["sequence"]!.GetValue<long>());
        Assert.Empty(late.Records);
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// Two targets of two nations recorded at once, each of which alone leaves a NATO reader knowing one nation's targets
    /// of the cycle and together two: the table is hidden from the reader, and its feed says so. On PostgreSQL both
    /// records decide while the test holds the audit chain's head, so each would read the cycle without the other's
    /// target, find no table hidden, and leave the reader's copy holding a table its routes no longer show; records of a
    /// cycle with tables queue instead. (On SQLite writes run one at a time: the outcome is checked all the same.)
    /// </summary>
    [Fact]
    public async Task TwoTargetsRecordedAtOnceThatTogetherHideATableFromANatoReaderLeaveItsTombstone()
    {
        await RecordAllAsync("NS");
        var authority = _app.As(TestCaller.ReleaseAuthority());
        await authority.PublishTableAsync(Cycle, "INDUSTRY", "NR");
        var restricted = _app.As(TestCaller.NatoReader("NR"));
        var reader = new FeedFollower(restricted);
        await reader.FollowAsync();
        Assert.Single(reader.Records);

        var planner = Planner();
        Task<HttpResponseMessage>[] records;
        await using (var hold = await LockHolder.TakeAsync(_app, "UPDATE audit_chain_head SET sequence = sequence WHERE id = 1"))
        {
            records =
            [
                planner.PutAsJsonAsync($"/v1/capability-targets/{Cycle}/DEU/ammo-120mm/2027", new { quantity = 40, classification = "NR" }),
                planner.PutAsJsonAsync($"/v1/capability-targets/{Cycle}/ITA/ammo-120mm/2027", new { quantity = 60, classification = "NR" }),
            ];
            await hold.WaitForWaitersAsync(2);
        }
        foreach (var record in records)
        {
            await RegistryClient.Expect(await record, HttpStatusCode.Created);
        }
        await reader.FollowAsync();
        Assert.Empty(await restricted.GetJsonArrayAsync("/v1/capability-tables"));
        Assert.Empty(reader.Records);
        Assert.Equal([1L, 2L], reader.Events.Select(e => e["sequence"]!.GetValue<long>()));
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// A table revoked while a target that hides it from a NATO reader is being recorded: the reader's feed has one
    /// tombstone. On PostgreSQL the record decides first and waits at the audit chain's head the test holds; a revocation
    /// that read the tables before the target committed and after (the record holds the table's row) counted the target's
    /// effect as its own and appended a second tombstone. A revocation takes every nation's row, as a publication does.
    /// </summary>
    [Fact]
    public async Task ATableRevokedWhileATargetHidesItFromANatoReaderIsOneTombstoneInItsFeed()
    {
        await RecordAllAsync("NS");
        var planner = Planner();
        await RecordAsync(planner, "FRA", "ammo-120mm", 2027, 10, "NR");
        var authority = _app.As(TestCaller.ReleaseAuthority());
        await authority.PublishTableAsync(Cycle, "INDUSTRY", "NR");
        var reader = new FeedFollower(_app.As(TestCaller.NatoReader("NR")));
        var delegated = new FeedFollower(_app.As(TestCaller.NatoReader("NR") with { Nation = "DEU" }));
        await reader.FollowAsync();
        await delegated.FollowAsync();

        Task<HttpResponseMessage> record, revocation;
        await using (var hold = await LockHolder.TakeAsync(_app, "UPDATE audit_chain_head SET sequence = sequence WHERE id = 1"))
        {
            record = planner.PutAsJsonAsync($"/v1/capability-targets/{Cycle}/DEU/ammo-120mm/2027", new { quantity = 40, classification = "NR" });
            await hold.WaitForWaitersAsync(1, until: record);
            if (_app.Provider != TestProvider.Postgres)
            {
                await record;
            }
            revocation = authority.DeleteAsync($"/v1/capability-tables/{Cycle}/INDUSTRY");
            await hold.WaitForWaitersAsync(2, until: revocation);
        }
        await RegistryClient.Expect(await record, HttpStatusCode.Created);
        await RegistryClient.Expect(await revocation, HttpStatusCode.NoContent);
        await reader.FollowAsync();
        await delegated.FollowAsync();
        Assert.Equal(["visible", "hidden"], reader.Events.Select(e => e["type"]!.GetValue<string>()));
        Assert.Equal([1L, 2L], reader.Events.Select(e => e["sequence"]!.GetValue<long>()));
        Assert.Empty(reader.Records);
        Assert.Equal(["visible", "updated"], delegated.Events.Select(e => e["type"]!.GetValue<string>()));
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// A random history of targets (four nations, every marking, two cycles), publications to two audiences and
    /// revocations, with every NATO reader's feed followed after each step: speaking for no nation and as a national
    /// delegate, at every clearance, and an industry reader. A reader that follows after each write is never numbered an
    /// event it does not get, so its sequence is 1, 2, 3… with no gap; its copy holds exactly the tables the tables
    /// routes show it (each latest one as its route answers it); and at the end a reader starting from nothing holds
    /// them too, and an export stands where its feed does. The several-nations rule is decided twice, in SQL for the
    /// routes (<c>CapabilityStore.Sql.Readable</c>) and in memory for the feed (<c>TableFactsForFeed.HiddenFromOthersAt</c>):
    /// any history on which they disagree leaves a gap or a copy that is not the routes'.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task RandomHistoriesOfTargetsAndTablesKeepEveryReadersFeedGaplessAndEqualToTheRoutes(int seed)
    {
        var random = new Random(seed);
        string[] markings = ["NU", "NR", "NC", "NS", "CTS"];
        string[] nations = ["FRA", "DEU", "POL", "ITA"];
        int[] cycles = [Cycle, Cycle + 1];
        (string Audience, string Classification)[] publications = [("INDUSTRY", "NR"), ("INDUSTRY", "NU"), ("EU", "NR"), ("EU", "NU")];
        var planner = Planner();
        var authority = _app.As(TestCaller.ReleaseAuthority());
        // Each cycle starts with the publishable targets, each nation's under a marking of its own.
        foreach (var cycle in cycles)
        {
            var marking = nations.ToDictionary(n => n, _ => markings[random.Next(markings.Length)]);
            foreach (var (nation, capability, horizon, quantity) in Targets.Where(t => nations.Contains(t.Nation)))
            {
                await RecordAsync(planner, nation, capability, horizon, quantity, marking[nation], cycle: cycle);
            }
        }
        var readers = markings.SelectMany(m => new[] { TestCaller.NatoReader(m), TestCaller.NatoReader(m) with { Nation = "DEU" } })
            .Append(new TestCaller("buyer-NR@industry", "INDUSTRY", "NR", "consumer"))
            .Select(caller => (Caller: caller, Client: _app.As(caller), Follower: new FeedFollower(_app.As(caller), pageSize: 3)))
            .ToList();
        var history = new List<string>();

        async Task CheckAsync(TestCaller caller, HttpClient client, FeedFollower follower, bool gapless)
        {
            var context = $"{caller.Subject} ({caller.Nation ?? "no nation"}) after {string.Join("; ", history)}";
            await follower.FollowAsync();
            var sequences = follower.Events.Select(e => e["sequence"]!.GetValue<long>()).ToList();
            if (gapless)
            {
                Assert.True(sequences.SequenceEqual(Enumerable.Range(1, sequences.Count).Select(i => (long)i)), $"{context}: sequences {string.Join(",", sequences)}");
            }
            var listed = await client.GetJsonArrayAsync("/v1/capability-tables");
            var routes = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
            foreach (var table in listed)
            {
                var name = $"table {StandardsRegistry.Domain.FeedRefs.Table(table!["cycle"]!.GetValue<int>(), table["audience"]!.GetValue<string>(), table["id"]!.GetValue<string>())}";
                Assert.True(follower.Records.TryGetValue(name, out var held), $"{context}: {name} is listed but not in the copy");
                Assert.Equal(table["state"]!.GetValue<string>(), held!["state"]!.GetValue<string>());
                routes[name] = table;
            }
            Assert.True(follower.Records.Keys.Order(StringComparer.Ordinal).SequenceEqual(routes.Keys.Order(StringComparer.Ordinal)),
                $"{context}: copy {string.Join(", ", follower.Records.Keys)} / routes {string.Join(", ", routes.Keys)}");
            foreach (var (cycle, audience) in routes.Values.Select(t => (t["cycle"]!.GetValue<int>(), t["audience"]!.GetValue<string>())).Distinct())
            {
                var latest = await client.GetJsonAsync($"/v1/capability-tables/{cycle}/{audience}");
                var name = $"table {StandardsRegistry.Domain.FeedRefs.Table(cycle, audience, latest["id"]!.GetValue<string>())}";
                Assert.True(JsonNode.DeepEquals(follower.Records[name], latest), $"{context}: {name} copy {follower.Records[name].ToJsonString()} / route {latest.ToJsonString()}");
            }
        }

        for (var step = 0; step < 12; step++)
        {
            var cycle = cycles[random.Next(cycles.Length)];
            var choice = random.Next(10);
            if (choice < 5)
            {
                var (_, capability, horizon, quantity) = Targets[random.Next(Targets.Length)];
                var nation = nations[random.Next(nations.Length)];
                var marking = markings[random.Next(markings.Length)];
                var figure = Math.Max(0, quantity + random.Next(-50, 50));
                var response = await planner.PutAsJsonAsync($"/v1/capability-targets/{cycle}/{nation}/{capability}/{horizon}", new { quantity = figure, classification = marking });
                Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                history.Add($"target {cycle} {nation} {capability} {horizon} {figure} {marking}");
            }
            else if (choice < 8)
            {
                var (audience, classification) = publications[random.Next(publications.Length)];
                var response = await authority.PutTableAsync(cycle, audience, classification);
                Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict or HttpStatusCode.UnprocessableEntity,
                    $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                history.Add($"publish {cycle} {audience} {classification}: {(int)response.StatusCode}");
            }
            else
            {
                var audience = publications[random.Next(publications.Length)].Audience;
                var response = await authority.DeleteAsync($"/v1/capability-tables/{cycle}/{audience}");
                Assert.True(response.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.NotFound, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                history.Add($"revoke {cycle} {audience}: {(int)response.StatusCode}");
            }
            foreach (var (caller, client, follower) in readers)
            {
                await CheckAsync(caller, client, follower, gapless: true);
            }
        }
        // From nothing, the whole history at once (a gap here is a record hidden since, whose tombstone follows), and from an export.
        foreach (var (caller, client, follower) in readers)
        {
            var late = new FeedFollower(_app.As(caller), pageSize: 4);
            await CheckAsync(caller, client, late, gapless: false);
            Assert.Equal(follower.Cursor, late.Cursor);
            var mirror = new FeedFollower(_app.As(caller));
            await mirror.ExportAsync();
            Assert.Equal(follower.Cursor, mirror.Cursor);
            Assert.True(mirror.Records.Keys.Order(StringComparer.Ordinal).SequenceEqual(follower.Records.Keys.Order(StringComparer.Ordinal)),
                $"{caller.Subject} ({caller.Nation ?? "no nation"}): export {string.Join(", ", mirror.Records.Keys)} / feed {string.Join(", ", follower.Records.Keys)}");
        }
        _app.AssertNoServerErrorsOrContractViolations();
    }

    [Fact]
    public async Task BadTargetsArePlainProblemsAndChangeNothing()
    {
        var planner = Planner("NS");
        await ProblemAssertions.ProblemAsync(await planner.PutAsJsonAsync($"/v1/capability-targets/{Cycle}/FRA/ammo-155mm/2027", new { quantity = -1, classification = "NS" }), HttpStatusCode.BadRequest, "quantity");
        await ProblemAssertions.ProblemAsync(await planner.PutAsJsonAsync($"/v1/capability-targets/{Cycle}/FRA/ammo-155mm/2027", new { quantity = 1, classification = "SECRETISH" }), HttpStatusCode.BadRequest, "classification");
        await ProblemAssertions.ProblemAsync(await planner.PutAsJsonAsync($"/v1/capability-targets/{Cycle}/fra/ammo-155mm/2020", new { quantity = 1, classification = "NS" }), HttpStatusCode.BadRequest, "nation", "horizon");
        await ProblemAssertions.ProblemAsync(await planner.PutAsJsonAsync($"/v1/capability-targets/{Cycle}/XYZ/ammo-155mm/2027", new { quantity = 1, classification = "NS" }), HttpStatusCode.NotFound);
        await ProblemAssertions.ProblemAsync(await planner.PutAsJsonAsync($"/v1/capability-targets/{Cycle}/FRA/no-such-thing/2027", new { quantity = 1, classification = "NS" }), HttpStatusCode.NotFound);
        await ProblemAssertions.ProblemAsync(await planner.PutAsJsonAsync($"/v1/capability-targets/{Cycle}/FRA/ammo-155mm/2027", new { quantity = 1, classification = "CTS" }), HttpStatusCode.Forbidden);
        await ProblemAssertions.ProblemAsync(await planner.PutAsync($"/v1/capability-targets/{Cycle}/FRA/ammo-155mm/2027", new StringContent("[1]", System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        // Quantities whose sums overflow a table's totals: refused by name and not recorded (recorded, they made every
        // preview and publication of the cycle a 500).
        await ProblemAssertions.ProblemAsync(await planner.PutAsJsonAsync($"/v1/capability-targets/{Cycle}/FRA/ammo-155mm/2027", new { quantity = long.MaxValue, classification = "NS" }), HttpStatusCode.BadRequest, "quantity");
        await ProblemAssertions.ProblemAsync(await planner.PutAsJsonAsync($"/v1/capability-targets/{Cycle}/DEU/ammo-155mm/2027", new { quantity = 1L << 62, classification = "NS" }), HttpStatusCode.BadRequest, "quantity");
        Assert.Empty(await planner.GetJsonArrayAsync($"/v1/capability-targets/{Cycle}"));

        // A planner may not revise a target marked above its clearance: it is not found.
        await RecordAsync(Planner(), "FRA", "ammo-155mm", 2027, 10, classification: "CTS");
        await ProblemAssertions.ProblemAsync(await planner.PutAsJsonAsync($"/v1/capability-targets/{Cycle}/FRA/ammo-155mm/2027", new { quantity = 1, classification = "NS" }), HttpStatusCode.NotFound);
        // Nor may a release authority below it publish the cycle.
        await ProblemAssertions.ProblemAsync(await _app.As(TestCaller.ReleaseAuthority("NS")).PutTableAsync(Cycle, "INDUSTRY", "NU"), HttpStatusCode.NotFound);
        // An audience that does not exist is named as such, to a publication and a revocation alike (without the
        // handler's check a revocation's answer is a table not found, which no test told apart until 2026-12-08).
        var top = _app.As(TestCaller.ReleaseAuthority());
        foreach (var unknown in new[] { await top.PutTableAsync(Cycle, "NOBODY", "NU"), await top.DeleteAsync($"/v1/capability-tables/{Cycle}/NOBODY") })
        {
            var problem = await ProblemAssertions.ProblemAsync(unknown, HttpStatusCode.NotFound);
            Assert.Equal(AudienceDirectory.NoSuchAudience("NOBODY"), problem["detail"]!.GetValue<string>());
        }
        await ProblemAssertions.ProblemAsync(await _app.As(TestCaller.ReleaseAuthority()).DeleteAsync($"/v1/capability-tables/{Cycle}/INDUSTRY"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ATableOrItsTargetsAboveTheCallersClearanceAnswerAsTargetsAboveItDoNeverAsAConflictOrARefusal()
    {
        await RecordAllAsync("NU");
        var reader = _app.As(TestCaller.NatoReader("NU"));
        var absent = await reader.GetAsync($"/v1/capability-targets/{Absent}/preview?audience=EU");

        // A NATO RESTRICTED table of another cycle, computed from NATO SECRET targets: a caller cleared NATO RESTRICTED
        // reads the table, but what an audit computes from its targets is not for it.
        const int other = Cycle + 1;
        await RecordAllAsync("NS", other);
        await _app.As(TestCaller.ReleaseAuthority()).PublishTableAsync(other, "INDUSTRY", "NR");
        var restricted = _app.As(TestCaller.ReleaseAuthority("NR"));
        await RegistryClient.Expect(await restricted.GetAsync($"/v1/capability-tables/{other}/INDUSTRY"), HttpStatusCode.OK);
        // Against INDUSTRY, and against the EU too: every table ever published is a prior of every audit, whatever its
        // audience (one NATO reader holds them all).
        await AnswersAsACycleWithoutTargetsAsync(restricted, absent, "INDUSTRY", "EU");
        // Without an audience a preview has no priors: the cycle's own targets are all it needs clearance for.
        Assert.True((await restricted.GetJsonAsync($"/v1/capability-targets/{Cycle}/preview"))["releasable"]!.GetValue<bool>());
        Assert.DoesNotContain(await _app.As(TestCaller.ReleaseAuthority()).GetJsonArrayAsync("/v1/capability-tables"),
            t => t!["cycle"]!.GetValue<int>() == Cycle);

        // The cycle's unclassified targets, published to the EU as a COSMIC TOP SECRET table: a release authority cleared
        // NATO UNCLASSIFIED may not read that table.
        await _app.As(TestCaller.ReleaseAuthority()).PublishTableAsync(Cycle, "EU", "CTS");
        var low = _app.As(TestCaller.ReleaseAuthority("NU"));
        await ProblemAssertions.ProblemAsync(await low.GetAsync($"/v1/capability-tables/{Cycle}/EU"), HttpStatusCode.NotFound);
        // Publishing the cycle to the EU is answered as for targets above its clearance, not "a table of the cycle is
        // published to EU" (409); previewing it against the EU, as for a cycle without targets, not "the targets changed
        // since a table of it was released to this audience"; against any other audience likewise.
        var publish = await ProblemAssertions.ProblemAsync(await low.PutTableAsync(Cycle, "EU", "NU"), HttpStatusCode.NotFound);
        Assert.Equal(CapabilityStore.NoTargets(Cycle), publish["detail"]!.GetValue<string>());
        await RecordAsync(Planner(), "BEL", "radio-vhf", 2027, 261, classification: "NU", status: HttpStatusCode.OK);
        foreach (var audience in new[] { "EU", "PUBLIC" })
        {
            var preview = await reader.GetAsync($"/v1/capability-targets/{Cycle}/preview?audience={audience}");
            await ProblemAssertions.ProblemAsync(preview, HttpStatusCode.NotFound);
            Assert.Equal(await absent.Content.ReadAsStringAsync(), await preview.Content.ReadAsStringAsync());
        }
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// A revoked table stays a prior of every audit, so one marked above an authority's clearance still makes the cycle
    /// one without targets to it: with revoked tables left out of that check, an authority cleared NATO RESTRICTED
    /// previewed the cycle against the NATO SECRET table's figures and published it to the EU (until 2026-12-08 no test
    /// revoked such a table; the one above passes through another table above the caller's clearance).
    /// </summary>
    [Fact]
    public async Task ARevokedTableAboveTheCallersClearanceStillAnswersAsTargetsAboveIt()
    {
        await RecordAllAsync("NU");
        var absent = await _app.As(TestCaller.NatoReader("NR")).GetAsync($"/v1/capability-targets/{Absent}/preview?audience=EU");
        var top = _app.As(TestCaller.ReleaseAuthority());
        await top.PublishTableAsync(Cycle, "EU", "NS");
        await top.RevokeTableAsync(Cycle, "EU");

        var restricted = _app.As(TestCaller.ReleaseAuthority("NR"));
        await AnswersAsACycleWithoutTargetsAsync(restricted, absent, "EU", "INDUSTRY");
        Assert.Empty(await restricted.GetJsonArrayAsync("/v1/capability-tables"));
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// <see cref="Cycle"/> is, to <paramref name="caller"/> (a release authority), a cycle without targets against each
    /// of <paramref name="audiences"/>: its preview answers byte for byte as <paramref name="absent"/> (an absent cycle's
    /// preview), its publication the 404 of no targets.
    /// </summary>
    private static async Task AnswersAsACycleWithoutTargetsAsync(HttpClient caller, HttpResponseMessage absent, params string[] audiences)
    {
        foreach (var audience in audiences)
        {
            var preview = await caller.GetAsync($"/v1/capability-targets/{Cycle}/preview?audience={audience}");
            await ProblemAssertions.ProblemAsync(preview, HttpStatusCode.NotFound);
            Assert.Equal(await absent.Content.ReadAsStringAsync(), await preview.Content.ReadAsStringAsync());
            var publish = await ProblemAssertions.ProblemAsync(await caller.PutTableAsync(Cycle, audience, "NR"), HttpStatusCode.NotFound);
            Assert.Equal(CapabilityStore.NoTargets(Cycle), publish["detail"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task AnAuthorityMayNotMarkATableAboveItsClearance()
    {
        // Targets within its clearance, to an audience accredited higher (the EU: CTS): the marking it asks for is still
        // held to its own clearance, as an editor's draft's is, and nothing is published.
        await RecordAllAsync("NU");
        var restricted = _app.As(TestCaller.ReleaseAuthority("NR"));
        await ProblemAssertions.ProblemAsync(await restricted.PutTableAsync(Cycle, "EU", "NS"), HttpStatusCode.Forbidden);
        await ProblemAssertions.ProblemAsync(await _app.As(TestCaller.ReleaseAuthority()).GetAsync($"/v1/capability-tables/{Cycle}/EU"), HttpStatusCode.NotFound);
        await restricted.PublishTableAsync(Cycle, "EU", "NR");
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// A table is published within its audience's ceiling as the <c>audiences</c> table says now, not as the API's
    /// 30-second audience cache says it: just after an operator lowered the EU's ceiling (CTS to NR), a NATO SECRET
    /// table of the cycle was published to the EU (201), and the EU's readers cleared above NR read it while the cache
    /// lasted, and again whenever the ceiling was raised.
    /// </summary>
    [Fact]
    public async Task ATableIsPublishedWithinTheCeilingTheAudiencesTableSaysNow()
    {
        await RecordAllAsync();
        var eu = _app.As(TestCaller.Eu("CTS"));
        Assert.Empty(await eu.GetJsonArrayAsync("/v1/capability-tables")); // the audiences are read, and cached: the EU at CTS
        await TestDb.Open(_app.Provider, _app.ConnectionString).WriteAsync(async c => Result.Done(await c.ExecuteAsync(
            "UPDATE audiences SET max_classification = 1 WHERE code = 'EU'")));

        var refused = await _app.As(TestCaller.ReleaseAuthority()).PutTableAsync(Cycle, "EU", "NS");

        await ProblemAssertions.ProblemAsync(refused, HttpStatusCode.UnprocessableEntity, "EU is accredited up to NATO RESTRICTED");
        Assert.Empty(await eu.GetJsonArrayAsync("/v1/capability-tables"));
        await ProblemAssertions.ProblemAsync(await eu.GetAsync($"/v1/capability-tables/{Cycle}/EU"), HttpStatusCode.NotFound);
        Assert.Empty(await _app.As(TestCaller.ReleaseAuthority()).GetJsonArrayAsync("/v1/capability-tables"));
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// A table published within the ceiling is read no more once an operator lowers the ceiling below it, on the readers'
    /// next request, not when the API's 30-second audience cache follows (<c>Visibility.WithinLevel</c>).
    /// </summary>
    [Fact]
    public async Task AfterTheCeilingIsLoweredATableAboveItIsReadNoMoreAtOnce()
    {
        await RecordAllAsync();
        await _app.As(TestCaller.ReleaseAuthority()).PublishTableAsync(Cycle, "EU", "NS");
        var eu = _app.As(TestCaller.Eu("CTS"));
        Assert.Single(await eu.GetJsonArrayAsync("/v1/capability-tables")); // the audiences are read, and cached: the EU at CTS
        await RegistryClient.Expect(await eu.GetAsync($"/v1/capability-tables/{Cycle}/EU"), HttpStatusCode.OK);
        await TestDb.Open(_app.Provider, _app.ConnectionString).WriteAsync(async c => Result.Done(await c.ExecuteAsync(
            "UPDATE audiences SET max_classification = 1 WHERE code = 'EU'")));

        Assert.Empty(await eu.GetJsonArrayAsync("/v1/capability-tables"));
        await ProblemAssertions.ProblemAsync(await eu.GetAsync($"/v1/capability-tables/{Cycle}/EU"), HttpStatusCode.NotFound);
        _app.AssertNoServerErrorsOrContractViolations();
    }

    // ---------------------------------------------------------------- concurrency
    //
    // On PostgreSQL the tests hold a lock the writes need from a transaction of their own, wait until the service's
    // sessions queue on it (pg_stat_activity), and let go: every write decides while the others are in flight, each
    // time. SQLite's writers queue on the process's write gate, one deciding after the one before has committed, so
    // there the requests are only sent at once (the same answers are expected of both).

    [Fact]
    public async Task ConcurrentRecordsOfTheSameTargetMakeOneRowAndOneCreation()
    {
        const int writers = 4; // the writers' pool (Database:WritePoolSize): all four in their transactions at once
        var planner = Planner();
        var url = $"/v1/capability-targets/{Cycle}/FRA/ammo-155mm/2027";

        Task<HttpResponseMessage>[] sends;
        // No audit entry commits while the test holds the chain head: every write decides, then waits there.
        await using (var hold = await LockHolder.TakeAsync(_app, "UPDATE audit_chain_head SET sequence = sequence WHERE id = 1"))
        {
            sends = [.. Enumerable.Range(0, writers).Select(_ => planner.PutAsJsonAsync(url, new { quantity = 1000, classification = "NS" }))];
            await hold.WaitForWaitersAsync(writers);
        }
        var statuses = (await Task.WhenAll(sends)).Select(r => (int)r.StatusCode).Order().ToList();

        // Repeating a record adds nothing (as run one after another): one creation, the others answered with its row.
        Assert.Equal([200, 200, 200, 201], statuses);
        Assert.Equal(1L, await ScalarAsync("SELECT COUNT(*) FROM capability_targets WHERE nation = 'FRA' AND capability = 'ammo-155mm' AND horizon = 2027"));
        var entries = await new AuditStore(_app.Provider, _app.ConnectionString).EntriesAsync("target.record");
        Assert.Equal(statuses, entries.Select(e => (int)e.Status).Order().ToList());
    }

    [Fact]
    public async Task ATableIsComputedFromExactlyTheTargetsItsSnapshotNames()
    {
        await RecordAllAsync();
        var planner = Planner();

        Task<HttpResponseMessage> revision, publication;
        // A revision of Italy's figure stays in flight (its nation's row locked by the test) while Germany's commits and
        // the table is published.
        await using (var hold = await LockHolder.TakeAsync(_app, _app.Provider == TestProvider.Postgres ? "SELECT code FROM nations WHERE code = 'ITA' FOR UPDATE" : null))
        {
            revision = planner.PutAsJsonAsync($"/v1/capability-targets/{Cycle}/ITA/ammo-155mm/2027", new { quantity = 750, classification = "NS" });
            await hold.WaitForWaitersAsync(1);
            await RecordAsync(planner, "DEU", "radio-vhf", 2027, 255, status: HttpStatusCode.OK);
            publication = _app.As(TestCaller.ReleaseAuthority()).PutTableAsync(Cycle, "INDUSTRY", "NR");
            // Published meanwhile, or waiting for the revision to end.
            await hold.WaitForWaitersAsync(2, until: publication);
        }
        await RegistryClient.Expect(await revision, HttpStatusCode.OK);
        await RegistryClient.Expect(await publication, HttpStatusCode.Created);

        // The table records the largest target id it was computed from, and later publications to the audience are
        // audited against the targets up to it (db/*/0020_capability_targets.sql): a published cell is their sum. Here
        // the munitions group's 2027 cell (its capabilities' own cells are suppressed), Italy's figure among them.
        var table = await Industry().GetJsonAsync($"/v1/capability-tables/{Cycle}/INDUSTRY");
        var cell = table["cells"]!.AsArray().Single(c => c!["row"]!.ToString() == "group:munitions" && c["column"]!.ToString() == "2027")!;
        var snapshot = await ScalarAsync($"SELECT target_snapshot FROM capability_tables WHERE cycle = {Cycle} AND audience = 'INDUSTRY'");
        var asOfSnapshot = await ScalarAsync($"""
            SELECT SUM(t.quantity) FROM capability_targets t
            WHERE t.cycle = {Cycle} AND t.capability IN (SELECT code FROM capabilities WHERE capability_group = 'munitions') AND t.horizon = 2027
              AND t.id <= {snapshot} AND NOT EXISTS (
                SELECT 1 FROM capability_targets n
                WHERE n.cycle = t.cycle AND n.nation = t.nation AND n.capability = t.capability AND n.horizon = t.horizon AND n.id > t.id AND n.id <= {snapshot})
            """);
        Assert.Equal(asOfSnapshot, cell["value"]!.GetValue<long>());
    }

    /// <summary>
    /// A target stored above the quantity bound before the bound existed (records above it are refused now; such a
    /// quantity overflowed the table's sums): the cycle's preview and publication answer 409 naming the target, never a
    /// 500, and publish nothing; recording the target again clears it. To a caller not cleared for such a target, the
    /// cycle answers as one without targets, as for any target above its clearance: it is never named to it.
    /// </summary>
    [Fact]
    public async Task ATargetStoredAboveTheQuantityBoundIsAConflictNamingItToThoseClearedForItNeverA500()
    {
        await RecordAllAsync();
        var authority = _app.As(TestCaller.ReleaseAuthority());
        var planner = Planner();
        // France's 155 mm figure for 2027, revised before the bound existed, as the service then stored it.
        await StoreTargetAsync("FRA", "ammo-155mm", 2027, long.MaxValue, "NS");

        foreach (var caller in new[] { planner, _app.As(TestCaller.NatoReader("NS")) })
        {
            foreach (var query in new[] { "", "?audience=INDUSTRY" })
            {
                await ProblemAssertions.ProblemAsync(await caller.GetAsync($"/v1/capability-targets/{Cycle}/preview{query}"), HttpStatusCode.Conflict, "FRA", "ammo-155mm", "2027");
            }
        }
        foreach (var publisher in new[] { authority, _app.As(TestCaller.ReleaseAuthority("NS")) })
        {
            await ProblemAssertions.ProblemAsync(await publisher.PutTableAsync(Cycle, "INDUSTRY", "NR"), HttpStatusCode.Conflict, "FRA", "ammo-155mm", "2027");
        }
        Assert.Empty(await authority.GetJsonArrayAsync("/v1/capability-tables"));
        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM capability_tables"));

        // A second one, marked COSMIC TOP SECRET: callers cleared NATO SECRET get the cycle's "no targets", exactly as for
        // a cycle that has none, naming neither; callers cleared for both are told of both.
        await StoreTargetAsync("USA", "ammo-120mm", 2029, StandardsRegistry.Domain.CapabilityTargetRules.MaxQuantity + 1, "CTS");
        var reader = _app.As(TestCaller.NatoReader("NS"));
        var absent = await (await reader.GetAsync($"/v1/capability-targets/{Absent}/preview?audience=INDUSTRY")).Content.ReadAsStringAsync();
        var hidden = await reader.GetAsync($"/v1/capability-targets/{Cycle}/preview?audience=INDUSTRY");
        await ProblemAssertions.ProblemAsync(hidden, HttpStatusCode.NotFound);
        Assert.Equal(absent, await hidden.Content.ReadAsStringAsync());
        var refused = await ProblemAssertions.ProblemAsync(await _app.As(TestCaller.ReleaseAuthority("NS")).PutTableAsync(Cycle, "INDUSTRY", "NR"), HttpStatusCode.NotFound);
        Assert.Equal(CapabilityStore.NoTargets(Cycle), refused["detail"]!.GetValue<string>());
        await ProblemAssertions.ProblemAsync(await planner.GetAsync($"/v1/capability-targets/{Cycle}/preview"), HttpStatusCode.Conflict, "FRA", "ammo-155mm", "2027", "USA", "ammo-120mm", "2029");
        await ProblemAssertions.ProblemAsync(await authority.PutTableAsync(Cycle, "INDUSTRY", "NR"), HttpStatusCode.Conflict, "FRA", "USA");
        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM capability_tables"));

        // Recorded again within the bound, the cycle is previewed and published as any other.
        await RecordAsync(planner, "FRA", "ammo-155mm", 2027, 1000, status: HttpStatusCode.OK);
        await RecordAsync(planner, "USA", "ammo-120mm", 2029, 4000, classification: "CTS", status: HttpStatusCode.OK);
        Assert.True((await planner.GetJsonAsync($"/v1/capability-targets/{Cycle}/preview?audience=INDUSTRY"))["releasable"]!.GetValue<bool>());
        await authority.PublishTableAsync(Cycle, "INDUSTRY", "NR");
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>Stores a revision of a target directly in the database, as an earlier release of the service could have.</summary>
    private async Task StoreTargetAsync(string nation, string capability, int horizon, long quantity, string classification) =>
        await TestDb.Open(_app.Provider, _app.ConnectionString).WriteAsync(async c => Result.Done(await c.ExecuteAsync("""
            INSERT INTO capability_targets (cycle, nation, capability, horizon, quantity, classification, recorded_at, recorded_by)
            VALUES (@cycle, @nation, @capability, @horizon, @quantity, @classification, 0, 'an earlier release')
            """, new { cycle = Cycle, nation, capability, horizon, quantity, classification = (int)Enum.Parse<StandardsRegistry.Domain.Classification>(classification) })));

    private async Task<long> ScalarAsync(string sql) =>
        await TestDb.Open(_app.Provider, _app.ConnectionString).ReadAsync(c => c.ExecuteScalarAsync<long>(sql));

    /// <summary>
    /// A transaction of the test's own holding the locks <c>statement</c> takes (PostgreSQL; on SQLite nothing is held)
    /// until disposed, which rolls it back.
    /// </summary>
    private sealed class LockHolder : IAsyncDisposable
    {
        private readonly System.Data.Common.DbConnection? _connection;
        private readonly System.Data.Common.DbTransaction? _transaction;
        private readonly string? _connectionString;

        private LockHolder(System.Data.Common.DbConnection? connection, System.Data.Common.DbTransaction? transaction, string? connectionString)
        {
            _connection = connection;
            _transaction = transaction;
            _connectionString = connectionString;
        }

        public static async Task<LockHolder> TakeAsync(RegistryApp app, string? statement)
        {
            if (app.Provider != TestProvider.Postgres || statement is null)
            {
                return new LockHolder(null, null, null);
            }
            var db = TestDb.Open(app.Provider, app.ConnectionString);
            var connection = db.Dialect.CreateConnection(db.ConnectionString);
            await connection.OpenAsync();
            var transaction = await connection.BeginTransactionAsync();
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = statement;
            await command.ExecuteNonQueryAsync();
            return new LockHolder(connection, transaction, app.ConnectionString);
        }

        /// <summary>
        /// Until <paramref name="count"/> sessions of the database wait for a lock (or <paramref name="until"/> has ended);
        /// at most 20 s, else the test fails saying so.
        /// </summary>
        public async Task WaitForWaitersAsync(int count, Task? until = null)
        {
            if (_connectionString is null)
            {
                return;
            }
            await PostgresLocks.UntilWaitingAsync(_connectionString, count, "the writes queued behind the lock held", done: until);
        }

        public async ValueTask DisposeAsync()
        {
            if (_transaction is not null)
            {
                await _transaction.RollbackAsync();
                await _transaction.DisposeAsync();
            }
            if (_connection is not null)
            {
                await _connection.DisposeAsync();
            }
        }
    }
}
