using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Tests.Support;
using static StandardsRegistry.Api.Tests.Support.ProblemAssertions;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// National responses under the release rule, proven the way the no-leak suites prove reads: a generated catalogue of
/// editions (every marking, status and release) with generated response histories (each row with its own marking and
/// releases, some revoked), then every principal — anonymous; NATO by clearance, as reader and editor, with and
/// without a nation; EU by clearance; PUBLIC — reads every edition's matrix, every nation's history and the
/// catalogue-wide list (paged, filtered by nation and by response), and each answer must be exactly what an oracle
/// written here computes; an edition the principal may not see answers byte for byte as one that does not exist.
/// </summary>
public abstract class NationalResponseTests(TestProvider provider) : IAsyncDisposable
{
    private readonly RegistryApp _app = new(provider: provider, settings: RegistryApp.UnlimitedRate);

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static readonly string[] Levels = GeneratedEditions.Levels;
    private static readonly string[] Nations = ["DEU", "FRA", "POL"];
    private static readonly string[] Kinds = ["ratified", "ratified-with-reservations", "not-ratifying", "no-response"];
    private static readonly Dictionary<string, int> Ceilings = GeneratedEditions.Ceilings;

    /// <summary>One row of a nation's history; <see cref="Document"/> is unique, so it names the row in any answer.</summary>
    private sealed record Row(GeneratedEdition Edition, string Nation, int Sequence, string Kind, int Level, string Document, HashSet<string> ReleasedTo);

    // ------------------------------------------------------------------ the oracle, written here

    private static bool Sees(Reader who, GeneratedEdition e) => GeneratedEditions.Sees(who, e);

    private static bool Sees(Reader who, Row r) =>
        Sees(who, r.Edition) && r.Level <= who.Level
        && (who.Nato ? who.Nation is null || who.Nation == r.Nation || r.ReleasedTo.Count > 0 : r.ReleasedTo.Contains(who.Community ?? "PUBLIC"));

    private static IEnumerable<Row> Matrix(Reader who, IEnumerable<Row> rows, GeneratedEdition e) =>
        rows.Where(r => r.Edition == e && Sees(who, r)).GroupBy(r => r.Nation).Select(g => g.MaxBy(r => r.Sequence)!).OrderBy(r => r.Nation, StringComparer.Ordinal);

    // ------------------------------------------------------------------ the generated catalogue

    private async Task<(List<GeneratedEdition> Editions, List<Row> Rows)> GenerateAsync(int seed)
    {
        var random = new Random(seed);
        var editor = _app.As(TestCaller.Editor());
        var authority = _app.As(TestCaller.ReleaseAuthority());
        var editions = await GeneratedEditions.GenerateAsync(_app, random, $"resp-{seed}", 6);
        var rows = new List<Row>();
        var sequence = 0;
        foreach (var edition in editions)
        {
            foreach (var nation in Nations.Where(_ => random.Next(5) < 3))
            {
                for (var i = random.Next(1, 4); i > 0; i--)
                {
                    var kind = Kinds[random.Next(Kinds.Length)];
                    var row = new Row(edition, nation, ++sequence, kind, Math.Min(random.Next(5), random.Next(5)), $"DOC-{edition.Key}-{edition.Number}-{nation}-{sequence}", []);
                    var recorded = await editor.PutAsJsonAsync($"/v1/standards/{edition.Key}/versions/{edition.Number}/responses/{nation}", new
                    {
                        response = kind,
                        reservation = kind == "ratified-with-reservations" ? $"RESERVATION-{row.Document}" : null,
                        implementingDocument = row.Document,
                        intendedImplementation = "2027-01-31",
                        classification = Levels[row.Level],
                    });
                    await RegistryClient.Expect(recorded, HttpStatusCode.Created);
                    rows.Add(row);
                    // The release authority is no editor: a draft's responses are not its to release (they are absent for it).
                    // Judged after the draw, so the generated catalogues are the ones they were.
                    foreach (var audience in GeneratedEditions.ReleasedTo.Where(a => row.Level <= Ceilings[a] && random.Next(2) == 0 && edition.Status != "draft"))
                    {
                        var released = await authority.PutAsJsonAsync($"/v1/standards/{edition.Key}/versions/{edition.Number}/responses/{nation}/releases/{audience}", new { reason = "Shared." });
                        await RegistryClient.Expect(released, HttpStatusCode.Created);
                        row.ReleasedTo.Add(audience);
                    }
                }
                if (random.Next(4) == 0 && rows.Any(r => r.Edition == edition && r.Nation == nation && r.ReleasedTo.Contains("EU")))
                {
                    var revoked = await authority.DeleteAsync($"/v1/standards/{edition.Key}/versions/{edition.Number}/responses/{nation}/releases/EU");
                    await RegistryClient.Expect(revoked, HttpStatusCode.NoContent);
                    foreach (var row in rows.Where(r => r.Edition == edition && r.Nation == nation))
                    {
                        row.ReleasedTo.Remove("EU");
                    }
                }
            }
        }
        return (editions, rows);
    }

