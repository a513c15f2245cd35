using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using Polly;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

// The change feed and the export. The central property: for every principal (every community and
// clearance), a consumer that applies the feed in order — following it as the catalogue changes, or replaying it from
// the start, or exporting and then following — holds exactly what the read routes return to it now.

public abstract class FeedTests(TestProvider provider)
{
    /// <summary>How many principals read at once while writes pause.</summary>
    private static readonly ParallelOptions Readers = new() { MaxDegreeOfParallelism = 4 };

    /// <summary>
    /// Releases due together, after a while when nothing announced them, are announced in the order they took effect,
    /// whatever standard they are of (docs/design.md §6: the feed keeps the order in which things became true). They
    /// were announced standard by standard: stanag-a's releases at +10 and +30 minutes both before stanag-b's at +20,
    /// the events' times going backwards.
    /// </summary>
    [Fact]
    public async Task ReleasesDueTogetherAreAnnouncedInTheOrderTheyTookEffectAcrossStandards()
    {
        await using var app = new RegistryApp(provider: provider, settings: RegistryApp.UnlimitedRate).With("Webhooks:PollInterval", "01:00:00");
        var dispatcher = app.Dispatcher;
        var editor = app.As(TestCaller.Editor());
        var authority = app.As(TestCaller.ReleaseAuthority());
        // Whole milliseconds, as the registry keeps times.
        var start = DateTimeOffset.FromUnixTimeMilliseconds(app.Clock.GetUtcNow().ToUnixTimeMilliseconds() + 1);
        foreach (var key in new[] { "stanag-a", "stanag-b" })
        {
            await editor.CreateStandardAsync(key);
            await editor.PublishAsync(key, await editor.CreateDraftAsync(key));
        }
        await editor.PublishAsync("stanag-a", await editor.CreateDraftAsync("stanag-a"));
        await authority.ReleaseAsync("stanag-a", 1, "EU", start.AddMinutes(10));
        await authority.ReleaseAsync("stanag-b", 1, "EU", start.AddMinutes(20));
        await authority.ReleaseAsync("stanag-a", 2, "EU", start.AddMinutes(30));
        // The dispatcher's first run (at start) is over and the next is an hour away: the feed's read announces them all.
        await Wait.UntilAsync(() => dispatcher.RunsEnded >= 1, TimeSpan.FromSeconds(20), "the dispatcher's first run");

        app.Clock.Advance(TimeSpan.FromMinutes(31));
        var eu = new FeedFollower(app.As(TestCaller.Eu("NS")));
        await eu.FollowAsync();

        var times = eu.Events.Select(e => e["occurredAt"]!.GetValue<DateTimeOffset>()).ToList();
        Assert.Equal([start.AddMinutes(10), start.AddMinutes(20), start.AddMinutes(30)], times.Distinct());
        Assert.True(times.SequenceEqual(times.Order()), $"occurredAt goes backwards: {string.Join(", ", times)}");
    }

