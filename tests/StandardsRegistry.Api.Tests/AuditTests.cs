using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Data;
using StandardsRegistry.Tests.Support;
using static StandardsRegistry.Api.Tests.Support.ProblemAssertions;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// The audit trail: who read or changed what, when, with what outcome; append-only and hash-chained, so any
/// edit or removal of an entry is found by GET /v1/audit/verify; reads recorded in batches without losing one.
/// </summary>
public abstract class AuditTests(TestProvider provider) : IAsyncLifetime
{
    // A table design, so that capability tables can be published and read (CapabilityTableTests.Targets' horizons);
    // response bodies that break where a request asks them to.
    private readonly RegistryApp _app = new RegistryApp(provider: provider)
        .WithHorizons(2027, 2029)
        .WithServices(s => s.AddSingleton<IStartupFilter, BreakingResponseBodies>());
    private HttpClient _editor = null!;
    private HttpClient _authority = null!;
    private HttpClient _admin = null!;

    public ValueTask InitializeAsync()
    {
        _app.Start();
        _editor = _app.As(TestCaller.Editor());
        _authority = _app.As(TestCaller.ReleaseAuthority());
        _admin = _app.As(TestCaller.Admin());
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    /// <summary>stanag-1: edition 1 (NR) published and released to the EU; edition 2 (NC) published, not released.</summary>
    private async Task PublishedAndReleasedAsync()
    {
        await _editor.CreateStandardAsync("stanag-1");
        await _editor.PublishAsync("stanag-1", await _editor.CreateDraftAsync("stanag-1", "NR"));
        await _authority.ReleaseAsync("stanag-1", 1, "EU");
        await _editor.PublishAsync("stanag-1", await _editor.CreateDraftAsync("stanag-1", "NC"));
    }

    /// <summary>
    /// A request answered after the audit writer has stopped — one that outlived the server, the host's shutdown timeout
    /// having run out while it was handled — is still recorded: with the queue closed its entry is written directly, a
    /// content read's before its content leaves. Dropping such an entry passed every suite, since no test made a request
    /// after the writer stopped; here the writer is stopped as the host stops it.
    /// </summary>
    [Fact]
    public async Task ARequestAnsweredAfterTheAuditWriterHasStoppedIsStillRecorded()
    {
        await PublishedAndReleasedAsync();
        var eu = _app.As(TestCaller.Eu("NR"));
        await _app.Services.GetRequiredService<Audit.AuditTrail>().StoppedAsync(CancellationToken.None);

        var read = await eu.GetAsync("/v1/standards/stanag-1/versions/1");
        var probe = await eu.GetAsync("/v1/standards/stanag-1/versions/9");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.NotFound), (read.StatusCode, probe.StatusCode));
        async Task<string?> OnRecordAsync(HttpResponseMessage answer) => await Database().ReadAsync(c => c.QuerySingleOrDefaultAsync<AuditRow>(
            "SELECT action AS Action, status AS Status FROM audit_log WHERE request_id = @id", new { id = answer.Headers.GetValues("Registry-Request-Id").Single() })) is { } row
            ? $"{row.Action} {row.Status}"
            : null;
        Assert.Equal("version.read 200", await OnRecordAsync(read));
        Assert.Equal("version.read 404", await OnRecordAsync(probe));
    }

    /// <summary>
    /// The entries about a key, as the admin API gives them, once at least <paramref name="count"/> of them are written
    /// (within 10 s, else the test fails saying how many there are).
    /// </summary>
    private async Task<List<JsonObject>> EntriesAsync(string key, int count, string? action = null)
    {
        var entries = new List<JsonObject>();
        await Wait.UntilAsync(
            async () =>
            {
                entries = [.. (await _admin.EveryItemAsync($"/v1/audit?key={key}&limit=100")).Where(e => action is null || (string?)e["action"] == action)];
                return entries.Count >= count;
            },
            TimeSpan.FromSeconds(10),
            () => $"{count} entries about {key}{(action is null ? "" : $" of {action}")}; {entries.Count} are: {string.Join("; ", entries.Select(e => $"{e["action"]} {e["status"]}"))}");
        return entries;
    }

    private Db Database()
    {
        var dialect = SqlDialect.For(_app.Provider.Name);
        return new Db(dialect, dialect.Normalize(_app.ConnectionString), ResiliencePipeline.Empty);
    }

    private async Task<int> ExecuteAsync(string sql, object? parameters = null) =>
        (await Database().WriteAsync(async c => Result.Done(await c.ExecuteAsync(sql, parameters)))).Value;

    private async Task<JsonObject> VerifyAsync() => await _admin.GetJsonAsync("/v1/audit/verify");

    /// <summary>The admin's first page of the trail, answered 200 (tampering with an entry must not make it a 500).</summary>
    private async Task<List<JsonObject>> FirstPageAsync() =>
        [.. (await _admin.GetJsonAsync("/v1/audit?limit=100"))["items"]!.AsArray().Select(e => e!.AsObject())];

    /// <summary>
    /// A verification's answer finds the trail broken, first at entry <paramref name="sequence"/>, with a problem that
    /// says <paramref name="problem"/> when given.
    /// </summary>
    private static void AssertBrokenAt(JsonObject result, long sequence, string? problem = null)
    {
        Assert.False((bool)result["valid"]!, result.ToJsonString());
        Assert.Equal(sequence, (long?)result["firstBrokenSequence"]);
        if (problem is not null)
        {
            Assert.Contains(problem, (string)result["problem"]!, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Entry <paramref name="sequence"/> rewritten as someone else's, with its hash recomputed over the forged content (a
    /// forger who knows how entries are hashed) or left as it was.
    /// </summary>
    private async Task ForgeSubjectAsync(long sequence, bool recomputeHash)
    {
        var row = await Database().ReadAsync(c => c.QuerySingleAsync<AuditRow>(
            "SELECT sequence AS Sequence, at AS At, action AS Action, status AS Status, subject AS Subject, community AS Community, roles AS Roles, standard_key AS StandardKey, edition AS Edition, classification AS Classification, detail AS Detail, client_address AS ClientAddress, request_id AS RequestId, issuer AS Issuer, previous_hash AS PreviousHash, hash AS Hash FROM audit_log WHERE sequence = @sequence",
            new { sequence }));
        var forged = new AuditEntry(row.At, row.Action, (int)row.Status, "someone-else", row.Community, row.Roles, row.StandardKey, (int?)row.Edition,
            (Domain.Classification?)row.Classification, row.Detail, row.ClientAddress, row.RequestId, row.Issuer);
        await ExecuteAsync("UPDATE audit_log SET subject = 'someone-else', hash = @hash WHERE sequence = @sequence",
            new { sequence, hash = recomputeHash ? AuditLog.HashOf(sequence, forged, row.PreviousHash) : row.Hash });
    }

    [Fact]
    public async Task AContentReadIsRecordedWithWhoWhatWhenAndItsOutcome()
    {
        await PublishedAndReleasedAsync();
        var eu = _app.As(TestCaller.Eu("NS"));

        var first = await eu.GetAsync("/v1/standards/stanag-1/versions/1");
        var again = new HttpRequestMessage(HttpMethod.Get, "/v1/standards/stanag-1/versions/1");
        again.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(first.Headers.ETag!.ToString()));
        var notModified = await eu.SendAsync(again);
        await eu.GetAsync("/v1/standards/stanag-1/versions/latest");
        await eu.GetAsync("/v1/standards/stanag-1/versions/1/label");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.NotModified), (first.StatusCode, notModified.StatusCode));
        var reads = (await EntriesAsync("stanag-1", 10)).Where(e => ((string)e["action"]!).Contains("read", StringComparison.Ordinal)).ToList();
        Assert.Equal(["version.read", "version.read", "version.read-latest", "label.read"], reads.Select(e => (string)e["action"]!));
        Assert.Equal([200, 304, 200, 200], reads.Select(e => (int)e["status"]!));
        Assert.All(reads, e =>
        {
            Assert.Equal("consumer-NS@eu", (string?)e["subject"]);
            Assert.Equal(Tokens.Issuer, (string?)e["issuer"]);
            Assert.Equal("EU", (string?)e["community"]);
            Assert.Equal(["consumer"], e["roles"]!.AsArray().Select(r => (string)r!));
            Assert.Equal(1, (int?)e["edition"]);
            Assert.Equal("NR", (string?)e["classification"]);
            Assert.False(string.IsNullOrEmpty((string?)e["requestId"]));
            Assert.Equal(_app.Clock.GetUtcNow().ToUnixTimeMilliseconds(), DateTimeOffset.Parse((string)e["at"]!).ToUnixTimeMilliseconds());
        });
    }

    /// <summary>
    /// The entries of <paramref name="subject"/>, oldest first, once <paramref name="until"/> holds for them (within 10 s).
    /// A content read answered 200 is committed before its answer; anything else is queued, so it is waited for.
    /// </summary>
    private Task<List<JsonObject>> EntriesOfAsync(string subject, Func<List<JsonObject>, bool>? until = null) =>
        _admin.AuditEntriesAsync($"subject={Uri.EscapeDataString(subject)}&limit=100", until ?? (_ => true));

    [Fact]
    public async Task ATableReadIsRecordedWithTheMarkingTheTableIsServedWith()
    {
        var planner = _app.As(new TestCaller("planner-CTS@nato", "NATO", "CTS", "planner"));
        await planner.RecordTargetsAsync(2025, "NS");
        var eu = _app.As(TestCaller.Eu("NS"));
        var industry = _app.As(new TestCaller("buyer-NR@industry", "INDUSTRY", "NR", "consumer"));
        // Nothing published yet: a list of no table carries no marking.
        Assert.Empty(await eu.GetJsonArrayAsync("/v1/capability-tables"));
        await _authority.PublishTableAsync(2025, "EU", "NS");
        await _authority.PublishTableAsync(2025, "INDUSTRY", "NR");

        // The EU reads its table in its own scheme (SECRET UE/EU SECRET); the entry names the level on the one scale.
        var table = await eu.GetJsonAsync("/v1/capability-tables/2025/EU");
        Assert.Equal(("NS", "SECRET UE/EU SECRET"), ((string?)table["classification"], (string?)table["equivalentMarking"]));
        await RegistryClient.Expect(await eu.GetAsync("/v1/capability-tables/2025/EU?format=csv"), HttpStatusCode.OK);
        using (var label = new HttpRequestMessage(HttpMethod.Get, "/v1/capability-tables/2025/EU/label"))
        {
            label.Headers.Accept.ParseAdd("application/json");
            await RegistryClient.Expect(await eu.SendAsync(label), HttpStatusCode.OK);
        }
        Assert.Single(await eu.GetJsonArrayAsync("/v1/capability-tables"));
        Assert.Single(await industry.GetJsonArrayAsync("/v1/capability-tables"));
        // A list names the highest marking among the tables it lists (NATO sees both).
        Assert.Equal(2, (await _app.As(TestCaller.NatoReader("NS")).GetJsonArrayAsync("/v1/capability-tables")).Count);
        await ProblemAsync(await industry.GetAsync("/v1/capability-tables/2025/EU"), HttpStatusCode.NotFound);

        static string Line(JsonObject e) => $"{e["action"]} {e["status"]} {e["classification"]?.GetValue<string>() ?? "-"} {e["detail"]?.GetValue<string>() ?? "-"}";
        Assert.Equal(
            ["table.read 200 - view EU.3: 0 tables", "table.read 200 NS cycle=2025 audience=EU", "table.read 200 NS cycle=2025 audience=EU", "label.read 200 NS cycle=2025 audience=EU",
                "table.read 200 NS view EU.3: 1 tables"],
            (await EntriesOfAsync("consumer-NS@eu")).Select(Line));
        // A table the caller may not see leaves nothing of it in the entry, its marking included.
        Assert.Equal(["table.read 200 NR view INDUSTRY.1: 1 tables", "table.read 404 - cycle=2025 audience=EU"], (await EntriesOfAsync("buyer-NR@industry", e => e.Count >= 2)).Select(Line));
        Assert.Equal(["table.read 200 NS view NATO.3: 2 tables"], (await EntriesOfAsync("reader-NS@nato")).Select(Line));

        // Revoked, the EU's NS table is still listed to NATO, and the list's entry still carries its marking (with revoked
        // tables left out of the highest it said NR; until 2026-12-08 no list audited held a revoked table).
        await _authority.RevokeTableAsync(2025, "EU");
        var listed = await _app.As(TestCaller.NatoReader("NS")).GetJsonArrayAsync("/v1/capability-tables");
        Assert.Equal(["EU NS revoked", "INDUSTRY NR active"], listed.Select(t => $"{t!["audience"]} {t["classification"]} {t["state"]}"));
        Assert.Equal(["table.read 200 NS view NATO.3: 2 tables", "table.read 200 NS view NATO.3: 2 tables"],
            (await EntriesOfAsync("reader-NS@nato", e => e.Count >= 2)).Select(Line));
    }

    /// <summary>
    /// A feed page and an export that carry a capability table name its marking, as a table read does: an EU reader
    /// cleared NS given the EU's NS table (and nothing else) by each.
    /// </summary>
    [Fact]
    public async Task AFeedPageAndAnExportCarryingATableAreRecordedWithItsMarking()
    {
        var planner = _app.As(new TestCaller("planner-CTS@nato", "NATO", "CTS", "planner"));
        await planner.RecordTargetsAsync(2025, "NS");
        await _authority.PublishTableAsync(2025, "EU", "NS");
        var eu = _app.As(TestCaller.Eu("NS"));
        Assert.Equal(["table"], (await eu.GetJsonAsync("/v1/feed"))["events"]!.AsArray().Select(e => (string)e!["subject"]!));
        await RegistryClient.Expect(await eu.GetAsync("/v1/export"), HttpStatusCode.OK);

        static string Line(JsonObject e) => $"{e["action"]} {e["status"]} {e["classification"]?.GetValue<string>() ?? "-"}";
        Assert.Equal(["feed.read 200 NS", "catalogue.export 200 -", "catalogue.export-end 200 NS"],
            (await EntriesOfAsync("consumer-NS@eu", e => e.Any(x => (string)x["action"]! == "catalogue.export-end"))).Select(Line));
    }

    [Fact]
    public async Task FeedPagesResponseListsAndTargetReadsRecordTheHighestMarkingTheyServe()
    {
        // stanag-a 1 (NR) with FRA's NU response, stanag-b 1 (NS) with FRA's NC response; targets NR, one of them NC.
        foreach (var (key, level, response) in new[] { ("stanag-a", "NR", "NU"), ("stanag-b", "NS", "NC") })
        {
            await _editor.CreateStandardAsync(key);
            await _editor.PublishAsync(key, await _editor.CreateDraftAsync(key, level));
            await RegistryClient.Expect(await _editor.PutAsJsonAsync($"/v1/standards/{key}/versions/1/responses/FRA", new
            {
                response = "ratified", implementingDocument = "DOC-1", intendedImplementation = "2027-01-31", classification = response,
            }), HttpStatusCode.Created);
        }
        var planner = _app.As(new TestCaller("planner-CTS@nato", "NATO", "CTS", "planner"));
        foreach (var (i, (nation, capability, horizon, quantity)) in CapabilityTableTests.Targets.Index())
        {
            await RegistryClient.Expect(await planner.PutAsJsonAsync($"/v1/capability-targets/2025/{nation}/{capability}/{horizon}",
                new { quantity, classification = i == 0 ? "NC" : "NR" }), HttpStatusCode.Created);
        }

        var ns = _app.As(TestCaller.NatoReader("NS"));
        var nr = _app.As(TestCaller.NatoReader("NR"));
        foreach (var reader in new[] { ns, nr })
        {
            Assert.NotEmpty((await reader.GetJsonAsync("/v1/feed"))["events"]!.AsArray());
            Assert.NotEmpty((await reader.GetJsonAsync("/v1/responses"))["items"]!.AsArray());
            await RegistryClient.Expect(await reader.GetAsync("/v1/capability-targets/2025"), HttpStatusCode.OK);
        }
        await RegistryClient.Expect(await ns.GetAsync("/v1/capability-targets/2025/preview"), HttpStatusCode.OK);

        static string Line(JsonObject e) => $"{e["action"]} {e["status"]} {e["classification"]?.GetValue<string>() ?? "-"}";
        Assert.Equal(["feed.read 200 NS", "response.read 200 NC", "target.read 200 NC", "target.read 200 NC"], (await EntriesOfAsync("reader-NS@nato")).Select(Line));
        // What the reader cleared NR is served is all NR or below: the NS edition, the NC response and the NC target are not.
        Assert.Equal(["feed.read 200 NR", "response.read 200 NU", "target.read 200 NR"], (await EntriesOfAsync("reader-NR@nato")).Select(Line));
    }

    /// <summary>
    /// A response read records the highest marking among the rows it serves, wherever that row is: a nation's history is
    /// oldest first and a matrix is by nation, so the first row may be marked lower than a later one. A page of
    /// /v1/responses records what the page serves, not the row read beyond it to learn whether there is a next page.
    /// </summary>
    [Fact]
    public async Task AResponseReadRecordsTheHighestMarkingOfTheRowsItServesAndOfNoOther()
    {
        await _editor.CreateStandardAsync("stanag-a");
        await _editor.PublishAsync("stanag-a", await _editor.CreateDraftAsync("stanag-a", "NS"));
        foreach (var (nation, level) in new[] { ("DEU", "NU"), ("FRA", "NU"), ("FRA", "NC") })
        {
            using var recorded = await _editor.PutAsJsonAsync($"/v1/standards/stanag-a/versions/1/responses/{nation}", new
            {
                response = "ratified", implementingDocument = "DOC-1", intendedImplementation = "2027-01-31", classification = level,
            });
            Assert.True(recorded.IsSuccessStatusCode, $"{recorded.StatusCode}");
        }
        var reader = _app.As(TestCaller.NatoReader("NS"));

        Assert.Equal(["NU", "NC"], (await reader.GetJsonArrayAsync("/v1/standards/stanag-a/versions/1/responses/FRA")).Select(r => (string)r!["classification"]!));
        Assert.Equal(["DEU NU", "FRA NC"], (await reader.GetJsonArrayAsync("/v1/standards/stanag-a/versions/1/responses")).Select(r => $"{r!["nation"]} {r["classification"]}"));
        var page = await reader.GetJsonAsync("/v1/responses?limit=1");
        Assert.Equal(["DEU NU"], page["items"]!.AsArray().Select(r => $"{r!["nation"]} {r["classification"]}"));
        Assert.NotNull(page["nextCursor"]);

        Assert.Equal(["response.read 200 NC", "response.read 200 NC", "response.read 200 NU"],
            (await EntriesOfAsync("reader-NS@nato", e => e.Count >= 3)).Select(e => $"{e["action"]} {e["status"]} {e["classification"]}"));
    }

    [Fact]
    public async Task AnExportCutShortInsideALineRecordsThatLinesMarking()
    {
        // Two versions a NATO reader cleared NS exports in this order: a short NR one, then a long NS one (150 000
        // characters of body, so that its line is written in several pieces).
        await _editor.CreateStandardAsync("stanag-a");
        await _editor.PublishAsync("stanag-a", await _editor.CreateDraftAsync("stanag-a", "NR"));
        await _editor.CreateStandardAsync("stanag-b");
        await _editor.PublishAsync("stanag-b", await _editor.CreateDraftAsync("stanag-b", "NS", body: new string('x', 150_000)));
        var reader = _app.As(TestCaller.NatoReader("NS"));
        var export = await reader.GetStringAsync("/v1/export");
        var lines = export.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.True(lines[1].Length > 150_000);

        // The same export again over a connection that drops 1 000 bytes into the NS line: those bytes left.
        var breakAfter = System.Text.Encoding.UTF8.GetByteCount(lines[0]) + 1 + 1_000;
        using var broken = new HttpRequestMessage(HttpMethod.Get, "/v1/export");
        broken.Headers.Add(BreakingResponseBodies.Header, breakAfter.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // The server handed those bytes over and failed; what of them the client gets before the failure reaches it
        // is up to the in-process transport, so only the failure is asserted here.
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var response = await reader.SendAsync(broken, HttpCompletionOption.ResponseHeadersRead);
            await response.Content.ReadAsStringAsync();
        });

        // The closing entry is queued when the stream ends, not waited for: wait for it.
        var store = new AuditStore(_app.Provider, _app.ConnectionString);
        List<AuditRow> ends = [];
        await Wait.UntilAsync(async () => (ends = await store.EntriesAsync("catalogue.export-end")).Count >= 2, TimeSpan.FromSeconds(10), "both exports' closing entries written");
        Assert.Equal(2, ends.Count);
        Assert.Contains("complete: 2 versions", ends[0].Detail, StringComparison.Ordinal);
        Assert.Equal((long)Domain.Classification.NS, ends[0].Classification);
        Assert.Contains("cut short after 1 versions and 0 other records, while writing the next", ends[1].Detail, StringComparison.Ordinal);
        Assert.True(ends[1].Classification == (long)Domain.Classification.NS,
            $"The export was cut short inside the NS line after {breakAfter} bytes, but its closing entry says {(Domain.Classification?)ends[1].Classification}: {ends[1].Detail}");
    }

    /// <summary>
    /// A client that stops reading and goes away mid-export: the request is cancelled (rather than a write failing, as in
    /// the test above), and its closing entry is still recorded, saying how far it got, with the marking of the line it
    /// broke in. The in-process transport holds 64 KiB unread, so the export stops inside its one line, of 150 000
    /// characters, while the test has read one byte of it (a line before it could end whole before the client left,
    /// and the stream then break between lines).
    /// </summary>
    [Fact]
    public async Task AnExportTheClientGoesAwayFromIsClosedOnRecord()
    {
        await _editor.CreateStandardAsync("stanag-d");
        await _editor.PublishAsync("stanag-d", await _editor.CreateDraftAsync("stanag-d", "NS", body: new string('x', 150_000)));
        var reader = _app.As(TestCaller.NatoReader("NS"));

        using (var response = await reader.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/export"), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var body = await response.Content.ReadAsStreamAsync();
            Assert.Equal(1, await body.ReadAsync(new byte[1]));
        }

        // Queued when the stream ends, not waited for: wait for it.
        var store = new AuditStore(_app.Provider, _app.ConnectionString);
        List<AuditRow> ends = [];
        await Wait.UntilAsync(async () => (ends = await store.EntriesAsync("catalogue.export-end")).Count >= 1, TimeSpan.FromSeconds(10), "the export's closing entry written");
        var end = Assert.Single(ends);
        Assert.Equal(200, end.Status);
        // Whether the break reached the export as the request's cancellation or as the transport's failure (which then
        // adds nothing) is up to the in-process transport; either way the entry says where it broke.
        Assert.Contains("cut short after 0 versions and 0 other records, while writing the next", end.Detail, StringComparison.Ordinal);
        Assert.Equal((long)Domain.Classification.NS, end.Classification);
    }

    /// <summary>
    /// The closing entry of an export is dated when the stream ended, not when it began: an export that runs for an hour
    /// (here the registry's clock moves an hour while the client holds the stream open, 64 KiB unread) closes an hour
    /// after it opened. Until 2026-12-07 the closing entry carried the request's start time, so it sorted by `at` among
    /// entries of an hour before it was made, and a query of the hour the export ended (`from`/`to`) missed it.
    /// </summary>
    [Fact]
    public async Task AnExportsClosingEntryIsDatedWhenTheStreamEnded()
    {
        await _editor.CreateStandardAsync("stanag-t");
        await _editor.PublishAsync("stanag-t", await _editor.CreateDraftAsync("stanag-t", "NS", body: new string('x', 150_000)));
        var reader = _app.As(TestCaller.NatoReader("NS"));
        var opened = _app.Clock.GetUtcNow();

        using (var response = await reader.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/export"), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var body = await response.Content.ReadAsStreamAsync();
            Assert.Equal(1, await body.ReadAsync(new byte[1]));
            // The stream cannot end before the client goes: its one line is larger than the transport holds unread.
            _app.Clock.Advance(TimeSpan.FromHours(1));
        }
        var closed = _app.Clock.GetUtcNow();

        var entries = await EntriesOfAsync("reader-NS@nato", e => e.Any(x => (string)x["action"]! == "catalogue.export-end"));
        var at = entries.Where(e => ((string)e["action"]!).StartsWith("catalogue.export", StringComparison.Ordinal))
            .Select(e => ((string)e["action"]!, DateTimeOffset.Parse((string)e["at"]!, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds())).ToList();
        Assert.Equal([("catalogue.export", opened.ToUnixTimeMilliseconds()), ("catalogue.export-end", closed.ToUnixTimeMilliseconds())], at);
    }

    /// <summary>
    /// A feed page's entry says which page the caller was given: its view, the position it started after (the cursor
    /// sent), the position it reached (the cursor returned) and how many events it carried — from which the events, and
    /// so the records and editions the caller learned of, can be read back. Until 2026-12-07 it said only the highest
    /// marking among them: every page of a caller's feed read alike on the trail.
    /// </summary>
    [Fact]
    public async Task AFeedPageIsRecordedWithWhereItStartedWhereItReachedAndHowManyEvents()
    {
        await PublishedAndReleasedAsync();
        var eu = _app.As(TestCaller.Eu("NS"));
        var first = await eu.GetJsonAsync("/v1/feed?limit=1");
        var second = await eu.GetJsonAsync($"/v1/feed?limit=1&cursor={Uri.EscapeDataString((string)first["cursor"]!)}");
        Assert.Single(first["events"]!.AsArray());
        Assert.Empty(second["events"]!.AsArray());

        var pages = (await EntriesOfAsync("consumer-NS@eu", e => e.Count >= 2)).Where(e => (string)e["action"]! == "feed.read")
            .Select(e => ((string?)e["classification"], (string?)e["detail"])).ToList();
        Assert.Equal(2, pages.Count);
        Assert.Equal(("NR", "view EU.3 after 0 through 1: 1 events"), pages[0]);
        Assert.Equal(((string?)null, "view EU.3 after 1 through 1: 0 events"), pages[1]);
    }

    /// <summary>
    /// stanag-a and stanag-b, edition 1 of each published (NR) with FRA's and DEU's responses (NU, but stanag-b's DEU
    /// response NC).
    /// </summary>
    private async Task RespondedAsync()
    {
        foreach (var key in new[] { "stanag-a", "stanag-b" })
        {
            await _editor.CreateStandardAsync(key);
            await _editor.PublishAsync(key, await _editor.CreateDraftAsync(key, "NR"));
            foreach (var nation in new[] { "DEU", "FRA" })
            {
                await RegistryClient.Expect(await _editor.PutAsJsonAsync($"/v1/standards/{key}/versions/1/responses/{nation}", new
                {
                    response = nation == "FRA" ? "ratified" : "not-ratifying", classification = key == "stanag-b" && nation == "DEU" ? "NC" : "NU",
                }), HttpStatusCode.Created);
            }
        }
    }

    /// <summary>
    /// A page of <c>GET /v1/responses</c> is recorded as a feed page is: the view it was read in, its filters, the response
    /// its cursor started after, the last one it gave (where the next cursor starts) and how many — from which the
    /// responses given can be read back. Until 2026-12-07 the entry said only <c>responses=N</c>: neither the filter nor the
    /// cursor, so every page of the same size read alike on the trail.
    /// </summary>
    [Fact]
    public async Task AListOfResponsesIsRecordedWithItsFiltersWhereItStartedWhereItReachedAndHowMany()
    {
        await RespondedAsync();
        var reader = _app.As(TestCaller.NatoReader("NS"));
        var first = await reader.GetJsonAsync("/v1/responses?limit=3");
        var second = await reader.GetJsonAsync($"/v1/responses?limit=3&cursor={Uri.EscapeDataString((string)first["nextCursor"]!)}");
        var filtered = await reader.GetJsonAsync("/v1/responses?nation=FRA&response=ratified");
        var none = await reader.GetJsonAsync("/v1/responses?nation=ITA");
        Assert.Equal([3, 1, 2, 0], new[] { first, second, filtered, none }.Select(p => p["items"]!.AsArray().Count));

        var lists = (await EntriesOfAsync("reader-NS@nato", e => e.Count >= 4)).Where(e => (string)e["action"]! == "response.read")
            .Select(e => ((string?)e["classification"], (string?)e["detail"])).ToList();
        Assert.Equal(
            [
                ("NC", "view NATO.3 from the start through stanag-b/1/DEU: 3 responses"),
                ("NU", "view NATO.3 after stanag-b/1/DEU through stanag-b/1/FRA: 1 responses"),
                ("NU", "view NATO.3 nation=FRA response=ratified from the start through stanag-b/1/FRA: 2 responses"),
                ((string?)null, "view NATO.3 nation=ITA from the start: 0 responses"),
            ],
            lists);
    }

    /// <summary>
    /// An edition's responses, and one nation's history of them, are recorded with the view they were read in and how many
    /// were given (the key, edition and nation are the entry's own). Until 2026-12-07 the entry said neither: a matrix of
    /// every nation and one of none read alike.
    /// </summary>
    [Fact]
    public async Task AnEditionsResponsesAreRecordedWithTheViewTheyWereReadInAndHowMany()
    {
        await RespondedAsync();
        var delegateOfFrance = _app.As(TestCaller.NatoReader("NS") with { Nation = "FRA" });
        var reader = _app.As(TestCaller.NatoReader("NR"));
        Assert.Single(await delegateOfFrance.GetJsonArrayAsync("/v1/standards/stanag-b/versions/1/responses"));
        Assert.Single(await reader.GetJsonArrayAsync("/v1/standards/stanag-b/versions/1/responses"));
        Assert.Single(await reader.GetJsonArrayAsync("/v1/standards/stanag-b/versions/1/responses/FRA"));
        Assert.Empty(await reader.GetJsonArrayAsync("/v1/standards/stanag-b/versions/1/responses/DEU"));

        static string Line(JsonObject e) => $"{e["subject"]} {e["key"]}/{e["edition"]} {e["classification"]?.GetValue<string>() ?? "-"} {e["detail"]}";
        var reads = (await EntriesAsync("stanag-b", 4, "response.read")).Select(Line).ToList();
        Assert.Equal(
            [
                "reader-NS@nato stanag-b/1 NU view NATO.3.FRA: 1 responses",
                "reader-NR@nato stanag-b/1 NU view NATO.1: 1 responses",
                "reader-NR@nato stanag-b/1 NU FRA view NATO.1: 1 responses",
                "reader-NR@nato stanag-b/1 - DEU view NATO.1: 0 responses",
            ],
            reads);
    }

    /// <summary>
    /// A cycle's targets are recorded with the view they were read in (the clearance, and the nation a delegate speaks for)
    /// and how many were given. Until 2026-12-07 the entry said the count alone: a reader cleared NR and one cleared NS who
    /// were given as many targets read alike, though not the same targets.
    /// </summary>
    [Fact]
    public async Task AListOfTargetsIsRecordedWithTheViewItWasReadInAndHowMany()
    {
        var planner = _app.As(new TestCaller("planner-CTS@nato", "NATO", "CTS", "planner"));
        var targets = CapabilityTableTests.Targets.ToList();
        foreach (var (i, (nation, capability, horizon, quantity)) in targets.Index())
        {
            await RegistryClient.Expect(await planner.PutAsJsonAsync($"/v1/capability-targets/2025/{nation}/{capability}/{horizon}",
                new { quantity, classification = i == 0 ? "NC" : "NR" }), HttpStatusCode.Created);
        }
        var france = targets.Count(t => t.Nation == "FRA" && t != targets[0]);
        var delegateOfFrance = _app.As(TestCaller.NatoReader("NR") with { Nation = "FRA" });
        Assert.Equal(targets.Count, (await _app.As(TestCaller.NatoReader("NS")).GetJsonArrayAsync("/v1/capability-targets/2025")).Count);
        Assert.Equal(targets.Count - 1, (await _app.As(TestCaller.NatoReader("NR")).GetJsonArrayAsync("/v1/capability-targets/2025")).Count);
        Assert.Equal(france, (await delegateOfFrance.GetJsonArrayAsync("/v1/capability-targets/2025")).Count);

        var reads = (await _admin.AuditEntriesAsync("limit=100", e => e.Count(x => (string)x["action"]! == "target.read") >= 3))
            .Where(e => (string)e["action"]! == "target.read").Select(e => ((string?)e["classification"], (string?)e["detail"])).ToList();
        Assert.Equal(
            [
                ("NC", $"cycle=2025 view NATO.3: {targets.Count} targets"),
                ("NR", $"cycle=2025 view NATO.1: {targets.Count - 1} targets"),
                ("NR", $"cycle=2025 view NATO.1.FRA: {france} targets"),
            ],
            reads);
    }

    /// <summary>
    /// A content read whose answer cannot be built is on record with the status answered, not 200: the raw targets build
    /// their answer before its entry is committed, as every content read that writes through <c>ETags.WriteAsync</c> does.
    /// The fault is a row the service never writes (a target recorded after the year 9999: a corrupted or tampered
    /// column), which the answer cannot map. Until 2026-12-07 the entry committed first and said 200 for the 500 answered.
    /// </summary>
    [Fact]
    public async Task ATargetListWhoseAnswerCannotBeBuiltIsRecordedWithTheStatusAnswered()
    {
        var planner = _app.As(new TestCaller("planner-CTS@nato", "NATO", "CTS", "planner"));
        await RegistryClient.Expect(await planner.PutAsJsonAsync("/v1/capability-targets/2025/FRA/ammo-155mm/2027", new { quantity = 10, classification = "NR" }),
            HttpStatusCode.Created);
        Assert.Equal(1, await ExecuteAsync("UPDATE capability_targets SET recorded_at = @beyond", new { beyond = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds() + 1 }));

        await ProblemAsync(await _app.As(TestCaller.NatoReader("NS")).GetAsync("/v1/capability-targets/2025"), HttpStatusCode.InternalServerError);
        Assert.Contains("ArgumentOutOfRangeException", Assert.Single(await _app.TakeServerErrorsAsync(1)), StringComparison.Ordinal);

        var read = Assert.Single(await EntriesOfAsync("reader-NS@nato", e => e.Count >= 1));
        Assert.Equal(("target.read", 500), ((string)read["action"]!, (int)read["status"]!));
    }

    /// <summary>
    /// A page of the audit trail is recorded as a feed page is: its filters (the times as the bounds they were read as), the
    /// sequence its cursor started after, the last one it gave and how many. Until 2026-12-07 the entry said nothing of
    /// what was queried or given.
    /// </summary>
    [Fact]
    public async Task AnAuditQueryIsRecordedWithItsFiltersWhereItStartedWhereItReachedAndHowMany()
    {
        await PublishedAndReleasedAsync();
        var first = await _admin.GetJsonAsync("/v1/audit?key=stanag-1&limit=2");
        var items = first["items"]!.AsArray();
        var second = await _admin.GetJsonAsync($"/v1/audit?key=stanag-1&limit=2&cursor={Uri.EscapeDataString((string)first["nextCursor"]!)}");
        var empty = await _admin.GetJsonAsync("/v1/audit?subject=nobody%20at%20all&from=2026-12-07&to=2026-12-07T10:00");
        Assert.Equal([2, 2, 0], new[] { first, second, empty }.Select(p => p["items"]!.AsArray().Count));
        var sequences = items.Concat(second["items"]!.AsArray()).Select(e => (long)e!["sequence"]!).ToList();

        var queries = (await EntriesOfAsync("admin@nato", e => e.Count(x => (string)x["action"]! == "audit.query") >= 3))
            .Where(e => (string)e["action"]! == "audit.query").Take(3).Select(e => (string?)e["detail"]).ToList();
        Assert.Equal(
            [
                $"key=\"stanag-1\" from the start through {sequences[1]}: 2 entries",
                $"key=\"stanag-1\" after {sequences[1]} through {sequences[3]}: 2 entries",
                "subject=\"nobody at all\" from=2026-12-07T00:00:00.000Z to=2026-12-07T10:00:59.999Z from the start: 0 entries",
            ],
            queries);
    }

    /// <summary>
    /// A query's subject and key are quoted as given: a subject that is not ASCII (a name in Cyrillic, an apostrophe) is
    /// its own text in the detail, not \u escapes of it, and one as long as a subject may be (200 characters) leaves room
    /// for what follows it. Until 2026-12-07 each such character took six (<c>O\u0027Brien</c>), so a long subject pushed
    /// the key, the cursor, the last entry given and the count past the column's 1000 characters: the entry no longer
    /// said which page was read.
    /// </summary>
    [Fact]
    public async Task AnAuditQuerysFiltersAreQuotedAsGivenAndTheCountSurvivesALongSubject()
    {
        var subject = "O'Brien " + new string('Ж', 192);
        var key = "stanag-'" + new string('д', 192);
        var page = await _admin.GetJsonAsync($"/v1/audit?subject={Uri.EscapeDataString(subject)}&key={Uri.EscapeDataString(key)}");
        Assert.Empty(page["items"]!.AsArray());

        var query = (await EntriesOfAsync("admin@nato", e => e.Any(x => (string)x["action"]! == "audit.query")))
            .First(e => (string)e["action"]! == "audit.query");
        Assert.Equal($"subject=\"{subject}\" key=\"{key}\" from the start: 0 entries", (string?)query["detail"]);
    }

    /// <summary>
    /// A write whose client goes away before any answer starts is on record, with the 499 of a request nobody heard
    /// answered, and wrote nothing: the reset cancels the write waiting at the standard's lock. A real server, since
    /// only a socket can be reset; PostgreSQL, where the test can hold the write at the lock and see it waiting there.
    /// (Kestrel still starts the response of an aborted request, so the entry is written as it starts; the trail
    /// middleware's last step, which records a request whose response never started, is not what this reaches: with it
    /// removed the test still passes.)
    /// </summary>
    [Fact]
    public async Task AWriteTheClientAbandonsBeforeAnyAnswerIsOnRecord()
    {
        Assert.SkipWhen(_app.Provider != TestProvider.Postgres, "a write held at a row lock, and seen waiting there: PostgreSQL");
        var ct = TestContext.Current.CancellationToken;
        await using var app = new RegistryApp(provider: _app.Provider);
        app.UseKestrel(0);
        app.StartServer();
        var editor = app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("stanag-gone");
        await using var stall = new Npgsql.NpgsqlConnection(app.ConnectionString);
        await stall.OpenAsync(ct);
        await using var held = await stall.BeginTransactionAsync(ct);
        await using (var lockStandard = new Npgsql.NpgsqlCommand("SELECT 1 FROM standards WHERE standard_key = 'stanag-gone' FOR UPDATE", stall, held))
        {
            await lockStandard.ExecuteScalarAsync(ct);
        }

        var address = editor.BaseAddress!;
        using (var socket = new System.Net.Sockets.TcpClient { LingerState = new System.Net.Sockets.LingerOption(true, 0) })
        {
            await socket.ConnectAsync(address.Host, address.Port, ct);
            var draft = System.Text.Json.JsonSerializer.Serialize(new
            {
                title = "Gone", summary = "A summary.", body = "The body.", classification = "NU", attributes = RegistryClient.AttributesFor("caliber"),
            });
            await socket.GetStream().WriteAsync(System.Text.Encoding.UTF8.GetBytes(
                $"POST /v1/standards/stanag-gone/versions HTTP/1.1\r\nHost: {address.Authority}\r\nAuthorization: Bearer {TestCaller.Editor().Token()}\r\n"
                + $"Content-Type: application/json\r\nContent-Length: {System.Text.Encoding.UTF8.GetByteCount(draft)}\r\n\r\n{draft}"), ct);
            // Until the write waits at the standard's lock; then the connection is reset (linger 0) with no answer read.
            await PostgresLocks.UntilWaitingAsync(app.ConnectionString, 1, "the draft's write waits at the standard's lock");
        }

        var store = new AuditStore(_app.Provider, app.ConnectionString);
        List<AuditRow> entries = [];
        await Wait.UntilAsync(async () => (entries = await store.EntriesAsync(Data.AuditActions.DraftCreate)).Count >= 1, TimeSpan.FromSeconds(10), "the abandoned write's entry");
        await held.RollbackAsync(ct);
        var entry = Assert.Single(entries);
        Assert.Equal((499, "stanag-gone", "editor@nato"), (entry.Status, entry.StandardKey, entry.Subject));
        Assert.Equal(0, (await editor.GetJsonAsync("/v1/standards/stanag-gone"))["versionCount"]!.GetValue<int>());
    }

    /// <summary>
    /// A HEAD of the export answers the GET's status and headers (its Feed-Cursor among them) and no line: its start is on
    /// record as a GET's is, and its closing entry says no line was sent, carrying no marking. It read and wrote every
    /// line into nothing, and its closing entry said "complete" with the highest marking of lines that never left.
    /// </summary>
    [Fact]
    public async Task AHeadOfTheExportSendsNoLineAndItsClosingEntrySaysSo()
    {
        await _editor.CreateStandardAsync("stanag-h");
        await _editor.PublishAsync("stanag-h", await _editor.CreateDraftAsync("stanag-h", "NS"));
        var reader = _app.As(TestCaller.NatoReader("NS"));
        using var get = await reader.GetAsync("/v1/export");
        using var head = await reader.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v1/export"));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (get.StatusCode, head.StatusCode));
        Assert.Equal(get.Headers.GetValues("Feed-Cursor"), head.Headers.GetValues("Feed-Cursor"));
        Assert.Equal(get.Content.Headers.ContentType, head.Content.Headers.ContentType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        var ends = await _admin.AuditEntriesAsync($"subject={Uri.EscapeDataString("reader-NS@nato")}&limit=100", e => e.Count(x => (string)x["action"]! == "catalogue.export-end") == 2);
        var lines = ends.Where(e => ((string)e["action"]!).StartsWith("catalogue.export", StringComparison.Ordinal)).Select(e => ((string)e["action"]!, (string?)e["classification"])).ToList();
        Assert.Equal([("catalogue.export", null), ("catalogue.export-end", "NS"), ("catalogue.export", null), ("catalogue.export-end", null)], lines);
        var closing = ends.Where(e => (string)e["action"]! == "catalogue.export-end").Select(e => (string)e["detail"]!).ToList();
        Assert.Contains("complete: 1 versions", closing[0], StringComparison.Ordinal);
        Assert.Contains("HEAD: the status and headers only, no body sent", closing[1], StringComparison.Ordinal);
    }

    /// <summary>
    /// The client's address on record is the one the server's socket saw, whatever the request says of itself: no
    /// forwarded headers are trusted unless an operator configures them, so a client cannot write another address (here
    /// a documentation address in X-Forwarded-For and Forwarded) into the trail. A real server, since only a socket has
    /// an address; the entry's request id is the one the answer carried.
    /// </summary>
    [Fact]
    public async Task TheClientAddressOnRecordIsTheSocketsNotOneTheRequestClaims()
    {
        await using var app = new RegistryApp(provider: _app.Provider);
        app.UseKestrel(0);
        app.StartServer();
        var editor = app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("stanag-x");
        using var read = new HttpRequestMessage(HttpMethod.Get, "/v1/standards/stanag-x/versions/1");
        read.Headers.Add("X-Forwarded-For", "203.0.113.9");
        read.Headers.Add("Forwarded", "for=203.0.113.9");
        using var answer = await app.As(TestCaller.NatoReader("NS")).SendAsync(read);
        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);

        var entries = await app.As(TestCaller.Admin()).AuditEntriesAsync($"subject={Uri.EscapeDataString("reader-NS@nato")}&limit=100", e => e.Count >= 1);
        var entry = Assert.Single(entries);
        Assert.Equal(("version.read", 404), ((string)entry["action"]!, (int)entry["status"]!));
        Assert.True(IPAddress.IsLoopback(IPAddress.Parse((string)entry["clientAddress"]!)), $"recorded {entry["clientAddress"]}");
        Assert.Equal(answer.Headers.GetValues("Registry-Request-Id").Single(), (string?)entry["requestId"]);
    }

    [Fact]
    public async Task EveryAnswerNamesTheRequestIdItsEntryRecords()
    {
        await PublishedAndReleasedAsync();
        var eu = _app.As(TestCaller.Eu("NS"));
        using var read = await eu.GetAsync("/v1/standards/stanag-1/versions/1");
        using var hidden = await eu.GetAsync("/v1/standards/stanag-1/versions/2");
        using var refused = await eu.PostAsJsonAsync("/v1/standards/stanag-1/versions", new { title = "t" });
        using var anonymous = await _app.CreateClient().PostAsJsonAsync("/v1/standards/stanag-1/versions", new { title = "t" });
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.NotFound, HttpStatusCode.Forbidden, HttpStatusCode.Unauthorized],
            new[] { read, hidden, refused, anonymous }.Select(r => r.StatusCode));

        // The key's six writes (standard, two drafts, two publications, a release), then these four.
        var entries = await EntriesAsync("stanag-1", 10);
        foreach (var (answer, status) in new[] { (read, 200), (hidden, 404), (refused, 403), (anonymous, 401) })
        {
            var id = answer.Headers.GetValues("Registry-Request-Id").Single();
            var entry = Assert.Single(entries, e => (string?)e["requestId"] == id);
            Assert.Equal(status, (int)entry["status"]!);
        }
        // Each request its own id, 128 random bits: no counter another caller's requests would move.
        var ids = new[] { read, hidden, refused, anonymous }.Select(r => r.Headers.GetValues("Registry-Request-Id").Single()).ToList();
        Assert.Equal(4, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{32}$", id));
    }

    [Fact]
    public async Task AHeadOfAContentReadIsRecordedAsTheStatusAndHeadersOnly()
    {
        await PublishedAndReleasedAsync();
        var eu = _app.As(TestCaller.Eu("NS"));
        foreach (var path in new[] { "/v1/standards/stanag-1/versions/1", "/v1/standards/stanag-1/versions/latest", "/v1/standards/stanag-1/versions/1/label" })
        {
            using var get = await eu.GetAsync(path);
            using var head = await eu.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
            Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (get.StatusCode, head.StatusCode));
            Assert.Equal(get.Headers.ETag, head.Headers.ETag);
            Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        }

        // Each GET and its HEAD: the same action, status, edition and marking; only the HEAD's detail says no body left.
        var reads = (await EntriesAsync("stanag-1", 10)).Where(e => (int)e["status"]! == 200 && ((string)e["action"]!).Contains("read", StringComparison.Ordinal)).ToList();
        Assert.Equal(["version.read", "version.read", "version.read-latest", "version.read-latest", "label.read", "label.read"], reads.Select(e => (string)e["action"]!));
        foreach (var pair in reads.Chunk(2))
        {
            var (get, head) = (pair[0], pair[1]);
            Assert.Equal(((int?)get["edition"], (string?)get["classification"]), ((int?)head["edition"], (string?)head["classification"]));
            Assert.DoesNotContain("HEAD", (string?)get["detail"] ?? "", StringComparison.Ordinal);
            Assert.StartsWith("HEAD: the status and headers only, no body sent", (string?)head["detail"]);
        }
    }

    [Fact]
    public async Task AReadOfAHiddenEditionIsRecordedAsAskedAndEqualsOneOfAnEditionThatNeverExisted()
    {
        await PublishedAndReleasedAsync();
        var eu = _app.As(TestCaller.Eu("NS"));

        Assert.Equal(HttpStatusCode.NotFound, (await eu.GetAsync("/v1/standards/stanag-1/versions/2")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await eu.GetAsync("/v1/standards/stanag-1/versions/9")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await eu.GetAsync("/v1/standards/stanag-1/versions/2/label")).StatusCode);

        var reads = (await EntriesAsync("stanag-1", 9)).Where(e => (int)e["status"]! == 404).ToList();
        Assert.Equal(3, reads.Count);
        Assert.Equal([2, 9, 2], reads.Select(e => (int?)e["edition"]));
        Assert.All(reads, e => Assert.Null(e["classification"]));
        Assert.All(reads, e => Assert.Null(e["detail"]));
        // Apart from the edition asked for and the request's own identity, hidden and absent leave the same record.
        static string Shape(JsonObject e) =>
            string.Join('|', e.Where(p => p.Key is not ("sequence" or "edition" or "requestId" or "hash" or "previousHash")).Select(p => $"{p.Key}={p.Value?.ToJsonString()}"));
        Assert.Equal(Shape(reads[0]), Shape(reads[1]));
    }

    /// <summary>
    /// Whatever a caller puts in a URL, its entry can be written, and the trail goes on. A key of 199 letters and an
    /// emoji (two UTF-16 units) is clipped to the column's 200 units inside the emoji, leaving half of it: a text no
    /// database encodes as UTF-8. On PostgreSQL the insert failed, and since the 404's entry is one nobody waits for it
    /// was held and tried again forever: one anonymous request, and every audited route answered 503 until a restart.
    /// </summary>
    [Theory]
    [InlineData("key")]
    [InlineData("edition")]
    public async Task AnEntryClippedInsideACharacterIsWrittenAndTheTrailGoesOn(string where)
    {
        await PublishedAndReleasedAsync();
        var eu = _app.As(TestCaller.Eu("NS"));
        var split = new string('a', where == "key" ? 199 : 1000 - "edition=".Length - 1) + "\U0001F600";
        var path = where == "key" ? $"/v1/standards/{Uri.EscapeDataString(split)}/versions/1" : $"/v1/standards/stanag-1/versions/{Uri.EscapeDataString(split)}";
        using var probe = await _app.Anonymous().GetAsync(path);
        Assert.True(probe.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{probe.StatusCode}");

        // The entry is written (nobody waited for it), and content is served on record after it.
        var store = new AuditStore(_app.Provider, _app.ConnectionString);
        var id = probe.Headers.GetValues("Registry-Request-Id").Single();
        await Wait.UntilAsync(async () => await store.Db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE request_id = @id", new { id })) == 1,
            TimeSpan.FromSeconds(10), "the probe's entry written");
        using var read = await eu.GetAsync("/v1/standards/stanag-1/versions/1");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var verification = await VerifyAsync();
        Assert.True((bool)verification["valid"]!, verification.ToJsonString());
    }

    [Fact]
    public async Task EveryEditorialWriteCommitsWithItsEntry()
    {
        await _editor.CreateStandardAsync("stanag-2");
        var edition = await _editor.CreateDraftAsync("stanag-2", "NS");
        var draft = await _editor.GetAsync("/v1/standards/stanag-2/versions/1");
        var update = new HttpRequestMessage(HttpMethod.Put, "/v1/standards/stanag-2/versions/1")
        {
            Content = JsonContent.Create(new { title = "t", summary = "s", body = "b", classification = "NC", attributes = RegistryClient.AttributesFor("caliber") }),
        };
        update.Headers.IfMatch.Add(EntityTagHeaderValue.Parse(draft.Headers.ETag!.ToString()));
        await RegistryClient.Expect(await _editor.SendAsync(update), HttpStatusCode.OK);
        await _editor.PublishAsync("stanag-2", edition);
        await _authority.ReleaseAsync("stanag-2", edition, "EU");
        await _authority.RevokeAsync("stanag-2", edition, "EU");
        await _editor.WithdrawAsync("stanag-2", edition);

        // Written in the writes' own transactions: there without waiting for any flush.
        var entries = (await _admin.GetJsonAsync("/v1/audit?key=stanag-2&limit=100"))["items"]!.AsArray().Select(e => e!.AsObject())
            .Where(e => (string?)e["action"] != "version.read").ToList();
        Assert.Equal(
            ["standard.create 201", "draft.create 201 1 NS", "draft.update 200 1 NC", "version.publish 200 1 NC", "release.grant 201 1 NC EU", "release.revoke 200 1 NC EU", "version.withdraw 200 1 NC"],
            entries.Select(e => string.Join(' ', new[] { (string?)e["action"], ((int)e["status"]!).ToString(), e["edition"]?.ToString(), (string?)e["classification"], (string?)e["detail"] }.Where(p => p is not null))));
        Assert.Equal(["editor@nato", "editor@nato", "editor@nato", "editor@nato", "ra@nato", "ra@nato", "editor@nato"], entries.Select(e => (string)e["subject"]!));
        Assert.Equal(["release-authority"], entries[4]["roles"]!.AsArray().Select(r => (string)r!));
    }

    [Fact]
    public async Task NationalResponsesAreRecordedWithTheNationAskedForAndTheStatusAnswered()
    {
        await PublishedAndReleasedAsync();
        const string url = "/v1/standards/stanag-1/versions/1/responses";
        var eu = _app.As(TestCaller.Eu("NS"));
        var body = new { response = "ratified", classification = "NR" };

        await RegistryClient.Expect(await _editor.PutAsJsonAsync($"{url}/FRA", body), HttpStatusCode.Created);
        await RegistryClient.Expect(await _authority.PutAsJsonAsync($"{url}/FRA/releases/EU", new { reason = "Shared." }), HttpStatusCode.Created);
        await RegistryClient.Expect(await eu.GetAsync($"{url}/FRA"), HttpStatusCode.OK);
        await RegistryClient.Expect(await eu.GetAsync($"{url}/FRA/label"), HttpStatusCode.OK);
        await ProblemAsync(await eu.GetAsync($"{url}/DEU/label"), HttpStatusCode.NotFound);
        await ProblemAsync(await eu.PutAsJsonAsync($"{url}/DEU", body), HttpStatusCode.Forbidden);
        await RegistryClient.Expect(await _authority.DeleteAsync($"{url}/FRA/releases/EU"), HttpStatusCode.NoContent);
        await ProblemAsync(await _authority.DeleteAsync($"{url}/FRA/releases/EU"), HttpStatusCode.NotFound);

        // Six entries of the setup, then these eight; queued ones may be appended after a later write, so unordered.
        var entries = (await EntriesAsync("stanag-1", 14))
            .Where(e => ((string)e["action"]!).StartsWith("response.", StringComparison.Ordinal) || (string?)e["action"] == "label.read")
            .Select(e => $"{e["action"]} {e["status"]} {e["subject"]} {e["detail"]}");
        Assert.Equal(
            new[]
            {
                "response.record 201 editor@nato FRA",
                "response.release 201 ra@nato FRA audience=EU",
                "response.read 200 consumer-NS@eu FRA view EU.3: 1 responses",
                "label.read 200 consumer-NS@eu FRA",
                "label.read 404 consumer-NS@eu DEU",
                "response.record 403 consumer-NS@eu DEU",
                "response.revoke 204 ra@nato FRA audience=EU",
                "response.revoke 404 ra@nato FRA audience=EU",
            }.Order(StringComparer.Ordinal).Aggregate((a, b) => $"{a}\n{b}"),
            entries.Order(StringComparer.Ordinal).Aggregate((a, b) => $"{a}\n{b}"));
    }

    [Fact]
    public async Task ARefusedNewStandardIsRecordedUnderTheKeyItAskedFor()
    {
        var response = await _editor.PostAsJsonAsync("/v1/standards", new { key = "stanag-5", designation = "S", category = "nope", title = " " });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);

        var entry = Assert.Single(await EntriesAsync("stanag-5", 1));
        Assert.Equal("standard.create 400 editor@nato", $"{entry["action"]} {entry["status"]} {entry["subject"]}");
    }

    [Fact]
    public async Task ABodyOfAContentTypeTheRouteDoesNotReadIsRecordedAsThatRoutesRefusal()
    {
        await _editor.CreateStandardAsync("stanag-6");
        static StringContent Body(string type) => new("{}", System.Text.Encoding.UTF8, type);

        await ProblemAsync(await _editor.PostAsync("/v1/standards/stanag-6/versions", Body("text/plain")), HttpStatusCode.UnsupportedMediaType);
        await ProblemAsync(await _editor.PostAsync("/v1/standards/stanag-6/versions/1/withdraw", Body("application/xml")), HttpStatusCode.UnsupportedMediaType);
        await ProblemAsync(await _authority.PutAsync("/v1/standards/stanag-6/versions/1/releases/EU", Body("text/plain")), HttpStatusCode.UnsupportedMediaType);
        // Refused as any write without credentials is, before its body is looked at.
        await ProblemAsync(await _app.Anonymous().PostAsync("/v1/standards/stanag-6/versions", Body("text/plain")), HttpStatusCode.Unauthorized);

        var entries = await EntriesAsync("stanag-6", 5);
        Assert.Equal(
            ["standard.create 201 editor@nato", "draft.create 415 editor@nato", "version.withdraw 415 editor@nato", "release.grant 415 ra@nato", "draft.create 401 anonymous"],
            entries.Select(e => $"{e["action"]} {e["status"]} {e["subject"]}"));
    }

    /// <summary>
    /// A subject names a principal only within its issuer: with two issuers configured, the same <c>sub</c> from each is
    /// two people, and the trail says which issuer vouched for each entry's subject (none for an anonymous caller). It
    /// recorded the subject alone, so the two were one person on record.
    /// </summary>
    [Fact]
    public async Task EachEntryNamesTheIssuerThatVouchedForItsSubject()
    {
        const string partner = "partner-idp";
        var partnerKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        await using var app = new RegistryApp(provider: provider, settings: new Dictionary<string, string>
        {
            ["Authentication:Schemes:Bearer:ValidIssuers:0"] = partner,
            ["Authentication:Schemes:Bearer:SigningKeys:1:Issuer"] = partner,
            ["Authentication:Schemes:Bearer:SigningKeys:1:Value"] = Convert.ToBase64String(partnerKey),
        }).Start();
        var admin = app.As(TestCaller.Admin());
        await app.As(TestCaller.Eu("NS")).GetAsync("/v1/standards/issued/versions/1");
        await app.WithToken(Tokens.Create(TestCaller.Eu("NS").Claims(), issuer: partner, key: partnerKey)).GetAsync("/v1/standards/issued/versions/1");
        await app.Anonymous().GetAsync("/v1/standards/issued/versions/1");

        var entries = await admin.AuditEntriesAsync("key=issued", e => e.Count >= 3);

        Assert.Equal(
            [$"version.read 404 consumer-NS@eu {Tokens.Issuer}", $"version.read 404 consumer-NS@eu {partner}", "version.read 404 anonymous "],
            entries.Select(e => $"{e["action"]} {e["status"]} {e["subject"]} {e["issuer"]}"));
        var verified = await admin.GetJsonAsync("/v1/audit/verify");
        Assert.True((bool)verified["valid"]!, verified.ToJsonString());
    }

    /// <summary>
    /// <c>Audit:RecordReads=false</c> exists to measure what recording costs, and nothing stops a production start with
    /// it: content reads then leave no entry, and the trail said nothing of it. It now says from when.
    /// </summary>
    [Fact]
    public async Task AStartWithReadsUnrecordedIsOnRecord()
    {
        await PublishedAndReleasedAsync();
        await using var unrecorded = await _app.RestartAsync(new Dictionary<string, string> { ["Audit:RecordReads"] = "false" });
        await RegistryClient.Expect(await unrecorded.As(TestCaller.Eu("NS")).GetAsync("/v1/standards/stanag-1/versions/1"), HttpStatusCode.OK);
        var admin = unrecorded.As(TestCaller.Admin());

        var off = await admin.AuditEntriesAsync("subject=audit-trail", e => e.Count >= 1);
        var reads = await admin.GetJsonAsync("/v1/audit?key=stanag-1");

        Assert.Equal(["audit.reads-off 0"], off.Select(e => $"{e["action"]} {e["status"]}"));
        Assert.Contains("Audit:RecordReads is false", (string)off[0]["detail"]!, StringComparison.Ordinal);
        Assert.DoesNotContain(reads["items"]!.AsArray(), e => (string?)e!["action"] == "version.read");

        // Only content reads go unrecorded: a refused write, and the admin's own queries of the trail, are on record
        // still (the setting once skipped every entry the pipeline writes, leaving only those a write commits itself).
        await RegistryClient.Expect(await unrecorded.As(TestCaller.Eu("NS")).PostAsync("/v1/standards/stanag-1/versions/2/publish", null), HttpStatusCode.Forbidden);
        var refused = await admin.AuditEntriesAsync("subject=consumer-NS@eu&limit=100", e => e.Any(x => (string?)x["action"] == "version.publish"));
        Assert.Contains(refused, e => $"{e["action"]} {e["status"]} {e["key"]}" == "version.publish 403 stanag-1");
        var queries = await admin.AuditEntriesAsync("subject=admin@nato&limit=100", e => e.Any(x => (string?)x["action"] == "audit.query"));
        Assert.Contains(queries, e => (string?)e["action"] == "audit.query");
    }

    [Fact]
    public async Task ARequestRefusedBeforeItsTokenIsReadIsRecordedAsTheTokensSubject()
    {
        await _editor.CreateStandardAsync("stanag-8");
        var eu = _app.As(TestCaller.Eu("NS"));
        var tooMany = new HttpRequestMessage(HttpMethod.Get, "/v1/standards/stanag-8/versions/1");
        for (var i = 0; i < 70; i++)
        {
            tooMany.Headers.Add($"X-Padding-{i}", "x");
        }

        // Refused by the request limits and URL rules, which run before authentication: 413, 431, 400, 400.
        await ProblemAsync(await _editor.PostAsync("/v1/standards/stanag-8/versions",
            new StringContent(new string('x', (int)Domain.Limits.RequestBodyBytes + 1), System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.RequestEntityTooLarge);
        await ProblemAsync(await eu.SendAsync(tooMany), HttpStatusCode.RequestHeaderFieldsTooLarge);
        await ProblemAsync(await eu.GetAsync("/v1/standards/stanag-8/versions/1?x=%FF"), HttpStatusCode.BadRequest);
        await ProblemAsync(await _authority.DeleteAsync("/v1/standards/stanag-8/versions/1/releases/EU?reason=a&reason=b"), HttpStatusCode.BadRequest);
        // A token that fails validation is still nobody's.
        await ProblemAsync(await _app.WithToken("not-a-token").GetAsync("/v1/standards/stanag-8/versions/1?x=%FF"), HttpStatusCode.BadRequest);

        var entries = await EntriesAsync("stanag-8", 6);
        Assert.Equal(
            ["standard.create 201 editor@nato NATO", "draft.create 413 editor@nato NATO", "version.read 431 consumer-NS@eu EU", "version.read 400 consumer-NS@eu EU",
                "release.revoke 400 ra@nato NATO", "version.read 400 anonymous PUBLIC"],
            entries.Select(e => $"{e["action"]} {e["status"]} {e["subject"]} {e["community"]}"));
    }

    [Fact]
    public async Task RefusedAndFailedWritesAreRecordedWithTheirStatus()
    {
        await _editor.CreateStandardAsync("stanag-3");

        Assert.Equal(HttpStatusCode.Forbidden, (await _app.As(TestCaller.Eu("CTS")).PostAsync("/v1/standards/stanag-3/versions/1/publish", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.Anonymous().PostAsync("/v1/standards/stanag-3/versions/1/publish", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _editor.PostAsync("/v1/standards/stanag-3/versions/1/publish", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _editor.PostAsJsonAsync("/v1/standards", new { key = "stanag-3", designation = "S", category = "caliber", title = "T" })).StatusCode);
        // An edition that is not a number is refused (400) and recorded as given, in the detail (docs/audit.md).
        Assert.Equal(HttpStatusCode.BadRequest, (await _editor.PostAsync("/v1/standards/stanag-3/versions/first/publish", null)).StatusCode);

        var entries = await EntriesAsync("stanag-3", 6);
        Assert.Equal(
            ["standard.create 201 editor@nato", "version.publish 403 consumer-CTS@eu", "version.publish 401 anonymous", "version.publish 404 editor@nato", "standard.create 409 editor@nato",
                "version.publish 400 editor@nato"],
            entries.Select(e => $"{e["action"]} {e["status"]} {e["subject"]}"));
        Assert.Equal((null, "edition=first"), ((int?)entries[5]["edition"], (string?)entries[5]["detail"]));
    }

    /// <summary>
    /// <c>to</c> is inclusive of the whole day, minute or second it names: <c>from=D&amp;to=D</c> is day D's entries.
    /// Read as the instant D began, it found almost nothing, though the route says "inclusive".
    /// </summary>
    [Fact]
    public async Task ToIncludesTheWholeDayMinuteOrSecondItNames()
    {
        _app.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(7) + TimeSpan.FromSeconds(31.25));
        var at = _app.Clock.GetUtcNow().UtcDateTime;
        await _editor.CreateStandardAsync("stanag-6");
        await EntriesAsync("stanag-6", 1);

        foreach (var (from, to) in new[]
        {
            (at.ToString("yyyy-MM-dd"), at.ToString("yyyy-MM-dd")),
            (at.ToString("yyyy-MM-ddTHH:mm") + "Z", at.ToString("yyyy-MM-ddTHH:mm") + "Z"),
            (at.ToString("yyyy-MM-ddTHH:mm:ss") + "Z", at.ToString("yyyy-MM-ddTHH:mm:ss") + "Z"),
            (at.ToString("yyyy-MM-ddTHH:mm:ss.fff") + "Z", at.ToString("yyyy-MM-ddTHH:mm:ss.fff") + "Z"),
            (at.ToString("yyyy-MM-ddTHH:mm") + "+01:00", at.AddHours(1).ToString("yyyy-MM-ddTHH:mm") + "+01:00"),
        })
        {
            var found = await _admin.GetJsonAsync($"/v1/audit?key=stanag-6&from={Uri.EscapeDataString(from)}&to={Uri.EscapeDataString(to)}");
            Assert.True(found["items"]!.AsArray().Count == 1, $"from={from}&to={to}: {found.ToJsonString()}");
        }
        var before = await _admin.GetJsonAsync($"/v1/audit?key=stanag-6&to={Uri.EscapeDataString(at.AddDays(-1).ToString("yyyy-MM-dd"))}");
        var secondBefore = await _admin.GetJsonAsync($"/v1/audit?key=stanag-6&to={Uri.EscapeDataString(at.AddSeconds(-1).ToString("yyyy-MM-ddTHH:mm:ss") + "Z")}");
        Assert.Empty(before["items"]!.AsArray());
        Assert.Empty(secondBefore["items"]!.AsArray());
    }

    [Fact]
    public async Task AdminsQueryByKeySubjectAndTimeAPageAtATime()
    {
        await _editor.CreateStandardAsync("stanag-4");
        await _editor.CreateStandardAsync("stanag-5");
        _app.Clock.Advance(TimeSpan.FromHours(1));
        var later = _app.Clock.GetUtcNow();
        for (var i = 0; i < 3; i++)
        {
            await _editor.CreateDraftAsync("stanag-4");
        }
        await _app.As(TestCaller.NatoReader("NS")).GetAsync("/v1/standards/stanag-4/versions/1");
        await EntriesAsync("stanag-4", 5);

        var bySubject = await _admin.GetJsonAsync("/v1/audit?subject=reader-NS@nato");
        var fromLater = await _admin.GetJsonAsync($"/v1/audit?key=stanag-4&from={Uri.EscapeDataString(later.ToString("O"))}");
        var untilEarlier = await _admin.GetJsonAsync($"/v1/audit?to={Uri.EscapeDataString(later.AddMinutes(-1).ToString("yyyy-MM-ddTHH:mm:ss.fffZ"))}");
        var first = await _admin.GetJsonAsync("/v1/audit?key=stanag-4&limit=2");
        var second = await _admin.GetJsonAsync($"/v1/audit?key=stanag-4&limit=2&cursor={first["nextCursor"]}");
        var third = await _admin.GetJsonAsync($"/v1/audit?key=stanag-4&limit=2&cursor={second["nextCursor"]}");

        Assert.Equal(["version.read"], bySubject["items"]!.AsArray().Select(e => (string)e!["action"]!));
        Assert.Equal(["draft.create", "draft.create", "draft.create", "version.read"], fromLater["items"]!.AsArray().Select(e => (string)e!["action"]!));
        Assert.Equal(["stanag-4", "stanag-5"], untilEarlier["items"]!.AsArray().Select(e => (string)e!["key"]!));
        var paged = new[] { first, second, third }.SelectMany(p => p["items"]!.AsArray()).Select(e => (long)e!["sequence"]!).ToList();
        Assert.Equal(5, paged.Count);
        Assert.Equal(paged.Order(), paged);
        Assert.Null(third["nextCursor"]);
    }

    [Theory]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=25%2F11%2F2026", "to")]
    [InlineData("from=2026-11-25T10:00:00Z&to=2026-11-25T09:00:00Z", "to")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("cursor=bm90LWEtY3Vyc29y", "cursor")]
    [InlineData("subject=%07", "subject")]
    [InlineData("key=%01", "key")]
    public async Task ABadFilterIsA400ThatNamesIt(string query, string field) =>
        await ErrorsAsync(await _admin.GetAsync($"/v1/audit?{query}"), field);

    [Fact]
    public async Task OnlyNatoAdminsMayReadOrVerifyTheTrail()
    {
        foreach (var path in new[] { "/v1/audit", "/v1/audit/verify" })
        {
            await ProblemAsync(await _app.Anonymous().GetAsync(path), HttpStatusCode.Unauthorized);
            await ProblemAsync(await _editor.GetAsync(path), HttpStatusCode.Forbidden);
            await ProblemAsync(await _app.As(new TestCaller("admin@eu", "EU", "CTS", "admin")).GetAsync(path), HttpStatusCode.Forbidden);
            Assert.Equal(HttpStatusCode.OK, (await _admin.GetAsync(path)).StatusCode);
        }
    }

    /// <summary>
    /// An admin cleared COSMIC TOP SECRET that speaks for a nation (a <c>nation</c> claim) does not read at system high:
    /// another nation's unreleased response is not its to know of (docs/design.md §1.7), and the trail records its
    /// recording — the nation, the edition, when, by whom, the marking. It was let read the trail as any CTS admin.
    /// </summary>
    [Fact]
    public async Task AnAdminSpeakingForANationMayNeitherReadNorVerifyTheTrail()
    {
        await PublishedAndReleasedAsync();
        const string url = "/v1/standards/stanag-1/versions/1/responses";
        await RegistryClient.Expect(await _editor.PutAsJsonAsync($"{url}/DEU", new { response = "not-ratifying", classification = "NR" }), HttpStatusCode.Created);
        var french = _app.As(new TestCaller("admin@fra", "NATO", "CTS", "admin") { Nation = "FRA" });
        // Germany's response, released to no one, is nothing to France's admin on the routes that serve responses.
        Assert.DoesNotContain("DEU", (await french.GetJsonArrayAsync(url)).ToJsonString(), StringComparison.Ordinal);
        Assert.Empty(await french.GetJsonArrayAsync($"{url}/DEU"));

        foreach (var path in new[] { "/v1/audit", "/v1/audit?key=stanag-1", "/v1/audit/verify", "/v1/audit/verify?full=true" })
        {
            var refused = await ProblemAsync(await french.GetAsync(path), HttpStatusCode.Forbidden);
            Assert.DoesNotContain("DEU", refused.ToJsonString(), StringComparison.Ordinal);
        }
        // The trail does hold it: read at system high (no nation), its recording is there.
        Assert.Contains(await EntriesAsync("stanag-1", 1, "response.record"), e => (string?)e["detail"] == "DEU");
    }

    [Fact]
    public async Task AnUntouchedTrailVerifies()
    {
        await PublishedAndReleasedAsync();

        var result = await VerifyAsync();

        Assert.True((bool)result["valid"]!, result.ToJsonString());
        Assert.Equal(6L, (long)result["checked"]!);
        Assert.Equal(6L, (long)result["headSequence"]!);
        Assert.Null(result["firstBrokenSequence"]);
    }

    // The tamper tests change the database behind the service's back, as someone with database access could. Only
    // in-transaction writes come before the tampering, so no batched entry lands between it and the verification.

    /// <summary>
    /// A column of an entry edited alone is detected: a field its hash covers (the subject), or its <c>previous_hash</c>.
    /// Each hash is recomputed from the hash of the entry verified before it, not from the <c>previous_hash</c> column, so
    /// only the comparison of that column with it sees the second edit (with that comparison dropped the trail verified;
    /// no test edited the column until 2026-12-08).
    /// </summary>
    [Theory]
    [InlineData("subject = 'someone-else'", "changed")]
    [InlineData("previous_hash = hash", "does not chain from the entry before it")]
    public async Task EditingAColumnOfAnEntryIsDetected(string edit, string problem)
    {
        await PublishedAndReleasedAsync();

        Assert.Equal(1, await ExecuteAsync($"UPDATE audit_log SET {edit} WHERE sequence = 3"));
        var result = await VerifyAsync();

        AssertBrokenAt(result, 3, problem);
        Assert.Equal(2L, (long)result["checked"]!);
    }

    /// <summary>
    /// A field edited to a value its type cannot hold, as only tampering writes: a time past year 9999, an edition past
    /// 2^31 (SQLite's integer columns hold 64 bits; the servers' edition column does not take it). Until 2026-12-07 the
    /// admin's GET /v1/audit answered 500 on every page holding the entry, so the trail could not be read past it.
    /// </summary>
    [Fact]
    public async Task AFieldEditedOutOfItsRangeLeavesTheTrailReadableAndIsDetected()
    {
        await PublishedAndReleasedAsync();
        var sqlite = provider == TestProvider.Sqlite;

        Assert.Equal(1, await ExecuteAsync(sqlite ? "UPDATE audit_log SET at = 253402300800000, edition = 2147483648, status = 2147483648 WHERE sequence = 3" : "UPDATE audit_log SET at = 253402300800000 WHERE sequence = 3"));
        Assert.Equal(1, await ExecuteAsync("UPDATE audit_log SET at = -62135596800001, classification = 5 WHERE sequence = 4"));

        var entries = await FirstPageAsync();
        Assert.Equal([3L, 4L], entries.Where(e => (long)e["sequence"]! is 3 or 4).Select(e => (long)e["sequence"]!));
        AssertBrokenAt(await VerifyAsync(), 3);
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// A classification edited to one past 32 bits that wraps onto the one recorded (2^32 + 1 for NR), as only SQLite's
    /// columns hold: until 2026-12-07 the wrapped value hashed as the recorded one, so verification found nothing.
    /// </summary>
    [Fact]
    public async Task AClassificationEditedPast32BitsIsDetectedThoughItWrapsOntoTheOneRecorded()
    {
        Assert.SkipWhen(provider != TestProvider.Sqlite, "a classification column that holds 64 bits: SQLite");
        await PublishedAndReleasedAsync();
        var sequence = await Database().ReadAsync(c => c.QuerySingleAsync<long>("SELECT MIN(sequence) FROM audit_log WHERE classification = 1"));

        Assert.Equal(1, await ExecuteAsync("UPDATE audit_log SET classification = 4294967297 WHERE sequence = @sequence", new { sequence }));

        await FirstPageAsync();
        AssertBrokenAt(await VerifyAsync(), sequence);
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// An integer field edited to hold what is not an integer — text, a fraction, bytes — as SQLite's dynamic typing lets
    /// tampering store (the servers' typed columns refuse it). Until 2026-12-07 Dapper's conversion of the value failed
    /// GET /v1/audit on every page holding the entry and GET /v1/audit/verify with 500.
    /// </summary>
    [Theory]
    [InlineData("status", "'x'")]
    [InlineData("status", "200.5")]
    [InlineData("at", "'x'")]
    [InlineData("edition", "'x'")]
    [InlineData("edition", "X'01'")]
    [InlineData("classification", "'NS'")]
    [InlineData("classification", "1.25")]
    public async Task AnIntegerFieldEditedToHoldSomethingElseLeavesTheTrailReadableAndIsDetected(string column, string value)
    {
        Assert.SkipWhen(provider != TestProvider.Sqlite, "integer columns that hold any type: SQLite");
        await PublishedAndReleasedAsync();
        var sequence = await Database().ReadAsync(c => c.QuerySingleAsync<long>("SELECT MIN(sequence) FROM audit_log WHERE classification = 1 AND sequence > 1"));

        Assert.Equal(1, await ExecuteAsync($"UPDATE audit_log SET {column} = {value} WHERE sequence = @sequence", new { sequence }));

        var entries = await FirstPageAsync();
        Assert.Contains(entries, e => (long)e["sequence"]! == sequence);
        Assert.Contains(entries, e => (long)e["sequence"]! == sequence + 1);
        AssertBrokenAt(await VerifyAsync(), sequence, "changed");
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>The text columns of an entry: those the registry never leaves NULL, then those it may.</summary>
    private static readonly string[] NeverNullTextColumns = ["action", "subject", "community", "roles", "previous_hash", "hash"];
    private static readonly string[] NullableTextColumns = ["standard_key", "detail", "request_id", "issuer"];

    /// <summary>
    /// Each text column holding the very bytes it held, as bytes (read as text, they hash as the text recorded: the
    /// edit would verify), and a few other shapes: other bytes, bytes that are not UTF-8 (as bytes, and as text), a
    /// number (which a text column turns into text), NULL where the registry writes NULL too, and NULL where it never
    /// does (only a table rebuilt without NOT NULL takes it).
    /// </summary>
    public static TheoryData<string, string> TamperedTexts
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var column in NeverNullTextColumns.Concat(NullableTextColumns))
            {
                data.Add(column, $"CAST({column} AS BLOB)");
            }
            foreach (var column in NullableTextColumns)
            {
                data.Add(column, "NULL");
            }
            foreach (var column in NeverNullTextColumns)
            {
                data.Add(column, "NULL");
            }
            data.Add("client_address", "X'41'"); // NULL in every entry the tests' requests write
            data.Add("subject", "X'41'");
            data.Add("subject", "X'FF'");
            data.Add("subject", "CAST(X'FF' AS TEXT)");
            data.Add("roles", "42");
            data.Add("detail", "1.5");
            return data;
        }
    }

    /// <summary>
    /// A text field edited to hold what is not text, as SQLite's dynamic typing lets tampering store: bytes (the very
    /// bytes of the text recorded, even), or NULL in a column the registry never leaves NULL (in a table rebuilt
    /// without its NOT NULL). Until 2026-12-07 Dapper's conversion of bytes failed GET /v1/audit and
    /// GET /v1/audit/verify with 500, and NULL was shown as the empty text. The entry is shown with the field marked as
    /// not text, and verification reports it: bytes equal to the text recorded must not verify.
    /// </summary>
    [Theory]
    [MemberData(nameof(TamperedTexts))]
    public async Task ATextFieldEditedToHoldSomethingElseLeavesTheTrailReadableAndIsDetected(string column, string value)
    {
        Assert.SkipWhen(provider != TestProvider.Sqlite, "text columns that hold any type: SQLite");
        await PublishedAndReleasedAsync();
        var sequence = await Database().ReadAsync(c => c.QuerySingleAsync<long>($"SELECT MIN(sequence) FROM audit_log WHERE sequence > 1 AND ({column} IS NOT NULL OR '{column}' = 'client_address')"));
        if (value == "NULL" && NeverNullTextColumns.Contains(column))
        {
            // The table as a copy without constraints (CREATE TABLE AS keeps the columns' types, not NOT NULL).
            await ExecuteAsync("CREATE TABLE audit_log_loose AS SELECT * FROM audit_log");
            await ExecuteAsync("DROP TABLE audit_log");
            await ExecuteAsync("ALTER TABLE audit_log_loose RENAME TO audit_log");
        }

        Assert.Equal(1, await ExecuteAsync($"UPDATE audit_log SET {column} = {value} WHERE sequence = @sequence", new { sequence }));

        var entries = await FirstPageAsync();
        Assert.Contains(entries, e => (long)e["sequence"]! == sequence);
        Assert.Contains(entries, e => (long)e["sequence"]! == sequence + 1);
        if (value.Contains("X'", StringComparison.Ordinal) && !value.Contains("TEXT", StringComparison.Ordinal) || value.Contains("BLOB", StringComparison.Ordinal)
            || value == "NULL" && NeverNullTextColumns.Contains(column))
        {
            // Shown, marked as what it is: bytes, or NULL.
            var entry = entries.Single(e => (long)e["sequence"]! == sequence);
            var field = column switch
            {
                "standard_key" => entry["key"],
                "roles" => entry["roles"]!.AsArray().Single(),
                _ => entry[System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(string.Concat(column.Split('_').Select(w => char.ToUpperInvariant(w[0]) + w[1..])))],
            };
            Assert.StartsWith(value == "NULL" ? "(not text: NULL)" : "(not text: X'", (string)field!, StringComparison.Ordinal);
        }
        AssertBrokenAt(await VerifyAsync(), sequence);
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// NULL in the roles of an entry recorded with none (an anonymous caller's), once the column's NOT NULL is dropped
    /// (on SQLite, the table rebuilt without it): until 2026-12-07 Dapper left the property's empty text, which hashed as
    /// recorded, and the edit verified.
    /// </summary>
    [Fact]
    public async Task NullRolesWhereNoneWereRecordedAreDetected()
    {
        Assert.SkipWhen(provider == TestProvider.SqlServer, "dropping NOT NULL needs the column's type restated there");
        await PublishedAndReleasedAsync();
        await RegistryClient.Expect(await _app.Anonymous().GetAsync("/v1/standards/stanag-1/versions/2"), HttpStatusCode.NotFound);
        long? sequence = null;
        await Wait.UntilAsync(
            async () => (sequence = await Database().ReadAsync(c => c.QuerySingleAsync<long?>("SELECT MIN(sequence) FROM audit_log WHERE roles = ''"))) is not null,
            TimeSpan.FromSeconds(10), "the anonymous read's entry");
        if (provider == TestProvider.Sqlite)
        {
            await ExecuteAsync("CREATE TABLE audit_log_loose AS SELECT * FROM audit_log");
            await ExecuteAsync("DROP TABLE audit_log");
            await ExecuteAsync("ALTER TABLE audit_log_loose RENAME TO audit_log");
        }
        else
        {
            await ExecuteAsync("ALTER TABLE audit_log ALTER COLUMN roles DROP NOT NULL");
        }

        Assert.Equal(1, await ExecuteAsync("UPDATE audit_log SET roles = NULL WHERE sequence = @sequence", new { sequence }));

        AssertBrokenAt(await VerifyAsync(), sequence!.Value);
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// Bytes in a text column are shown as text saying so, <c>(not text: X'41')</c>; a subject can be that very text, and
    /// an entry it wrote, edited to hold the bytes, reads as it was recorded — yet it was changed, and verification says so.
    /// </summary>
    [Fact]
    public async Task BytesInATextFieldAreDetectedThoughTheirMarkReadsAsTheTextRecorded()
    {
        Assert.SkipWhen(provider != TestProvider.Sqlite, "text columns that hold any type: SQLite");
        const string mark = "(not text: X'41')";
        await _app.As(new TestCaller(mark, "NATO", "CTS", "editor")).CreateStandardAsync("stanag-1");
        var sequence = await Database().ReadAsync(c => c.QuerySingleAsync<long>("SELECT sequence FROM audit_log WHERE subject = @mark", new { mark }));

        Assert.Equal(1, await ExecuteAsync("UPDATE audit_log SET subject = X'41' WHERE sequence = @sequence", new { sequence }));

        var entries = await FirstPageAsync();
        Assert.Equal(mark, (string?)entries.Single(e => (long)e["sequence"]! == sequence)["subject"]);
        AssertBrokenAt(await VerifyAsync(), sequence, "changed");
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// The hashes of the chain head and of a checkpoint edited to be bytes (the very bytes of the hash recorded), or a
    /// checkpoint's time text, as SQLite lets tampering store: verification reports it, where until 2026-12-07 Dapper's
    /// conversion failed it with 500.
    /// </summary>
    [Theory]
    [InlineData("audit_chain_head", "hash", "CAST(hash AS BLOB)")]
    [InlineData("audit_checkpoint", "entry_hash", "CAST(entry_hash AS BLOB)")]
    [InlineData("audit_checkpoint", "previous_hash", "CAST(previous_hash AS BLOB)")]
    [InlineData("audit_checkpoint", "hash", "CAST(hash AS BLOB)")]
    [InlineData("audit_checkpoint", "at", "'x'")]
    public async Task TheHeadOrACheckpointEditedToHoldSomethingElseIsDetected(string table, string column, string value)
    {
        Assert.SkipWhen(provider != TestProvider.Sqlite, "text columns that hold any type: SQLite");
        await PublishedAndReleasedAsync();
        Assert.True((bool)(await VerifyAsync())["valid"]!);
        // The verification's own entry written (after its answer): an append chains on from the head, and rewrites it.
        await Wait.UntilAsync(
            async () => await Database().ReadAsync(c => c.QuerySingleAsync<long>("SELECT COUNT(*) FROM audit_log WHERE action = @action", new { action = AuditActions.AuditVerify })) > 0,
            TimeSpan.FromSeconds(10), "the verification's entry");

        Assert.Equal(1, await ExecuteAsync($"UPDATE {table} SET {column} = {value} WHERE rowid = (SELECT MAX(rowid) FROM {table})"));

        var result = await VerifyAsync();
        Assert.False((bool)result["valid"]!);
        if (table == "audit_checkpoint")
        {
            // (The head is written again, as text, by the next append: that of this verification.)
            var full = await _admin.GetJsonAsync("/v1/audit/verify?full=true");
            Assert.False((bool)full["valid"]!);
        }
        _app.AssertNoServerErrorsOrContractViolations();
    }

    [Fact]
    public async Task EditingAnEntryAndRecomputingItsHashIsDetectedAtTheNextEntry()
    {
        await PublishedAndReleasedAsync();

        await ForgeSubjectAsync(3, recomputeHash: true);

        AssertBrokenAt(await VerifyAsync(), 4);
    }

    [Fact]
    public async Task DeletingAnEntryInTheMiddleIsDetected()
    {
        await PublishedAndReleasedAsync();

        Assert.Equal(1, await ExecuteAsync("DELETE FROM audit_log WHERE sequence = 4"));
        var result = await VerifyAsync();

        AssertBrokenAt(result, 4, "missing");
        Assert.Equal(3L, (long)result["checked"]!);
    }

    [Fact]
    public async Task DeletingTheLastEntryIsDetected()
    {
        await PublishedAndReleasedAsync();

        Assert.Equal(1, await ExecuteAsync("DELETE FROM audit_log WHERE sequence = 6"));
        var result = await VerifyAsync();

        AssertBrokenAt(result, 6);
        Assert.Equal(5L, (long)result["checked"]!);
    }

    /// <summary>
    /// The newest entry replaced by a forged one with its hash recomputed: no entry follows to break, so only the chain
    /// head, which still holds the true hash, shows it. Dropping that comparison passed every suite.
    /// </summary>
    [Fact]
    public async Task ReplacingTheLastEntryAndRecomputingItsHashIsDetectedAtTheHead()
    {
        await PublishedAndReleasedAsync();

        await ForgeSubjectAsync(6, recomputeHash: true);

        AssertBrokenAt(await VerifyAsync(), 6, "is not the one the chain head recorded");
    }

    // Checkpoints: a verification checks what is new since the last verified prefix, and checkpoints it.

    /// <summary>The sequence of the entry of <paramref name="action"/> on <paramref name="key"/> (written in its write's transaction).</summary>
    private Task<long> SequenceOfAsync(string action, string key) =>
        Database().ReadAsync(c => c.QuerySingleAsync<long>("SELECT sequence FROM audit_log WHERE action = @action AND standard_key = @key", new { action, key })).AsTask();

    [Fact]
    public async Task AVerificationAfterACheckpointChecksOnlyTheNewEntries()
    {
        await PublishedAndReleasedAsync();
        var first = await VerifyAsync();
        await _editor.CreateStandardAsync("stanag-2");

        var second = await VerifyAsync();

        Assert.Equal((true, 0L, 6L, true), ((bool)first["valid"]!, (long)first["from"]!, (long)first["through"]!, (bool)first["complete"]!));
        Assert.True((bool)second["valid"]!, second.ToJsonString());
        Assert.Equal(6L, (long)second["from"]!);
        Assert.True((long)second["through"]! >= await SequenceOfAsync("standard.create", "stanag-2"));
        Assert.Equal((long)second["through"]! - 6, (long)second["checked"]!);
        Assert.Null(second["nextCursor"]);
    }

    [Fact]
    public async Task AVerificationWithALimitStopsThereAndTheNextGoesOnFromItsCheckpoint()
    {
        await PublishedAndReleasedAsync();

        var first = await _admin.GetJsonAsync("/v1/audit/verify?limit=4");
        var second = await _admin.GetJsonAsync("/v1/audit/verify?limit=4");

        Assert.Equal((true, 4L, 4L, false), ((bool)first["valid"]!, (long)first["checked"]!, (long)first["through"]!, (bool)first["complete"]!));
        Assert.Equal((true, 4L), ((bool)second["valid"]!, (long)second["from"]!));
        Assert.True((long)second["through"]! > 4);
    }

    [Fact]
    public async Task EditingAnEntryAfterTheCheckpointIsDetected()
    {
        await PublishedAndReleasedAsync();
        Assert.True((bool)(await VerifyAsync())["valid"]!);
        await _editor.CreateStandardAsync("stanag-2");
        var sequence = await SequenceOfAsync("standard.create", "stanag-2");

        await ExecuteAsync("UPDATE audit_log SET subject = 'someone-else' WHERE sequence = @sequence", new { sequence });
        var result = await VerifyAsync();

        AssertBrokenAt(result, sequence);
        Assert.Equal(6L, (long)result["from"]!);
    }

    [Fact]
    public async Task AChangedCheckpointIsDetected()
    {
        await PublishedAndReleasedAsync();
        Assert.True((bool)(await VerifyAsync())["valid"]!);

        // Pointing the checkpoint at another entry's hash without recomputing its own.
        await ExecuteAsync("UPDATE audit_checkpoint SET entry_hash = (SELECT hash FROM audit_log WHERE sequence = 5) WHERE sequence = 6");

        AssertBrokenAt(await VerifyAsync(), 6, "checkpoint");
    }

    /// <summary>
    /// The entry a checkpoint names, edited after it was verified: with its hash left (its content no longer matches it)
    /// or recomputed (it matches, but is not the entry the checkpoint verified, and the next entry still chains from the
    /// old hash, which the walk starts from). A verification starts after that entry, so only the checkpoint's own check
    /// sees either: dropping the comparison with the checkpoint's hash, or the entry's with its content, passed every suite.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EditingTheEntryACheckpointNamesIsDetected(bool recomputeHash)
    {
        await PublishedAndReleasedAsync();
        Assert.True((bool)(await VerifyAsync())["valid"]!);
        await _editor.CreateStandardAsync("stanag-2");

        await ForgeSubjectAsync(6, recomputeHash);

        AssertBrokenAt(await VerifyAsync(), 6, "is not the entry the checkpoint at it verified");
    }

    [Fact]
    public async Task RemovingTheNewestEntriesAndRewindingTheHeadBeforeACheckpointIsDetected()
    {
        await PublishedAndReleasedAsync();
        Assert.True((bool)(await VerifyAsync())["valid"]!);

        // In one transaction, the head's row taken first: the entry of the verification above may still be on its way,
        // and written between a removal and a rewind it would lie past the rewound head, another tampering than this one.
        await ExecuteAsync("""
            UPDATE audit_chain_head SET sequence = 3, hash = (SELECT hash FROM audit_log WHERE sequence = 3) WHERE id = 1;
            DELETE FROM audit_log WHERE sequence > 3
            """);
        var checkpointed = await VerifyAsync();
        var full = await _admin.GetJsonAsync("/v1/audit/verify?full=true");

        Assert.False((bool)checkpointed["valid"]!);
        Assert.Contains("before the checkpoint at entry 6", (string)checkpointed["problem"]!, StringComparison.Ordinal);
        Assert.False((bool)full["valid"]!);
        Assert.Contains("before the checkpoint at entry 6", (string)full["problem"]!, StringComparison.Ordinal);
    }

    /// <summary>
    /// Another verification checkpoints the entries appended while this one runs (a nightly full verification and an
    /// admin's, say): the checkpoint lies past the head this one read, yet nothing was removed — the head has moved on
    /// past it too. Both kinds of verification read the head before the checkpoints and answered "the log ends at …,
    /// before the checkpoint at entry …: entries were removed", a tampering alarm about an untouched trail. PostgreSQL,
    /// where the test holds the verification at the checkpoints' lock and sees it waiting there; the checkpoint written
    /// meanwhile is the one a concurrent verification writes (<see cref="AuditLog.CheckpointHashOf"/> on the latest).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ACheckpointAnotherVerificationRecordsMeanwhileIsNoRemovedEntry(bool full)
    {
        Assert.SkipWhen(_app.Provider != TestProvider.Postgres, "a verification held at the checkpoints' lock, and seen waiting there: PostgreSQL");
        var ct = TestContext.Current.CancellationToken;
        await PublishedAndReleasedAsync();
        Assert.True((bool)(await VerifyAsync())["valid"]!);
        await using var other = new Npgsql.NpgsqlConnection(_app.ConnectionString);
        await other.OpenAsync(ct);
        await using var held = await other.BeginTransactionAsync(ct);
        await other.ExecuteAsync("LOCK TABLE audit_checkpoint IN ACCESS EXCLUSIVE MODE", transaction: held);

        var verifying = _admin.GetJsonAsync(full ? "/v1/audit/verify?full=true" : "/v1/audit/verify");
        await PostgresLocks.UntilWaitingAsync(_app.ConnectionString, 1, "the verification waits at the checkpoints' lock", "%audit_checkpoint%", done: verifying);
        // Appended after the verification read the head, and verified and checkpointed by another.
        await _editor.CreateStandardAsync("stanag-2");
        var head = await other.QuerySingleAsync<(long Sequence, string Hash)>("SELECT sequence, hash FROM audit_chain_head WHERE id = 1", transaction: held);
        var latest = await other.QuerySingleAsync<string>("SELECT hash FROM audit_checkpoint ORDER BY sequence DESC LIMIT 1", transaction: held);
        var at = _app.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        await other.ExecuteAsync(
            "INSERT INTO audit_checkpoint (sequence, entry_hash, at, previous_hash, hash) VALUES (@sequence, @entryHash, @at, @previous, @hash)",
            new { sequence = head.Sequence, entryHash = head.Hash, at, previous = latest, hash = AuditLog.CheckpointHashOf(head.Sequence, head.Hash, at, latest) },
            held);
        await held.CommitAsync(ct);
        var result = await verifying;

        Assert.True((bool)result["valid"]!, result.ToJsonString());
        Assert.True((bool)(await VerifyAsync())["valid"]!);
        Assert.True((bool)(await _admin.GetJsonAsync("/v1/audit/verify?full=true"))["valid"]!);
    }

    /// <summary>
    /// An entry inserted past the chain head, hashed and chained as the registry would have appended it, the head left
    /// as it was: far enough ahead that appends go on beneath it, it reads in <c>GET /v1/audit</c> as the newest entry.
    /// Every verification walked only up to the head and answered the trail valid and complete.
    /// </summary>
    [Fact]
    public async Task AnEntryInsertedPastTheChainHeadIsDetected()
    {
        await PublishedAndReleasedAsync();
        Assert.True((bool)(await VerifyAsync())["valid"]!);
        var head = await Database().ReadAsync(c => c.QuerySingleAsync<(long Sequence, string Hash)>("SELECT sequence, hash FROM audit_chain_head WHERE id = 1"));
        const long forged = 1_000_000;
        var entry = new AuditEntry(_app.Clock.GetUtcNow().ToUnixTimeMilliseconds(), "version.read", 200, "someone-else", "NATO", "reader", "stanag-1", 2, Domain.Classification.NC,
            null, "10.0.0.1", "forged");
        await ExecuteAsync(
            "INSERT INTO audit_log (sequence, at, action, status, subject, community, roles, standard_key, edition, classification, detail, client_address, request_id, previous_hash, hash) "
            + "VALUES (@sequence, @At, @Action, @Status, @Subject, @Community, @Roles, @Key, @Edition, @Classification, NULL, @ClientAddress, @RequestId, @previous, @hash)",
            new { sequence = forged, entry.At, entry.Action, entry.Status, entry.Subject, entry.Community, entry.Roles, entry.Key, entry.Edition, Classification = (int?)entry.Classification, entry.ClientAddress, entry.RequestId,
                previous = head.Hash, hash = AuditLog.HashOf(forged, entry, head.Hash) });
        await _editor.CreateStandardAsync("stanag-2");

        var checkpointed = await VerifyAsync();
        var full = await _admin.GetJsonAsync("/v1/audit/verify?full=true");

        foreach (var result in new[] { checkpointed, full })
        {
            AssertBrokenAt(result, forged, "beyond the chain head");
        }
    }

    [Fact]
    public async Task AFullVerificationResumesCallByCallAndFindsAnEntryEditedBeforeTheCheckpoint()
    {
        await PublishedAndReleasedAsync();
        Assert.True((bool)(await VerifyAsync())["valid"]!);
        var clean = await FullVerificationAsync(limit: 2);
        Assert.True(clean.Calls >= 3, $"{clean.Calls} calls");
        Assert.True((bool)clean.Last["complete"]!, clean.Last.ToJsonString());
        Assert.Equal((long)clean.Last["through"]!, clean.Checked);

        await ExecuteAsync("UPDATE audit_log SET subject = 'someone-else' WHERE sequence = 3");
        var checkpointed = await VerifyAsync();
        var full = await FullVerificationAsync(limit: 2);

        // The checkpoint verification does not look before its checkpoint; the full one does.
        Assert.True((bool)checkpointed["valid"]!, checkpointed.ToJsonString());
        AssertBrokenAt(full.Last, 3);
        Assert.Equal(2, full.Calls);
    }

    /// <summary>
    /// Checkpoint verifications run between the calls of a full one (a nightly script following its cursor while an
    /// admin verifies what is new, each bounded): the first checkpoints a prefix shorter than where the full one stopped,
    /// the next chains on from it. Resumed, the full verification met that next checkpoint expecting it to chain from
    /// the last one it had seen itself, and answered "does not chain from the checkpoint before it" about an untouched
    /// trail.
    /// </summary>
    [Fact]
    public async Task CheckpointsRecordedBetweenTheCallsOfAFullVerificationAreNoBreak()
    {
        await PublishedAndReleasedAsync();
        var first = await _admin.GetJsonAsync("/v1/audit/verify?full=true&limit=4");
        Assert.Equal((true, 4L), ((bool)first["valid"]!, (long)first["through"]!));

        var shorter = await _admin.GetJsonAsync("/v1/audit/verify?limit=2");
        var onFromIt = await VerifyAsync();
        Assert.Equal((true, 2L), ((bool)shorter["valid"]!, (long)shorter["through"]!));
        Assert.True((bool)onFromIt["valid"]! && (long)onFromIt["through"]! > 4, onFromIt.ToJsonString());
        var resumed = await _admin.GetJsonAsync($"/v1/audit/verify?full=true&cursor={first["nextCursor"]}");

        Assert.True((bool)resumed["valid"]!, resumed.ToJsonString());
        Assert.True((bool)resumed["complete"]!, resumed.ToJsonString());
    }

    [Fact]
    public async Task ABadVerificationCursorOrLimitIsA400ThatNamesIt()
    {
        await ErrorsAsync(await _admin.GetAsync("/v1/audit/verify?full=true&cursor=bm90LWEtY3Vyc29y"), "cursor");
        await ErrorsAsync(await _admin.GetAsync($"/v1/audit/verify?cursor={Uri.EscapeDataString("YXVkaXQtdmVyaWZ5OjE6YTpi")}"), "cursor");
        await ErrorsAsync(await _admin.GetAsync("/v1/audit/verify?limit=0"), "limit");
        // Values that are not of their parameter's type are named in the same problem as the other errors.
        await ErrorsAsync(await _admin.GetAsync("/v1/audit/verify?full=maybe&limit=x"), "full", "limit");
        await ErrorsAsync(await _admin.GetAsync("/v1/audit?limit=1.5&from=yesterday"), "limit", "from");
    }

    /// <summary>A full verification with at most <paramref name="limit"/> entries per call, followed to its end.</summary>
    private async Task<(JsonObject Last, int Calls, long Checked)> FullVerificationAsync(int limit)
    {
        var (calls, checkedCount) = (0, 0L);
        string? cursor = null;
        while (true)
        {
            var result = await _admin.GetJsonAsync($"/v1/audit/verify?full=true&limit={limit}{(cursor is null ? "" : $"&cursor={cursor}")}");
            calls++;
            checkedCount += (long)result["checked"]!;
            cursor = (string?)result["nextCursor"];
            if (cursor is null || calls > 1000)
            {
                return (result, calls, checkedCount);
            }
        }
    }

    [Fact]
    public async Task ConcurrentReadsThenAGracefulStopLeaveExactlyOneRecordEachAndAValidChain()
    {
        // A long pause between flushes, so most reads are still queued when the stop begins.
        await using var app = new RegistryApp(provider: provider, settings: new Dictionary<string, string> { ["Audit:FlushIntervalMilliseconds"] = "500" });
        app.Start();

        await ReadConcurrentlyThenStopAsync(app, 200);
    }

    [Fact]
    public async Task AFullQueueMakesReadsWaitAndLosesNone()
    {
        await using var app = new RegistryApp(provider: provider, settings: new Dictionary<string, string>
        {
            ["Audit:Capacity"] = "1",
            ["Audit:BatchSize"] = "3",
            ["Audit:FlushIntervalMilliseconds"] = "10",
        });
        app.Start();

        await ReadConcurrentlyThenStopAsync(app, 100);
    }

    /// <summary>N concurrent content reads through the host, a graceful stop, then exactly N read entries in a valid chain.</summary>
    private static async Task ReadConcurrentlyThenStopAsync(RegistryApp app, int reads)
    {
        var editor = app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("stanag-9");
        await editor.PublishAsync("stanag-9", await editor.CreateDraftAsync("stanag-9", "NR"));
        await app.As(TestCaller.ReleaseAuthority()).ReleaseAsync("stanag-9", 1, "EU");
        var eu = app.As(TestCaller.Eu("NS"));

        var answers = await Task.WhenAll(Enumerable.Range(0, reads).Select(i =>
            eu.GetAsync(i % 2 == 0 ? "/v1/standards/stanag-9/versions/1" : "/v1/standards/stanag-9/versions/latest")));
        await app.StopAsync();

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        var dialect = SqlDialect.For(app.Provider.Name);
        var db = new Db(dialect, dialect.Normalize(app.ConnectionString), ResiliencePipeline.Empty);
        var recorded = await db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE action IN ('version.read', 'version.read-latest')"));
        var total = await db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log"));
        var verification = await new AuditLog(db).VerifyAsync();
        Assert.Equal(reads, recorded);
        Assert.True(verification.Valid, verification.Problem);
        Assert.Equal(total, verification.Checked);
    }
}