    // ------------------------------------------------------------------ the proof

    [Slow]
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task EveryPrincipalReadsExactlyTheResponsesTheOracleAllowsAndHiddenAnswersAsAbsent(int seed)
    {
        var (editions, rows) = await GenerateAsync(seed);
        // The cases the proof needs are there: rows released above some reader's level, rows of a nation's history
        // hidden behind a newer one, rows released to one audience only.
        Assert.Contains(rows, r => r.ReleasedTo.Contains("EU") && r.Level > 0 && r.Edition.ReleasedTo.Contains("EU"));
        Assert.Contains(rows, r => r.ReleasedTo.Contains("EU") && !r.ReleasedTo.Contains("PUBLIC") && r.Level == 0 && r.Edition.ReleasedTo.Contains("PUBLIC"));
        var failures = new List<string>();
        var requests = 0;
        foreach (var who in GeneratedEditions.Readers())
        {
            var client = who.Client(_app);
            foreach (var edition in editions)
            {
                var url = $"/v1/standards/{edition.Key}/versions/{edition.Number}/responses";
                var absentUrl = $"/v1/standards/{edition.Key}/versions/99/responses";
                if (!Sees(who, edition))
                {
                    foreach (var suffix in new[] { "", "/FRA" })
                    {
                        var hidden = await client.GetAsync(url + suffix);
                        var absent = await client.GetAsync(absentUrl + suffix);
                        requests += 2;
                        var (h, a) = (await hidden.Content.ReadAsStringAsync(), await absent.Content.ReadAsStringAsync());
                        if (hidden.StatusCode != HttpStatusCode.NotFound || h != a)
                        {
                            failures.Add($"{who.Name}: {url}{suffix} answered {(int)hidden.StatusCode} {h}; an absent edition {(int)absent.StatusCode} {a}");
                        }
                    }
                    continue;
                }
                requests++;
                Compare(failures, who, url, await client.GetJsonArrayAsync(url), Matrix(who, rows, edition));
                foreach (var nation in Nations)
                {
                    requests++;
                    Compare(failures, who, $"{url}/{nation}", await client.GetJsonArrayAsync($"{url}/{nation}"),
                        rows.Where(r => r.Edition == edition && r.Nation == nation && Sees(who, r)).OrderBy(r => r.Sequence));
                    requests++;
                    await CompareLabelAsync(failures, who, client, $"{url}/{nation}/label", Matrix(who, rows, edition).SingleOrDefault(r => r.Nation == nation));
                }
            }

            var current = editions.OrderBy(e => e.Key, StringComparer.Ordinal).ThenBy(e => e.Number).SelectMany(e => Matrix(who, rows, e)).ToList();
            foreach (var (query, expected) in new (string, IEnumerable<Row>)[] { ("", current) }
                .Concat(Nations.Select(n => ($"nation={n}", current.Where(r => r.Nation == n))))
                .Concat(Kinds.Select(k => ($"response={k}", current.Where(r => r.Kind == k))))
                .Append(("nation=FRA&response=ratified", current.Where(r => r.Nation == "FRA" && r.Kind == "ratified"))))
            {
                var (items, pages) = await ReadAllAsync(client, $"/v1/responses?limit=3{(query == "" ? "" : "&" + query)}");
                requests += pages;
                Compare(failures, who, $"/v1/responses?{query}", items, expected);
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {requests} answers broke the oracle:\n{string.Join('\n', failures.Take(30))}");
        _app.AssertNoServerErrorsOrContractViolations();
    }

    private static async Task<(JsonArray Items, int Pages)> ReadAllAsync(HttpClient client, string url)
    {
        var items = new JsonArray();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await client.GetJsonAsync(cursor is null ? url : $"{url}&cursor={cursor}");
            pages++;
            foreach (var item in page["items"]!.AsArray().ToList())
            {
                items.Add(item!.DeepClone());
            }
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        return (items, pages);
    }

    /// <summary>
    /// The label of a nation's current row as the reader sees it (no such row: the one 404): Releasable To names the
    /// audiences the row is released to now, revoked releases not, that the reader may know of — every one for NATO,
    /// its own community for anyone else.
    /// </summary>
    private static async Task CompareLabelAsync(List<string> failures, Reader who, HttpClient client, string url, Row? row)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue("application/json"));
        using var answer = await client.SendAsync(request);
        var body = await answer.Content.ReadAsStringAsync();
        if (row is null)
        {
            if (answer.StatusCode != HttpStatusCode.NotFound)
            {
                failures.Add($"{who.Name}: {url}: answered {(int)answer.StatusCode} {body} where the reader sees no current row");
            }
            return;
        }
        var information = answer.StatusCode == HttpStatusCode.OK ? JsonNode.Parse(body)!["originatorConfidentialityLabel"]!["confidentialityInformation"]! : null;
        var releasable = information?["categories"]!.AsArray().SelectMany(c => c!["genericValues"]!.AsArray().Select(v => v!.GetValue<string>())).ToList();
        var want = row.ReleasedTo.Where(a => who.Nato || a == (who.Community ?? "PUBLIC")).Order(StringComparer.Ordinal).ToList();
        if (releasable is null || !releasable.SequenceEqual(want))
        {
            failures.Add($"{who.Name}: {url}: the label of {row.Document} reads {(int)answer.StatusCode} {body}; Releasable To should be [{string.Join(", ", want)}]");
        }
    }

