using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// Two API processes on one PostgreSQL database, as behind a load balancer (docs/design.md §9): each migrates at start
/// (the second finds nothing to apply), and concurrent writes through both keep the invariants the database holds.
/// </summary>
public sealed class MultiInstanceFixture : IAsyncLifetime
{
    private TestDatabase? _database;

    public ServiceProcess A { get; private set; } = null!;

    public ServiceProcess B { get; private set; } = null!;

    /// <summary>Rows of the migration journal after the first instance started, and after the second.</summary>
    public (long AfterFirst, long AfterSecond) Journal { get; private set; }

    public async ValueTask InitializeAsync()
    {
        if (TestProvider.Postgres.UnavailableReason is not null)
        {
            return;
        }
        _database = await TestDatabase.CreateAsync(TestProvider.Postgres);
        A = await ServiceProcess.StartAsync(_database.ConnectionString, Webhooks);
        var afterFirst = await JournalRowsAsync();
        B = await ServiceProcess.StartAsync(_database.ConnectionString, Webhooks);
        Journal = (afterFirst, await JournalRowsAsync());
    }

    public string ConnectionString => _database!.ConnectionString;

    /// <summary>
    /// Webhooks to a receiver on 127.0.0.1, both instances delivering, with a lease of the shortest the settings allow for
    /// attempts of 3 s (the lease test counts the POSTs that arrive: an acknowledgment given up on after 1 s is sent again).
    /// </summary>
    private static readonly Dictionary<string, string> Webhooks = ServiceProcess.QuickWebhooks(lease: "00:00:06", attempt: "00:00:03");

