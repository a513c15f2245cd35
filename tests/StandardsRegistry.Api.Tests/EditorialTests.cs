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

    /// <summary>
    /// A designation names one standard: a second standard whose designation a reader takes for the first's — the same
    /// text, another case, full-width digits, the other Unicode normalisation, other spaces, a Cyrillic or Greek
    /// look-alike letter, another dash — is a 409 naming the standard that holds
    /// it, and nothing is written (docs/design.md §1.1). Until 2026-12-07 each was a second standard beside the first.
    /// </summary>
    [Fact]
    public async Task ASecondStandardWhoseDesignationReadsAsAnExistingOnesIsAConflictNamingIt()
    {
        await Created(await _editor.PostAsJsonAsync("/v1/standards", new { key = "stanag-4172", designation = "STANAG 4172", category = "caliber", title = "5.56 mm" }));
        await Created(await _editor.PostAsJsonAsync("/v1/standards", new { key = "aep-55", designation = "A\u00c9P-55", category = "caliber", title = "Essais" }));
        string[] lookAlikes =
        [
            "STANAG 4172", "stanag 4172", "Stanag 4172", "STANAG \uff14\uff11\uff17\uff12", "\uff33\uff34\uff21\uff2e\uff21\uff27 4172",
            "STANAG  4172", " STANAG 4172", "STANAG 4172 ", "STANAG\u00a04172", "ST\u0410NAG 4172", "STAN\u0391G 4172",
        ];
        // A tab, a zero-width or bidi control character, a byte order mark: refused in any designation since 2026-12-07
        // (docs/design.md §1.1, *Text*), before they are compared.
        foreach (var refused in new[] { "STANAG\t4172", "STANAG 41\u200b72", "\u202eSTANAG 4172", "\ufeffSTANAG 4172" })
        {
            await ProblemAssertions.ErrorsAsync(await _editor.PostAsJsonAsync("/v1/standards", new { key = "look-alike", designation = refused, category = "caliber", title = "Another" }), "designation");
        }
        string[] aepLookAlikes = ["AE\u0301P-55", "a\u00e9p-55", "A\u00c9P\u201155", "A\u00c9P\u201355", "A\u00c9P\u221255"];
        var n = 0;
        foreach (var (designation, holder) in lookAlikes.Select(d => (d, "stanag-4172")).Concat(aepLookAlikes.Select(d => (d, "aep-55"))))
        {
            var response = await _editor.PostAsJsonAsync("/v1/standards", new { key = $"look-alike-{++n}", designation, category = "caliber", title = "Another" });
            await ProblemAssertions.ProblemAsync(response, HttpStatusCode.Conflict, $"'{holder}'");
        }

        var list = await _editor.GetJsonAsync("/v1/standards?limit=100");
        Assert.Equal(["aep-55", "stanag-4172"], list["items"]!.AsArray().Select(i => i!["key"]!.GetValue<string>()));
        // Another number, or the same words and number spelt otherwise, is another designation.
        await Created(await _editor.PostAsJsonAsync("/v1/standards", new { key = "stanag-4173", designation = "STANAG 4173", category = "caliber", title = "Other" }));
        await Created(await _editor.PostAsJsonAsync("/v1/standards", new { key = "stanag-41-72", designation = "STANAG 41 72", category = "caliber", title = "Other" }));
    }

    /// <summary>
    /// An editor who may not see the standard holding a designation learns that the designation is taken, as it learns
    /// that a key is (SECURITY.md, key existence): one 409 body, naming no key, title, marking or edition of it.
    /// </summary>
    [Fact]
    public async Task ADesignationHeldByAStandardHiddenFromTheEditorIsAConflictNamingNothingOfIt()
    {
        await _editor.CreateStandardAsync("stanag-9001");
        await _editor.CreateDraftAsync("stanag-9001", classification: "NS", title: "Secret edition");
        var restricted = _app.As(TestCaller.Editor("NR"));
        Assert.Equal(HttpStatusCode.NotFound, (await restricted.GetAsync("/v1/standards/stanag-9001")).StatusCode);

        var response = await restricted.PostAsJsonAsync("/v1/standards", new { key = "stanag-9001-bis", designation = "stanag-\uff19\uff10\uff10\uff11", category = "caliber", title = "Mine" });

        var body = await ProblemAssertions.ProblemAsync(response, HttpStatusCode.Conflict);
        var text = body.ToJsonString();
        Assert.DoesNotContain("stanag-9001'", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Secret", text, StringComparison.Ordinal);
        Assert.Equal("A standard with this designation, or one a reader would take for it, already exists.", body["detail"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await _editor.GetAsync("/v1/standards/stanag-9001-bis")).StatusCode);
    }

    /// <summary>
    /// A designation's identity is unique in the database (db/*/0033), not by a lock every creation takes: a creation
    /// racing another writer's of a look-alike designation, not yet committed, waits on the index, fails on it once the
    /// other commits, and is run again, which finds the holder and answers as for any taken designation — a 409 naming
    /// it (never a 500, never a second standard). The other writer here is a session of the test's own, which goes
    /// through no lock of the service's.
    /// </summary>
    [Fact]
    public async Task ACreationRacingAnotherOfALookAlikeDesignationIsAConflictNamingTheOther()
    {
        Assert.SkipWhen(provider != TestProvider.Postgres, "two writers at once: PostgreSQL is the server database the suite runs here");
        var ct = TestContext.Current.CancellationToken;
        await using var other = new Npgsql.NpgsqlConnection(_app.ConnectionString);
        await other.OpenAsync(ct);
        await using var held = await other.BeginTransactionAsync(ct);
        await using (var insert = new Npgsql.NpgsqlCommand("""
            INSERT INTO standards (standard_key, designation, designation_identity, category, title, created_at, created_by)
            VALUES ('stanag-4172', 'STANAG 4172', 'STANAG 4172', 'caliber', '5.56 mm', 0, 'other')
            """, other, held))
        {
            await insert.ExecuteNonQueryAsync(ct);
        }

        var racing = _editor.PostAsJsonAsync("/v1/standards", new { key = "stanag-4172-bis", designation = "stanag 4172", category = "caliber", title = "Another" }, ct);
        await PostgresLocks.UntilWaitingAsync(_app.ConnectionString, 1, "the creation waiting on the other writer's designation", done: racing);
        await held.CommitAsync(ct);

        await ProblemAssertions.ProblemAsync(await racing, HttpStatusCode.Conflict, "'stanag-4172'");
        var list = await _editor.GetJsonAsync("/v1/standards?limit=100");
        Assert.Equal(["stanag-4172"], list["items"]!.AsArray().Select(i => i!["key"]!.GetValue<string>()));
    }

    /// <summary>
    /// A draft added while another writer raises an edition of the standard above the adding editor's clearance is
    /// answered as a draft to an absent standard, and nothing is written: the handler's check of the editor's clearance
    /// against every edition reads outside the write, so the write decides again under the standard's lock
    /// (<c>EditorialStore.Sql.StandardForWrite</c>). Decided on the check outside alone, the NR editor's draft was
    /// created as edition 3 after the NS one it does not see, its number telling of it. The other writer is a session
    /// of the test's own, holding the standard's lock while it raises the marking.
    /// </summary>
    [Fact]
    public async Task ADraftRacingAnEditionRaisedAboveTheEditorsClearanceIsAnsweredAsToAnAbsentStandard()
    {
        Assert.SkipWhen(provider != TestProvider.Postgres, "two writers at once: PostgreSQL is the server database the suite runs here");
        var ct = TestContext.Current.CancellationToken;
        await _editor.CreateStandardAsync("stanag-raised");
        Assert.Equal(1, await _editor.CreateDraftAsync("stanag-raised", "NR"));
        Assert.Equal(2, await _editor.CreateDraftAsync("stanag-raised", "NR"));
        var nrEditor = _app.As(TestCaller.Editor("NR"));
        var draft = new
        {
            title = "Another", summary = "A summary.", body = "The body.", classification = "NR", attributes = RegistryClient.AttributesFor("caliber"),
        };
        var absent = await nrEditor.PostAsJsonAsync("/v1/standards/no-such-standard/versions", draft, ct);

        await using var other = new Npgsql.NpgsqlConnection(_app.ConnectionString);
        await other.OpenAsync(ct);
        await using var held = await other.BeginTransactionAsync(ct);
        await using (var raise = new Npgsql.NpgsqlCommand("""
            SELECT 1 FROM standards WHERE standard_key = 'stanag-raised' FOR UPDATE;
            UPDATE versions SET classification = 3, row_version = row_version + 1
            WHERE edition = 2 AND standard_id = (SELECT id FROM standards WHERE standard_key = 'stanag-raised');
            """, other, held))
        {
            await raise.ExecuteNonQueryAsync(ct);
        }
        var racing = nrEditor.PostAsJsonAsync("/v1/standards/stanag-raised/versions", draft, ct);
        await PostgresLocks.UntilWaitingAsync(_app.ConnectionString, 1, "the draft waiting at the standard's lock", done: racing);
        await held.CommitAsync(ct);

        var answer = await racing;
        await ProblemAssertions.ProblemAsync(answer, HttpStatusCode.NotFound);
        Assert.Equal(await absent.Content.ReadAsStringAsync(ct), await answer.Content.ReadAsStringAsync(ct));
        Assert.Equal(2, (await _editor.GetJsonAsync("/v1/standards/stanag-raised"))["versionCount"]!.GetValue<int>());
    }

    private static async Task Created(HttpResponseMessage response) =>
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");

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