    private static void Compare(List<string> failures, Reader who, string url, JsonArray answer, IEnumerable<Row> expected)
    {
        var got = answer.Select(i => i!["implementingDocument"]!.GetValue<string>()).ToList();
        var want = expected.Select(r => r.Document).ToList();
        if (!got.SequenceEqual(want))
        {
            failures.Add($"{who.Name}: {url}: got [{string.Join(", ", got)}], the oracle says [{string.Join(", ", want)}]");
            return;
        }
        foreach (var item in answer)
        {
            var row = expected.Single(r => r.Document == item!["implementingDocument"]!.GetValue<string>());
            if (item!["response"]!.GetValue<string>() != row.Kind || item["classification"]!.GetValue<string>() != Levels[row.Level]
                || (item["recordedBy"] is not null) != who.Nato || item["intendedImplementation"]!.GetValue<string>() != "2027-01-31")
            {
                failures.Add($"{who.Name}: {url}: the row {row.Document} reads {item.ToJsonString()}");
            }
        }
    }

    // ------------------------------------------------------------------ who may record and release

    private async Task<string> PublishedAsync(string key, string level = "NR")
    {
        var editor = _app.As(TestCaller.Editor());
        await editor.CreateStandardAsync(key);
        await editor.CreateDraftAsync(key, level);
        await editor.PublishAsync(key, 1);
        return $"/v1/standards/{key}/versions/1/responses";
    }

    private static TestCaller Delegate(string nation, string clearance = "NS") => new($"delegate-{nation}@nato", "NATO", clearance, "delegate") { Nation = nation };