    public async ValueTask DisposeAsync()
    {
        if (B is not null)
        {
            await B.DisposeAsync();
        }
        if (A is not null)
        {
            await A.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    private async Task<long> JournalRowsAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder(_database!.ConnectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM schemaversions", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

[Slow]
public sealed class MultiInstanceTests(MultiInstanceFixture fixture) : IClassFixture<MultiInstanceFixture>
{
    private const int Concurrent = 40;

    private sealed record Answer(int Instance, int Status, JsonObject? Body, string? ETag, string Text)
    {
        public override string ToString() => $"{(Instance == 0 ? "A" : "B")} {Status} {(Text.Length > 200 ? Text[..200] : Text)}";
    }

    private string Logs() => $"A's log:{Environment.NewLine}{fixture.A.Failures(5)}{Environment.NewLine}B's log:{Environment.NewLine}{fixture.B.Failures(5)}";

    private static void SkipWithoutPostgres() =>
        Assert.SkipWhen(TestProvider.Postgres.UnavailableReason is not null, TestProvider.Postgres.UnavailableReason ?? "");

    [Fact]
    public void BothInstancesMigrateAtStartAndTheSecondAppliesNothing()
    {
        SkipWithoutPostgres();

        var scripts = MigrationScripts.Count("postgres");
        Assert.Equal(((long)scripts, (long)scripts), fixture.Journal);
        Assert.Contains(fixture.A.Output, l => l.Contains("0001_catalogue", StringComparison.Ordinal));
        Assert.DoesNotContain(fixture.B.Output, l => l.Contains("0001_catalogue", StringComparison.Ordinal));
        Assert.False(fixture.A.HasExited);
        Assert.False(fixture.B.HasExited);
    }

    [Fact]
    public async Task ConcurrentDraftsThroughBothInstancesGetConsecutiveDistinctEditions()
    {
        SkipWithoutPostgres();
        using var editors = new Pair(fixture, TestCaller.Editor());
        await editors.A.CreateStandardAsync("multi-drafts");

        var answers = await editors.AllAtOnceAsync(Concurrent, i => new HttpRequestMessage(HttpMethod.Post, "/v1/standards/multi-drafts/versions")
        {
            Content = JsonContent.Create(new { title = $"draft {i}", summary = $"summary {i}", body = $"body {i}", classification = "NU", attributes = RegistryClient.AttributesFor("caliber") }),
        });

        Assert.All(answers, a => Assert.True(a.Status == 201, $"expected 201: {a}{Environment.NewLine}{Logs()}"));
        var editions = answers.Select(a => a.Body!["edition"]!.GetValue<int>()).Order().ToList();
        Assert.Equal(Enumerable.Range(1, Concurrent), editions);
        for (var i = 0; i < Concurrent; i++)
        {
            Assert.Equal($"draft {i}", answers[i].Body!["title"]!.GetValue<string>());
        }
        var stored = await VersionListing.AllAsync(editors.B, "multi-drafts");
        Assert.Equal(Enumerable.Range(1, Concurrent), stored.Select(v => v["edition"]!.GetValue<int>()));
        for (var i = 0; i < Concurrent; i++)
        {
            var edition = answers[i].Body!["edition"]!.GetValue<int>();
            var version = stored[edition - 1];
            Assert.Equal(($"draft {i}", "draft"), (version["title"]!.GetValue<string>(), version["status"]!.GetValue<string>()));
        }
    }

    [Fact]
    public async Task WritesAndReadsThroughBothInstancesAppendToOneValidAuditChain()
    {
        SkipWithoutPostgres();
        using var editors = new Pair(fixture, TestCaller.Editor());
        const string key = "multi-audit";
        await editors.A.CreateStandardAsync(key);
        await editors.A.CreateDraftAsync(key);

        // Drafts (recorded in their transactions) and reads (recorded in batches), half through each instance, at once.
        var answers = await editors.AllAtOnceAsync(Concurrent, i => i % 4 < 2
            ? new HttpRequestMessage(HttpMethod.Post, $"/v1/standards/{key}/versions")
            {
                Content = JsonContent.Create(new { title = $"draft {i}", summary = "s", body = "b", classification = "NU", attributes = RegistryClient.AttributesFor("caliber") }),
            }
            : new HttpRequestMessage(HttpMethod.Get, $"/v1/standards/{key}/versions/1"));

        Assert.All(answers, a => Assert.True(a.Status is 200 or 201, $"expected 200 or 201: {a}{Environment.NewLine}{Logs()}"));
        var dialect = Data.SqlDialect.For("postgres");
        var db = new Data.Db(dialect, dialect.Normalize(fixture.ConnectionString), Polly.ResiliencePipeline.Empty);
        // Reads are written a few milliseconds after they are answered.
        long reads = 0;
        await Wait.UntilAsync(
            async () => (reads = await db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE standard_key = 'multi-audit' AND action = 'version.read'"))) >= Concurrent / 2,
            TimeSpan.FromSeconds(10),
            () => $"the {Concurrent / 2} reads' entries; {reads} are written{Environment.NewLine}{Logs()}");
        var drafts = await db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE standard_key = 'multi-audit' AND action = 'draft.create'"));
        var verification = await new Data.AuditLog(db).VerifyAsync();

        Assert.Equal((Concurrent / 2L + 1, Concurrent / 2L), (drafts, reads));
        Assert.True(verification.Valid, verification.Problem);
    }

    [Fact]
    public async Task ConcurrentPublishesThroughBothInstancesLeaveExactlyOneCurrentEdition()
    {
        SkipWithoutPostgres();
        using var editors = new Pair(fixture, TestCaller.Editor());
        const string key = "multi-publish";
        await editors.A.CreateStandardAsync(key);
        await editors.A.PublishAsync(key, await editors.A.CreateDraftAsync(key, title: "first"));
        const int drafts = 20;
        for (var i = 0; i < drafts; i++)
        {
            await editors.B.CreateDraftAsync(key, title: $"candidate {i}");
        }

        // Different drafts (editions 2..21), all at once: each 200 or 409 (a later one won), one current afterwards.
        var different = await editors.AllAtOnceAsync(drafts, i => new HttpRequestMessage(HttpMethod.Post, $"/v1/standards/{key}/versions/{i + 2}/publish"));

        Assert.All(different, a => Assert.True(a.Status is 200 or 409, $"expected 200 or 409: {a}{Environment.NewLine}{Logs()}"));
        Assert.Contains(different, a => a.Status == 200);
        // The answer reads the edition back after the commit: a later publish may already have superseded it.
        Assert.All(different.Where(a => a.Status == 200), a => Assert.Contains(a.Body!["status"]!.GetValue<string>(), new[] { "published", "superseded" }));
        var versions = await VersionListing.AllAsync(editors.A, key);
        var status = versions.ToDictionary(v => v["edition"]!.GetValue<int>(), v => v["status"]!.GetValue<string>());
        var current = Assert.Single(status, s => s.Value == "published").Key;
        for (var i = 0; i < drafts; i++)
        {
            var edition = i + 2;
            Assert.True(different[i].Status == 200 ? status[edition] is "published" or "superseded" : status[edition] == "draft",
                $"edition {edition} answered {different[i]} is now {status[edition]}");
        }
        // Publishing out of order is refused, concurrency or not: the current edition is the latest in force.
        Assert.Equal(status.Where(s => s.Value is "published" or "superseded").Max(s => s.Key), current);
        Assert.Equal("superseded", status[1]);

        // The same draft, all at once: exactly one 200, the rest 409, and it supersedes the previous current edition.
        var same = await editors.CreateDraftAsync(key, "the same draft");
        var repeated = await editors.AllAtOnceAsync(drafts, _ => new HttpRequestMessage(HttpMethod.Post, $"/v1/standards/{key}/versions/{same}/publish"));

        Assert.All(repeated, a => Assert.True(a.Status is 200 or 409, $"expected 200 or 409: {a}{Environment.NewLine}{Logs()}"));
        Assert.Single(repeated, a => a.Status == 200);
        var after = (await VersionListing.AllAsync(editors.B, key)).ToDictionary(v => v["edition"]!.GetValue<int>(), v => v["status"]!.GetValue<string>());
        Assert.Equal(same, Assert.Single(after, s => s.Value == "published").Key);
        Assert.Equal("superseded", after[current]);
        var latest = await editors.B.GetJsonAsync($"/v1/standards/{key}/versions/latest");
        Assert.Equal((same, "the same draft"), (latest["edition"]!.GetValue<int>(), latest["title"]!.GetValue<string>()));
    }

    [Fact]
    public async Task ConcurrentIfMatchUpdatesThroughBothInstancesHaveOneWinner()
    {
        SkipWithoutPostgres();
        using var editors = new Pair(fixture, TestCaller.Editor());
        const string key = "multi-etag";
        await editors.A.CreateStandardAsync(key);
        var edition = await editors.A.CreateDraftAsync(key, title: "original");
        using var read = await editors.A.GetAsync($"/v1/standards/{key}/versions/{edition}");
        var etag = read.Headers.ETag!.Tag;

        var answers = await editors.AllAtOnceAsync(Concurrent, i =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, $"/v1/standards/{key}/versions/{edition}")
            {
                Content = JsonContent.Create(new { title = $"edit {i}", summary = $"summary {i}", body = $"body {i}", classification = "NR", attributes = RegistryClient.AttributesFor("caliber") }),
            };
            request.Headers.IfMatch.Add(new EntityTagHeaderValue(etag));
            return request;
        });

        Assert.All(answers, a => Assert.True(a.Status is 200 or 412, $"expected 200 or 412: {a}{Environment.NewLine}{Logs()}"));
        var winner = Assert.Single(answers, a => a.Status == 200);
        var won = answers.IndexOf(winner);
        Assert.Equal($"edit {won}", winner.Body!["title"]!.GetValue<string>());

        using var stored = await editors.B.GetAsync($"/v1/standards/{key}/versions/{edition}");
        var body = await stored.JsonAsync();
        Assert.Equal(($"edit {won}", $"summary {won}", $"body {won}", "NR", "draft"),
            (body["title"]!.GetValue<string>(), body["summary"]!.GetValue<string>(), body["body"]!.GetValue<string>(), body["classification"]!.GetValue<string>(), body["status"]!.GetValue<string>()));
        // The winner's ETag is the stored draft's, so the winner can chain its next edit on either instance.
        Assert.Equal(winner.ETag, stored.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task AReleaseOrRevocationOnOneInstanceIsSeenByTheNextRequestOnTheOther()
    {
        SkipWithoutPostgres();
        const string key = "multi-release";
        using var editor = fixture.A.Client(TestCaller.Editor());
        using var authorityA = fixture.A.Client(TestCaller.ReleaseAuthority());
        using var authorityB = fixture.B.Client(TestCaller.ReleaseAuthority());
        using var euA = fixture.A.Client(TestCaller.Eu("NS"));
        using var euB = fixture.B.Client(TestCaller.Eu("NS"));
        await editor.CreateStandardAsync(key);
        await editor.PublishAsync(key, await editor.CreateDraftAsync(key, "NR", "released edition"));

        // Both instances have answered the EU consumer "not found" (anything they might keep is now warm).
        foreach (var eu in new[] { euA, euB })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await eu.GetAsync($"/v1/standards/{key}/versions/latest")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await eu.GetAsync($"/v1/standards/{key}/versions/1")).StatusCode);
        }

        await authorityA.ReleaseAsync(key, 1, "EU");

        var latest = await euB.GetJsonAsync($"/v1/standards/{key}/versions/latest");
        Assert.Equal((key, 1, "released edition", "NR", "RESTREINT UE/EU RESTRICTED"),
            (latest["key"]!.GetValue<string>(), latest["edition"]!.GetValue<int>(), latest["title"]!.GetValue<string>(),
             latest["classification"]!.GetValue<string>(), latest["equivalentMarking"]!.GetValue<string>()));
        var standard = await euB.GetJsonAsync($"/v1/standards/{key}");
        Assert.Equal((1, 1), (standard["latestEdition"]!.GetValue<int>(), standard["versionCount"]!.GetValue<int>()));

        // And back: revoked on B, gone for the EU consumer on A at the next request.
        await authorityB.RevokeAsync(key, 1, "EU");

        using var revoked = await euA.GetAsync($"/v1/standards/{key}/versions/latest");
        Assert.Equal(HttpStatusCode.NotFound, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await euA.GetAsync($"/v1/standards/{key}")).StatusCode);
        var history = await authorityA.GetJsonArrayAsync($"/v1/standards/{key}/versions/1/releases");
        Assert.Equal("revoked", Assert.Single(history)!["state"]!.GetValue<string>());
    }

    /// <summary>
    /// An instance whose lease ran out before it POSTed (here its delivery stalled recording the send, while another
    /// transaction holds the audit chain head; a slow database, a pause or retries outlasting the lease do the same)
    /// does not send: the instance that took the subscription over does, so the event goes out once, not twice at once.
    /// </summary>
    [Fact]
    public async Task AnInstanceWhoseLeaseRanOutWhileItDeliveredSendsNothingTheOtherInstanceDeliversOnce()
    {
        SkipWithoutPostgres();
        await using var receiver = await WebhookReceiver.StartAsync();
        var admin = fixture.A.Client(new TestCaller("admin@nato", "NATO", "CTS", "admin"));
        var created = await admin.PostAsJsonAsync("/v1/subscriptions", new { audience = "EU", url = receiver.Url.ToString(), secret = receiver.Secret });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.JsonAsync())["id"]!.GetValue<string>();
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/pause", null), HttpStatusCode.OK);
        const string key = "multi-lease";
        using var editor = fixture.A.Client(TestCaller.Editor());
        await editor.CreateStandardAsync(key);
        await editor.PublishAsync(key, await editor.CreateDraftAsync(key));
        await fixture.A.Client(TestCaller.ReleaseAuthority()).ReleaseAsync(key, 1, "EU");

        await using var watch = new NpgsqlConnection(fixture.ConnectionString);
        await watch.OpenAsync();
        async Task<long> ScalarAsync(string sql)
        {
            await using var command = new NpgsqlCommand(sql, watch);
            command.Parameters.AddWithValue("id", id);
            return Convert.ToInt64(await command.ExecuteScalarAsync());
        }
        Task UntilAsync(Func<Task<bool>> done, string what) =>
            Wait.UntilAsync(done, TimeSpan.FromSeconds(30), () => $"{what}.{Environment.NewLine}{Logs()}");
        var before = await ScalarAsync("SELECT COUNT(*) FROM audit_log WHERE action = 'webhook.deliver' AND subject = 'subscription:' || @id");

        // Another transaction holds the audit chain head: an instance that leases the subscription stalls committing its
        // webhook.send; its lease runs out; the other instance takes the subscription over and stalls there too.
        await using (var hold = new NpgsqlConnection(fixture.ConnectionString))
        {
            await hold.OpenAsync();
            await using var held = await hold.BeginTransactionAsync();
            await using (var lockHead = new NpgsqlCommand("UPDATE audit_chain_head SET sequence = sequence WHERE id = 1", hold, held))
            {
                await lockHead.ExecuteNonQueryAsync();
            }
            await ScalarAsync("UPDATE subscriptions SET state = 'active' WHERE id = @id");
            await PostgresLocks.UntilWaitingAsync(fixture.ConnectionString, 2, () => $"both instances' audit writers waiting for the chain head.{Environment.NewLine}{Logs()}",
                "%audit_chain_head%", TimeSpan.FromSeconds(30));
            Assert.Equal(0, receiver.Arrived);
            await held.RollbackAsync();
        }

        // Both recorded the send and then say how their delivery went: one sent it, the other found its lease gone.
        await UntilAsync(async () => await ScalarAsync(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'webhook.deliver' AND subject = 'subscription:' || @id") >= before + 2, "both deliveries' outcomes recorded");
        await admin.WaitUntilNothingPendingAsync(id);
        Assert.Equal(1, receiver.Arrived);
        Assert.Equal(key, Assert.Single(receiver.Acknowledged).Body["key"]!.GetValue<string>());
        await RegistryClient.Expect(await admin.DeleteAsync($"/v1/subscriptions/{id}"), HttpStatusCode.NoContent);
    }

    /// <summary>One client per instance for the same caller; requests alternate between them.</summary>
    private sealed class Pair : IDisposable
    {
        public Pair(MultiInstanceFixture fixture, TestCaller caller)
        {
            A = fixture.A.Client(caller);
            B = fixture.B.Client(caller);
        }

        public HttpClient A { get; }

        public HttpClient B { get; }

        public Task<int> CreateDraftAsync(string key, string title) => A.CreateDraftAsync(key, title: title);

        /// <summary>
        /// Sends <paramref name="count"/> requests at once, even ones through A and odd ones through B, released
        /// together after each client holds its connections; answers in request order.
        /// </summary>
        public async Task<List<Answer>> AllAtOnceAsync(int count, Func<int, HttpRequestMessage> request)
        {
            await Task.WhenAll(A.GetAsync("/health/live"), B.GetAsync("/health/live"));
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var tasks = Enumerable.Range(0, count).Select(i => Task.Run(async () =>
            {
                await go.Task;
                using var message = request(i);
                using var response = await (i % 2 == 0 ? A : B).SendAsync(message);
                var text = await response.Content.ReadAsStringAsync();
                JsonObject? body = null;
                try
                {
                    body = text.Length > 0 ? JsonNode.Parse(text) as JsonObject : null;
                }
                catch (System.Text.Json.JsonException)
                {
                    // Kept as text for the assertion message.
                }
                return new Answer(i % 2, (int)response.StatusCode, body, response.Headers.ETag?.Tag, text);
            })).ToList();
            go.SetResult();
            return [.. await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60))];
        }

        public void Dispose()
        {
            A.Dispose();
            B.Dispose();
        }
    }
}
