using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;
using static StandardsRegistry.Api.Tests.Support.ProblemAssertions;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// The editorial and release workflows end to end: optimistic concurrency on drafts, the lifecycle's refusals,
/// release records (pending, active, revoked), markings per reader, conditional GETs and cache headers.
/// </summary>
public abstract class WorkflowTests(TestProvider provider) : IAsyncLifetime
{
    private const string Key = "stanag-1";

    private readonly RegistryApp _app = new(provider: provider);
    private HttpClient _editor = null!;
    private HttpClient _authority = null!;
    private HttpClient _eu = null!;
    private HttpClient _nato = null!;

    public async ValueTask InitializeAsync()
    {
        _app.Start();
        _editor = _app.As(TestCaller.Editor());
        _authority = _app.As(TestCaller.ReleaseAuthority());
        _eu = _app.As(TestCaller.Eu("CTS"));
        _nato = _app.As(TestCaller.NatoReader("CTS"));
        await _editor.CreateStandardAsync(Key);
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    // ---------------------------------------------------------------- search

    [Theory]
    [InlineData("éclair")]
    [InlineData("ÉCLAIR")]
    [InlineData("Éclair")]
    [InlineData("éclairantes")]
    [InlineData("électronique")]
    public async Task SearchFindsFrenchDesignationsAndTitlesWhateverTheirCase(string q)
    {
        // NATO titles are English and French: a term matches regardless of case by Unicode's rules, not ASCII's.
        var created = await _editor.PostAsJsonAsync("/v1/standards", new { key = "eclair-7", designation = "ÉCLAIR 7", category = "caliber", title = "MUNITIONS ÉCLAIRANTES" });
        await RegistryClient.Expect(created, HttpStatusCode.Created);
        await _editor.PublishAsync("eclair-7", await _editor.CreateDraftAsync("eclair-7", title: "Guerre ÉLECTRONIQUE"));

        var found = await _nato.GetJsonAsync($"/v1/standards?q={Uri.EscapeDataString(q)}");

        Assert.Contains("eclair-7", found["items"]!.AsArray().Select(i => (string)i!["key"]!));
    }

    /// <summary>
    /// The two places where lower case is not one letter for one letter: Greek capital sigma, whose lower case is
    /// <c>ς</c> at a word's end and <c>σ</c> elsewhere, and Turkish dotted capital <c>İ</c>, whose lower case is <c>i</c>
    /// and a combining dot above. Until 2026-12-07 PostgreSQL (ICU's <c>LOWER</c>) and SQLite (.NET's lower case of
    /// each letter, the search term's too) folded them apart: on PostgreSQL a title in capitals was not found by its
    /// own words (<c>ΧΑΡΤΗΣ</c>, <c>İZMİR</c>), on SQLite not by those words as written in lower case.
    /// </summary>
    [Theory]
    [InlineData("ΧΑΡΤΗΣ")]
    [InlineData("χαρτης")]
    [InlineData("Οδικος χαρτης")]
    [InlineData("İZMİR")]
    [InlineData("i\u0307zmi\u0307r")]
    public async Task SearchFindsGreekAndTurkishTitlesWhateverTheirCase(string q)
    {
        var created = await _editor.PostAsJsonAsync("/v1/standards", new { key = "stanag-2215", designation = "STANAG 2215", category = "caliber", title = "Land maps" });
        await RegistryClient.Expect(created, HttpStatusCode.Created);
        await _editor.PublishAsync("stanag-2215", await _editor.CreateDraftAsync("stanag-2215", title: "ΟΔΙΚΟΣ ΧΑΡΤΗΣ İZMİR"));

        var found = await _nato.GetJsonAsync($"/v1/standards?q={Uri.EscapeDataString(q)}");

        Assert.Contains("stanag-2215", found["items"]!.AsArray().Select(i => (string)i!["key"]!));
    }

    /// <summary>
    /// A designation is found as a reader writes it: in another case, with other spaces, full-width digits, another dash
    /// or without a diacritic (the fold that makes designations one, <c>Designations.Identity</c>). A term that folds to
    /// nothing (a combining mark alone) finds by the fold nothing, not every standard.
    /// </summary>
    [Theory]
    [InlineData("stanag 4607-2")]
    [InlineData("STANAG  4607")]
    [InlineData("STANAG\u00a04607")]
    [InlineData("\uff14\uff16\uff10\uff17")]
    [InlineData("4607\u20132")]
    [InlineData("N\u00c1G 46")]
    public async Task SearchFindsADesignationAsAReaderWritesIt(string q)
    {
        q = System.Text.RegularExpressions.Regex.Unescape(q);
        var created = await _editor.PostAsJsonAsync("/v1/standards", new { key = "stanag-4607", designation = "STANAG 4607-2", category = "caliber", title = "Radar interface" });
        await RegistryClient.Expect(created, HttpStatusCode.Created);
        await _editor.PublishAsync("stanag-4607", await _editor.CreateDraftAsync("stanag-4607", title: "Ground moving target indicator"));

        var found = await _nato.GetJsonAsync($"/v1/standards?q={Uri.EscapeDataString(q)}");
        var blank = await _nato.GetJsonAsync($"/v1/standards?q={Uri.EscapeDataString("\u0301")}");

        Assert.Contains("stanag-4607", found["items"]!.AsArray().Select(i => (string)i!["key"]!));
        Assert.DoesNotContain("stanag-4607", blank["items"]!.AsArray().Select(i => (string)i!["key"]!));
    }

    // ---------------------------------------------------------------- If-Match on drafts

    /// <summary>
    /// A body whose charset is written as a quoted string (RFC 9110 allows <c>charset="utf-8"</c>) is read as that
    /// charset: the draft is created as sent, non-ASCII text included (the framework's reader refused the quotes).
    /// </summary>
    [Fact]
    public async Task ABodyWhoseCharsetIsQuotedIsReadInThatCharset()
    {
        var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(Draft("Munitions de 155 mm, révision"))));
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=\"UTF-8\"");

        var response = await _editor.PostAsync($"/v1/standards/{Key}/versions", content);

        await RegistryClient.Expect(response, HttpStatusCode.Created);
        Assert.Equal("Munitions de 155 mm, révision", (await response.JsonAsync())["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task UpdatingADraftWithoutIfMatchIsRefusedWith428AndChangesNothing()
    {
        var edition = await _editor.CreateDraftAsync(Key, title: "Original");
        var before = await VersionTextAsync(edition);

        var response = await _editor.PutAsJsonAsync($"/v1/standards/{Key}/versions/{edition}", Draft("Changed"));

        await ProblemAsync(response, (HttpStatusCode)428, "If-Match");
        Assert.Equal(before, await VersionTextAsync(edition));
    }

    [Fact]
    public async Task UpdatingADraftWithAStaleETagIsRefusedWith412AndChangesNothing()
    {
        var edition = await _editor.CreateDraftAsync(Key, title: "Original");
        var stale = await ETagAsync(_editor, $"/v1/standards/{Key}/versions/{edition}");
        var first = await PutDraftAsync(edition, Draft("First change"), stale);
        await RegistryClient.Expect(first, HttpStatusCode.OK);
        var current = await VersionTextAsync(edition);

        await ProblemAsync(await PutDraftAsync(edition, Draft("Lost update"), stale), HttpStatusCode.PreconditionFailed);
        await ProblemAsync(await PutDraftAsync(edition, Draft("Made-up tag"), "\"made-up\""), HttpStatusCode.PreconditionFailed);
        await ProblemAsync(await PutDraftAsync(edition, Draft("Weak tag"), "W/" + first.Headers.ETag!.Tag), HttpStatusCode.PreconditionFailed);

        Assert.Equal(current, await VersionTextAsync(edition));
        Assert.Equal("First change", (await _editor.GetJsonAsync($"/v1/standards/{Key}/versions/{edition}"))["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task UpdatingADraftWithTheCurrentETagFromAGetReplacesItAndAnswersANewETag()
    {
        var edition = await _editor.CreateDraftAsync(Key, title: "Original");
        var etag = await ETagAsync(_editor, $"/v1/standards/{Key}/versions/{edition}");

        var response = await PutDraftAsync(edition, Draft("Changed", classification: "NR", summary: "New summary."), etag);

        await RegistryClient.Expect(response, HttpStatusCode.OK);
        var body = await response.JsonAsync();
        Assert.Equal("Changed", body["title"]!.GetValue<string>());
        Assert.Equal("New summary.", body["summary"]!.GetValue<string>());
        Assert.Equal("NR", body["classification"]!.GetValue<string>());
        Assert.Equal("draft", body["status"]!.GetValue<string>());
        var newTag = response.Headers.ETag?.Tag;
        Assert.NotNull(newTag);
        Assert.NotEqual(etag, newTag);

        var reread = await _editor.GetAsync($"/v1/standards/{Key}/versions/{edition}");
        Assert.Equal(newTag, reread.Headers.ETag?.Tag);
        Assert.Equal("Changed", (await reread.JsonAsync())["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task ChainedUpdatesUseTheETagOfThePreviousWrite()
    {
        var created = await _editor.PostAsJsonAsync($"/v1/standards/{Key}/versions", Draft("Original"));
        await RegistryClient.Expect(created, HttpStatusCode.Created);
        var edition = (await created.JsonAsync())["edition"]!.GetValue<int>();
        var tag = created.Headers.ETag?.Tag;
        Assert.NotNull(tag);
        Assert.Equal(await ETagAsync(_editor, $"/v1/standards/{Key}/versions/{edition}"), tag);

        foreach (var title in new[] { "Second", "Third", "Fourth" })
        {
            var response = await PutDraftAsync(edition, Draft(title), tag);
            await RegistryClient.Expect(response, HttpStatusCode.OK);
            Assert.Equal(title, (await response.JsonAsync())["title"]!.GetValue<string>());
            Assert.NotEqual(tag, response.Headers.ETag?.Tag);
            tag = response.Headers.ETag!.Tag;
        }
        Assert.Equal("Fourth", (await _editor.GetJsonAsync($"/v1/standards/{Key}/versions/{edition}"))["title"]!.GetValue<string>());
    }

    /// <summary>
    /// <c>If-Match: *</c> names no state of the draft, only that it exists, and a draft always exists: it proves nothing
    /// was read, so it cannot stand for the ETag the edit requires. Until it was refused, an editor who had read the draft
    /// before another editor changed it overwrote that change unseen by sending <c>*</c> (a lost edit; 200).
    /// </summary>
    [Theory]
    [InlineData("*")]
    [InlineData(" * ")]
    [InlineData("\"stale\", *")]
    public async Task IfMatchStarCannotOverwriteAnotherEditorsChangeUnseen(string ifMatch)
    {
        var edition = await _editor.CreateDraftAsync(Key, title: "Original");
        var other = _app.As(new TestCaller("other-editor@nato", "NATO", "CTS", "editor"));
        var read = await ETagAsync(other, $"/v1/standards/{Key}/versions/{edition}");
        await RegistryClient.Expect(await PutDraftAsync(edition, Draft("The other editor's change"), read, other), HttpStatusCode.OK);
        var current = await VersionTextAsync(edition);

        await ProblemAsync(await PutDraftAsync(edition, Draft("Blind overwrite"), ifMatch), (HttpStatusCode)428, "If-Match");

        Assert.Equal(current, await VersionTextAsync(edition));
        Assert.Equal("The other editor's change", (await _editor.GetJsonAsync($"/v1/standards/{Key}/versions/{edition}"))["title"]!.GetValue<string>());
    }

    /// <summary>
    /// A publish that sends If-Match publishes the draft its sender read, or nothing: another editor's change made since
    /// is a 412 and the draft stays a draft with that change. Its current tag publishes; no If-Match (or <c>*</c>)
    /// publishes as it is. The header was once ignored, so an editor publishing what it had read published content it
    /// never saw.
    /// </summary>
    [Fact]
    public async Task APublishWithTheTagOfAnEarlierReadOfTheDraftPublishesNothing()
    {
        var edition = await _editor.CreateDraftAsync(Key, title: "Original");
        var read = await ETagAsync(_editor, $"/v1/standards/{Key}/versions/{edition}");
        var other = _app.As(new TestCaller("other-editor@nato", "NATO", "CTS", "editor"));
        await RegistryClient.Expect(await PutDraftAsync(edition, Draft("The other editor's change"), read, other), HttpStatusCode.OK);
        var current = await VersionTextAsync(edition);

        await ProblemAsync(await SendWithIfMatchAsync(HttpMethod.Post, $"/v1/standards/{Key}/versions/{edition}/publish", read), HttpStatusCode.PreconditionFailed, "changed");

        Assert.Equal(current, await VersionTextAsync(edition));
        var now = await ETagAsync(_editor, $"/v1/standards/{Key}/versions/{edition}");
        var published = await SendWithIfMatchAsync(HttpMethod.Post, $"/v1/standards/{Key}/versions/{edition}/publish", now);
        await RegistryClient.Expect(published, HttpStatusCode.OK);
        Assert.Equal("The other editor's change", (await published.JsonAsync())["title"]!.GetValue<string>());
        var next = await _editor.CreateDraftAsync(Key, title: "Next");
        await RegistryClient.Expect(await SendWithIfMatchAsync(HttpMethod.Post, $"/v1/standards/{Key}/versions/{next}/publish", "*"), HttpStatusCode.OK);
        // A tag sent by an editor who may not write to the standard (it holds an edition above the editor's clearance) is
        // answered as the write is: as for an absent standard, stale or not, for the edition it sees and the one it does not.
        var secret = await _editor.CreateDraftAsync(Key, "NS");
        var low = _app.As(TestCaller.Editor("NR"));
        await ProblemAsync(await SendWithIfMatchAsync(HttpMethod.Post, $"/v1/standards/{Key}/versions/{secret}/publish", read, low), HttpStatusCode.NotFound);
        var visibleDraft = await _editor.CreateDraftAsync(Key, "NU");
        await ProblemAsync(await SendWithIfMatchAsync(HttpMethod.Post, $"/v1/standards/{Key}/versions/{visibleDraft}/publish", read, low), HttpStatusCode.NotFound);
    }

    /// <summary>
    /// A withdrawal that sends If-Match withdraws the edition as its sender read it, or nothing: read while current, then
    /// superseded by a newer edition, it is a 412 and stays as it is; its current tag withdraws it.
    /// </summary>
    [Fact]
    public async Task AWithdrawalWithTheTagOfAnEarlierReadOfTheEditionWithdrawsNothing()
    {
        var edition = await PublishedAsync();
        var read = await ETagAsync(_editor, $"/v1/standards/{Key}/versions/{edition}");
        await PublishedAsync();
        var current = await VersionTextAsync(edition);
        var withdraw = $"/v1/standards/{Key}/versions/{edition}/withdraw";

        await ProblemAsync(await SendWithIfMatchAsync(HttpMethod.Post, withdraw, read, body: new { reason = "Replaced." }), HttpStatusCode.PreconditionFailed, "changed");

        Assert.Equal(current, await VersionTextAsync(edition));
        var now = await ETagAsync(_editor, $"/v1/standards/{Key}/versions/{edition}");
        var withdrawn = await SendWithIfMatchAsync(HttpMethod.Post, withdraw, now, body: new { reason = "Replaced." });
        await RegistryClient.Expect(withdrawn, HttpStatusCode.OK);
        Assert.Equal("withdrawn", (await withdrawn.JsonAsync())["status"]!.GetValue<string>());
    }

    /// <summary>
    /// A conditional write decides, under the standard's lock, on the edition as it is then — not as its handler read it
    /// to compare the tag: a draft another writer changes while the write waits for that lock is neither replaced nor
    /// published (412 each), and keeps the other writer's change. The other writer is a session of the test's own,
    /// holding the standard's lock while it changes the draft (bumping its row version, as every write does). Until the
    /// sweep of the write path (2026-12-07) only the interleavings of AuditReplayTests' concurrent editors could meet
    /// this, and they did not always: the matched tag's row version not handed to the write (the handler's comparison
    /// alone) published the changed draft, content its editor never read, answered 200, through every suite.
    /// </summary>
    [Fact]
    public async Task AConditionalWriteWhoseDraftChangesWhileItWaitsForTheStandardsLockIsA412()
    {
        Assert.SkipWhen(provider != TestProvider.Postgres,
            "two writers at once: PostgreSQL is the server database the suite runs here (on SQLite the process's writers pass one at a time, and a write takes the database's one write lock with its first statement, the standard's lock)");
        var edition = await _editor.CreateDraftAsync(Key, title: "Original");
        (string What, Func<string, Task<HttpResponseMessage>> Send)[] writes =
        [
            ("the replacement of the draft", read => PutDraftAsync(edition, Draft("Replaced unseen"), read)),
            ("the publication of the draft", read => SendWithIfMatchAsync(HttpMethod.Post, $"/v1/standards/{Key}/versions/{edition}/publish", read)),
        ];
        foreach (var (what, send) in writes)
        {
            var read = await ETagAsync(_editor, $"/v1/standards/{Key}/versions/{edition}");
            var changed = $"Changed while {what} waited";

            var answer = await WhileTheStandardIsLockedAsync(
                $"UPDATE versions SET title = '{changed}', row_version = row_version + 1 WHERE edition = {edition} AND standard_id = (SELECT id FROM standards WHERE standard_key = '{Key}')",
                () => send(read), what);

            await ProblemAsync(answer, HttpStatusCode.PreconditionFailed, "changed");
            var version = await _editor.GetJsonAsync($"/v1/standards/{Key}/versions/{edition}");
            Assert.Equal((changed, "draft"), (version["title"]!.GetValue<string>(), version["status"]!.GetValue<string>()));
        }
    }

    /// <summary>
    /// Sends <paramref name="write"/> while a session of the test's own holds the standard's lock and runs
    /// <paramref name="change"/>, and lets it go once the write waits at that lock (PostgreSQL only): the write meets a
    /// change made after its handler read the edition and before its transaction could.
    /// </summary>
    private async Task<HttpResponseMessage> WhileTheStandardIsLockedAsync(string change, Func<Task<HttpResponseMessage>> write, string what)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var other = new Npgsql.NpgsqlConnection(_app.ConnectionString);
        await other.OpenAsync(ct);
        await using var held = await other.BeginTransactionAsync(ct);
        await using (var command = new Npgsql.NpgsqlCommand($"SELECT 1 FROM standards WHERE standard_key = '{Key}' FOR UPDATE;\n{change}", other, held))
        {
            await command.ExecuteNonQueryAsync(ct);
        }
        var racing = write();
        await PostgresLocks.UntilWaitingAsync(_app.ConnectionString, 1, $"{what} waiting at the standard's lock", done: racing);
        await held.CommitAsync(ct);
        return await racing;
    }

    /// <summary>
    /// If-Match compares strongly (RFC 9110 §13.1.1): a weak tag, even of the edition as it is, neither publishes nor
    /// withdraws. Each 412 is on record like any other refusal, naming the edition asked for.
    /// </summary>
    [Fact]
    public async Task AWeakTagNeitherPublishesNorWithdrawsAndEach412IsOnRecord()
    {
        var edition = await _editor.CreateDraftAsync(Key, title: "Weakly tagged");
        var publish = $"/v1/standards/{Key}/versions/{edition}/publish";
        var draft = await VersionTextAsync(edition);

        await ProblemAsync(await SendWithIfMatchAsync(HttpMethod.Post, publish, "W/" + await ETagAsync(_editor, $"/v1/standards/{Key}/versions/{edition}")), HttpStatusCode.PreconditionFailed);

        Assert.Equal(draft, await VersionTextAsync(edition));
        await RegistryClient.Expect(await SendWithIfMatchAsync(HttpMethod.Post, publish, await ETagAsync(_editor, $"/v1/standards/{Key}/versions/{edition}")), HttpStatusCode.OK);
        var published = await VersionTextAsync(edition);
        await ProblemAsync(await SendWithIfMatchAsync(HttpMethod.Post, $"/v1/standards/{Key}/versions/{edition}/withdraw",
            "W/" + await ETagAsync(_editor, $"/v1/standards/{Key}/versions/{edition}"), body: new { reason = "Weak." }), HttpStatusCode.PreconditionFailed);
        Assert.Equal(published, await VersionTextAsync(edition));

        // A refusal's entry is queued, not committed before the answer: waited for (10 s at most).
        static List<JsonObject> Refused(List<JsonObject> entries) => entries.Where(e => (int)e["status"]! == 412).ToList();
        var entries = Refused(await _app.As(TestCaller.Admin()).AuditEntriesAsync($"subject=editor@nato&key={Key}&limit=100", all => Refused(all).Count >= 2));
        Assert.Equal(["version.publish", "version.withdraw"], entries.Select(e => (string)e["action"]!));
        Assert.All(entries, e => Assert.Equal(edition, (int?)e["edition"]));
    }

    [Fact]
    public async Task EditingAPublishedVersionIsAConflictAndChangesNothing()
    {
        var edition = await _editor.CreateDraftAsync(Key, title: "Published content");
        await _editor.PublishAsync(Key, edition);
        var etag = await ETagAsync(_editor, $"/v1/standards/{Key}/versions/{edition}");
        var before = await VersionTextAsync(edition);

        var problem = await ProblemAsync(await PutDraftAsync(edition, Draft("Sneaky change"), etag), HttpStatusCode.Conflict, "published");

        Assert.Contains("new edition", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(before, await VersionTextAsync(edition));
    }

    [Fact]
    public async Task PublishingTwiceIsAConflictAndChangesNothing()
    {
        var edition = await _editor.CreateDraftAsync(Key);
        await _editor.PublishAsync(Key, edition);
        var before = await VersionTextAsync(edition);
        _app.Clock.Advance(TimeSpan.FromMinutes(1));

        await ProblemAsync(await _editor.PostAsync($"/v1/standards/{Key}/versions/{edition}/publish", null), HttpStatusCode.Conflict, "published");

        Assert.Equal(before, await VersionTextAsync(edition));
    }

    [Fact]
    public async Task WithdrawingRecordsTheReasonForNatoAndHidesTheEditionFromTheEu()
    {
        var edition = await _editor.CreateDraftAsync(Key, "NR");
        await _editor.PublishAsync(Key, edition);
        await _authority.ReleaseAsync(Key, edition, "EU");
        Assert.Equal("published", (await _eu.GetJsonAsync($"/v1/standards/{Key}/versions/{edition}"))["status"]!.GetValue<string>());

        var response = await _editor.PostAsJsonAsync($"/v1/standards/{Key}/versions/{edition}/withdraw", new { reason = "Superseded by national practice." });

        await RegistryClient.Expect(response, HttpStatusCode.OK);
        Assert.Equal("withdrawn", (await response.JsonAsync())["status"]!.GetValue<string>());
        var seenByNato = await _nato.GetJsonAsync($"/v1/standards/{Key}/versions/{edition}");
        Assert.Equal("withdrawn", seenByNato["status"]!.GetValue<string>());
        Assert.Equal("Superseded by national practice.", seenByNato["withdrawalReason"]!.GetValue<string>());
        Assert.NotNull(seenByNato["withdrawnAt"]);

        await ProblemAsync(await _eu.GetAsync($"/v1/standards/{Key}/versions/{edition}"), HttpStatusCode.NotFound);
        await ProblemAsync(await _eu.GetAsync($"/v1/standards/{Key}/versions/latest"), HttpStatusCode.NotFound);
        await ProblemAsync(await _eu.GetAsync($"/v1/standards/{Key}"), HttpStatusCode.NotFound);
        Assert.Empty((await _eu.GetJsonAsync("/v1/standards"))["items"]!.AsArray());

        // A withdrawn edition is not withdrawn again.
        await ProblemAsync(await _editor.PostAsJsonAsync($"/v1/standards/{Key}/versions/{edition}/withdraw", new { reason = "Again." }), HttpStatusCode.Conflict, "withdrawn");
        Assert.Equal("Superseded by national practice.", (await _nato.GetJsonAsync($"/v1/standards/{Key}/versions/{edition}"))["withdrawalReason"]!.GetValue<string>());
    }

    // ---------------------------------------------------------------- releases

    [Fact]
    public async Task ReleasingADraftIsRefusedBecauseItIsADraft()
    {
        var edition = await _editor.CreateDraftAsync(Key);

        var response = await _authority.PutAsJsonAsync($"/v1/standards/{Key}/versions/{edition}/releases/EU", new { reason = "Too early." });

        await ProblemAsync(response, HttpStatusCode.Conflict, "draft");
        Assert.Equal("[]", await _authority.GetStringAsync($"/v1/standards/{Key}/versions/{edition}/releases"));
    }

    [Fact]
    public async Task ReleasingAWithdrawnVersionIsAConflict()
    {
        var edition = await _editor.CreateDraftAsync(Key);
        await _editor.PublishAsync(Key, edition);
        await _editor.WithdrawAsync(Key, edition);

        var response = await _authority.PutAsJsonAsync($"/v1/standards/{Key}/versions/{edition}/releases/EU", new { reason = "Too late." });

        await ProblemAsync(response, HttpStatusCode.Conflict, "withdrawn");
        Assert.Equal("[]", await _authority.GetStringAsync($"/v1/standards/{Key}/versions/{edition}/releases"));
        await ProblemAsync(await _eu.GetAsync($"/v1/standards/{Key}/versions/{edition}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ReleasingARestrictedVersionToPublicIsUnprocessableBecausePublicIsAccreditedOnlyForUnclassified()
    {
        var edition = await _editor.CreateDraftAsync(Key, "NR");
        await _editor.PublishAsync(Key, edition);

        var response = await _authority.PutAsJsonAsync($"/v1/standards/{Key}/versions/{edition}/releases/PUBLIC", new { reason = "Everyone should know." });

        await ProblemAsync(response, HttpStatusCode.UnprocessableEntity, "PUBLIC is accredited up to NATO UNCLASSIFIED", "NATO RESTRICTED");
        Assert.Equal("[]", await _authority.GetStringAsync($"/v1/standards/{Key}/versions/{edition}/releases"));
        await ProblemAsync(await _app.Anonymous().GetAsync($"/v1/standards/{Key}/versions/{edition}"), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("MARS")]
    [InlineData("NATO")]
    [InlineData("eu")]
    [InlineData("CONTRACTORS")]
    public async Task ReleasingToAnUnknownAudienceIsNotFoundAndNamesIt(string audience)
    {
        var edition = await _editor.CreateDraftAsync(Key);
        await _editor.PublishAsync(Key, edition);

        var response = await _authority.PutAsJsonAsync($"/v1/standards/{Key}/versions/{edition}/releases/{audience}", new { reason = "Needed." });

        await ProblemAsync(response, HttpStatusCode.NotFound, $"'{audience}'");
        Assert.Equal("[]", await _authority.GetStringAsync($"/v1/standards/{Key}/versions/{edition}/releases"));
    }

    [Fact]
    public async Task RepeatingTheSameReleaseAnswersOkWithTheSameRecord()
    {
        var edition = await PublishedAsync();
        var url = $"/v1/standards/{Key}/versions/{edition}/releases/EU";

        var first = await _authority.PutAsJsonAsync(url, new { reason = "Needed by the EU." });
        var second = await _authority.PutAsJsonAsync(url, new { reason = "Needed by the EU." });

        await RegistryClient.Expect(first, HttpStatusCode.Created);
        await RegistryClient.Expect(second, HttpStatusCode.OK);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Single(JsonNode.Parse(await _authority.GetStringAsync($"/v1/standards/{Key}/versions/{edition}/releases"))!.AsArray());
    }

    [Fact]
    public async Task RepeatingTheSameReleaseAMomentLaterAnswersOkWithTheSameRecord()
    {
        var edition = await PublishedAsync();
        var url = $"/v1/standards/{Key}/versions/{edition}/releases/EU";
        var first = await _authority.PutAsJsonAsync(url, new { reason = "Needed by the EU." });
        await RegistryClient.Expect(first, HttpStatusCode.Created);

        // A client retrying its PUT after a timeout: same body, a few seconds later.
        _app.Clock.Advance(TimeSpan.FromSeconds(5));
        var retry = await _authority.PutAsJsonAsync(url, new { reason = "Needed by the EU." });

        await RegistryClient.Expect(retry, HttpStatusCode.OK);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        Assert.Single(JsonNode.Parse(await _authority.GetStringAsync($"/v1/standards/{Key}/versions/{edition}/releases"))!.AsArray());
    }

    [Fact]
    public async Task RepeatingTheSameFutureReleaseAnswersOkWithTheSameRecord()
    {
        var edition = await PublishedAsync();
        var url = $"/v1/standards/{Key}/versions/{edition}/releases/EU";
        var from = _app.Clock.GetUtcNow().AddDays(1);

        var first = await _authority.PutAsJsonAsync(url, new { reason = "From tomorrow.", effectiveFrom = from });
        _app.Clock.Advance(TimeSpan.FromSeconds(5));
        var retry = await _authority.PutAsJsonAsync(url, new { reason = "From tomorrow.", effectiveFrom = from });

        await RegistryClient.Expect(first, HttpStatusCode.Created);
        await RegistryClient.Expect(retry, HttpStatusCode.OK);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task RepeatingTheSameFutureReleaseLongAfterItTookEffectAnswersOkWithTheSameRecord()
    {
        // A client whose answer was lost retries the same body later: its time is past by then, by more than the clock
        // skew. Until 2026-12-07 the retry was refused as backdated (400), though the release it asked for was on record.
        var edition = await PublishedAsync();
        var url = $"/v1/standards/{Key}/versions/{edition}/releases/EU";
        var from = _app.Clock.GetUtcNow().AddMinutes(10);
        var first = await _authority.PutAsJsonAsync(url, new { reason = "From ten minutes on.", effectiveFrom = from });
        await RegistryClient.Expect(first, HttpStatusCode.Created);

        _app.Clock.Advance(TimeSpan.FromMinutes(10) + Limits.ClockSkew + TimeSpan.FromSeconds(1));
        var retry = await _authority.PutAsJsonAsync(url, new { reason = "From ten minutes on.", effectiveFrom = from });

        await RegistryClient.Expect(retry, HttpStatusCode.OK);
        var record = await retry.JsonAsync();
        Assert.Equal("active", record["state"]!.GetValue<string>());
        Assert.Equal((await first.JsonAsync())["effectiveFrom"]!.GetValue<DateTimeOffset>(), record["effectiveFrom"]!.GetValue<DateTimeOffset>());
        Assert.Single(await HistoryAsync(edition));

        // Only the same terms repeat it: another past time, or another reason, is a backdated release, refused by name.
        await ErrorsAsync(await _authority.PutAsJsonAsync(url, new { reason = "From ten minutes on.", effectiveFrom = from.AddSeconds(-1) }), "effectiveFrom");
        await ErrorsAsync(await _authority.PutAsJsonAsync(url, new { reason = "Another reason.", effectiveFrom = from }), "effectiveFrom");
        Assert.Single(await HistoryAsync(edition));
        _app.AssertNoServerErrorsOrContractViolations();
    }

    [Fact]
    public async Task RepeatingAReleaseForAnotherReasonIsAConflictAndTheRecordKeepsItsReason()
    {
        // The reason is one of a release's terms. Until 2026-12-07 a repeat with another reason was answered 200 with the
        // record as it was: the client believed its reason was on record, and it was nowhere.
        var edition = await PublishedAsync();
        var url = $"/v1/standards/{Key}/versions/{edition}/releases/EU";
        await RegistryClient.Expect(await _authority.PutAsJsonAsync(url, new { reason = "Needed by the EU." }), HttpStatusCode.Created);

        var other = await _authority.PutAsJsonAsync(url, new { reason = "Requested by EDA for the 2027 plan." });

        await ProblemAsync(other, HttpStatusCode.Conflict, "revoke it");
        var history = JsonNode.Parse(await _authority.GetStringAsync($"/v1/standards/{Key}/versions/{edition}/releases"))!.AsArray();
        Assert.Equal("Needed by the EU.", Assert.Single(history)!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task AFutureReleaseIsPendingAndInvisibleToTheEuUntilItTakesEffect()
    {
        var edition = await PublishedAsync("NR");
        var from = CatalogueGenerator.Truncate(_app.Clock.GetUtcNow()).AddMinutes(10);

        var response = await _authority.PutAsJsonAsync($"/v1/standards/{Key}/versions/{edition}/releases/EU", new { reason = "From ten minutes on.", effectiveFrom = from });

        await RegistryClient.Expect(response, HttpStatusCode.Created);
        var record = await response.JsonAsync();
        Assert.Equal("pending", record["state"]!.GetValue<string>());
        Assert.Equal(from, record["effectiveFrom"]!.GetValue<DateTimeOffset>());
        Assert.Equal("pending", (await HistoryAsync(edition)).Single()!["state"]!.GetValue<string>());
        await AssertEuCannotSeeAsync(edition);

        _app.Clock.Advance(TimeSpan.FromMinutes(9));
        await AssertEuCannotSeeAsync(edition);

        _app.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(edition, (await _eu.GetJsonAsync($"/v1/standards/{Key}/versions/{edition}"))["edition"]!.GetValue<int>());
        Assert.Equal(edition, (await _eu.GetJsonAsync($"/v1/standards/{Key}/versions/latest"))["edition"]!.GetValue<int>());
        Assert.Equal([Key], (await _eu.GetJsonAsync("/v1/standards"))["items"]!.AsArray().Select(s => s!["key"]!.GetValue<string>()));
        Assert.Equal("active", (await HistoryAsync(edition)).Single()!["state"]!.GetValue<string>());
    }

    /// <summary>
    /// A release asked for a time between two milliseconds takes effect at the later one, never before the time asked
    /// (kept in milliseconds, the time was cut down, so the edition showed up to a millisecond early).
    /// </summary>
    [Fact]
    public async Task AReleaseAskedForBetweenTwoMillisecondsTakesEffectAtTheLaterOne()
    {
        var edition = await PublishedAsync("NR");
        var now = _app.Clock.GetUtcNow();
        _app.Clock.Advance(TimeSpan.FromMilliseconds(1) - TimeSpan.FromTicks(now.UtcTicks % TimeSpan.TicksPerMillisecond));
        var from = _app.Clock.GetUtcNow().AddTicks(TimeSpan.TicksPerMillisecond / 2);

        var response = await _authority.PutAsJsonAsync($"/v1/standards/{Key}/versions/{edition}/releases/EU", new { reason = "Half a millisecond on.", effectiveFrom = from });

        await RegistryClient.Expect(response, HttpStatusCode.Created);
        var record = await response.JsonAsync();
        Assert.Equal("pending", record["state"]!.GetValue<string>());
        Assert.Equal(_app.Clock.GetUtcNow().AddMilliseconds(1), record["effectiveFrom"]!.GetValue<DateTimeOffset>());
        await AssertEuCannotSeeAsync(edition);
        _app.Clock.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond / 2));
        await AssertEuCannotSeeAsync(edition);
        _app.Clock.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond / 2));
        Assert.Equal(edition, (await _eu.GetJsonAsync($"/v1/standards/{Key}/versions/{edition}"))["edition"]!.GetValue<int>());
    }

    /// <summary>
    /// A release is kept from the first whole millisecond not before the time asked: a time within the last millisecond
    /// of year 9999 (after its start) has none, and is refused by name, writing nothing; the last whole millisecond itself
    /// is a release like any other. Kept as the millisecond after it, such a release was answered 500 once it had
    /// committed (its audit entry saying 201), and from then on the edition's release history, the conflict answered to
    /// another release and the revocation all answered 500.
    /// </summary>
    [Fact]
    public async Task AReleaseFromAfterTheLastWholeMillisecondIsRefusedByNameAndWritesNothing()
    {
        var edition = await PublishedAsync("NR");
        var url = $"/v1/standards/{Key}/versions/{edition}/releases/EU";

        foreach (var after in new[] { "9999-12-31T23:59:59.9999999Z", "9999-12-31T23:59:59.9991Z" })
        {
            await ErrorsAsync(await _authority.PutAsync(url, JsonContent.Create(new { reason = "After the end of time.", effectiveFrom = after })), "effectiveFrom");
        }
        Assert.Empty(await HistoryAsync(edition));

        var last = DateTimeOffset.Parse("9999-12-31T23:59:59.999Z", System.Globalization.CultureInfo.InvariantCulture);
        var response = await _authority.PutAsJsonAsync(url, new { reason = "At the end of time.", effectiveFrom = last });
        await RegistryClient.Expect(response, HttpStatusCode.Created);
        var record = await response.JsonAsync();
        Assert.Equal("pending", record["state"]!.GetValue<string>());
        Assert.Equal(last, record["effectiveFrom"]!.GetValue<DateTimeOffset>());
        Assert.Equal(record.ToJsonString(), Assert.Single(await HistoryAsync(edition))!.ToJsonString());
        await ProblemAsync(await _authority.PutAsJsonAsync(url, new { reason = "Now." }), HttpStatusCode.Conflict);
        await AssertEuCannotSeeAsync(edition);
        await RegistryClient.Expect(await _authority.DeleteAsync($"{url}?reason=changed"), HttpStatusCode.OK);
        _app.AssertNoServerErrorsOrContractViolations();
    }

    [Fact]
    public async Task ABackdatedReleaseIsRefusedByNameAndWritesNothing()
    {
        var edition = await PublishedAsync();

        var response = await _authority.PutAsJsonAsync($"/v1/standards/{Key}/versions/{edition}/releases/EU",
            new { reason = "As if it had always been.", effectiveFrom = _app.Clock.GetUtcNow().AddHours(-1) });

        await ErrorsAsync(response, "effectiveFrom");
        Assert.Empty(await HistoryAsync(edition));
        await AssertEuCannotSeeAsync(edition);
    }

    [Fact]
    public async Task RevokingKeepsTheRecordWithWhoAndWhenAndHidesTheVersionFromTheEu()
    {
        var edition = await PublishedAsync("NR");
        await _authority.ReleaseAsync(Key, edition, "EU");
        Assert.Equal(edition, (await _eu.GetJsonAsync($"/v1/standards/{Key}/versions/{edition}"))["edition"]!.GetValue<int>());
        _app.Clock.Advance(TimeSpan.FromHours(1));
        var revokedAt = CatalogueGenerator.Truncate(_app.Clock.GetUtcNow());

        var response = await _authority.DeleteAsync($"/v1/standards/{Key}/versions/{edition}/releases/EU?reason=Released%20in%20error.");

        await RegistryClient.Expect(response, HttpStatusCode.OK);
        Assert.Equal("revoked", (await response.JsonAsync())["state"]!.GetValue<string>());
        var record = (await HistoryAsync(edition)).Single()!;
        Assert.Equal("EU", record["audience"]!.GetValue<string>());
        Assert.Equal("revoked", record["state"]!.GetValue<string>());
        Assert.Equal("ra@nato", record["revokedBy"]!.GetValue<string>());
        Assert.Equal(revokedAt, record["revokedAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal("Released in error.", record["revocationReason"]!.GetValue<string>());
        Assert.Equal("ra@nato", record["releasedBy"]!.GetValue<string>());
        Assert.Equal("Needed by the audience.", record["reason"]!.GetValue<string>());
        await AssertEuCannotSeeAsync(edition);

        // Releasing again is a new record beside the revoked one.
        await _authority.ReleaseAsync(Key, edition, "EU");
        Assert.Equal(["revoked", "active"], (await HistoryAsync(edition)).Select(r => r!["state"]!.GetValue<string>()));
        Assert.Equal(edition, (await _eu.GetJsonAsync($"/v1/standards/{Key}/versions/{edition}"))["edition"]!.GetValue<int>());
    }

    [Fact]
    public async Task RevokingWhenNoReleaseIsActiveIsNotFound()
    {
        var edition = await PublishedAsync();

        await ProblemAsync(await _authority.DeleteAsync($"/v1/standards/{Key}/versions/{edition}/releases/EU"), HttpStatusCode.NotFound, "EU");

        await _authority.ReleaseAsync(Key, edition, "EU");
        await _authority.RevokeAsync(Key, edition, "EU");
        var history = await HistoryAsync(edition);

        await ProblemAsync(await _authority.DeleteAsync($"/v1/standards/{Key}/versions/{edition}/releases/EU"), HttpStatusCode.NotFound, "EU");
        Assert.Equal(history.ToJsonString(), (await HistoryAsync(edition)).ToJsonString());
    }

    [Fact]
    public async Task RevokingAPendingReleaseKeepsTheVersionHiddenAfterItsEffectiveTime()
    {
        var edition = await PublishedAsync();
        await _authority.ReleaseAsync(Key, edition, "EU", _app.Clock.GetUtcNow().AddMinutes(10));
        await _authority.RevokeAsync(Key, edition, "EU");

        _app.Clock.Advance(TimeSpan.FromMinutes(20));

        Assert.Equal("revoked", (await HistoryAsync(edition)).Single()!["state"]!.GetValue<string>());
        await AssertEuCannotSeeAsync(edition);
    }

    /// <summary>
    /// Releasing is judged by the audience's accreditation ceiling as the <c>audiences</c> table says in the write's
    /// transaction, never by the API's 30-second audience cache. It was judged by the cache: for up to 30 s after an
    /// operator lowered the EU's ceiling (CTS to NR), a release authority released a NATO SECRET edition to the EU (201).
    /// The EU's readers cleared above NR read it for the rest of the window, and the release stayed active above the
    /// ceiling: in the EU's feed views above NR, and in force for every EU reader again the moment the ceiling was
    /// raised, without any release authority having decided it within the ceiling.
    /// </summary>
    [Fact]
    public async Task AReleaseIsJudgedByTheCeilingTheAudiencesTableSaysNow()
    {
        var edition = await PublishedAsync("NS");
        await AssertEuCannotSeeAsync(edition); // the audiences are read, and cached: the EU at CTS
        await SetCeilingAsync("EU", Classification.NR);

        var response = await _authority.PutAsJsonAsync($"/v1/standards/{Key}/versions/{edition}/releases/EU", new { reason = "Needed by the audience." });

        await ProblemAsync(response, HttpStatusCode.UnprocessableEntity, "EU is accredited up to NATO RESTRICTED", "NATO SECRET");
        Assert.Empty(await HistoryAsync(edition));
        await AssertEuCannotSeeAsync(edition);
        // A future release is judged alike.
        var future = await _authority.PutAsJsonAsync($"/v1/standards/{Key}/versions/{edition}/releases/EU",
            new { reason = "Needed by the audience.", effectiveFrom = _app.Clock.GetUtcNow().AddMinutes(10) });
        await ProblemAsync(future, HttpStatusCode.UnprocessableEntity, "EU is accredited up to NATO RESTRICTED");
        Assert.Empty(await HistoryAsync(edition));

        // Within the ceiling the table says now, releasing is as it was.
        var restricted = await PublishedAsync("NR");
        await _authority.ReleaseAsync(Key, restricted, "EU");
        Assert.Equal(restricted, (await _eu.GetJsonAsync($"/v1/standards/{Key}/versions/latest"))["edition"]!.GetValue<int>());
    }

    /// <summary>
    /// A national response's release is judged by the ceiling the <c>audiences</c> table says now, as an edition's is:
    /// by the cache, a NATO SECRET reservation was released to the EU just after its ceiling was lowered to NR, and the
    /// EU's readers read it.
    /// </summary>
    [Fact]
    public async Task AResponseReleaseIsJudgedByTheCeilingTheAudiencesTableSaysNow()
    {
        var edition = await PublishedAsync();
        await _authority.ReleaseAsync(Key, edition, "EU");
        var responses = $"/v1/standards/{Key}/versions/{edition}/responses";
        await RegistryClient.Expect(await _editor.PutAsJsonAsync($"{responses}/FRA",
            new { response = "ratified-with-reservations", reservation = "RESERVATION-FRA", classification = "NS" }), HttpStatusCode.Created);
        Assert.DoesNotContain("RESERVATION-FRA", await _eu.GetStringAsync(responses), StringComparison.Ordinal); // cached: the EU at CTS
        await SetCeilingAsync("EU", Classification.NR);

        var response = await _authority.PutAsJsonAsync($"{responses}/FRA/releases/EU", new { reason = "For harmonisation." });

        await ProblemAsync(response, HttpStatusCode.UnprocessableEntity, "EU is accredited up to NATO RESTRICTED", "NATO SECRET");
        Assert.DoesNotContain("RESERVATION-FRA", await _eu.GetStringAsync(responses), StringComparison.Ordinal);
    }

    /// <summary>
    /// Once an operator has lowered an audience's ceiling, its readers read at the new ceiling on their next request,
    /// although the API's audience cache (renewed every 30 s per instance) still says the old one: every read judges
    /// a marking against the ceiling the <c>audiences</c> table says in its own statement (<c>Visibility.WithinLevel</c>).
    /// An EU reader cleared CTS read the NATO SECRET edition released before for up to 30 s after the EU's ceiling went
    /// from CTS to NR (item routes, lists, label, feed and export alike).
    /// </summary>
    [Fact]
    public async Task AfterTheCeilingIsLoweredTheAudiencesReadersReadAtTheNewCeilingAtOnce()
    {
        var edition = await PublishedAsync("NS");
        await _authority.ReleaseAsync(Key, edition, "EU");
        Assert.Equal(edition, (await _eu.GetJsonAsync($"/v1/standards/{Key}/versions/{edition}"))["edition"]!.GetValue<int>()); // cached: the EU at CTS
        var feed = await _eu.GetJsonAsync("/v1/feed");
        Assert.Contains(Key, feed.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains(Key, await _eu.GetStringAsync("/v1/export"), StringComparison.Ordinal);

        await SetCeilingAsync("EU", Classification.NR);

        await AssertEuCannotSeeAsync(edition);
        await ProblemAsync(await _eu.GetAsync($"/v1/standards/{Key}/versions/{edition}/label"), HttpStatusCode.NotFound);
        Assert.DoesNotContain(Key, (await _eu.GetJsonAsync("/v1/feed")).ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Key, await _eu.GetStringAsync("/v1/export"), StringComparison.Ordinal);
        // A cursor taken before the lowering moves no further while the cache still names the view above the ceiling.
        var cursor = feed["cursor"]!.GetValue<string>();
        await RegistryClient.Expect(await _editor.PostAsJsonAsync($"/v1/standards/{Key}/versions/{edition}/withdraw", new { reason = "Replaced." }), HttpStatusCode.OK);
        var after = await _eu.GetJsonAsync($"/v1/feed?cursor={Uri.EscapeDataString(cursor)}");
        Assert.Empty(after["events"]!.AsArray());
        Assert.Equal(cursor, after["cursor"]!.GetValue<string>());
    }

    /// <summary>
    /// A national response released to the EU above the ceiling an operator then lowers is read no more on the EU
    /// readers' next request, its edition (within the new ceiling) still read (<c>Visibility.WithinLevel</c> in the
    /// responses' own rule).
    /// </summary>
    [Fact]
    public async Task AfterTheCeilingIsLoweredAResponseAboveItIsReadNoMoreAtOnce()
    {
        var edition = await PublishedAsync();
        await _authority.ReleaseAsync(Key, edition, "EU");
        var responses = $"/v1/standards/{Key}/versions/{edition}/responses";
        await RegistryClient.Expect(await _editor.PutAsJsonAsync($"{responses}/FRA",
            new { response = "ratified-with-reservations", reservation = "RESERVATION-FRA", classification = "NS" }), HttpStatusCode.Created);
        await RegistryClient.Expect(await _authority.PutAsJsonAsync($"{responses}/FRA/releases/EU", new { reason = "For harmonisation." }), HttpStatusCode.Created);
        Assert.Contains("RESERVATION-FRA", await _eu.GetStringAsync(responses), StringComparison.Ordinal); // cached: the EU at CTS

        await SetCeilingAsync("EU", Classification.NR);

        Assert.DoesNotContain("RESERVATION-FRA", await _eu.GetStringAsync(responses), StringComparison.Ordinal);
        Assert.DoesNotContain("RESERVATION-FRA", await _eu.GetStringAsync($"{responses}/FRA"), StringComparison.Ordinal);
        await ProblemAsync(await _eu.GetAsync($"{responses}/FRA/label"), HttpStatusCode.NotFound);
        Assert.Equal(edition, (await _eu.GetJsonAsync($"/v1/standards/{Key}/versions/{edition}"))["edition"]!.GetValue<int>());
    }

    /// <summary>
    /// Everything an audience's reader reads of or through a standard above a ceiling an operator has just lowered is
    /// gone on its next request, while the API's audience cache still says the old ceiling: the standard itself, an
    /// edge to it and from it (relations, current document), its equivalent, its preferred mark (the category's mark
    /// falls back to the one the reader still sees), a response to its edition, search and attribute search hits, the
    /// feed and the export. Each read's own statement holds the markings to the ceiling (<c>Visibility.WithinLevel</c>).
    /// </summary>
    [Fact]
    public async Task AfterTheCeilingIsLoweredNothingOfOrThroughAStandardAboveItIsReadAtOnce()
    {
        const string High = "above-ceiling";
        var edition = await PublishedAsync("NR");
        await _authority.ReleaseAsync(Key, edition, "EU");
        await _editor.CreateStandardAsync(High, title: "HIGH-STANDARD-TITLE");
        var high = await _editor.CreateDraftAsync(High, "NS", title: "HIGH-EDITION-TITLE");
        await _editor.PublishAsync(High, high);
        await _authority.ReleaseAsync(High, high, "EU");
        await RegistryClient.Expect(await _editor.PutAsync($"/v1/standards/{Key}/relations/references/{High}", null), HttpStatusCode.Created);
        await RegistryClient.Expect(await _editor.PutAsync($"/v1/standards/{High}/relations/supersedes/{Key}", null), HttpStatusCode.Created);
        await RegistryClient.Expect(await _editor.PutAsync($"/v1/standards/{High}/equivalents/ISO/HIGH-99999", null), HttpStatusCode.Created);
        await RegistryClient.Expect(await _editor.PutAsJsonAsync($"/v1/standards/{Key}/preferred", new { rationale = "LOW-RATIONALE" }), HttpStatusCode.Created);
        await RegistryClient.Expect(await _editor.PutAsJsonAsync($"/v1/standards/{High}/preferred", new { rationale = "HIGH-RATIONALE" }), HttpStatusCode.OK);
        var responses = $"/v1/standards/{High}/versions/{high}/responses";
        await RegistryClient.Expect(await _editor.PutAsJsonAsync($"{responses}/FRA",
            new { response = "ratified-with-reservations", reservation = "HIGH-RESERVATION", classification = "NU" }), HttpStatusCode.Created);
        await RegistryClient.Expect(await _authority.PutAsJsonAsync($"{responses}/FRA/releases/EU", new { reason = "For harmonisation." }), HttpStatusCode.Created);
        string[] urls =
        [
            "/v1/standards", "/v1/standards?q=high", "/v1/standards?category=caliber", "/v1/standards?boreMm.min=0&boreMm.max=100",
            $"/v1/standards/{Key}", $"/v1/standards/{Key}/relations", $"/v1/standards/{Key}/current", $"/v1/standards/{Key}/versions",
            $"/v1/standards/{Key}/versions/latest", $"/v1/standards/{High}", $"/v1/standards/{High}/relations", $"/v1/standards/{High}/current",
            $"/v1/standards/{High}/versions", $"/v1/standards/{High}/versions/latest", $"/v1/standards/{High}/versions/{high}",
            $"/v1/standards/{High}/versions/{high}/label", responses, $"{responses}/FRA", $"{responses}/FRA/label",
            "/v1/responses", "/v1/responses?nation=FRA", "/v1/feed", "/v1/export",
        ];
        static bool Names(string text) => text.Contains("above-ceiling", StringComparison.Ordinal) || text.Contains("HIGH-", StringComparison.Ordinal);
        var shown = new List<string>();
        foreach (var url in urls)
        {
            if (Names(await (await _eu.GetAsync(url)).Content.ReadAsStringAsync()))
            {
                shown.Add(url);
            }
        }
        Assert.True(shown.Count >= 15, string.Join(", ", shown)); // cached and in the table alike: the EU at CTS

        await SetCeilingAsync("EU", Classification.NR);

        var leaks = new List<string>();
        foreach (var url in urls)
        {
            var response = await _eu.GetAsync(url);
            var text = await response.Content.ReadAsStringAsync();
            if (Names(text))
            {
                leaks.Add($"{url}: {text}");
            }
        }
        Assert.True(leaks.Count == 0, string.Join("\n", leaks));
        Assert.Equal("LOW-RATIONALE", (await _eu.GetJsonAsync($"/v1/standards/{Key}/relations"))["preferred"]?["rationale"]?.GetValue<string>());
        Assert.Equal([Key], (await _eu.GetJsonAsync($"/v1/standards/{Key}/current"))["chain"]?.AsArray().Select(k => k!.GetValue<string>()) ?? []);
    }

    /// <summary>
    /// Audiences are data: an operator may delete one, PUBLIC included (before anything is released to it), to have no
    /// anonymous readers. Anonymous callers then read nothing, as a deleted audience's readers do (the ceiling the table
    /// says is none), and NATO reads on. Every request an anonymous caller made answered 500 (the scope of a community
    /// without its audience row was taken for a programming error); so did a token's request whose community was deleted
    /// between the audience cache its claims were checked against and the one its caller was bound with.
    /// </summary>
    [Fact]
    public async Task WithThePublicAudienceDeletedAnonymousCallersReadNothingAndNothingFails()
    {
        await using var migrated = new RegistryApp(provider: provider).Start();
        using (var db = TestDb.Open(migrated.Provider, migrated.ConnectionString))
        {
            await db.WriteAsync(async c => Result.Done(await c.ExecuteAsync("DELETE FROM audiences WHERE code = 'PUBLIC'")));
        }
        // A process of its own, whose audience cache never held PUBLIC.
        await using var app = await migrated.RestartAsync();
        var editor = app.As(TestCaller.Editor());
        await editor.CreateStandardAsync(Key);
        var edition = await editor.CreateDraftAsync(Key);
        await editor.PublishAsync(Key, edition);
        var anonymous = app.Anonymous();

        Assert.Empty((await anonymous.GetJsonAsync("/v1/standards"))["items"]!.AsArray());
        foreach (var url in new[] { $"/v1/standards/{Key}", $"/v1/standards/{Key}/versions", $"/v1/standards/{Key}/versions/latest", $"/v1/standards/{Key}/versions/{edition}" })
        {
            await ProblemAsync(await anonymous.GetAsync(url), HttpStatusCode.NotFound);
        }
        foreach (var url in new[] { "/v1/feed", "/v1/export", "/v1/responses", "/v1/capability-tables" })
        {
            var response = await anonymous.GetAsync(url);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, $"{url}: {(int)response.StatusCode}");
            Assert.DoesNotContain(Key, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        await ProblemAsync(await anonymous.PutAsJsonAsync($"/v1/standards/{Key}/versions/{edition}/releases/PUBLIC", new { reason = "Open it." }), HttpStatusCode.Unauthorized);
        Assert.Equal(edition, (await app.As(TestCaller.NatoReader("NU")).GetJsonAsync($"/v1/standards/{Key}/versions/latest"))["edition"]!.GetValue<int>());
        Assert.Empty(app.ServerErrors);
    }

    /// <summary>Sets an audience's accreditation ceiling as an operator does today: by editing the database (no route changes it).</summary>
    private async Task SetCeilingAsync(string audience, Classification ceiling)
    {
        using var db = TestDb.Open(_app.Provider, _app.ConnectionString);
        await db.WriteAsync(async c => Result.Done(await c.ExecuteAsync(
            "UPDATE audiences SET max_classification = @ceiling WHERE code = @audience", new { ceiling = (int)ceiling, audience })));
    }

    // ---------------------------------------------------------------- markings per reader

    [Fact]
    public async Task AnEuReaderOfARestrictedVersionSeesTheEuEquivalentMarkingAndANatoReaderDoesNot()
    {
        var edition = await PublishedAsync("NR");
        await _authority.ReleaseAsync(Key, edition, "EU");

        foreach (var version in new[]
        {
            await _eu.GetJsonAsync($"/v1/standards/{Key}/versions/{edition}"),
            await _eu.GetJsonAsync($"/v1/standards/{Key}/versions/latest"),
            (await _eu.GetJsonAsync($"/v1/standards/{Key}/versions"))["items"]![0]!.AsObject(),
        })
        {
            Assert.Equal("NR", version["classification"]!.GetValue<string>());
            Assert.Equal("NATO RESTRICTED", version["marking"]!.GetValue<string>());
            Assert.Equal("RESTREINT UE/EU RESTRICTED", version["equivalentMarking"]!.GetValue<string>());
        }

        foreach (var version in new[]
        {
            await _nato.GetJsonAsync($"/v1/standards/{Key}/versions/{edition}"),
            await _nato.GetJsonAsync($"/v1/standards/{Key}/versions/latest"),
            (await _nato.GetJsonAsync($"/v1/standards/{Key}/versions"))["items"]![0]!.AsObject(),
        })
        {
            Assert.Equal("NR", version["classification"]!.GetValue<string>());
            Assert.Equal("NATO RESTRICTED", version["marking"]!.GetValue<string>());
            Assert.False(version.ContainsKey("equivalentMarking"), version.ToJsonString());
        }
    }

    // ---------------------------------------------------------------- conditional GETs and caching

    [Fact]
    public async Task IfNoneMatchWithTheCurrentETagAnswers304WithoutABody()
    {
        var edition = await PublishedAsync();
        await _authority.ReleaseAsync(Key, edition, "EU");
        await _authority.ReleaseAsync(Key, edition, "PUBLIC");

        foreach (var client in new[] { _app.Anonymous(), _eu, _nato, _editor })
        {
            foreach (var url in new[] { "/v1/standards", $"/v1/standards/{Key}", $"/v1/standards/{Key}/versions", $"/v1/standards/{Key}/versions/latest", $"/v1/standards/{Key}/versions/{edition}" })
            {
                var first = await client.GetAsync(url);
                await RegistryClient.Expect(first, HttpStatusCode.OK);
                var etag = first.Headers.ETag;
                Assert.NotNull(etag);
                Assert.False(etag.IsWeak);

                var conditional = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { IfNoneMatch = { etag } } };
                var notModified = await client.SendAsync(conditional);
                Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
                Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
                Assert.Equal(etag, notModified.Headers.ETag);

                var other = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { IfNoneMatch = { new EntityTagHeaderValue("\"something-else\"") } } };
                await RegistryClient.Expect(await client.SendAsync(other), HttpStatusCode.OK);
            }
        }
    }

    [Fact]
    public async Task AnETagChangesWhenWhatTheReaderSeesChanges()
    {
        var edition = await PublishedAsync();
        await _authority.ReleaseAsync(Key, edition, "EU");
        var etag = (await _eu.GetAsync($"/v1/standards/{Key}/versions")).Headers.ETag!;

        await _authority.ReleaseAsync(Key, await PublishedAsync(), "EU");

        var conditional = new HttpRequestMessage(HttpMethod.Get, $"/v1/standards/{Key}/versions") { Headers = { IfNoneMatch = { etag } } };
        var response = await _eu.SendAsync(conditional);
        await RegistryClient.Expect(response, HttpStatusCode.OK);
        Assert.NotEqual(etag, response.Headers.ETag);
        Assert.Equal(2, (await response.JsonAsync())["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task EuAndNatoReadersGetDifferentETagsForTheSameVersion()
    {
        var edition = await PublishedAsync("NR");
        await _authority.ReleaseAsync(Key, edition, "EU");

        var eu = await _eu.GetAsync($"/v1/standards/{Key}/versions/{edition}");
        var nato = await _nato.GetAsync($"/v1/standards/{Key}/versions/{edition}");

        Assert.NotEqual(await eu.Content.ReadAsStringAsync(), await nato.Content.ReadAsStringAsync());
        Assert.NotEqual(eu.Headers.ETag, nato.Headers.ETag);

        // Neither reader's tag is a match for the other's representation.
        var crossed = new HttpRequestMessage(HttpMethod.Get, $"/v1/standards/{Key}/versions/{edition}") { Headers = { IfNoneMatch = { nato.Headers.ETag! } } };
        await RegistryClient.Expect(await _eu.SendAsync(crossed), HttpStatusCode.OK);
    }

    [Fact]
    public async Task AnonymousResponsesArePubliclyCacheableAndAuthenticatedOnesArePrivate()
    {
        var edition = await PublishedAsync();
        await _authority.ReleaseAsync(Key, edition, "EU");
        await _authority.ReleaseAsync(Key, edition, "PUBLIC");
        var urls = new[] { "/v1/standards", $"/v1/standards/{Key}", $"/v1/standards/{Key}/versions", $"/v1/standards/{Key}/versions/latest", $"/v1/standards/{Key}/versions/{edition}" };

        foreach (var url in urls)
        {
            var anonymous = await _app.Anonymous().GetAsync(url);
            await RegistryClient.Expect(anonymous, HttpStatusCode.OK);
            AssertCacheControl(anonymous, isPublic: true);

            foreach (var client in new[] { _eu, _nato, _editor, _app.As(TestCaller.Public()) })
            {
                var identified = await client.GetAsync(url);
                await RegistryClient.Expect(identified, HttpStatusCode.OK);
                AssertCacheControl(identified, isPublic: false);
            }
        }
    }

    /// <summary>"public, no-cache" or "private, no-cache", in whatever order the directives come.</summary>
    private static void AssertCacheControl(HttpResponseMessage response, bool isPublic)
    {
        var raw = string.Join(", ", response.Headers.NonValidated["Cache-Control"]);
        var directives = raw.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal);
        Assert.Equal(isPublic ? ["no-cache", "public"] : ["no-cache", "private"], directives);
    }

    // ---------------------------------------------------------------- concurrency

    [Fact]
    public async Task ConcurrentUpdatesWithTheSameETagLetExactlyOneWin()
    {
        var edition = await _editor.CreateDraftAsync(Key, title: "Original");
        var etag = await ETagAsync(_editor, $"/v1/standards/{Key}/versions/{edition}");

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => PutDraftAsync(edition, Draft($"Writer {i}"), etag)));

        var winners = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        Assert.Single(winners);
        foreach (var loser in responses.Where(r => r.StatusCode != HttpStatusCode.OK))
        {
            await ProblemAsync(loser, HttpStatusCode.PreconditionFailed);
        }
        var title = (await winners[0].JsonAsync())["title"]!.GetValue<string>();
        Assert.Equal(title, (await _editor.GetJsonAsync($"/v1/standards/{Key}/versions/{edition}"))["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task ConcurrentIdenticalReleasesMakeOneRecord()
    {
        var edition = await PublishedAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            _authority.PutAsJsonAsync($"/v1/standards/{Key}/versions/{edition}/releases/EU", new { reason = "Needed by the EU." })));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{(int)r.StatusCode}"));
        Assert.Single(await HistoryAsync(edition));
    }

    // ---------------------------------------------------------------- lists with editions not in force

    [Fact]
    public async Task TheEditorsListShowsAStandardWithoutAnEditionInForceBesideOnesWithOne()
    {
        // "a-new-one" sorts before stanag-1 and has no published edition yet (its latestEdition is null).
        await _editor.CreateStandardAsync("a-new-one");
        await _editor.PublishAsync(Key, await _editor.CreateDraftAsync(Key));

        var response = await _editor.GetAsync("/v1/standards");

        await RegistryClient.Expect(response, HttpStatusCode.OK);
        var items = (await response.JsonAsync())["items"]!.AsArray();
        Assert.Equal(["a-new-one", Key], items.Select(s => s!["key"]!.GetValue<string>()));
        Assert.Null(items[0]!["latestEdition"]);
        Assert.Equal(1, items[1]!["latestEdition"]!.GetValue<int>());
    }

    [Fact]
    public async Task ANatoReadersListShowsAWithdrawnOnlyStandardBesideOnesInForce()
    {
        await _editor.CreateStandardAsync("a-withdrawn");
        await _editor.PublishAsync("a-withdrawn", await _editor.CreateDraftAsync("a-withdrawn"));
        await _editor.WithdrawAsync("a-withdrawn", 1);
        await _editor.PublishAsync(Key, await _editor.CreateDraftAsync(Key));

        var response = await _nato.GetAsync("/v1/standards");

        await RegistryClient.Expect(response, HttpStatusCode.OK);
        Assert.Equal(["a-withdrawn", Key], (await response.JsonAsync())["items"]!.AsArray().Select(s => s!["key"]!.GetValue<string>()));
    }

    /// <summary>
    /// Withdrawing the current edition brings no earlier edition back (docs/design.md §1.3): a draft older than the
    /// withdrawn edition still cannot be published, the superseded predecessor stays superseded by the withdrawn one for
    /// NATO, and an EU reader, who cannot see a withdrawn edition, is shown the predecessor as current — alike in
    /// <c>latest</c>, the standard, the version list, its feed (a tombstone for the withdrawn edition, an update of the
    /// predecessor) and an export. The next published edition supersedes nothing more and becomes current for both.
    /// </summary>
    [Fact]
    public async Task WithdrawingTheCurrentEditionBringsNoEarlierOneBackAndEveryReadSaysSoAlike()
    {
        var first = await PublishedAsync();
        var older = await _editor.CreateDraftAsync(Key);
        var current = await PublishedAsync();
        await _authority.ReleaseAsync(Key, first, "EU");
        await _authority.ReleaseAsync(Key, current, "EU");
        var follower = new FeedFollower(_eu);
        await follower.FollowAsync();

        await _editor.WithdrawAsync(Key, current);

        await ProblemAsync(await _editor.PostAsync($"/v1/standards/{Key}/versions/{older}/publish", null), HttpStatusCode.Conflict, "later edition");
        var natoLatest = await _nato.GetJsonAsync($"/v1/standards/{Key}/versions/latest");
        Assert.Equal((first, "superseded", current), (natoLatest["edition"]!.GetValue<int>(), natoLatest["status"]!.GetValue<string>(), natoLatest["supersededBy"]!.GetValue<int>()));
        Assert.Equal(first, (await _nato.GetJsonAsync($"/v1/standards/{Key}"))["latestEdition"]!.GetValue<int>());
        var euLatest = await _eu.GetJsonAsync($"/v1/standards/{Key}/versions/latest");
        Assert.Equal((first, "published"), (euLatest["edition"]!.GetValue<int>(), euLatest["status"]!.GetValue<string>()));
        Assert.Null(euLatest["supersededBy"]);
        Assert.Equal(first, (await _eu.GetJsonAsync($"/v1/standards/{Key}"))["latestEdition"]!.GetValue<int>());
        var before = follower.Events.Count;
        await follower.FollowAsync();
        Assert.Equal(new[] { $"updated {first} published", $"withdrawn {current} no content" }.Order(),
            follower.Events.Skip(before).Select(e => $"{e["type"]} {e["edition"]} {e["version"]?["status"]?.GetValue<string>() ?? "no content"}").Order());
        var routes = await FeedFollower.ReadRoutesAsync(_eu);
        Assert.Empty(FeedFollower.Differences(follower.Copy, routes));
        var export = new FeedFollower(_eu);
        await export.ExportAsync();
        Assert.Empty(FeedFollower.Differences(export.Copy, routes));
        Assert.Equal(follower.Cursor, export.Cursor);

        var next = await _editor.CreateDraftAsync(Key);
        await _editor.PublishAsync(Key, next);
        await _authority.ReleaseAsync(Key, next, "EU");

        Assert.Equal(next, (await _nato.GetJsonAsync($"/v1/standards/{Key}/versions/latest"))["edition"]!.GetValue<int>());
        Assert.Equal(next, (await _eu.GetJsonAsync($"/v1/standards/{Key}/versions/latest"))["edition"]!.GetValue<int>());
        Assert.Equal(current, (await _nato.GetJsonAsync($"/v1/standards/{Key}/versions/{first}"))["supersededBy"]!.GetValue<int>());
        Assert.Equal(next, (await _eu.GetJsonAsync($"/v1/standards/{Key}/versions/{first}"))["supersededBy"]!.GetValue<int>());
        Assert.Equal("draft", (await _editor.GetJsonAsync($"/v1/standards/{Key}/versions/{older}"))["status"]!.GetValue<string>());
        await follower.FollowAsync();
        Assert.Empty(FeedFollower.Differences(follower.Copy, await FeedFollower.ReadRoutesAsync(_eu)));
    }

    // ---------------------------------------------------------------- helpers

    private async Task<int> PublishedAsync(string classification = "NU")
    {
        var edition = await _editor.CreateDraftAsync(Key, classification);
        await _editor.PublishAsync(Key, edition);
        return edition;
    }

    private async Task AssertEuCannotSeeAsync(int edition)
    {
        await ProblemAsync(await _eu.GetAsync($"/v1/standards/{Key}/versions/{edition}"), HttpStatusCode.NotFound);
        await ProblemAsync(await _eu.GetAsync($"/v1/standards/{Key}/versions/latest"), HttpStatusCode.NotFound);
        await ProblemAsync(await _eu.GetAsync($"/v1/standards/{Key}"), HttpStatusCode.NotFound);
        Assert.Empty((await _eu.GetJsonAsync("/v1/standards"))["items"]!.AsArray());
    }

    private async Task<JsonArray> HistoryAsync(int edition) =>
        JsonNode.Parse(await _authority.GetStringAsync($"/v1/standards/{Key}/versions/{edition}/releases"))!.AsArray();

    private static async Task<string> ETagAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        await RegistryClient.Expect(response, HttpStatusCode.OK);
        return response.Headers.ETag!.Tag;
    }

    /// <summary>The version as the editor reads it, with its ETag and release history: what a refused write must not change.</summary>
    private async Task<string> VersionTextAsync(int edition)
    {
        var response = await _editor.GetAsync($"/v1/standards/{Key}/versions/{edition}");
        await RegistryClient.Expect(response, HttpStatusCode.OK);
        return $"{response.Headers.ETag} {await response.Content.ReadAsStringAsync()} {await _editor.GetStringAsync($"/v1/standards/{Key}/versions/{edition}/releases")}";
    }

    private Task<HttpResponseMessage> SendWithIfMatchAsync(HttpMethod method, string url, string ifMatch, HttpClient? editor = null, object? body = null)
    {
        var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return (editor ?? _editor).SendAsync(request);
    }

    private Task<HttpResponseMessage> PutDraftAsync(int edition, object draft, string ifMatch, HttpClient? editor = null) =>
        SendWithIfMatchAsync(HttpMethod.Put, $"/v1/standards/{Key}/versions/{edition}", ifMatch, editor, draft);

    private static object Draft(string title, string classification = "NU", string summary = "A summary.") =>
        new { title, summary, body = "The body.", classification, attributes = RegistryClient.AttributesFor("caliber") };

}