    /// <summary>
    /// Random histories: standards, drafts at every level, publications in order, withdrawals, releases to EU and PUBLIC
    /// now or in the future, revocations, and the clock moving so future releases take effect, some between two reads
    /// of a follower. At each checkpoint every principal's follower reads on, and must hold what the read routes
    /// return; no page may carry the text of a version hidden from that principal at that moment.
    /// </summary>
    [Slow]
    [Theory]
    [InlineData(11)]
    [InlineData(2024)]
    [InlineData(4774)]
    public async Task ReplayingTheFeedEndsWithExactlyWhatTheReadRoutesReturn(int seed)
    {
        await using var app = new RegistryApp(provider: provider).Start();
        var generator = new CatalogueGenerator(app, seed);
        var records = new RecordWriter(app);
        var random = new Random(seed);
        var principals = (IReadOnlyList<TestPrincipal>)[.. TestPrincipal.All, Delegate];
        var followers = principals.ToDictionary(p => p, p => new FeedFollower(p.Client(app)));
        var events = 0;
        var checks = 0;

        for (var checkpoint = 0; checkpoint < 8; checkpoint++)
        {
            for (var step = 0; step < 40; step++)
            {
                if (random.NextDouble() < 0.3)
                {
                    await records.RandomStepAsync(generator.Model, random);
                }
                else
                {
                    await RandomStepAsync(generator, random);
                }
            }
            // Writes pause while the principals read, each on its own follower: they read at once.
            await Parallel.ForEachAsync(principals, Readers, async (principal, _) =>
            {
                var follower = followers[principal];
                var bodiesBefore = follower.Bodies.Count;
                await follower.FollowAsync();
                var routes = await FeedFollower.ReadRoutesAsync(principal.Client(app));
                AssertSame(follower.Copy, routes, $"seed {seed}, checkpoint {checkpoint}, {principal} following the feed");
                AssertSameRecords(follower.Records, await FeedFollower.ReadRecordsAsync(principal.Client(app), NationOf(principal)), $"seed {seed}, checkpoint {checkpoint}, {principal} following the feed");
                AssertNoHiddenText(generator.Model, principal, app.Clock.GetUtcNow(), follower.Bodies.Skip(bodiesBefore), $"seed {seed}, checkpoint {checkpoint}");
                Interlocked.Increment(ref checks);
            });
        }

        // A consumer that starts now replays the whole feed; another exports; both end where the followers are.
        await Parallel.ForEachAsync(principals, Readers, async (principal, _) =>
        {
            var routes = await FeedFollower.ReadRoutesAsync(principal.Client(app));
            var routeRecords = await FeedFollower.ReadRecordsAsync(principal.Client(app), NationOf(principal));
            var replay = new FeedFollower(principal.Client(app), pageSize: 100);
            await replay.FollowAsync();
            AssertSame(replay.Copy, routes, $"seed {seed}, {principal} replaying from the start");
            AssertSameRecords(replay.Records, routeRecords, $"seed {seed}, {principal} replaying from the start");
            AssertOnlyShownResponseText(routeRecords, replay.Bodies, $"seed {seed}, {principal} replaying from the start");
            AssertNoHiddenText(generator.Model, principal, app.Clock.GetUtcNow(), replay.Bodies, $"seed {seed}, replay");
            Interlocked.Add(ref events, replay.Events.Count);

            var mirror = new FeedFollower(principal.Client(app));
            await mirror.ExportAsync();
            AssertSame(mirror.Copy, routes, $"seed {seed}, {principal} exporting");
            AssertSameRecords(mirror.Records, routeRecords, $"seed {seed}, {principal} exporting");
            AssertOnlyShownResponseText(routeRecords, mirror.Bodies, $"seed {seed}, {principal} exporting");
            AssertNoHiddenText(generator.Model, principal, app.Clock.GetUtcNow(), mirror.Bodies, $"seed {seed}, export");
            Assert.Equal(replay.Cursor, mirror.Cursor);
            Assert.Equal(followers[principal].Cursor, mirror.Cursor);
            Interlocked.Add(ref checks, 2);
        });
        var versions = generator.Model.Versions.ToList();
        records.AssertVaried();
        Assert.Contains(versions, v => v.Releases.Any(r => r.EffectiveFrom > r.ReleasedAt && r.RevokedAt is null && r.EffectiveFrom <= app.Clock.GetUtcNow()));
        Assert.Contains(versions, v => v.Releases.Any(r => r.RevokedAt is not null));
        Assert.Contains(versions, v => v.Status == VersionStatus.Withdrawn && v.Releases.Count > 0);
        Assert.Contains(versions, v => v.Status == VersionStatus.Superseded && v.Releases.Any(r => r.RevokedAt is null));
        Assert.All(Enum.GetValues<Classification>(), c => Assert.Contains(versions, v => v.Classification == c && v.Status != VersionStatus.Draft));
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"seed {seed} on {provider}: {generator.Model.Standards.Count} standards, {generator.Model.Versions.Count()} versions, {generator.Model.WriteRequests} writes; "
            + $"{principals.Count} principals, {checks} copies compared with the read routes, {events} events replayed from the start");
    }

    /// <summary>One random, valid change (or the clock moving on), chosen from what the model allows now.</summary>
    private static async Task RandomStepAsync(CatalogueGenerator generator, Random random)
    {
        var model = generator.Model;
        var roll = random.NextDouble();
        if (roll < 0.1 || model.Standards.Count < 3)
        {
            await generator.CreateStandardAsync(Categories.All[random.Next(Categories.All.Count)]);
            return;
        }
        if (roll < 0.3)
        {
            await generator.CreateDraftAsync(Pick(random, model.Standards), (Classification)random.Next(0, 5));
            return;
        }
        if (roll < 0.45)
        {
            var publishable = model.Standards.SelectMany(s => s.Versions.Where(v => v.Status == VersionStatus.Draft
                && v.Edition > s.Versions.Where(p => p.PublishedAt is not null).Select(p => p.Edition).DefaultIfEmpty(0).Max())).ToList();
            if (publishable.Count > 0)
            {
                await generator.PublishAsync(Pick(random, publishable));
            }
            return;
        }
        if (roll < 0.7)
        {
            var releasable = model.Versions.Where(v => Lifecycle.IsReleasable(v.Status)).ToList();
            if (releasable.Count > 0)
            {
                var version = Pick(random, releasable);
                var audience = version.Classification == Classification.NU && random.NextDouble() < 0.4 ? "PUBLIC" : "EU";
                if (!version.Releases.Any(r => r.Audience == audience && r.RevokedAt is null))
                {
                    var effective = random.NextDouble() < 0.5 ? (DateTimeOffset?)null : generator.Now.AddMinutes(random.Next(1, 12));
                    await generator.ReleaseAsync(version, audience, effective);
                }
            }
            return;
        }
        if (roll < 0.8)
        {
            var active = model.Versions.SelectMany(v => v.Releases.Where(r => r.RevokedAt is null).Select(r => (v, r))).ToList();
            if (active.Count > 0)
            {
                var (version, release) = Pick(random, active);
                await generator.RevokeAsync(version, release.Audience);
            }
            return;
        }
        if (roll < 0.86)
        {
            var withdrawable = model.Versions.Where(v => Lifecycle.IsReleasable(v.Status)).ToList();
            if (withdrawable.Count > 0)
            {
                await generator.WithdrawAsync(Pick(random, withdrawable));
            }
            return;
        }
        generator.Advance(TimeSpan.FromMinutes(random.Next(2, 10)));
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    /// <summary>
    /// A database that holds responses, relations, equivalents and preferred marks recorded before the feed carried them
    /// (as migration 0021 finds one) gets them into the feed on start, once: every principal's replay then holds what
    /// the read routes show, and a second run adds nothing.
    /// </summary>
    [Fact]
    public async Task RecordsThatPredateTheFeedAreBackfilledOnce()
    {
        await using var app = new RegistryApp(provider: provider).Start();
        var generator = new CatalogueGenerator(app, 21);
        var records = new RecordWriter(app);
        var random = new Random(21);
        for (var step = 0; step < 120; step++)
        {
            await (random.NextDouble() < 0.5 ? records.RandomStepAsync(generator.Model, random) : RandomStepAsync(generator, random));
        }
        // The feed as it was before it carried records: their events gone, the backfill not done.
        var dialect = SqlDialect.For(app.Provider.Name);
        var db = new Db(dialect, dialect.Normalize(app.ConnectionString), ResiliencePipeline.Empty);
        var removed = (await db.WriteAsync(async c =>
        {
            await c.ExecuteAsync("DELETE FROM feed_items_state");
            return Result.Done(await c.ExecuteAsync("DELETE FROM feed_events WHERE subject <> 'version'"));
        })).Value;
        Assert.True(removed > 0, "the history recorded responses or relations");
        foreach (var principal in (IReadOnlyList<TestPrincipal>)[TestPrincipal.Anonymous, TestPrincipal.Named("EU consumer NS"), TestPrincipal.NatoEditor])
        {
            var stale = new FeedFollower(principal.Client(app), pageSize: 100);
            await stale.FollowAsync();
            Assert.Empty(stale.Records);
        }

        var writer = new FeedWriter(db);
        await writer.BackfillAsync(app.Clock.GetUtcNow());
        await writer.BackfillAsync(app.Clock.GetUtcNow());
        var backfilled = 0;
        foreach (var principal in (IReadOnlyList<TestPrincipal>)[.. TestPrincipal.All, Delegate])
        {
            var replay = new FeedFollower(principal.Client(app), pageSize: 100);
            await replay.FollowAsync();
            AssertSame(replay.Copy, await FeedFollower.ReadRoutesAsync(principal.Client(app)), $"{principal} replaying after the backfill");
            AssertSameRecords(replay.Records, await FeedFollower.ReadRecordsAsync(principal.Client(app), NationOf(principal)), $"{principal} replaying after the backfill");
            Assert.Equal(replay.Events.Count(e => e["subject"]!.GetValue<string>() != "version"), replay.Records.Count);
            backfilled += replay.Records.Count;
        }
        Assert.True(backfilled > 0);
    }

    /// <summary>A national delegate: reads the NATO view, and its feed carries its own nation's responses only.</summary>
    private static readonly TestPrincipal Delegate =
        TestPrincipal.Of("NATO delegate FRA NS", new TestCaller("delegate-fra@nato", "NATO", "NS", "delegate") { Nation = "FRA" });

    private static string? NationOf(TestPrincipal principal) => principal == Delegate ? "FRA" : null;

    /// <summary>
    /// Read now, a replay or an export carries the reservation and document texts of the responses the read routes show
    /// now, and no other: not even in an event that a later tombstone cancels.
    /// </summary>
    private static void AssertOnlyShownResponseText(IReadOnlyDictionary<string, JsonNode> shown, IEnumerable<string> bodies, string context)
    {
        var allowed = shown.Values.SelectMany(r => new[] { r["reservation"], r["implementingDocument"] }).OfType<JsonNode>()
            .Select(t => t.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        var sent = bodies.SelectMany(b => System.Text.RegularExpressions.Regex.Matches(b, "(RESERVATION|DOC)-[0-9]+").Select(m => m.Value)).ToHashSet(StringComparer.Ordinal);
        var leaked = sent.Except(allowed).Order(StringComparer.Ordinal).ToList();
        Assert.True(leaked.Count == 0, $"{context}: sent the text of responses it does not show: {string.Join(", ", leaked.Take(10))}");
    }

    private static void AssertSameRecords(IReadOnlyDictionary<string, JsonNode> held, IReadOnlyDictionary<string, JsonNode> routes, string context)
    {
        var differences = FeedFollower.RecordDifferences(held, routes).ToList();
        Assert.True(differences.Count == 0, $"{context}: {differences.Count} records differ:\n{string.Join("\n", differences.Take(10))}");
    }

    /// <summary>
    /// Random writes of the records around the documents: national responses (with their own markings), their releases
    /// and revocations, relations between standards (to hidden and to visible ends), civil equivalents, preferred marks.
    /// Each answer must be one a valid request can get; what is visible to whom is left to the comparison with the read routes.
    /// </summary>
    private sealed class RecordWriter(RegistryApp app)
    {
        private static readonly string[] Nations = ["DEU", "FRA", "POL"];
        private static readonly string[] Kinds = ["ratified", "ratified-with-reservations", "not-ratifying", "no-response"];
        private static readonly string[] RelationKinds = ["covers", "supersedes", "references"];
        private readonly HttpClient _editor = app.As(TestCaller.Editor());
        private readonly HttpClient _authority = app.As(TestCaller.ReleaseAuthority());
        /// <summary>An editor cleared NATO RESTRICTED: its marks and unmarks are decided by the marks it sees, not the latest.</summary>
        private readonly HttpClient _lowEditor = app.As(TestCaller.Editor("NR"));
        private readonly Random _history = new(27);
        private readonly List<(ModelVersion Version, string Nation)> _responses = [];
        private readonly List<(string From, string Kind, string To)> _edges = [];
        private readonly Dictionary<string, int> _done = [];
        private int _sequence;

        public async Task RandomStepAsync(CatalogueModel model, Random random)
        {
            var versions = model.Versions.ToList();
            var standards = model.Standards;
            var roll = random.NextDouble();
            if (versions.Count == 0 || standards.Count < 2)
            {
                return;
            }
            if (roll < 0.3)
            {
                var version = Pick(random, versions);
                var nation = Pick(random, Nations);
                var kind = Pick(random, Kinds);
                var n = ++_sequence;
                var url = $"/v1/standards/{version.Standard.Key}/versions/{version.Edition}/responses/{nation}";
                await Expect("response recorded", await _editor.PutAsJsonAsync(url, new
                {
                    response = kind,
                    reservation = kind == "ratified-with-reservations" ? $"RESERVATION-{n}" : null,
                    implementingDocument = $"DOC-{n}",
                    classification = GeneratedEditions.Levels[Math.Min(random.Next(5), random.Next(5))],
                }), version.Status == VersionStatus.Withdrawn ? HttpStatusCode.Conflict : HttpStatusCode.Created);
                // Kept when refused too (a withdrawn edition stays withdrawn: releasing there is refused as well), so the
                // random histories are the ones they were.
                _responses.Add((version, nation));
            }
            else if (roll < 0.5 && _responses.Count > 0)
            {
                var (version, nation) = Pick(random, _responses);
                var audience = random.Next(3) == 0 ? "PUBLIC" : "EU";
                var url = $"/v1/standards/{version.Standard.Key}/versions/{version.Edition}/responses/{nation}/releases/{audience}";
                // Refused (422) when the latest row is above the audience's accreditation; a draft's responses are absent
                // (404) for the release authority, which is no editor; a withdrawn edition's are released no more (409).
                await Expect("response released", await _authority.PutAsJsonAsync(url, new { reason = "Shared." }),
                    version.Status switch
                    {
                        VersionStatus.Draft => [HttpStatusCode.NotFound],
                        VersionStatus.Withdrawn => [HttpStatusCode.Conflict],
                        _ => [HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.UnprocessableEntity],
                    });
            }
            else if (roll < 0.6 && _responses.Count > 0)
            {
                var (version, nation) = Pick(random, _responses);
                var url = $"/v1/standards/{version.Standard.Key}/versions/{version.Edition}/responses/{nation}/releases/EU";
                await Expect("response revoked", await _authority.DeleteAsync(url), HttpStatusCode.NoContent, HttpStatusCode.NotFound);
            }
            else if (roll < 0.8)
            {
                var from = Pick(random, standards).Key;
                var to = Pick(random, standards).Key;
                var kind = Pick(random, RelationKinds);
                if (from != to)
                {
                    await Expect("relation added", await _editor.PutAsync($"/v1/standards/{from}/relations/{kind}/{to}", null), HttpStatusCode.Created, HttpStatusCode.OK);
                    _edges.Add((from, kind, to));
                }
            }
            else if (roll < 0.88 && _edges.Count > 0)
            {
                var edge = Pick(random, _edges);
                await Expect("relation removed", await _editor.DeleteAsync($"/v1/standards/{edge.From}/relations/{edge.Kind}/{edge.To}"), HttpStatusCode.NoContent, HttpStatusCode.NotFound);
            }
            else if (roll < 0.94)
            {
                var key = Pick(random, standards).Key;
                await Expect("equivalent added", await _editor.PutAsync($"/v1/standards/{key}/equivalents/ISO/{1000 + random.Next(5)}", null), HttpStatusCode.Created, HttpStatusCode.OK);
            }
            else
            {
                var marked = Pick(random, standards);
                var key = marked.Key;
                // A standard whose editions are all withdrawn is not marked (409).
                static bool Cancelled(ModelStandard s) => s.Versions.Count > 0 && s.Versions.All(v => v.Status == VersionStatus.Withdrawn);
                await Expect("preferred marked", await _editor.PutAsJsonAsync($"/v1/standards/{key}/preferred", new { rationale = $"RATIONALE-{++_sequence}" }),
                    Cancelled(marked) ? [HttpStatusCode.Conflict] : [HttpStatusCode.Created, HttpStatusCode.OK]);
                // Now and then the mark's history gets a row that views see differently: a mark or an unmark by an
                // editor who does not see every standard of the category, or an unmark by the one who does. Drawn from
                // a stream of its own, so the main history stays what each seed made before.
                var step = _history.Next(4);
                var otherStandard = standards[_history.Next(standards.Count)];
                var other = otherStandard.Key;
                await (step switch
                {
                    0 => Expect("preferred marked low", await _lowEditor.PutAsJsonAsync($"/v1/standards/{other}/preferred", new { rationale = $"RATIONALE-{++_sequence}" }),
                        Cancelled(otherStandard) ? [HttpStatusCode.Conflict, HttpStatusCode.NotFound] : [HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.NotFound]),
                    1 => Expect("preferred unmarked low", await _lowEditor.DeleteAsync($"/v1/standards/{key}/preferred"), HttpStatusCode.NoContent, HttpStatusCode.NotFound),
                    2 => Expect("preferred unmarked", await _editor.DeleteAsync($"/v1/standards/{other}/preferred"), HttpStatusCode.NoContent, HttpStatusCode.NotFound),
                    _ => Task.CompletedTask,
                });
            }
        }

        private async Task Expect(string what, HttpResponseMessage response, params HttpStatusCode[] allowed)
        {
            Assert.True(allowed.Contains(response.StatusCode), $"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            _done[$"{what} {(int)response.StatusCode}"] = _done.GetValueOrDefault($"{what} {(int)response.StatusCode}") + 1;
        }

        /// <summary>The history covered what the feed must get right: records shown, released, revoked and removed.</summary>
        public void AssertVaried()
        {
            foreach (var needed in new[] { "response recorded 201", "response released 201", "response revoked 204", "relation added 201", "relation removed 204", "equivalent added 201", "preferred marked 201" })
            {
                Assert.True(_done.ContainsKey(needed), $"the generated history has no '{needed}': {string.Join(", ", _done.Select(d => $"{d.Key} x{d.Value}"))}");
            }
        }
    }

    [Fact]
    public async Task AFutureReleaseAppearsWhenItTakesEffectInOrderWithTheOtherEvents()
    {
        await using var app = new RegistryApp(provider: provider).Start();
        var editor = app.As(TestCaller.Editor());
        var authority = app.As(TestCaller.ReleaseAuthority());
        foreach (var key in new[] { "stanag-1001", "stanag-1002", "stanag-1003" })
        {
            await editor.CreateStandardAsync(key);
            await editor.PublishAsync(key, await editor.CreateDraftAsync(key));
        }
        var eu = new FeedFollower(app.As(TestCaller.Eu("NR")));

        await authority.ReleaseAsync("stanag-1001", 1, "EU", app.Clock.GetUtcNow().AddMinutes(10));
        app.Clock.Advance(TimeSpan.FromMinutes(5));
        await authority.ReleaseAsync("stanag-1002", 1, "EU");
        await eu.FollowAsync();
        Assert.Equal(["visible stanag-1002/1"], Describe(eu.Events));

        app.Clock.Advance(TimeSpan.FromMinutes(6)); // the first release is in effect now, and nothing has been written since
        await authority.ReleaseAsync("stanag-1003", 1, "EU");
        await authority.RevokeAsync("stanag-1002", 1, "EU");
        await eu.FollowAsync();
        Assert.Equal(["visible stanag-1002/1", "visible stanag-1001/1", "visible stanag-1003/1", "hidden stanag-1002/1"], Describe(eu.Events));
        Assert.Equal([1L, 2, 3, 4], eu.Events.Select(e => e["sequence"]!.GetValue<long>()));
        Assert.Null(eu.Events[^1]["version"]);
        AssertSame(eu.Copy, await FeedFollower.ReadRoutesAsync(app.As(TestCaller.Eu("NR"))), "after the future release");

        // A pending release that is revoked before its time never appears at all.
        await authority.ReleaseAsync("stanag-1002", 1, "EU", app.Clock.GetUtcNow().AddMinutes(10));
        await authority.RevokeAsync("stanag-1002", 1, "EU");
        app.Clock.Advance(TimeSpan.FromMinutes(20));
        await eu.FollowAsync();
        Assert.Equal(4, eu.Events.Count);
    }

    /// <summary>
    /// An edition's successor, as a reader sees it, changes when an edition between them becomes visible or stops
    /// being visible, though its status stays "superseded": the feed says so with an update of the earlier edition.
    /// </summary>
    [Fact]
    public async Task AnEarlierEditionIsUpdatedWhenItsVisibleSuccessorChanges()
    {
        await using var app = new RegistryApp(provider: provider).Start();
        var editor = app.As(TestCaller.Editor());
        var authority = app.As(TestCaller.ReleaseAuthority());
        await editor.CreateStandardAsync("stanag-1101");
        for (var edition = 1; edition <= 3; edition++)
        {
            await editor.PublishAsync("stanag-1101", await editor.CreateDraftAsync("stanag-1101"));
        }
        await authority.ReleaseAsync("stanag-1101", 1, "EU");
        await authority.ReleaseAsync("stanag-1101", 3, "EU");
        var eu = new FeedFollower(app.As(TestCaller.Eu("NR")));
        await eu.FollowAsync();
        Assert.Equal(3, eu.Copy[("stanag-1101", 1)]["supersededBy"]!.GetValue<int>());

        await authority.ReleaseAsync("stanag-1101", 2, "EU");
        await eu.FollowAsync();
        Assert.Equal(2, eu.Copy[("stanag-1101", 1)]["supersededBy"]!.GetValue<int>());
        AssertSame(eu.Copy, await FeedFollower.ReadRoutesAsync(app.As(TestCaller.Eu("NR"))), "edition 2 released");

        await authority.RevokeAsync("stanag-1101", 2, "EU");
        var before = eu.Events.Count;
        await eu.FollowAsync();
        Assert.Equal(["hidden stanag-1101/2", "updated stanag-1101/1"], Describe(eu.Events.Skip(before)).Order());
        Assert.Equal(3, eu.Copy[("stanag-1101", 1)]["supersededBy"]!.GetValue<int>());
        AssertSame(eu.Copy, await FeedFollower.ReadRoutesAsync(app.As(TestCaller.Eu("NR"))), "edition 2 revoked");
    }

    /// <summary>
    /// An edition whose release is revoked is never sent again, not even in the events that showed it: a replay from the
    /// start after the revocation carries none of its events but the tombstone, its update (its successor changed) among
    /// them, and none of its content.
    /// </summary>
    [Fact]
    public async Task ARevokedEditionsUpdateIsNotReplayed()
    {
        await using var app = new RegistryApp(provider: provider).Start();
        var editor = app.As(TestCaller.Editor());
        var authority = app.As(TestCaller.ReleaseAuthority());
        await editor.CreateStandardAsync("stanag-1102");
        for (var edition = 1; edition <= 2; edition++)
        {
            await editor.PublishAsync("stanag-1102", await editor.CreateDraftAsync("stanag-1102"));
        }
        await authority.ReleaseAsync("stanag-1102", 1, "EU");
        await authority.ReleaseAsync("stanag-1102", 2, "EU");
        var eu = new FeedFollower(app.As(TestCaller.Eu("NR")));
        await eu.FollowAsync();
        await authority.RevokeAsync("stanag-1102", 2, "EU");
        await eu.FollowAsync();
        Assert.Contains("updated stanag-1102/1", Describe(eu.Events));

        await authority.RevokeAsync("stanag-1102", 1, "EU");
        var replay = new FeedFollower(app.As(TestCaller.Eu("NR")), pageSize: 100);
        await replay.FollowAsync();

        Assert.Equal(["hidden stanag-1102/1", "hidden stanag-1102/2"], Describe(replay.Events).Order());
    }

    /// <summary>
    /// A released edition withdrawn leaves a reader outside NATO with the <c>withdrawn</c> event docs/consuming.md
    /// names, not the <c>hidden</c> a revoked release makes, and stays visible inside NATO, updated to withdrawn by a
    /// <c>withdrawn</c> event too. A revoked edition's tombstone comes before those of its responses, as the feed rule
    /// orders what went (versions first). (A rule that called every version it no longer shows hidden, or that put the
    /// responses' tombstones first, passed every other feed test.)
    /// </summary>
    [Fact]
    public async Task AWithdrawnEditionIsAWithdrawnEventInsideAndOutsideNatoAndARevokedOneHiddenBeforeItsResponses()
    {
        await using var app = new RegistryApp(provider: provider).Start();
        var editor = app.As(TestCaller.Editor());
        var authority = app.As(TestCaller.ReleaseAuthority());
        foreach (var key in new[] { "stanag-1103", "stanag-1104" })
        {
            await editor.CreateStandardAsync(key);
            await editor.PublishAsync(key, await editor.CreateDraftAsync(key));
            await authority.ReleaseAsync(key, 1, "EU");
        }
        var responses = "/v1/standards/stanag-1104/versions/1/responses/FRA";
        await RegistryClient.Expect(await editor.PutAsJsonAsync(responses, new { response = "ratified", classification = "NU" }), HttpStatusCode.Created);
        await RegistryClient.Expect(await authority.PutAsJsonAsync($"{responses}/releases/EU", new { reason = "Shared." }), HttpStatusCode.Created);
        var eu = new FeedFollower(app.As(TestCaller.Eu("NR")));
        var nato = new FeedFollower(app.As(TestCaller.NatoReader("NR")));
        await eu.FollowAsync();
        await nato.FollowAsync();
        var (euBefore, natoBefore) = (eu.Events.Count, nato.Events.Count);

        await editor.WithdrawAsync("stanag-1103", 1);
        await authority.RevokeAsync("stanag-1104", 1, "EU");
        await eu.FollowAsync();
        await nato.FollowAsync();
        Assert.Equal(["withdrawn version stanag-1103/1", "hidden version stanag-1104/1", "hidden response stanag-1104/1"],
            eu.Events.Skip(euBefore).Select(e => $"{e["type"]} {e["subject"]} {e["key"]}/{e["edition"]}"));
        Assert.Equal(["withdrawn stanag-1103/1"], Describe(nato.Events.Skip(natoBefore)));
        Assert.Empty(eu.Records);
        AssertSame(eu.Copy, await FeedFollower.ReadRoutesAsync(app.As(TestCaller.Eu("NR"))), "withdrawn and revoked");
    }

    /// <summary>
    /// What a reader no longer sees is never sent to it again: once a response's release to the EU is revoked, or the far
    /// end of an edge stops being visible, an EU follower gets a tombstone naming the record, and a replay from the start
    /// or an export carries neither the response's text nor the hidden standard's key, not even in the events that
    /// showed them before.
    /// </summary>
    [Fact]
    public async Task RecordsThatLeaveTheViewAreTombstonedAndNeverSentAgain()
    {
        await using var app = new RegistryApp(provider: provider).Start();
        var editor = app.As(TestCaller.Editor());
        var authority = app.As(TestCaller.ReleaseAuthority());
        foreach (var key in new[] { "stanag-3001", "stanag-3002" })
        {
            await editor.CreateStandardAsync(key);
            await editor.PublishAsync(key, await editor.CreateDraftAsync(key, "NR"));
            await authority.ReleaseAsync(key, 1, "EU");
        }
        var responses = "/v1/standards/stanag-3001/versions/1/responses/FRA";
        await RegistryClient.Expect(await editor.PutAsJsonAsync(responses, new { response = "ratified-with-reservations", reservation = "RESERVATION-77", implementingDocument = "DOC-77", classification = "NU" }), HttpStatusCode.Created);
        await RegistryClient.Expect(await authority.PutAsJsonAsync($"{responses}/releases/EU", new { reason = "Shared." }), HttpStatusCode.Created);
        await RegistryClient.Expect(await editor.PutAsync("/v1/standards/stanag-3001/relations/covers/stanag-3002", null), HttpStatusCode.Created);
        var follower = new FeedFollower(app.As(TestCaller.Eu("NS")));
        await follower.FollowAsync();
        Assert.Equal(2, follower.Records.Count);

        await RegistryClient.Expect(await authority.DeleteAsync($"{responses}/releases/EU"), HttpStatusCode.NoContent);
        await authority.RevokeAsync("stanag-3002", 1, "EU");
        await follower.FollowAsync();
        Assert.Empty(follower.Records);
        Assert.Equal(["hidden response", "hidden relation"], follower.Events.TakeLast(3).Where(e => e["subject"]!.GetValue<string>() != "version").Select(e => $"{e["type"]} {e["subject"]}"));

        var replay = new FeedFollower(app.As(TestCaller.Eu("NS")), pageSize: 100);
        await replay.FollowAsync();
        var export = new FeedFollower(app.As(TestCaller.Eu("NS")));
        await export.ExportAsync();
        foreach (var body in replay.Bodies.Concat(export.Bodies))
        {
            Assert.DoesNotContain("RESERVATION-77", body, StringComparison.Ordinal);
            Assert.DoesNotContain("DOC-77", body, StringComparison.Ordinal);
            Assert.DoesNotContain("\"to\":\"stanag-3002\"", body, StringComparison.Ordinal);
        }
        Assert.Empty(replay.Records);
        Assert.Equal(replay.Cursor, export.Cursor);
    }

    /// <summary>
    /// A page's cursor is the last event it considered, also when that event was left out (its record is no longer
    /// visible): a follower reading one event a page passes the left-out events and reaches their tombstones, in the
    /// same events and to the same cursor as one reading them all at once, instead of reading the same page for ever.
    /// </summary>
    [Fact]
    public async Task APageWhoseEventsWereLeftOutStillMovesTheCursorOn()
    {
        await using var app = new RegistryApp(provider: provider).Start();
        var editor = app.As(TestCaller.Editor());
        var authority = app.As(TestCaller.ReleaseAuthority());
        await editor.CreateStandardAsync("stanag-3101");
        await editor.PublishAsync("stanag-3101", await editor.CreateDraftAsync("stanag-3101", "NR"));
        await authority.ReleaseAsync("stanag-3101", 1, "EU");
        var responses = "/v1/standards/stanag-3101/versions/1/responses";
        foreach (var nation in new[] { "FRA", "DEU" })
        {
            await RegistryClient.Expect(await editor.PutAsJsonAsync($"{responses}/{nation}", new { response = "ratified", classification = "NU" }), HttpStatusCode.Created);
            await RegistryClient.Expect(await authority.PutAsJsonAsync($"{responses}/{nation}/releases/EU", new { reason = "Shared." }), HttpStatusCode.Created);
        }
        foreach (var nation in new[] { "FRA", "DEU" })
        {
            await RegistryClient.Expect(await authority.DeleteAsync($"{responses}/{nation}/releases/EU"), HttpStatusCode.NoContent);
        }

        var all = new FeedFollower(app.As(TestCaller.Eu("NS")), pageSize: 100);
        await all.FollowAsync();
        Assert.Equal(["visible version", "hidden response", "hidden response"], all.Events.Select(e => $"{e["type"]} {e["subject"]}"));
        var onePerPage = new FeedFollower(app.As(TestCaller.Eu("NS")), pageSize: 1);
        await onePerPage.FollowAsync();
        Assert.Equal(all.Events.Select(e => e.ToJsonString()), onePerPage.Events.Select(e => e.ToJsonString()));
        Assert.Equal(all.Cursor, onePerPage.Cursor);
        // The second page held the first response's event, left out: empty, and more follow after it.
        var second = JsonNode.Parse(onePerPage.Bodies[1])!;
        Assert.Empty(second["events"]!.AsArray());
        Assert.True(second["hasMore"]!.GetValue<bool>());
    }

    /// <summary>
    /// Two registries with the same visible history, one of them with a great deal of activity that EU NR, PUBLIC and
    /// NATO NC readers cannot see: their feeds are the same event for event (sequence, type, key, edition, content).
    /// A third adds what only the readers outside NATO and a national delegate cannot see (other nations' responses on a
    /// visible edition, unreleased or released to another audience, some after the last visible event): their feeds and
    /// cursors are the same too. The delegate reads the NATO view at NC, which holds those responses.
    /// </summary>
    [Fact]
    public async Task HiddenActivityLeavesNoTraceInTheFeed()
    {
        var quiet = await ScriptAsync(hiddenActivity: false);
        var busy = await ScriptAsync(hiddenActivity: true);
        var busier = await ScriptAsync(hiddenActivity: true, hiddenOutsideNato: true);
        foreach (var (name, events) in quiet)
        {
            Assert.True(events.Count > 0, name);
            Assert.Contains(events, e => e.Contains(" visible relation stanag-2002 references stanag-2001 ", StringComparison.Ordinal));
            Assert.Equal(events, busy[name]);
            if (name != TestCaller.NatoReader("NC").Subject)
            {
                Assert.Equal(events, busier[name]);
            }
        }
    }

    private async Task<Dictionary<string, List<string>>> ScriptAsync(bool hiddenActivity, bool hiddenOutsideNato = false)
    {
        await using var app = new RegistryApp(provider: provider).Start();
        var editor = app.As(TestCaller.Editor());
        var authority = app.As(TestCaller.ReleaseAuthority());
        async Task Hidden(Func<Task> activity)
        {
            if (hiddenActivity)
            {
                await activity();
            }
        }

        await editor.CreateStandardAsync("stanag-2001");
        await Hidden(() => editor.CreateStandardAsync("stanag-2999"));
        await Hidden(async () => await editor.PublishAsync("stanag-2999", await editor.CreateDraftAsync("stanag-2999", "CTS")));
        await editor.PublishAsync("stanag-2001", await editor.CreateDraftAsync("stanag-2001", "NU"));
        await authority.ReleaseAsync("stanag-2001", 1, "EU");
        await authority.ReleaseAsync("stanag-2001", 1, "PUBLIC");
        // Hidden: an NS edition published after it (edition 1 is superseded in storage) and released to EU.
        await Hidden(async () => await editor.PublishAsync("stanag-2001", await editor.CreateDraftAsync("stanag-2001", "NS")));
        await Hidden(() => authority.ReleaseAsync("stanag-2001", 2, "EU"));
        await Hidden(() => authority.RevokeAsync("stanag-2001", 2, "EU"));
        await Hidden(() => editor.WithdrawAsync("stanag-2001", 2));
        var next = hiddenActivity ? 3 : 2;
        Assert.Equal(next, await editor.CreateDraftAsync("stanag-2001", "NR"));
        await editor.PublishAsync("stanag-2001", next);
        await authority.ReleaseAsync("stanag-2001", next, "EU");
        await authority.RevokeAsync("stanag-2001", 1, "PUBLIC");
        // Hidden records: edges to the CTS standard, its equivalent and preferred mark, a CTS response released to the EU
        // (above these readers' clearance) and its revocation.
        await Hidden(async () =>
        {
            await RegistryClient.Expect(await editor.PutAsync("/v1/standards/stanag-2001/relations/covers/stanag-2999", null), HttpStatusCode.Created);
            await RegistryClient.Expect(await editor.PutAsync("/v1/standards/stanag-2999/relations/supersedes/stanag-2001", null), HttpStatusCode.Created);
            await RegistryClient.Expect(await editor.DeleteAsync("/v1/standards/stanag-2001/relations/covers/stanag-2999"), HttpStatusCode.NoContent);
            await RegistryClient.Expect(await editor.PutAsync("/v1/standards/stanag-2999/equivalents/ISO/9999", null), HttpStatusCode.Created);
            await RegistryClient.Expect(await editor.PutAsJsonAsync("/v1/standards/stanag-2999/preferred", new { rationale = "Hidden." }), HttpStatusCode.Created);
            var responses = $"/v1/standards/stanag-2001/versions/{next}/responses/FRA";
            await RegistryClient.Expect(await editor.PutAsJsonAsync(responses, new { response = "ratified-with-reservations", reservation = "HIDDEN", classification = "CTS" }), HttpStatusCode.Created);
            await RegistryClient.Expect(await authority.PutAsJsonAsync($"{responses}/releases/EU", new { reason = "Shared." }), HttpStatusCode.Created);
            await RegistryClient.Expect(await authority.DeleteAsync($"{responses}/releases/EU"), HttpStatusCode.NoContent);
        });
        if (hiddenOutsideNato)
        {
            var responses = $"/v1/standards/stanag-2001/versions/{next}/responses";
            await RegistryClient.Expect(await editor.PutAsJsonAsync($"{responses}/DEU", new { response = "ratified", classification = "NU" }), HttpStatusCode.Created);
            await RegistryClient.Expect(await editor.PutAsJsonAsync($"{responses}/POL", new { response = "not-ratifying", classification = "NU" }), HttpStatusCode.Created);
            await RegistryClient.Expect(await authority.PutAsJsonAsync($"{responses}/POL/releases/INDUSTRY", new { reason = "Shared." }), HttpStatusCode.Created);
        }
        // Seen by all: an edge between two released standards, after the hidden records.
        await editor.CreateStandardAsync("stanag-2002");
        await editor.PublishAsync("stanag-2002", await editor.CreateDraftAsync("stanag-2002", "NU"));
        await authority.ReleaseAsync("stanag-2002", 1, "EU");
        await authority.ReleaseAsync("stanag-2002", 1, "PUBLIC");
        await authority.ReleaseAsync("stanag-2001", 1, "PUBLIC");
        // Seen inside NATO only, the delegate's among them: its own nation's response.
        await RegistryClient.Expect(await editor.PutAsJsonAsync("/v1/standards/stanag-2002/versions/1/responses/FRA", new { response = "ratified", classification = "NU" }), HttpStatusCode.Created);
        await RegistryClient.Expect(await editor.PutAsync("/v1/standards/stanag-2002/relations/references/stanag-2001", null), HttpStatusCode.Created);
        if (hiddenOutsideNato)
        {
            // After the last event the delegate sees: its cursor must not move either.
            await RegistryClient.Expect(await editor.PutAsJsonAsync("/v1/standards/stanag-2002/versions/1/responses/ESP", new { response = "ratified", classification = "NU" }), HttpStatusCode.Created);
        }

        var feeds = new Dictionary<string, List<string>>();
        var delegateFra = new TestCaller("delegate-fra", "NATO", "NC", "delegate") { Nation = "FRA" };
        foreach (var caller in new[] { TestCaller.Eu("NR"), TestCaller.Public(), TestCaller.NatoReader("NC"), delegateFra })
        {
            var follower = new FeedFollower(app.As(caller));
            await follower.FollowAsync();
            // The edition numbers differ by construction (2 vs 3): compare what a reader can tell apart, with the
            // visible NR edition named "new" in both.
            feeds[caller.Subject] = follower.Events.Select(e =>
            {
                var version = e["version"]?.DeepClone().AsObject();
                if (e["subject"]!.GetValue<string>() != "version")
                {
                    // A response's id is random and its time of recording the clock's: each registry has its own.
                    var record = e[e["subject"]!.GetValue<string>()]?.DeepClone().AsObject();
                    record?.Remove("recordedAt");
                    return System.Text.RegularExpressions.Regex.Replace(
                        $"{e["sequence"]} {e["type"]} {e["subject"]} {e["ref"]} {record?.ToJsonString()}", "[0-9a-f]{32}", "<id>");
                }
                var edition = e["edition"]!.GetValue<int>() == next ? "new" : e["edition"]!.ToString();
                if (version is not null)
                {
                    version["edition"] = edition;
                    if (version["supersededBy"]?.GetValue<int>() == next)
                    {
                        version["supersededBy"] = "new";
                    }
                    version.Remove("publishedAt");
                    version.Remove("title");
                }
                return $"{e["sequence"]} {e["type"]} {e["subject"]} {e["key"]}/{edition} {version?.ToJsonString()}";
            }).Append($"cursor {FeedCursors.WithoutMarks(follower.Cursor!)}").ToList();
        }
        return feeds;
    }

    /// <summary>
    /// A national delegate's feed is numbered by itself: its events are 1, 2, 3 … whatever other nations record, read a
    /// page of one at a time or all at once it gets each event once, in the same order, and its export ends where its
    /// feed does. A cursor of the NATO view it reads (a reader's without a nation) is not its own.
    /// </summary>
    [Fact]
    public async Task ADelegatesFeedIsNumberedByItselfAndResumesAfterEachOfItsEvents()
    {
        await using var app = new RegistryApp(provider: provider).Start();
        var editor = app.As(TestCaller.Editor());
        var delegateFra = app.As(new TestCaller("delegate-fra", "NATO", "NC", "delegate") { Nation = "FRA" });
        await editor.CreateStandardAsync("stanag-4001");
        await editor.PublishAsync("stanag-4001", await editor.CreateDraftAsync("stanag-4001", "NU"));
        await editor.CreateStandardAsync("stanag-4002");
        var responses = "/v1/standards/stanag-4001/versions/1/responses";
        // Responses of France and of other nations, interleaved with versions, several of one kind in a row.
        var nations = new[] { "FRA", "DEU", "FRA", "FRA", "POL", "DEU", "DEU", "FRA" };
        for (var i = 0; i < nations.Length; i++)
        {
            var nation = nations[i];
            // A nation's changed response is a new row too (200).
            (await editor.PutAsJsonAsync($"{responses}/{nation}", new { response = "ratified-with-reservations", reservation = $"R{i}", classification = "NU" })).EnsureSuccessStatusCode();
            if (nation == "POL")
            {
                await editor.PublishAsync("stanag-4002", await editor.CreateDraftAsync("stanag-4002", "NU"));
            }
        }
        (await editor.PutAsJsonAsync($"{responses}/DEU", new { response = "not-ratifying", classification = "NU" })).EnsureSuccessStatusCode();
        // Germany last with more responses than France (five to four): an export's position counting another nation's
        // responses as France's stands elsewhere than France's feed.
        (await editor.PutAsJsonAsync($"{responses}/DEU", new { response = "ratified", classification = "NU" })).EnsureSuccessStatusCode();

        var all = new FeedFollower(delegateFra, pageSize: 100);
        await all.FollowAsync();
        var onePerPage = new FeedFollower(delegateFra, pageSize: 1);
        await onePerPage.FollowAsync();
        var export = new FeedFollower(delegateFra);
        await export.ExportAsync();

        Assert.Equal(Enumerable.Range(1, all.Events.Count).Select(i => (long)i), all.Events.Select(e => e["sequence"]!.GetValue<long>()));
        Assert.Equal(4, all.Events.Count(e => e["subject"]!.GetValue<string>() == "response" && e["type"]!.GetValue<string>() == "visible"));
        Assert.All(all.Events.Where(e => e["subject"]!.GetValue<string>() == "response"), e => Assert.Contains("/responses/FRA/", e["ref"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.Equal(all.Events.Select(e => e.ToJsonString()), onePerPage.Events.Select(e => e.ToJsonString()));
        Assert.Equal(all.Cursor, onePerPage.Cursor);
        Assert.Equal(all.Cursor, export.Cursor);
        var nato = new FeedFollower(app.As(TestCaller.NatoReader("NC")));
        await nato.FollowAsync();
        await ProblemAssertions.ProblemAsync(await delegateFra.GetAsync($"/v1/feed?cursor={Uri.EscapeDataString(nato.Cursor!)}"), HttpStatusCode.BadRequest, "cursor");
        await ProblemAssertions.ProblemAsync(await app.As(TestCaller.NatoReader("NC")).GetAsync($"/v1/feed?cursor={Uri.EscapeDataString(all.Cursor!)}"), HttpStatusCode.BadRequest, "cursor");
    }

    [Fact]
    public async Task CursorsResumeAndAreRefusedWhenTheyAreNotThisCallersPositions()
    {
        await using var app = new RegistryApp(seed: true, provider: provider).Start();
        var eu = app.As(TestCaller.Eu("CTS"));
        var all = new FeedFollower(eu, pageSize: 100);
        await all.FollowAsync();
        var onePerPage = new FeedFollower(eu, pageSize: 1);
        await onePerPage.FollowAsync();
        Assert.True(all.Events.Count >= 3);
        Assert.Equal(all.Events.Select(e => e.ToJsonString()), onePerPage.Events.Select(e => e.ToJsonString()));
        Assert.Equal(all.Cursor, onePerPage.Cursor);

        // At the end: an empty page that keeps the cursor.
        var end = await eu.GetJsonAsync($"/v1/feed?cursor={all.Cursor}");
        Assert.Empty(end["events"]!.AsArray());
        Assert.Equal(all.Cursor, end["cursor"]!.GetValue<string>());
        Assert.False(end["hasMore"]!.GetValue<bool>());

        // Another view's cursor (a NATO reader's, an EU reader of another clearance) is refused, not reinterpreted.
        var nato = new FeedFollower(app.As(TestCaller.NatoReader("CTS")));
        await nato.FollowAsync();
        var euNr = new FeedFollower(app.As(TestCaller.Eu("NR")));
        await euNr.FollowAsync();
        // Also as cursors were written before they carried the mark of their event (still accepted, in their own view):
        // without the mark, only the view they name tells them apart, and a position of the EU reader of NR, read as
        // one of this view's, would be a place in another history.
        foreach (var cursor in new[] { nato.Cursor!, euNr.Cursor!, Unmarked(nato.Cursor!), Unmarked(euNr.Cursor!), "ZmVlZDpFVS40Oi0x",
            "ZmVlZDpFVS40OjE5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "c3RhbmRhcmRzOmE", "!!" })
        {
            var response = await eu.GetAsync($"/v1/feed?cursor={Uri.EscapeDataString(cursor)}");
            await ProblemAssertions.ProblemAsync(response, HttpStatusCode.BadRequest, "cursor");
        }
        foreach (var limit in new[] { "0", "-1", "101", "99999999999", "x" })
        {
            var response = await eu.GetAsync($"/v1/feed?limit={limit}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        // A cursor without its mark, as one issued before cursors carried it: its own view still resumes from it.
        var unmarked = await eu.GetJsonAsync($"/v1/feed?cursor={Unmarked(all.Cursor!)}");
        Assert.Empty(unmarked["events"]!.AsArray());

        static string Unmarked(string cursor)
        {
            var text = System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(cursor));
            var bare = System.Text.RegularExpressions.Regex.Replace(text, ":[0-9a-f]{12}$", "");
            Assert.NotEqual(text, bare);
            return System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(bare));
        }
    }

    /// <summary>
    /// An export read in one snapshot while writes go on: it holds the catalogue as at its cursor (nothing written
    /// later), and following the feed from that cursor brings exactly the later changes, each once.
    /// </summary>
    [Fact]
    public async Task AnExportAndTheFeedFromItsCursorMissAndRepeatNothingWhileWritesGoOn()
    {
        await using var app = new RegistryApp(provider: provider).Start();
        var editor = app.As(TestCaller.Editor());
        var authority = app.As(TestCaller.ReleaseAuthority());
        var body = new string('x', 150_000);
        for (var i = 0; i < 24; i++)
        {
            var key = $"stanag-{3000 + i}";
            await editor.CreateStandardAsync(key);
            var response = await editor.PostAsJsonAsync($"/v1/standards/{key}/versions",
                new { title = $"Edition of {key}", summary = "Large.", body, classification = "NU", attributes = RegistryClient.AttributesFor("caliber") });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            await editor.PublishAsync(key, 1);
            await authority.ReleaseAsync(key, 1, "EU");
        }
        await editor.CreateStandardAsync("stanag-3999");
        await editor.PublishAsync("stanag-3999", await editor.CreateDraftAsync("stanag-3999"));

        var eu = app.As(TestCaller.Eu("NC"));
        using var export = await eu.GetAsync("/v1/export", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        var cursor = export.Headers.GetValues("Feed-Cursor").Single();
        await using var stream = await export.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(stream);
        var first = await reader.ReadLineAsync();
        Assert.Contains("stanag-3000", first);

        // While the export is open (most of it not yet read): one more version released, one revoked.
        await authority.ReleaseAsync("stanag-3999", 1, "EU");
        await authority.RevokeAsync("stanag-3023", 1, "EU");

        var lines = new List<string> { first! };
        while (await reader.ReadLineAsync() is { } line)
        {
            lines.Add(line);
        }
        var keys = lines.Select(l => JsonNode.Parse(l)!).Where(l => l["type"]!.GetValue<string>() == "version").Select(l => l["version"]!["key"]!.GetValue<string>()).ToList();
        Assert.Equal(Enumerable.Range(3000, 24).Select(n => $"stanag-{n}"), keys); // as at the cursor: 3023 still in, 3999 not yet
        Assert.Equal(cursor, JsonNode.Parse(lines[^1])!["cursor"]!.GetValue<string>());

        var follower = new FeedFollower(eu);
        await follower.ExportAsync();
        var mirror = new FeedFollower(eu);
        mirror.Resume(cursor, lines.SkipLast(1).Select(l => JsonNode.Parse(l)!["version"]!));
        await mirror.FollowAsync();
        Assert.Equal(["visible stanag-3999/1", "hidden stanag-3023/1"], Describe(mirror.Events));
        AssertSame(mirror.Copy, await FeedFollower.ReadRoutesAsync(eu), "export then feed");
        AssertSame(follower.Copy, mirror.Copy, "a later export");
    }

    private static List<string> Describe(IEnumerable<JsonObject> events) =>
        events.Select(e => $"{e["type"]} {e["key"]}/{e["edition"]}").ToList();

    private static void AssertSame(IReadOnlyDictionary<(string Key, int Edition), JsonNode> copy, IReadOnlyDictionary<(string Key, int Edition), JsonNode> routes, string context)
    {
        var differences = FeedFollower.Differences(copy, routes).ToList();
        Assert.True(differences.Count == 0, $"{context}: {differences.Count} difference(s):\n{string.Join("\n", differences.Take(20))}");
    }

    private static void AssertNoHiddenText(CatalogueModel model, TestPrincipal principal, DateTimeOffset now, IEnumerable<string> bodies, string context)
    {
        var hidden = model.Versions.Where(v => !ReleaseOracle.CanSee(principal.Scope, v, now)).ToList();
        foreach (var body in bodies)
        {
            var leaked = hidden.FirstOrDefault(v => body.Contains(v.Token, StringComparison.Ordinal));
            Assert.True(leaked is null, $"{context}: {principal} received text of {leaked}, which it may not see now");
        }
    }
}