    [Fact]
    public async Task ADelegateRecordsItsOwnNationOnlyAndSeesAnotherNationsResponseOnlyOnceReleased()
    {
        var url = await PublishedAsync("resp-delegate");
        var france = _app.As(Delegate("FRA"));
        var germany = _app.As(Delegate("DEU"));
        var body = new { response = "ratified-with-reservations", reservation = "Only the 7.62 mm annex.", classification = "NC" };

        await RegistryClient.Expect(await france.PutAsJsonAsync($"{url}/FRA", body), HttpStatusCode.Created);
        var refused = await france.PutAsJsonAsync($"{url}/DEU", body);
        await RegistryClient.Expect(refused, HttpStatusCode.Forbidden);
        Assert.Contains("own nation (FRA)", await refused.Content.ReadAsStringAsync());
        // A NATO caller with the delegate role but no nation is no delegate; an EU caller never records.
        await RegistryClient.Expect(await _app.As(new TestCaller("d@nato", "NATO", "NS", "delegate")).PutAsJsonAsync($"{url}/FRA", body), HttpStatusCode.Forbidden);
        await RegistryClient.Expect(await _app.As(new TestCaller("d@eu", "EU", "NS", "delegate") { Nation = "FRA" }).PutAsJsonAsync($"{url}/FRA", body), HttpStatusCode.Forbidden);

        // Germany's delegate cannot see France's unreleased response; France's own delegate and NATO staff can.
        Assert.Empty(await germany.GetJsonArrayAsync(url));
        Assert.Empty(await germany.GetJsonArrayAsync($"{url}/FRA"));
        Assert.Single(await france.GetJsonArrayAsync(url));
        Assert.Single(await _app.As(TestCaller.NatoReader("NS")).GetJsonArrayAsync(url));

        var authority = _app.As(TestCaller.ReleaseAuthority());
        await RegistryClient.Expect(await authority.PutAsJsonAsync($"{url}/FRA/releases/EU", new { reason = "For harmonisation." }), HttpStatusCode.Created);
        await RegistryClient.Expect(await authority.PutAsJsonAsync($"{url}/FRA/releases/EU", new { reason = "For harmonisation." }), HttpStatusCode.OK);
        Assert.Single(await germany.GetJsonArrayAsync(url));
        // Below the response's marking, the release does not help.
        Assert.Empty(await _app.As(Delegate("DEU", "NR")).GetJsonArrayAsync(url));

        // The response's own STANAG 4774 label: its marking, and the audiences the reader may know it is released to.
        var json = new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue("application/json");
        async Task<(HttpStatusCode, string)> LabelAsync(HttpClient client, string nation)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{url}/{nation}/label");
            request.Headers.Accept.Add(json);
            using var answer = await client.SendAsync(request);
            return (answer.StatusCode, await answer.Content.ReadAsStringAsync());
        }
        await authority.ReleaseAsync("resp-delegate", 1, "EU");
        var (status, label) = await LabelAsync(_app.As(TestCaller.Eu("NS")), "FRA");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("CONFIDENTIEL UE/EU CONFIDENTIAL", label);
        Assert.Contains("\"EU\"", label);
        Assert.Contains("/responses/FRA", label);
        var low = _app.As(Delegate("DEU", "NR"));
        Assert.Equal(await LabelAsync(low, "ITA"), await LabelAsync(low, "FRA"));
        Assert.Equal(HttpStatusCode.NotFound, (await LabelAsync(low, "FRA")).Item1);
    }

    [Fact]
    public async Task ACallerSpeakingForANationWritesNoOtherNationsResponseInAnyRole()
    {
        var url = await PublishedAsync("resp-speaker");
        await _app.As(TestCaller.ReleaseAuthority()).ReleaseAsync("resp-speaker", 1, "EU");
        var body = new { response = "not-ratifying", classification = "NR" };
        await RegistryClient.Expect(await _app.As(Delegate("POL")).PutAsJsonAsync($"{url}/POL", body), HttpStatusCode.Created);
        await RegistryClient.Expect(await _app.As(Delegate("USA")).PutAsJsonAsync($"{url}/USA", new { response = "ratified", classification = "NU" }), HttpStatusCode.Created);
        await RegistryClient.Expect(await _app.As(TestCaller.ReleaseAuthority()).PutAsJsonAsync($"{url}/USA/releases/EU", new { reason = "Shared." }), HttpStatusCode.Created);
        var before = await _app.As(TestCaller.NatoReader("CTS")).GetStringAsync(url);

        // An editor and a release authority who speak for France do not see Poland's unreleased response, and see the
        // United States' released one.
        var editor = _app.As(new TestCaller("editor-fra@nato", "NATO", "CTS", "editor") { Nation = "FRA" });
        var authority = _app.As(new TestCaller("ra-fra@nato", "NATO", "CTS", "release-authority") { Nation = "FRA" });
        Assert.Empty(await editor.GetJsonArrayAsync($"{url}/POL"));
        Assert.Single(await authority.GetJsonArrayAsync($"{url}/USA"));

        // Neither writes for another nation, whatever that nation holds: Poland's unreleased row, the United States'
        // released one, Greece nothing. One 403, from the principal and the URL alone; nothing written.
        async Task<(HttpStatusCode, string)> Ask(Task<HttpResponseMessage> request)
        {
            var response = await request;
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        var refused = await Ask(editor.PutAsJsonAsync($"{url}/GRC", body));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Item1);
        Assert.Contains("(FRA)", refused.Item2);
        foreach (var nation in new[] { "POL", "USA" })
        {
            Assert.Equal(refused, await Ask(editor.PutAsJsonAsync($"{url}/{nation}", body)));
        }
        foreach (var nation in new[] { "POL", "USA", "GRC" })
        {
            Assert.Equal(refused, await Ask(authority.PutAsJsonAsync($"{url}/{nation}/releases/PUBLIC", new { reason = "Probe." })));
            Assert.Equal(refused, await Ask(authority.DeleteAsync($"{url}/{nation}/releases/EU")));
        }
        Assert.Equal(before, await _app.As(TestCaller.NatoReader("CTS")).GetStringAsync(url));

        // Its own nation's response is theirs to record and release.
        await RegistryClient.Expect(await editor.PutAsJsonAsync($"{url}/FRA", new { response = "ratified", classification = "NU" }), HttpStatusCode.Created);
        await RegistryClient.Expect(await authority.PutAsJsonAsync($"{url}/FRA/releases/EU", new { reason = "Shared." }), HttpStatusCode.Created);
        await RegistryClient.Expect(await authority.DeleteAsync($"{url}/FRA/releases/EU"), HttpStatusCode.NoContent);
        _app.AssertNoServerErrorsOrContractViolations();
    }

    [Fact]
    public async Task ANewerRowAWriterMayNotSeeChangesNothingItsWritesAnswer()
    {
        // The United States' NATO UNCLASSIFIED response, then a newer NATO SECRET one: a writer cleared NATO CONFIDENTIAL
        // reads the first as the current one, and so must its writes (found by WriteNonInterferenceTests: releasing was
        // the 404 of a nation that recorded none, and repeating the row it reads added a row, where without the newer
        // row the one it reads is released and answered).
        var url = await PublishedAsync("resp-newer-hidden", "NU");
        await _app.As(TestCaller.ReleaseAuthority()).ReleaseAsync("resp-newer-hidden", 1, "PUBLIC");
        var seen = new { response = "ratified", classification = "NU" };
        var first = await _app.As(TestCaller.Editor()).PutAsJsonAsync($"{url}/USA", seen);
        await RegistryClient.Expect(first, HttpStatusCode.Created);
        await RegistryClient.Expect(await _app.As(TestCaller.Editor()).PutAsJsonAsync($"{url}/USA", new { response = "not-ratifying", classification = "NS" }), HttpStatusCode.Created);
        var editor = _app.As(TestCaller.Editor("NC"));
        var id = (await first.JsonAsync())["id"]!.GetValue<string>();
        Assert.Equal(id, (await editor.GetJsonArrayAsync($"{url}/USA")).Single()!["id"]!.GetValue<string>());

        var repeated = await editor.PutAsJsonAsync($"{url}/USA", seen);
        await RegistryClient.Expect(repeated, HttpStatusCode.OK);
        Assert.Equal(id, (await repeated.JsonAsync())["id"]!.GetValue<string>());
        var authority = _app.As(TestCaller.ReleaseAuthority("NC"));
        await RegistryClient.Expect(await authority.PutAsJsonAsync($"{url}/USA/releases/PUBLIC", new { reason = "Shared." }), HttpStatusCode.Created);
        Assert.Equal(id, (await _app.Anonymous().GetJsonArrayAsync(url)).Single()!["id"]!.GetValue<string>());
        await RegistryClient.Expect(await authority.DeleteAsync($"{url}/USA/releases/PUBLIC"), HttpStatusCode.NoContent);
        _app.AssertNoServerErrorsOrContractViolations();
    }

    [Fact]
    public async Task RevokingReachesNoRowAboveTheRevokersClearance()
    {
        // The United States' NATO UNCLASSIFIED response, then a newer NATO SECRET one, each released to the EU. A release
        // authority cleared NATO CONFIDENTIAL revokes "the United States' responses to the EU": the rows it may see. The
        // NATO SECRET row's release is not its to revoke (it may not know the row exists), so an EU reader cleared EU
        // SECRET keeps reading it; and where only a row above its clearance is released, its revoke is the 404 of no
        // release and revokes nothing.
        var url = await PublishedAsync("resp-revoke-above", "NU");
        var cleared = _app.As(TestCaller.ReleaseAuthority());
        await cleared.ReleaseAsync("resp-revoke-above", 1, "EU");
        var editor = _app.As(TestCaller.Editor());
        await RegistryClient.Expect(await editor.PutAsJsonAsync($"{url}/USA", new { response = "ratified", classification = "NU" }), HttpStatusCode.Created);
        await RegistryClient.Expect(await cleared.PutAsJsonAsync($"{url}/USA/releases/EU", new { reason = "Shared." }), HttpStatusCode.Created);
        await RegistryClient.Expect(await editor.PutAsJsonAsync($"{url}/USA", new { response = "not-ratifying", classification = "NS" }), HttpStatusCode.Created);
        await RegistryClient.Expect(await cleared.PutAsJsonAsync($"{url}/USA/releases/EU", new { reason = "Shared." }), HttpStatusCode.Created);
        await RegistryClient.Expect(await editor.PutAsJsonAsync($"{url}/NOR", new { response = "ratified", classification = "NS" }), HttpStatusCode.Created);
        await RegistryClient.Expect(await cleared.PutAsJsonAsync($"{url}/NOR/releases/EU", new { reason = "Shared." }), HttpStatusCode.Created);
        var eu = _app.As(TestCaller.Eu("NS"));
        var before = await eu.GetStringAsync(url);
        Assert.Contains("not-ratifying", before);

        var authority = _app.As(TestCaller.ReleaseAuthority("NC"));
        await RegistryClient.Expect(await authority.DeleteAsync($"{url}/USA/releases/EU"), HttpStatusCode.NoContent);
        await RegistryClient.Expect(await authority.DeleteAsync($"{url}/NOR/releases/EU"), HttpStatusCode.NotFound);

        Assert.Equal(before, await eu.GetStringAsync(url));
        Assert.Empty(await _app.As(TestCaller.Eu("NC")).GetJsonArrayAsync(url));
        _app.AssertNoServerErrorsOrContractViolations();
    }

    [Fact]
    public async Task AReleaseAuthorityLearnsNothingOfTheResponsesToADraft()
    {
        // Drafts exist for editors only: a release authority reads a draft's responses as an absent edition's, and so must
        // releasing them answer. Germany's response to a draft: releasing it answered the response's marking (422),
        // releasing France's (none) that France recorded none (404), releasing Germany's to the EU made a release (201).
        var editor = _app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("resp-draft");
        await editor.PublishAsync("resp-draft", await editor.CreateDraftAsync("resp-draft"));
        Assert.Equal(2, await editor.CreateDraftAsync("resp-draft"));
        var url = "/v1/standards/resp-draft/versions/2/responses";
        await RegistryClient.Expect(await editor.PutAsJsonAsync($"{url}/DEU", new { response = "ratified", classification = "NC" }), HttpStatusCode.Created);

        var authority = _app.As(TestCaller.ReleaseAuthority("NS"));
        await RegistryClient.Expect(await authority.GetAsync(url), HttpStatusCode.NotFound);
        var answers = new List<(HttpStatusCode Status, string Body)>();
        foreach (var (nation, audience) in new[] { ("DEU", "PUBLIC"), ("FRA", "PUBLIC"), ("DEU", "EU"), ("FRA", "EU") })
        {
            using var answer = await authority.PutAsJsonAsync($"{url}/{nation}/releases/{audience}", new { reason = "Probe." });
            answers.Add((answer.StatusCode, (await answer.Content.ReadAsStringAsync()).Replace(nation, "<nation>", StringComparison.Ordinal)));
        }
        using var absent = await authority.PutAsJsonAsync("/v1/standards/resp-draft/versions/3/responses/DEU/releases/EU", new { reason = "Probe." });
        var absentBody = await absent.Content.ReadAsStringAsync();
        Assert.All(answers, a => Assert.Equal((absent.StatusCode, absentBody), a));
        Assert.DoesNotContain("CONFIDENTIAL", answers[0].Body, StringComparison.Ordinal);
        // Nothing was released: once published, the response is released to no one.
        await editor.PublishAsync("resp-draft", 2);
        await authority.ReleaseAsync("resp-draft", 2, "EU");
        Assert.Empty(await _app.As(TestCaller.Eu("NS")).GetJsonArrayAsync(url));
        _app.AssertNoServerErrorsOrContractViolations();
    }

    [Fact]
    public async Task ADraftsResponsesAreReleasedOnceItIsPublishedWhateverTheReleaseAuthoritysOtherRoles()
    {
        // Releasing a draft edition is refused (409); until 2026-12-07 releasing a response to it was too for a release
        // authority who is no editor (404: the draft is absent for it), but made a release (201) for one who is also an
        // editor, released ahead of a text that may still change.
        var editor = _app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("resp-draft-both");
        var url = "/v1/standards/resp-draft-both/versions/1/responses";
        await editor.CreateDraftAsync("resp-draft-both", "NU");
        await RegistryClient.Expect(await editor.PutAsJsonAsync($"{url}/DEU", new { response = "ratified", classification = "NU" }), HttpStatusCode.Created);
        var both = _app.As(new TestCaller("both@nato", "NATO", "CTS", "editor", "release-authority"));
        var feed = await both.GetStringAsync("/v1/feed?limit=100");

        var refused = await both.PutAsJsonAsync($"{url}/DEU/releases/EU", new { reason = "Shared." });

        await ProblemAsync(refused, HttpStatusCode.Conflict, "Edition 1 is a draft");
        Assert.Equal(feed, await both.GetStringAsync("/v1/feed?limit=100"));
        await editor.PublishAsync("resp-draft-both", 1);
        await RegistryClient.Expect(await both.PutAsJsonAsync("/v1/standards/resp-draft-both/versions/1/releases/EU", new { reason = "Shared." }), HttpStatusCode.Created);
        Assert.Empty(await _app.As(TestCaller.Eu("NS")).GetJsonArrayAsync(url));
        await RegistryClient.Expect(await both.PutAsJsonAsync($"{url}/DEU/releases/EU", new { reason = "Shared." }), HttpStatusCode.Created);
        Assert.Single(await _app.As(TestCaller.Eu("NS")).GetJsonArrayAsync(url));
        _app.AssertNoServerErrorsOrContractViolations();
    }

    [Fact]
    public async Task RepeatingAResponseReleaseForAnotherReasonIsAConflictAndTheRecordKeepsItsReason()
    {
        // As for an edition's release: the same reason repeats the release (200), another is a conflict, never a 200
        // answering a record without it (until 2026-12-07).
        var url = await PublishedAsync("resp-reason");
        var editor = _app.As(TestCaller.Editor());
        var authority = _app.As(TestCaller.ReleaseAuthority());
        await RegistryClient.Expect(await editor.PutAsJsonAsync($"{url}/DEU", new { response = "ratified", classification = "NU" }), HttpStatusCode.Created);
        await RegistryClient.Expect(await authority.PutAsJsonAsync($"{url}/DEU/releases/EU", new { reason = "Shared." }), HttpStatusCode.Created);
        await RegistryClient.Expect(await authority.PutAsJsonAsync($"{url}/DEU/releases/EU", new { reason = "Shared." }), HttpStatusCode.OK);

        var other = await authority.PutAsJsonAsync($"{url}/DEU/releases/EU", new { reason = "Asked for by the EDA." });

        await ProblemAsync(other, HttpStatusCode.Conflict, "revoke it");
        using var db = TestDb.Open(_app.Provider, _app.ConnectionString);
        Assert.Equal(["Shared."], await db.ReadAsync(async s => (await s.QueryAsync<string>("SELECT reason FROM response_releases")).ToList()));
        _app.AssertNoServerErrorsOrContractViolations();
    }

    [Fact]
    public async Task AWithdrawnEditionTakesNoNewResponseNorReleaseAndARefusalLeavesNothingBehind()
    {
        // A withdrawn edition is no longer in force: nations do not ratify it, and what was not released of it before the
        // withdrawal is not released after (as the edition itself is not: 409). A response recorded and released while it
        // was in force keeps its history, and its releases may still be revoked. Until 2026-12-07 both were accepted: a
        // ratification of a cancelled edition went on record and into NATO's feed, and a release was made of it.
        var url = await PublishedAsync("resp-withdrawn");
        var editor = _app.As(TestCaller.Editor());
        var authority = _app.As(TestCaller.ReleaseAuthority());
        var admin = _app.As(TestCaller.Admin());
        await RegistryClient.Expect(await editor.PutAsJsonAsync($"{url}/DEU", new { response = "ratified", classification = "NU" }), HttpStatusCode.Created);
        await RegistryClient.Expect(await authority.PutAsJsonAsync($"{url}/DEU/releases/EU", new { reason = "Shared." }), HttpStatusCode.Created);
        await editor.WithdrawAsync("resp-withdrawn", 1);
        var matrix = await editor.GetStringAsync(url);
        var feed = await editor.GetStringAsync("/v1/feed?limit=100");

        var refused = new[]
        {
            await editor.PutAsJsonAsync($"{url}/FRA", new { response = "ratified", classification = "NU" }),
            await _app.As(Delegate("DEU")).PutAsJsonAsync($"{url}/DEU", new { response = "not-ratifying", classification = "NU" }),
            await authority.PutAsJsonAsync($"{url}/DEU/releases/PUBLIC", new { reason = "Shared." }),
        };
        foreach (var answer in refused)
        {
            await RegistryClient.Expect(answer, HttpStatusCode.Conflict);
            Assert.Contains("Edition 1 is withdrawn", await answer.Content.ReadAsStringAsync());
        }
        Assert.Equal(matrix, await editor.GetStringAsync(url));
        Assert.Empty(await editor.GetJsonArrayAsync($"{url}/FRA"));
        Assert.Equal(feed, await editor.GetStringAsync("/v1/feed?limit=100"));
        var ids = refused.Select(r => r.Headers.GetValues("Registry-Request-Id").Single()).ToHashSet();
        var entries = await admin.AuditEntriesAsync("key=resp-withdrawn&limit=100", e => ids.All(id => e.Any(x => x["requestId"]!.GetValue<string>() == id)));
        var theirs = entries.Where(e => ids.Contains(e["requestId"]!.GetValue<string>())).ToList();
        Assert.Equal(3, theirs.Count);
        Assert.All(theirs, e => Assert.Equal(409, e["status"]!.GetValue<int>()));

        // What was released while the edition was in force may still be taken back.
        await RegistryClient.Expect(await authority.DeleteAsync($"{url}/DEU/releases/EU"), HttpStatusCode.NoContent);
        _app.AssertNoServerErrorsOrContractViolations();
    }

    [Fact]
    public async Task RecordingKeepsHistoryRepeatsNothingAndRefusesWhatIsWrong()
    {
        var url = await PublishedAsync("resp-history");
        var editor = _app.As(TestCaller.Editor());
        var first = new { response = "no-response", classification = "NU" };
        await RegistryClient.Expect(await editor.PutAsJsonAsync($"{url}/ITA", first), HttpStatusCode.Created);
        await RegistryClient.Expect(await editor.PutAsJsonAsync($"{url}/ITA", first), HttpStatusCode.OK);
        var second = new { response = "ratified", intendedImplementation = "2026-06-01", actualImplementation = "2026-09-15", implementingDocument = "Décret n° 2026-12", classification = "NR" };
        var created = await editor.PutAsJsonAsync($"{url}/ITA", second);
        await RegistryClient.Expect(created, HttpStatusCode.Created);

        var history = await editor.GetJsonArrayAsync($"{url}/ITA");
        Assert.Equal(["no-response", "ratified"], history.Select(h => h!["response"]!.GetValue<string>()));
        // The 201 answers the response as it reads back (its standard's designation included), not as it was sent.
        Assert.Equal(history[^1]!.ToJsonString(), (await created.JsonAsync()).ToJsonString());
        var current = Assert.Single(await editor.GetJsonArrayAsync(url))!;
        Assert.Equal("2026-09-15", current["actualImplementation"]!.GetValue<string>());
        Assert.Equal("Décret n° 2026-12", current["implementingDocument"]!.GetValue<string>());

        // Every problem of a body at once; a nation code that is not one; a nation that is not in the table.
        var bad = await editor.PutAsJsonAsync($"{url}/ITA", new { response = "ratified", reservation = "but", classification = "SECRETISH" });
        await RegistryClient.Expect(bad, HttpStatusCode.BadRequest);
        var errors = (await bad.JsonAsync())["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("reservation") && errors.ContainsKey("classification"), errors.ToJsonString());
        var missing = await editor.PutAsJsonAsync($"{url}/ITA", new { response = "ratified-with-reservations", classification = "NU" });
        Assert.True((await missing.JsonAsync())["errors"]!.AsObject().ContainsKey("reservation"));
        // An edition not ratified has not been implemented: an actual implementation date with either is named.
        foreach (var notRatified in new[] { "not-ratifying", "no-response" })
        {
            var implemented = await editor.PutAsJsonAsync($"{url}/ITA", new { response = notRatified, actualImplementation = "2026-09-15", classification = "NU" });
            await RegistryClient.Expect(implemented, HttpStatusCode.BadRequest);
            Assert.Equal(["actualImplementation"], (await implemented.JsonAsync())["errors"]!.AsObject().Select(e => e.Key));
        }
        await RegistryClient.Expect(await editor.PutAsJsonAsync($"{url}/ita", first), HttpStatusCode.BadRequest);
        var unknown = await editor.PutAsJsonAsync($"{url}/XXX", first);
        await RegistryClient.Expect(unknown, HttpStatusCode.NotFound);
        Assert.Contains("no nation 'XXX'", await unknown.Content.ReadAsStringAsync());
        await RegistryClient.Expect(await _app.As(TestCaller.Editor("NR")).PutAsJsonAsync($"{url}/ITA", new { response = "ratified", classification = "NS" }), HttpStatusCode.Forbidden);
        await RegistryClient.Expect(await editor.GetAsync("/v1/responses?nation=fr&response=maybe&limit=0"), HttpStatusCode.BadRequest);

        // A response above an audience's accreditation is not released to it; nothing is released that is not recorded.
        var authority = _app.As(TestCaller.ReleaseAuthority());
        await RegistryClient.Expect(await authority.PutAsJsonAsync($"{url}/ITA/releases/PUBLIC", new { reason = "x" }), HttpStatusCode.UnprocessableEntity);
        await RegistryClient.Expect(await authority.PutAsJsonAsync($"{url}/ESP/releases/EU", new { reason = "x" }), HttpStatusCode.NotFound);
        await RegistryClient.Expect(await authority.DeleteAsync($"{url}/ITA/releases/EU"), HttpStatusCode.NotFound);
        Assert.Equal(2, (await editor.GetJsonArrayAsync($"{url}/ITA")).Count);
        _app.AssertNoServerErrorsOrContractViolations();
    }
}
