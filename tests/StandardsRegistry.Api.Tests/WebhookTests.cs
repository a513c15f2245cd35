using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Api.Webhooks;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

// Webhooks: admins subscribe an audience; every event of that audience's view is POSTed, signed, in order,
// at least once, from a durable outbox; a real receiver on 127.0.0.1 fails, hangs and recovers.

public abstract class WebhookTests(TestProvider provider)
{
    internal static readonly TestCaller Admin = new("admin@nato", "NATO", "CTS", "admin");

    /// <summary>An admin cleared only NATO RESTRICTED: INDUSTRY's ceiling as migrated, below the EU's.</summary>
    private static readonly TestCaller AdminNr = new("admin-nr@nato", "NATO", "NR", "admin");

    // An attempt's timeout well above what a loaded test machine may take to answer on loopback: an acknowledgment the
    // dispatcher gave up on would be sent again, and the tests count deliveries. Only the hanging receiver's test needs
    // a short one.
    private RegistryApp NewApp(string failingAfter = "00:15:00", string retries = "1", string attemptTimeout = "00:00:05", IReadOnlyDictionary<string, string>? settings = null, string backoff = "00:00:00.200", string maxBackoff = "00:00:00.500") =>
        NewApp(provider, failingAfter, retries, attemptTimeout, settings, backoff, maxBackoff);

    /// <summary>A started registry whose dispatcher delivers to receivers on 127.0.0.1 at once, retrying and backing off briefly.</summary>
    internal static RegistryApp NewApp(TestProvider provider, string failingAfter = "00:15:00", string retries = "1", string attemptTimeout = "00:00:05", IReadOnlyDictionary<string, string>? settings = null, string backoff = "00:00:00.200", string maxBackoff = "00:00:00.500") =>
        new RegistryApp(provider: provider, settings: settings)
        .With("Webhooks:AllowedHosts:0", "127.0.0.1")
        .With("Webhooks:PollInterval", "00:00:00.100")
        .With("Webhooks:AttemptTimeout", attemptTimeout)
        .With("Webhooks:Retries", retries)
        .With("Webhooks:RetryDelay", "00:00:00.050")
        .With("Webhooks:Backoff", backoff)
        .With("Webhooks:MaxBackoff", maxBackoff)
        .With("Webhooks:BreakerFailures", "4")
        .With("Webhooks:BreakDuration", "00:00:00.500")
        .With("Webhooks:FailingAfter", failingAfter)
        .Start();

    private static async Task<JsonObject> SubscribeAsync(RegistryApp app, WebhookReceiver receiver, string audience = "EU")
    {
        var response = await app.As(Admin).PostAsJsonAsync("/v1/subscriptions", new { audience, url = receiver.Url.ToString(), secret = receiver.Secret });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.JsonAsync();
    }

    internal static async Task PublishReleasedAsync(RegistryApp app, string key, string classification = "NU", string audience = "EU")
    {
        var editor = app.As(TestCaller.Editor());
        await editor.CreateStandardAsync(key);
        await editor.PublishAsync(key, await editor.CreateDraftAsync(key, classification));
        await app.As(TestCaller.ReleaseAuthority()).ReleaseAsync(key, 1, audience);
    }

    /// <summary>The feed of the subscription's view (EU at its ceiling) as a consumer reads it: what the deliveries must match.</summary>
    private static async Task<List<JsonObject>> FeedAsync(RegistryApp app, string audience = "EU", string euClearance = "CTS")
    {
        var follower = new FeedFollower(app.As(audience == "EU" ? TestCaller.Eu(euClearance) : TestCaller.Public()), pageSize: 100);
        await follower.FollowAsync();
        return follower.Events;
    }

    /// <summary>Sets an audience's accreditation ceiling as an operator does today: by editing the database (no route changes it).</summary>
    internal static async Task SetCeilingAsync(RegistryApp app, string audience, Classification ceiling)
    {
        using var db = TestDb.Open(app.Provider, app.ConnectionString);
        await db.WriteAsync(async c => Result.Done(await c.ExecuteAsync(
            "UPDATE audiences SET max_classification = @ceiling WHERE code = @audience", new { ceiling = (int)ceiling, audience })));
    }

    private static string Named(JsonObject e) => $"{e["type"]} {e["key"]}/{e["edition"]}";

    /// <summary>
    /// The barrier of a "nothing was sent" check, instead of a sleep: returns once the dispatcher has ended a whole run
    /// that began after the call (the next run to begin; runs overlap, since each delivers its subscriptions on their
    /// own, and one ends only with every delivery in flight when it had leased), so every delivery due when it was
    /// called has been attempted and has reached its receiver, if it was going to.
    /// </summary>
    private static async Task AWholeDeliveryRunAsync(RegistryApp app)
    {
        var dispatcher = app.Dispatcher;
        var begun = dispatcher.RunsBegun;
        await Wait.UntilAsync(() => dispatcher.RunsEnded >= begun + 1, TimeSpan.FromSeconds(20), "a whole delivery run after the check began");
    }

    [Fact]
    public async Task EveryEventOfTheAudienceIsDeliveredSignedInOrderAndNothingElse()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var subscription = await SubscribeAsync(app, receiver);
        await PublishReleasedAsync(app, "stanag-5001");
        await PublishReleasedAsync(app, "stanag-5002", "NS");
        await PublishReleasedAsync(app, "stanag-5003", "NU", "PUBLIC"); // not for EU
        await app.As(TestCaller.ReleaseAuthority()).RevokeAsync("stanag-5001", 1, "EU");
        // The feed read now leaves out "stanag-5001 visible" (its content is no longer the audience's); the deliveries
        // may have sent it before the revocation, with content as it was visible then, or skipped it.
        var expected = await FeedAsync(app);
        Assert.Equal(["visible stanag-5002", "hidden stanag-5001"], expected.Select(e => $"{e["type"]} {e["key"]}"));
        var ids = expected.Select(e => e["id"]!.GetValue<string>()).ToList();

        await receiver.WaitUntilAsync(r => ids.All(id => r.Acknowledged.Any(d => d.EventId == id)), TimeSpan.FromSeconds(20), "all events delivered");
        var delivered = receiver.Acknowledged.ToList();
        Assert.Equal(ids, delivered.Select(d => d.EventId).Where(ids.Contains));
        Assert.True(delivered.Count <= 3);
        var sequences = delivered.Select(d => d.Body["sequence"]!.GetValue<long>()).ToList();
        Assert.Equal(sequences.Order(), sequences);
        Assert.All(delivered, d => Assert.True(d.SignatureValid, "signature"));
        Assert.All(delivered, d => Assert.Equal(subscription["id"]!.GetValue<string>(), d.SubscriptionId));
        Assert.DoesNotContain(delivered, d => d.Body["key"]!.GetValue<string>() == "stanag-5003");
        // The content of a version revoked before its delivery is never sent; the tombstone is.
        Assert.Null(delivered[^1].Body["version"]);
        Assert.Contains("SECRET UE/EU SECRET", delivered.Single(d => d.Body["key"]!.GetValue<string>() == "stanag-5002").Body.ToJsonString());
        // Each delivery is a retrieval of content on record, by the subscription, with what was sent.
        var deliveries = new List<JsonObject>();
        await Wait.UntilAsync(
            async () =>
            {
                deliveries = (await app.As(Admin).GetJsonAsync($"/v1/audit?subject=subscription:{subscription["id"]}&limit=100"))["items"]!.AsArray()
                    .Select(e => e!.AsObject()).Where(e => (int)e["status"]! == 200).ToList();
                return deliveries.Count >= delivered.Count;
            },
            TimeSpan.FromSeconds(20),
            () => $"an entry of the subscription for each of the {delivered.Count} deliveries; {deliveries.Count} are recorded");
        Assert.Equal(delivered.Select(d => $"{d.Body["key"]}/{d.Body["edition"]}"), deliveries.Select(e => $"{e["key"]}/{e["edition"]}"));
        Assert.All(deliveries, e => Assert.Equal("webhook.deliver", (string)e["action"]!));
        Assert.Equal("NS", (string?)deliveries.Single(e => (string)e["key"]! == "stanag-5002")["classification"]);

        // The receiver acknowledged before the dispatcher records it: wait for the record, do not race it.
        var state = await app.As(Admin).WaitUntilNothingPendingAsync(subscription["id"]!.GetValue<string>());
        Assert.Equal("active", state["state"]!.GetValue<string>());
        Assert.False(state.ContainsKey("secret"));
    }

    /// <summary>
    /// Rotating a subscription's secret, as docs/consuming.md tells an operator to: the receiver accepts the new secret
    /// beside the old, an admin registers the same URL again with the new secret, waits until the old subscription has
    /// nothing pending, and deletes it; then the receiver retires the old secret. Every event of the audience reaches
    /// the receiver, each delivery signed with the secret of the subscription that sent it; an event of the overlap
    /// comes from both with one id (dropped as a duplicate); nothing comes from the old subscription once it is deleted.
    /// </summary>
    [Fact]
    public async Task ASecretIsRotatedByRegisteringAgainBeforeDeletingTheOldSubscriptionAndNoEventIsLost()
    {
        const string rotated = "rotated-secret-9876543210";
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var old = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        await PublishReleasedAsync(app, "stanag-5101");
        await receiver.WaitUntilAsync(r => r.Acknowledged.Any(d => d.SubscriptionId == old), TimeSpan.FromSeconds(20), "the first event delivered");

        receiver.Accept(rotated);
        var registered = await app.As(Admin).PostAsJsonAsync("/v1/subscriptions", new { audience = "EU", url = receiver.Url.ToString(), secret = rotated });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var renewed = (await registered.JsonAsync())["id"]!.GetValue<string>();
        await PublishReleasedAsync(app, "stanag-5102");
        await receiver.WaitUntilAsync(r => r.Acknowledged.Any(d => d.SubscriptionId == renewed), TimeSpan.FromSeconds(20), "the new subscription delivering");
        // Everything queued for the old subscription before the new one was registered is delivered before it goes.
        await app.As(Admin).WaitUntilNothingPendingAsync(old);
        Assert.Equal(HttpStatusCode.NoContent, (await app.As(Admin).DeleteAsync($"/v1/subscriptions/{old}")).StatusCode);
        // A delivery of the old subscription in flight at the delete still arrives; wait for it before retiring its secret.
        await AWholeDeliveryRunAsync(app);
        var fromOld = receiver.Received.Count(d => d.SubscriptionId == old);
        receiver.Retire(receiver.Secret);
        await PublishReleasedAsync(app, "stanag-5103");

        var expected = await FeedAsync(app);
        Assert.Equal(["visible stanag-5101", "visible stanag-5102", "visible stanag-5103"], expected.Select(e => $"{e["type"]} {e["key"]}"));
        var ids = expected.Select(e => e["id"]!.GetValue<string>()).ToList();
        await receiver.WaitUntilAsync(r => ids.All(id => r.Acknowledged.Any(d => d.EventId == id)), TimeSpan.FromSeconds(20), "every event delivered");
        await app.As(Admin).WaitUntilNothingPendingAsync(renewed);
        await AWholeDeliveryRunAsync(app);

        var received = receiver.Received.ToList();
        Assert.All(received, d => Assert.True(d.SignatureValid, $"{d.SubscriptionId}: {d.Body["key"]} signed with no secret the receiver accepts"));
        Assert.Equal(fromOld, received.Count(d => d.SubscriptionId == old));
        Assert.All(received.Where(d => d.SubscriptionId == old), d => Assert.Equal(receiver.Secret, d.SignedWith));
        Assert.All(received.Where(d => d.SubscriptionId == renewed), d => Assert.Equal(rotated, d.SignedWith));
        // The event ids are the audience's, not the subscription's: duplicates drop by id, and none is missing.
        Assert.Equal(ids, received.Where(d => d.Acknowledged).Select(d => d.EventId).Distinct());
        Assert.Equal([ids[0], ids[1]], received.Where(d => d.SubscriptionId == old && d.Acknowledged).Select(d => d.EventId).Distinct());
        Assert.Equal([ids[1], ids[2]], received.Where(d => d.SubscriptionId == renewed && d.Acknowledged).Select(d => d.EventId).Distinct());
    }

    /// <summary>
    /// A national response is delivered like a version: recorded on a released edition it is nothing to the EU until it
    /// is released to the EU; then its event carries it, and its revocation is a tombstone naming it by its ref. A response
    /// released to PUBLIC only is never delivered to the EU. The audit names what each delivery sent.
    /// </summary>
    [Fact]
    public async Task AResponseIsDeliveredWhenReleasedToTheAudienceAndItsRevocationIsATombstone()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var subscription = await SubscribeAsync(app, receiver);
        await PublishReleasedAsync(app, "stanag-5101");
        var url = "/v1/standards/stanag-5101/versions/1/responses";
        var editor = app.As(TestCaller.Editor());
        var authority = app.As(TestCaller.ReleaseAuthority());
        await RegistryClient.Expect(await editor.PutAsJsonAsync($"{url}/FRA", new { response = "ratified-with-reservations", reservation = "RESERVATION-FRA", classification = "NR" }), HttpStatusCode.Created);
        await RegistryClient.Expect(await editor.PutAsJsonAsync($"{url}/DEU", new { response = "ratified-with-reservations", reservation = "RESERVATION-DEU", classification = "NU" }), HttpStatusCode.Created);
        await RegistryClient.Expect(await authority.PutAsJsonAsync($"{url}/DEU/releases/PUBLIC", new { reason = "Public." }), HttpStatusCode.Created);
        await RegistryClient.Expect(await authority.PutAsJsonAsync($"{url}/FRA/releases/EU", new { reason = "For harmonisation." }), HttpStatusCode.Created);
        await RegistryClient.Expect(await authority.DeleteAsync($"{url}/FRA/releases/EU"), HttpStatusCode.NoContent);

        var expected = await FeedAsync(app);
        Assert.Equal(["visible version", "hidden response"], expected.Select(e => $"{e["type"]} {e["subject"]}"));
        var ids = expected.Select(e => e["id"]!.GetValue<string>()).ToList();
        await receiver.WaitUntilAsync(r => ids.All(id => r.Acknowledged.Any(d => d.EventId == id)), TimeSpan.FromSeconds(20), "all events delivered");
        var delivered = receiver.Acknowledged.Where(d => d.Body["subject"]!.GetValue<string>() == "response").ToList();
        // The response's visible event may have been delivered while it was released, with its content, or skipped.
        Assert.InRange(delivered.Count, 1, 2);
        Assert.All(delivered, d => Assert.StartsWith("stanag-5101/1/responses/FRA/", d.Body["ref"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.Equal("hidden", delivered[^1].Body["type"]!.GetValue<string>());
        Assert.Null(delivered[^1].Body["response"]);
        Assert.DoesNotContain(receiver.Acknowledged, d => d.Body.ToJsonString().Contains("RESERVATION-DEU", StringComparison.Ordinal));
        if (delivered.Count == 2)
        {
            Assert.Equal("RESERVATION-FRA", delivered[0].Body["response"]!["reservation"]!.GetValue<string>());
        }
        var state = await app.As(Admin).WaitUntilNothingPendingAsync(subscription["id"]!.GetValue<string>());
        Assert.Equal("active", state["state"]!.GetValue<string>());
    }

    /// <summary>
    /// A delivery is on record as the subscription's, speaking for its audience (docs/audit.md: subject
    /// <c>subscription:&lt;id&gt;</c>, community its audience): the <c>webhook.send</c> and <c>webhook.deliver</c> of an
    /// EU subscription say EU, those of a PUBLIC one PUBLIC, with no roles — never the registry's own NATO, which would
    /// make an audience's retrievals read as NATO's when the trail is searched by community.
    /// </summary>
    [Fact]
    public async Task EachDeliveryIsRecordedAsItsSubscriptionSpeakingForItsAudience()
    {
        await using var euReceiver = await WebhookReceiver.StartAsync();
        await using var publicReceiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var eu = (await SubscribeAsync(app, euReceiver))["id"]!.GetValue<string>();
        var open = (await SubscribeAsync(app, publicReceiver, "PUBLIC"))["id"]!.GetValue<string>();
        await PublishReleasedAsync(app, "stanag-5011");
        await PublishReleasedAsync(app, "stanag-5012", "NU", "PUBLIC");

        foreach (var (id, audience, key) in new[] { (eu, "EU", "stanag-5011"), (open, "PUBLIC", "stanag-5012") })
        {
            await app.As(Admin).WaitUntilNothingPendingAsync(id, $"the {audience} subscription's delivery made");
            var entries = await app.As(Admin).AuditEntriesAsync($"subject=subscription:{id}&limit=100",
                es => es.Any(e => (string)e["action"]! == "webhook.deliver" && (string?)e["key"] == key));
            Assert.Contains(entries, e => $"{e["action"]} {e["key"]}" == $"webhook.send {key}");
            Assert.Contains(entries, e => $"{e["action"]} {e["status"]} {e["key"]}" == $"webhook.deliver 200 {key}");
            Assert.All(entries, e => Assert.Equal($"subscription:{id} {audience}", $"{e["subject"]} {e["community"]}"));
            Assert.All(entries, e => Assert.Empty(e["roles"]!.AsArray()));
        }
    }

    /// <summary>
    /// A relation and a civil equivalent, added and removed between standards the audience reads, reach the subscription
    /// as the feed shows them: each added, then its tombstone. Their tombstones carry no marking, and a ceiling lowered
    /// below the view they were queued in withholds them (<see cref="ACeilingLoweredOneLevelWithholdsWhatIsAboveItAndTheWaitingRelationEvents"/>);
    /// with the ceiling where it was, nothing is withheld. A dispatcher that judged every delivery against the ceiling,
    /// lowered or not, withheld every such removal, and a mirror kept the relation for ever (planted in the fifth sweep:
    /// no suite delivered a relation's or an equivalent's events).
    /// </summary>
    [Fact]
    public async Task ARelationAndAnEquivalentAddedAndRemovedAreDeliveredWithTheirTombstones()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        await PublishReleasedAsync(app, "stanag-5121");
        await PublishReleasedAsync(app, "stanag-5122");
        var editor = app.As(TestCaller.Editor());
        await RegistryClient.Expect(await editor.PutAsync("/v1/standards/stanag-5121/relations/references/stanag-5122", null), HttpStatusCode.Created);
        await RegistryClient.Expect(await editor.PutAsync("/v1/standards/stanag-5121/equivalents/ISO/5121", null), HttpStatusCode.Created);
        // Each added one delivered before it is removed: one removed before its event is read is skipped, as the feed skips it.
        await receiver.WaitUntilAsync(r => r.Acknowledged.Count() >= 4, TimeSpan.FromSeconds(20), "the relation and the equivalent delivered");
        await RegistryClient.Expect(await editor.DeleteAsync("/v1/standards/stanag-5121/relations/references/stanag-5122"), HttpStatusCode.NoContent);
        await RegistryClient.Expect(await editor.DeleteAsync("/v1/standards/stanag-5121/equivalents/ISO/5121"), HttpStatusCode.NoContent);
        await app.As(Admin).WaitUntilNothingPendingAsync(id, "every delivery made");

        // (The feed read now skips the additions, gone since; the deliveries were made before.)
        Assert.Equal(["visible version", "visible version", "hidden relation", "hidden equivalent"], (await FeedAsync(app)).Select(e => $"{e["type"]} {e["subject"]}"));
        Assert.Equal(["visible version", "visible version", "visible relation", "visible equivalent", "hidden relation", "hidden equivalent"],
            receiver.Received.Select(d => $"{d.Body["type"]} {d.Body["subject"]}"));
        Assert.Equal(6, receiver.Acknowledged.Count());
    }

    /// <summary>
    /// A capability table published to INDUSTRY is delivered to an INDUSTRY subscriber as a <c>table</c> record, with its
    /// cells (suppressed ones without a value), and its revocation as a tombstone; an EU subscriber gets nothing of it.
    /// </summary>
    [Fact]
    public async Task APublishedTableIsDeliveredToItsAudienceAndItsRevocationIsATombstone()
    {
        await using var industryReceiver = await WebhookReceiver.StartAsync();
        await using var euReceiver = await WebhookReceiver.StartAsync();
        await using var app = new RegistryApp(provider: provider)
            .With("Webhooks:AllowedHosts:0", "127.0.0.1")
            .With("Webhooks:PollInterval", "00:00:00.100")
            .WithHorizons(2027, 2029)
            .Start();
        var industry = await SubscribeAsync(app, industryReceiver, "INDUSTRY");
        var eu = await SubscribeAsync(app, euReceiver);
        var planner = app.As(new TestCaller("planner@nato", "NATO", "CTS", "planner"));
        await planner.RecordTargetsAsync(2025, "NS");
        var authority = app.As(TestCaller.ReleaseAuthority());
        await authority.PublishTableAsync(2025, "INDUSTRY", "NU");
        // The table as its readers read it, while published: what a delivery of it must carry.
        var table = await app.As(new TestCaller("buyer@industry", "INDUSTRY", "NR", "consumer")).GetJsonAsync("/v1/capability-tables/2025/INDUSTRY");
        await industryReceiver.WaitUntilAsync(r => r.Acknowledged.Count() >= 1, TimeSpan.FromSeconds(20), "the table delivered");
        await authority.RevokeTableAsync(2025, "INDUSTRY");
        await industryReceiver.WaitUntilAsync(r => r.Acknowledged.Count() >= 2, TimeSpan.FromSeconds(20), "the tombstone delivered");

        var delivered = industryReceiver.Acknowledged.Select(d => d.Body).ToList();
        Assert.Equal(["visible table", "hidden table"], delivered.Select(b => $"{b["type"]} {b["subject"]}"));
        Assert.True(JsonNode.DeepEquals(table, delivered[0]["table"]), $"delivered {delivered[0]["table"]?.ToJsonString()} / read {table.ToJsonString()}");
        Assert.Contains(delivered[0]["table"]!["cells"]!.AsArray(), c => c!["suppressed"]!.GetValue<bool>() && c["value"] is null);
        Assert.Equal(delivered[0]["ref"]!.GetValue<string>(), delivered[1]["ref"]!.GetValue<string>());
        Assert.Null(delivered[1]["table"]);
        await app.As(Admin).WaitUntilNothingPendingAsync(industry["id"]!.GetValue<string>());
        await app.As(Admin).WaitUntilNothingPendingAsync(eu["id"]!.GetValue<string>(), "no EU delivery pending");
        Assert.Empty(euReceiver.Acknowledged);
    }

    /// <summary>
    /// A subscription carries no more than the admin who registered it may read: its audience's ceiling bounded by that
    /// admin's clearance, and, for a capability table, the several-nations rule as it holds for that admin. An admin
    /// cleared NATO RESTRICTED and speaking for no nation reads every nation's NR targets of a cycle but France's NATO
    /// SECRET ones, so it reads none of that cycle's tables (France's figure would be a cell less the others'); its
    /// INDUSTRY subscription, to a receiver it chose, must not be the way round: the table is withheld from it, and a
    /// subscription an admin cleared for every figure registered gets it.
    /// </summary>
    [Fact]
    public async Task ATableTheSeveralNationsRuleHidesFromTheRegisteringAdminIsNotDeliveredToItsSubscription()
    {
        await using var restrictedReceiver = await WebhookReceiver.StartAsync();
        await using var nationalReceiver = await WebhookReceiver.StartAsync();
        await using var clearedReceiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        async Task<string> SubscribeAsAsync(TestCaller admin, WebhookReceiver receiver) =>
            (await (await app.As(admin).PostAsJsonAsync("/v1/subscriptions", new { audience = "INDUSTRY", url = receiver.Url.ToString(), secret = receiver.Secret }))
                .JsonAsync())["id"]!.GetValue<string>();
        var restricted = await SubscribeAsAsync(AdminNr, restrictedReceiver);
        // The same clearance speaking for Germany: it reads Germany's targets only, an insider the table's audit protects against.
        var national = await SubscribeAsAsync(new TestCaller("admin-nr@deu", "NATO", "NR", "admin") { Nation = "DEU" }, nationalReceiver);
        var cleared = await SubscribeAsAsync(Admin, clearedReceiver);
        await app.As(new TestCaller("planner@nato", "NATO", "CTS", "planner")).RecordTargetsAsync(2025, "NR", france: "NS");
        var authority = app.As(TestCaller.ReleaseAuthority());
        await authority.PublishTableAsync(2025, "INDUSTRY", "NR");
        // What the restricted admin reads itself: several nations' targets, and not the table.
        var admin = app.As(AdminNr);
        Assert.True((await admin.GetJsonArrayAsync("/v1/capability-targets/2025")).Select(t => t!["nation"]!.GetValue<string>()).Distinct().Count() > 1);
        await ProblemAssertions.ProblemAsync(await admin.GetAsync("/v1/capability-tables/2025/INDUSTRY"), HttpStatusCode.NotFound);
        // The table, then its tombstone, go to the subscriptions whose admins read it (a table revoked before its event is
        // sent is not sent); to the restricted admin's, nothing.
        var receivers = new[] { (clearedReceiver, cleared), (nationalReceiver, national) };
        foreach (var (receiver, _) in receivers)
        {
            await receiver.WaitUntilAsync(r => r.Acknowledged.Any(), TimeSpan.FromSeconds(20), "the table delivered");
        }
        await authority.RevokeTableAsync(2025, "INDUSTRY");
        foreach (var (receiver, id) in receivers)
        {
            await receiver.WaitUntilAsync(r => r.Acknowledged.Count() >= 2, TimeSpan.FromSeconds(20), "its tombstone delivered");
            await app.As(Admin).WaitUntilNothingPendingAsync(id);
            Assert.Equal(["visible table", "hidden table"], receiver.Received.Select(d => $"{d.Body["type"]} {d.Body["subject"]}"));
        }
        // Withheld is on record before the row is marked, so nothing pending means both entries are there.
        await app.As(Admin).WaitUntilNothingPendingAsync(restricted, "nothing pending for the restricted admin's subscription");
        Assert.Empty(restrictedReceiver.Received);
        var withheld = (await new AuditStore(app.Provider, app.ConnectionString).EntriesAsync("webhook.withhold")).Where(e => e.Subject == $"subscription:{restricted}").ToList();
        Assert.Equal(2, withheld.Count);
        Assert.All(withheld, e =>
        {
            Assert.Equal(403, e.Status);
            Assert.Equal((long)Classification.NR, e.Classification);
            Assert.Contains("a capability table the admin who registered the subscription does not read", e.Detail, StringComparison.Ordinal);
        });
        Assert.DoesNotContain((await new AuditStore(app.Provider, app.ConnectionString).EntriesAsync("webhook.withhold")), e => e.Subject != $"subscription:{restricted}");
    }

    /// <summary>
    /// A subscription's delivery status tells an admin that its receiver was sent something, so it is shown only to an
    /// admin cleared for what was sent: for a capability table, every figure the table was computed from. An admin
    /// cleared NATO RESTRICTED speaking for no nation, whom the several-nations rule keeps from the table (it reads
    /// several nations' NR targets, not France's NATO SECRET ones), saw a CTS admin's INDUSTRY subscription count the
    /// table's delivery as pending and then gain its `lastDeliveredAt`, though no event it could read explained either:
    /// a table it may not read had been published.
    /// </summary>
    [Fact]
    public async Task TheDeliveryStatusOfATableIsNotShownToAnAdminTheSeveralNationsRuleKeepsFromIt()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var id = (await SubscribeAsync(app, receiver, "INDUSTRY"))["id"]!.GetValue<string>();
        var admin = app.As(Admin);
        var restricted = app.As(AdminNr);
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/pause", null), HttpStatusCode.OK);
        await app.As(new TestCaller("planner@nato", "NATO", "CTS", "planner")).RecordTargetsAsync(2025, "NR", france: "NS");
        await app.As(TestCaller.ReleaseAuthority()).PublishTableAsync(2025, "INDUSTRY", "NR");
        await ProblemAssertions.ProblemAsync(await restricted.GetAsync("/v1/capability-tables/2025/INDUSTRY"), HttpStatusCode.NotFound);

        // Waiting: one delivery for the admin cleared for every figure, none for the other.
        Assert.Equal(1, (await admin.GetJsonAsync($"/v1/subscriptions/{id}"))["pending"]!.GetValue<long>());
        var before = await restricted.GetJsonAsync($"/v1/subscriptions/{id}");
        Assert.Equal(0, before["pending"]!.GetValue<long>());

        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/resume", null), HttpStatusCode.OK);
        var delivered = await admin.WaitForSubscriptionAsync(id, s => s["pending"]!.GetValue<long>() == 0 && s["lastDeliveredAt"] is not null, "the table delivered");
        Assert.Single(receiver.Acknowledged);
        // Sent: the status the restricted admin reads is the one it read before, but for the state it resumed.
        var after = await restricted.GetJsonAsync($"/v1/subscriptions/{id}");
        Assert.Null(after["lastDeliveredAt"]);
        static string Status(JsonObject subscription)
        {
            var status = (JsonObject)subscription.DeepClone();
            status.Remove("state");
            return status.ToJsonString();
        }
        Assert.Equal(Status(before), Status(after));
        Assert.NotNull(delivered["lastDeliveredAt"]);

        // Its revocation's tombstone, refused by the receiver: the failure is the cleared admin's to see, not the other's.
        receiver.Mode = WebhookReceiver.Behaviour.Fail;
        await app.As(TestCaller.ReleaseAuthority()).RevokeTableAsync(2025, "INDUSTRY");
        await admin.WaitForSubscriptionAsync(id, s => s["failingSince"] is not null && s["lastError"] is not null && s["pending"]!.GetValue<long>() == 1, "the tombstone's delivery failing");
        Assert.Equal(Status(before), Status(await restricted.GetJsonAsync($"/v1/subscriptions/{id}")));
    }

    [Fact]
    public async Task WithoutImmediateRetriesEventsAreStillDelivered()
    {
        // Webhooks:Retries = 0 once made every delivery run throw (Polly's retry needs one attempt): nothing was ever sent.
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp(retries: "0");
        var subscription = await SubscribeAsync(app, receiver);
        await PublishReleasedAsync(app, "stanag-5091");
        var ids = (await FeedAsync(app)).Select(e => e["id"]!.GetValue<string>()).ToList();
        Assert.NotEmpty(ids);

        await receiver.WaitUntilAsync(r => ids.All(id => r.Acknowledged.Any(d => d.EventId == id)), TimeSpan.FromSeconds(20), "the event delivered");
        await app.As(Admin).WaitUntilNothingPendingAsync(subscription["id"]!.GetValue<string>());
    }

    /// <summary>
    /// Record, then release, for a delivery: while its <c>webhook.send</c> cannot be committed (a trigger refuses that
    /// action alone, so the editorial writes and the outage's own record still commit) nothing is POSTed, and once it can,
    /// the event is delivered with its send on record. A dispatcher that went on to POST when the commit failed passed
    /// every suite: none made the trail unwritable while a delivery was due.
    /// </summary>
    [Fact]
    public async Task ADeliveryWhoseSendCannotBeRecordedIsNotSentUntilItCanBe()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var subscription = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        var store = new AuditStore(app.Provider, app.ConnectionString);
        await store.FreezeAsync("webhook.send");
        await PublishReleasedAsync(app, "stanag-5095");

        // The dispatcher met the refusal (the trail was unwritable, and put the outage on record once it could write
        // again) twice — unless it sent something — and sent nothing.
        await Wait.UntilAsync(async () => (await store.EntriesAsync("audit.outage")).Count >= 2 || receiver.Received.Count > 0, TimeSpan.FromSeconds(20), "two sends refused");
        Assert.Empty(receiver.Received);
        Assert.Empty(await store.EntriesAsync("webhook.send"));

        await store.ThawAsync();
        // Not through the feed: a content read, it may still meet the last refusal's outage.
        await receiver.WaitUntilAsync(r => r.Acknowledged.Any(d => (string?)d.Body["version"]?["key"] == "stanag-5095"), TimeSpan.FromSeconds(20),
            "the event delivered once its send can be recorded");
        var sends = await store.EntriesAsync("webhook.send");
        Assert.All(receiver.Received, d => Assert.Contains(sends, e => e.Detail!.StartsWith($"event {d.EventId} ", StringComparison.Ordinal)));
        await app.As(Admin).WaitUntilNothingPendingAsync(subscription);
    }

    /// <summary>
    /// A delivery the receiver acknowledged is on record as delivered even when the service stops gracefully while
    /// the audit queue is full: the outcome's entry waits for room, as every other entry does, and the stop drains it.
    /// The dispatcher queued it with its stopping token, so a stop that began while it waited for room dropped it —
    /// the receiver had the event, the trail said only that it was about to be sent. A queue of one entry, written one
    /// a second, filled by 404s (entries nobody waits for) while the receiver holds the POST.
    /// </summary>
    [Fact]
    public async Task AnAcknowledgedDeliveryIsOnRecordWhenTheServiceStopsWhileTheAuditQueueIsFull()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var answers = new ClientAnswers(receiver.Url.Port, 204);
        await using var app = NewApp(settings: new Dictionary<string, string>
        {
            ["Audit:Capacity"] = "1",
            ["Audit:BatchSize"] = "2",
            ["Audit:FlushIntervalMilliseconds"] = "1000",
        });
        await SubscribeAsync(app, receiver);
        await PublishReleasedAsync(app, "stanag-5099");
        // The POST is held at the receiver: its send is committed.
        await receiver.WaitUntilAsync(r => r.Arrived >= 1, TimeSpan.FromSeconds(20), "the delivery's POST arrived");

        // Entries nobody waits for, more than the queue holds: the writer takes one a second, the rest wait for room.
        var anonymous = app.Anonymous();
        var probes = Enumerable.Range(0, 8).Select(i => anonymous.GetAsync($"/v1/standards/stanag-none/versions/{i + 1}")).ToList();
        await Wait.UntilAsync(() => probes.Count(p => p.IsCompleted) >= 2, TimeSpan.FromSeconds(20), "two probes answered, the others waiting for room in the queue");
        Assert.True(probes.Count(p => !p.IsCompleted) >= 4, "a backlog of several seconds");

        // The receiver acknowledges; the dispatcher's outcome entry now waits for room behind the probes' (seconds of it).
        receiver.Hold.TrySetResult();
        await receiver.WaitUntilAsync(r => r.Acknowledged.Any(), TimeSpan.FromSeconds(20), "the delivery acknowledged");
        var eventId = receiver.Acknowledged.Single().EventId;
        // The receiver has acknowledged before the dispatcher has its answer, and a stop that begins in between cancels
        // the POST (no answer, 502, still pending): wait until the dispatcher has the 204, not for a time that stands in
        // for it. It then reaches its outcome entry within milliseconds, and the backlog ahead of the entry lasts seconds
        // (at least four still waiting, one written a second), so the stop begins while the entry waits for room.
        await Wait.UntilAsync(() => answers.Count >= 1, TimeSpan.FromSeconds(20), "the dispatcher has the receiver's answer");
        await app.StopAsync();

        var store = new AuditStore(app.Provider, app.ConnectionString);
        Assert.Single(await store.EntriesAsync("webhook.send"), e => e.Detail!.StartsWith($"event {eventId} ", StringComparison.Ordinal));
        var deliver = Assert.Single(await store.EntriesAsync("webhook.deliver"), e => e.Detail!.StartsWith($"event {eventId} ", StringComparison.Ordinal));
        Assert.Equal(200, deliver.Status);
        // And marked delivered in the outbox, as the trail says it was: marked with the stopping token, it stayed pending,
        // and the restart sent the acknowledged event again (within at least once, but for no reason, and the trail then
        // held two acknowledged deliveries of it).
        Assert.Equal(0, await store.Db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM webhook_outbox WHERE delivered_at IS NULL")));
    }

    /// <summary>
    /// A graceful stop (SIGTERM) while a POST waits for the receiver's answer: the trail says how the delivery ended,
    /// not only that it was about to be sent. The stop cancels the POST, and the cancellation went past the outcome's
    /// entry: the receiver held the event and the trail had its <c>webhook.send</c> (status 0, "no answer yet") and
    /// nothing after it, as if the process had been killed. The event stays queued and is sent again after the restart
    /// (at least once).
    /// </summary>
    [Fact]
    public async Task ADeliveryInFlightWhenTheServiceStopsGracefullyHasItsOutcomeOnRecord()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Attempts of a minute: a stop that waited for the receiver would last the host's 30 s shutdown timeout, far from
        // the bound below, which is well above what a stop with nothing stuck takes on a loaded machine. (Attempts of 5 s
        // and a bound of 4 s left a slow machine one second to stop in.)
        await using var app = NewApp(attemptTimeout: "00:01:00", settings: new Dictionary<string, string> { ["Webhooks:LeaseDuration"] = "00:05:00" });
        var subscription = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        await PublishReleasedAsync(app, "stanag-5098");
        await receiver.WaitUntilAsync(r => r.Arrived >= 1, TimeSpan.FromSeconds(20), "the delivery's POST arrived and is held");

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await app.StopAsync();
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(15), $"the stop took {stopping.Elapsed}: it waited for the receiver (Webhooks:AttemptTimeout is a minute)");

        var store = new AuditStore(app.Provider, app.ConnectionString);
        var send = Assert.Single(await store.EntriesAsync("webhook.send"));
        var eventId = send.Detail!["event ".Length..send.Detail!.IndexOf(' ', "event ".Length)];
        var deliver = Assert.Single(await store.EntriesAsync("webhook.deliver"), e => e.Detail!.StartsWith($"event {eventId} ", StringComparison.Ordinal));
        Assert.Equal(502, deliver.Status);
        Assert.Contains("the service stopped while the receiver had not answered", deliver.Detail, StringComparison.Ordinal);
        Assert.Equal($"subscription:{subscription}", deliver.Subject);
        var verification = await new AuditLog(store.Db).VerifyAsync();
        Assert.True(verification.Valid, verification.Problem);
    }

    [Fact]
    public async Task AFutureReleaseIsDeliveredWhenItTakesEffectWithoutAnyOtherRequest()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        await SubscribeAsync(app, receiver);
        var editor = app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("stanag-5051");
        await editor.PublishAsync("stanag-5051", await editor.CreateDraftAsync("stanag-5051"));
        await app.As(TestCaller.ReleaseAuthority()).ReleaseAsync("stanag-5051", 1, "EU", app.Clock.GetUtcNow().AddMinutes(30));
        await AWholeDeliveryRunAsync(app);
        Assert.Empty(receiver.Received);

        app.Clock.Advance(TimeSpan.FromMinutes(31)); // nobody calls the API: the dispatcher's own run announces it
        await receiver.WaitUntilAsync(r => r.Acknowledged.Any(), TimeSpan.FromSeconds(20), "the release delivered once in effect");
        var delivered = receiver.Acknowledged.Single();
        Assert.Equal("visible", delivered.Body["type"]!.GetValue<string>());
        Assert.Equal("stanag-5051", delivered.Body["version"]!["key"]!.GetValue<string>());
    }

    [Slow]
    [Fact]
    public async Task AReceiverThatFailsAndHangsIsRetriedShownFailingAndCaughtUpInOrderWhenItRecovers()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        // Attempts of 3 s: short, for the hanging receiver's attempts to time out within the waits below, and well above
        // what a loaded machine takes to answer on loopback (an acknowledgment the dispatcher gave up on at 1 s would be
        // sent again, and the catch-up's acknowledgments would then hold the first event twice).
        await using var app = NewApp(failingAfter: "00:00:01", attemptTimeout: "00:00:03");
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        receiver.Mode = WebhookReceiver.Behaviour.Fail;
        await PublishReleasedAsync(app, "stanag-5101");
        await PublishReleasedAsync(app, "stanag-5102");
        await receiver.WaitUntilAsync(r => r.Received.Count >= 3, TimeSpan.FromSeconds(20), "failed attempts retried");
        receiver.Mode = WebhookReceiver.Behaviour.Hang;
        var before = receiver.Received.Count;
        await receiver.WaitUntilAsync(r => r.Received.Count >= before + 2, TimeSpan.FromSeconds(20), "hung attempts timed out and retried");

        // Shown failing once its failures have lasted Webhooks:FailingAfter: waited for, not slept on.
        var failing = await app.As(Admin).WaitForSubscriptionAsync(id, s => s["state"]!.GetValue<string>() == "failing", "the subscription shown failing");
        Assert.NotNull(failing["lastError"]);
        Assert.Equal(2, failing["pending"]!.GetValue<long>());
        // Nothing after the first event went out while it was failing: order is kept.
        Assert.All(receiver.Received, d => Assert.Equal("stanag-5101", d.Body["key"]!.GetValue<string>()));

        receiver.Mode = WebhookReceiver.Behaviour.Acknowledge;
        var expected = await FeedAsync(app);
        await receiver.WaitUntilAsync(r => r.Acknowledged.Count() >= 2, TimeSpan.FromSeconds(20), "caught up after recovery");
        Assert.Equal(expected.Select(e => e["id"]!.GetValue<string>()), receiver.Acknowledged.Select(d => d.EventId));
        // Every attempt of one event carried the same id, so a receiver drops the duplicates by id.
        Assert.Single(receiver.Received.Where(d => d.Body["key"]!.GetValue<string>() == "stanag-5101").Select(d => d.EventId).Distinct());
        // The receiver acknowledged before the dispatcher records it: wait for the record, do not race it.
        var healthy = await app.As(Admin).WaitUntilNothingPendingAsync(id);
        Assert.Equal("active", healthy["state"]!.GetValue<string>());
        Assert.Null(healthy["lastError"]);
    }

    /// <summary>
    /// A delivery the receiver failed waits out its backoff even when a later event of the subscription is due: that
    /// event makes the subscription due to be leased, and the delivery run then finds the failed delivery first, still
    /// backing off, and sends nothing. Without the run's own look at the delivery's due time, every later event written
    /// sent the failed one again at once, whatever Webhooks:Backoff said (planted in the fifth sweep: no suite saw it,
    /// since the lease alone holds a subscription back while nothing else of it is due).
    /// </summary>
    [Fact]
    public async Task AFailedDeliveryWaitsOutItsBackoffWhenALaterEventIsDue()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp(retries: "0", backoff: "01:00:00", maxBackoff: "01:00:00");
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        receiver.Mode = WebhookReceiver.Behaviour.Fail;
        await PublishReleasedAsync(app, "stanag-5111");
        await app.As(Admin).WaitForSubscriptionAsync(id, s => s["lastError"] is not null, "the first attempt's failure recorded");
        Assert.Single(receiver.Received);

        await PublishReleasedAsync(app, "stanag-5112");
        await AWholeDeliveryRunAsync(app);
        Assert.Single(receiver.Received);
        Assert.Equal(2, (await app.As(Admin).GetJsonAsync($"/v1/subscriptions/{id}"))["pending"]!.GetValue<long>());
    }

    /// <summary>
    /// A subscription shown failing is shown paused once paused: "failing" is an active subscription's state
    /// (<see cref="SubscriptionDto"/>), and a paused one is sent nothing to fail. Shown failing still, an admin who paused it could not
    /// tell that it had (planted in the fifth sweep: the state's test of being active dropped).
    /// </summary>
    [Fact]
    public async Task AFailingSubscriptionIsShownPausedOncePaused()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp(failingAfter: "00:00:01");
        var admin = app.As(Admin);
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        receiver.Mode = WebhookReceiver.Behaviour.Fail;
        await PublishReleasedAsync(app, "stanag-5131");
        await admin.WaitForSubscriptionAsync(id, s => s["state"]!.GetValue<string>() == "failing", "the subscription shown failing");

        var paused = await (await admin.PostAsync($"/v1/subscriptions/{id}/pause", null)).JsonAsync();
        Assert.Equal("paused", paused["state"]!.GetValue<string>());
        Assert.Equal("paused", (await admin.GetJsonAsync($"/v1/subscriptions/{id}"))["state"]!.GetValue<string>());
        Assert.NotNull(paused["failingSince"]);
    }

    [Fact]
    public async Task PausedSubscriptionsKeepTheirEventsDeletedOnesGetNothingAndEventsCanBeRedelivered()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var admin = app.As(Admin);
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        Assert.Equal("paused", (await (await admin.PostAsync($"/v1/subscriptions/{id}/pause", null)).JsonAsync())["state"]!.GetValue<string>());
        await PublishReleasedAsync(app, "stanag-5201");
        await AWholeDeliveryRunAsync(app);
        Assert.Empty(receiver.Received);
        Assert.Equal(1, (await admin.GetJsonAsync($"/v1/subscriptions/{id}"))["pending"]!.GetValue<long>());

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/v1/subscriptions/{id}/resume", null)).StatusCode);
        await receiver.WaitUntilAsync(r => r.Acknowledged.Count() == 1, TimeSpan.FromSeconds(20), "delivered on resume");
        // The receiver acknowledges before the dispatcher records it: redelivering in between would be overwritten by
        // that record (the event marked delivered again) and nothing would be sent. Wait for the record first.
        await admin.WaitUntilNothingPendingAsync(id, "the delivery recorded");

        var redelivered = await admin.PostAsJsonAsync($"/v1/subscriptions/{id}/redeliver", new { fromSequence = 1 });
        Assert.Equal(1, (await redelivered.JsonAsync())["queued"]!.GetValue<int>());
        await receiver.WaitUntilAsync(r => r.Acknowledged.Count() == 2, TimeSpan.FromSeconds(20), "redelivered");
        Assert.Single(receiver.Acknowledged.Select(d => d.EventId).Distinct());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/v1/subscriptions/{id}")).StatusCode);
        await PublishReleasedAsync(app, "stanag-5202");
        await AWholeDeliveryRunAsync(app);
        Assert.Equal(2, receiver.Received.Count);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/v1/subscriptions/{id}")).StatusCode);
        Assert.Empty((await admin.GetJsonArrayAsync("/v1/subscriptions")));

        // Every change is in the audit trail, committed with it, naming the subscription.
        var changes = (await admin.GetJsonAsync($"/v1/audit?subject={Admin.Subject}&limit=100"))["items"]!.AsArray().Select(e => e!.AsObject())
            .Where(e => ((string)e["action"]!).StartsWith("subscription.", StringComparison.Ordinal)).ToList();
        Assert.Equal(["subscription.create 201", "subscription.pause 200", "subscription.resume 200", "subscription.redeliver 200", "subscription.delete 204"],
            changes.Select(e => $"{e["action"]} {e["status"]}"));
        Assert.All(changes, e => Assert.Contains(id, (string)e["detail"]!));
    }

    [Fact]
    public async Task ADeletedSubscriptionGetsNothingMoreThanTheDeliveryInFlightWhenItWasDeleted()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var admin = app.As(Admin);
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        // Two events wait while the subscription is paused, so one run of the dispatcher has both to deliver.
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/pause", null), HttpStatusCode.OK);
        await PublishReleasedAsync(app, "stanag-5211");
        await PublishReleasedAsync(app, "stanag-5212");
        Assert.Equal(2, (await admin.GetJsonAsync($"/v1/subscriptions/{id}"))["pending"]!.GetValue<long>());
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Hold = hold;
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/resume", null), HttpStatusCode.OK);
        await receiver.WaitUntilAsync(r => r.Arrived == 1, TimeSpan.FromSeconds(20), "the first delivery in flight");

        // Deleted while the first event is in flight; then the receiver acknowledges it.
        await RegistryClient.Expect(await admin.DeleteAsync($"/v1/subscriptions/{id}"), HttpStatusCode.NoContent);
        receiver.Hold = null;
        hold.SetResult();

        // The dispatcher's run ends when it lets the subscription's lease go: whatever it was to send, it has sent.
        var db = TestDb.Open(app.Provider, app.ConnectionString);
        await Wait.UntilAsync(async () => await db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM subscriptions WHERE lease_owner IS NOT NULL")) == 0,
            TimeSpan.FromSeconds(20), "the dispatcher letting the deleted subscription's lease go");
        var delivered = Assert.Single(receiver.Received);
        Assert.Equal("stanag-5211", delivered.Body["key"]!.GetValue<string>());
    }

    /// <summary>
    /// A pause or delete that answers while the dispatcher has chosen the next event but not yet begun its POST (here:
    /// reading the event, stalled on a lock the test holds on <c>feed_events</c>; in production, reading it, or recording
    /// its send behind other audit entries) stops that event too: nothing is POSTed after the answer that had not begun
    /// before it. Until 2026-12-07 the POST's attempt checked only that this instance held the lease, not that the
    /// subscription was still active: the event was sent after the 204 (the trail showed <c>subscription.delete</c> and then
    /// <c>webhook.send</c> to the URL no longer authorized). A paused one's event stays queued, is not counted a failure,
    /// and goes out once on resume.
    /// </summary>
    [Theory]
    [InlineData("pause")]
    [InlineData("delete")]
    public async Task NothingIsPostedAfterAPauseOrDeleteHasAnsweredThatHadNotBegunToBeSentBeforeIt(string change)
    {
        Assert.SkipWhen(provider != TestProvider.Postgres, "a delivery stalled between choosing its event and sending it: PostgreSQL");
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var admin = app.As(Admin);
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/pause", null), HttpStatusCode.OK);
        await PublishReleasedAsync(app, "stanag-5241");
        Assert.Equal(1, (await admin.GetJsonAsync($"/v1/subscriptions/{id}"))["pending"]!.GetValue<long>());

        // The dispatcher leases the resumed subscription, renews its lease for the event, and waits to read it.
        await using var stall = new Npgsql.NpgsqlConnection(app.ConnectionString);
        await stall.OpenAsync(ct);
        var hold = await stall.BeginTransactionAsync(ct);
        await using (var lockEvents = new Npgsql.NpgsqlCommand("LOCK TABLE feed_events IN ACCESS EXCLUSIVE MODE", stall, hold))
        {
            await lockEvents.ExecuteNonQueryAsync(ct);
        }
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/resume", null), HttpStatusCode.OK);
        await PostgresLocks.UntilWaitingAsync(app.ConnectionString, 1, "the delivery reading its event", query: "%feed_events%");

        // Paused or deleted, answered; then the delivery goes on.
        if (change == "pause")
        {
            await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/pause", null), HttpStatusCode.OK);
        }
        else
        {
            await RegistryClient.Expect(await admin.DeleteAsync($"/v1/subscriptions/{id}"), HttpStatusCode.NoContent);
        }
        await hold.RollbackAsync(ct);

        // The dispatcher lets the lease go when it is done with the subscription: whatever it was to send, it has sent.
        var db = TestDb.Open(app.Provider, app.ConnectionString);
        await Wait.UntilAsync(async () => await db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM subscriptions WHERE lease_owner IS NOT NULL")) == 0,
            TimeSpan.FromSeconds(20), "the dispatcher letting the subscription's lease go");
        await AWholeDeliveryRunAsync(app);
        Assert.Empty(receiver.Received);
        if (change == "delete")
        {
            return;
        }

        // Still queued, not a failure of the receiver's; sent once on resume.
        var paused = await admin.GetJsonAsync($"/v1/subscriptions/{id}");
        Assert.Equal(("paused", 1L), (paused["state"]!.GetValue<string>(), paused["pending"]!.GetValue<long>()));
        Assert.Null(paused["lastError"]);
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/resume", null), HttpStatusCode.OK);
        await admin.WaitUntilNothingPendingAsync(id, "the event delivered on resume");
        var delivered = Assert.Single(receiver.Received);
        Assert.Equal("stanag-5241", delivered.Body["key"]!.GetValue<string>());
    }

    /// <summary>
    /// A redelivery and a delete of the same subscription at once are one after the other: a redelivery that answers
    /// "queued" was queued before the delete, and one asked for when the delete has answered is a 404. On PostgreSQL
    /// the redelivery checked that the subscription was live with a plain read and then queued its rows: a delete that
    /// committed in between answered 204 first, and the redelivery then answered 200 with events "queued" for a
    /// subscription deleted before it — on record as done (<c>subscription.redeliver 200</c> after
    /// <c>subscription.delete 204</c>), never to be sent. (The redelivery is stalled after its check, at its UPDATE of the
    /// outbox, by a trigger waiting for an advisory lock the test holds.)
    /// </summary>
    [Fact]
    public async Task ARedeliveryAndADeleteAtOnceAreOneAfterTheOther()
    {
        Assert.SkipWhen(provider != TestProvider.Postgres, "a redelivery stalled between its check and its update: PostgreSQL");
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var admin = app.As(Admin);
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        await PublishReleasedAsync(app, "stanag-5251");
        await admin.WaitUntilNothingPendingAsync(id, "the event delivered");

        await using var stall = new Npgsql.NpgsqlConnection(app.ConnectionString);
        await stall.OpenAsync(ct);
        async Task ExecuteAsync(string sql)
        {
            await using var command = new Npgsql.NpgsqlCommand(sql, stall);
            await command.ExecuteNonQueryAsync(ct);
        }
        await ExecuteAsync("SELECT pg_advisory_lock(5251)");
        await ExecuteAsync("""
            CREATE FUNCTION stall_outbox_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock_shared(5251); RETURN NULL; END $$;
            CREATE TRIGGER stall_outbox_update BEFORE UPDATE ON webhook_outbox FOR EACH STATEMENT EXECUTE FUNCTION stall_outbox_update();
            """);

        var redelivering = admin.PostAsJsonAsync($"/v1/subscriptions/{id}/redeliver", new { fromSequence = 1 }, ct);
        await PostgresLocks.UntilWaitingAsync(app.ConnectionString, 1, "the redelivery", done: redelivering);
        var deleting = admin.DeleteAsync($"/v1/subscriptions/{id}", ct);
        await PostgresLocks.UntilWaitingAsync(app.ConnectionString, 2, "the redelivery and the delete", done: deleting);
        var deletedFirst = deleting.IsCompleted;
        await ExecuteAsync("SELECT pg_advisory_unlock(5251)");
        var redelivered = await redelivering;
        await RegistryClient.Expect(await deleting, HttpStatusCode.NoContent);

        Assert.False(deletedFirst && redelivered.StatusCode == HttpStatusCode.OK,
            $"the delete answered 204 before the redelivery, which then answered {(int)redelivered.StatusCode} {await redelivered.Content.ReadAsStringAsync(ct)}");
        // The trail says what happened, in the order it happened. A redelivery refused 404 is queued for the trail, not
        // committed before its answer (a write's entry is): wait for the three changes' entries, do not race the 404's.
        static List<JsonObject> Changes(List<JsonObject> entries) =>
            entries.Where(e => ((string)e["action"]!).StartsWith("subscription.", StringComparison.Ordinal)).ToList();
        var changes = Changes(await admin.AuditEntriesAsync($"subject={Admin.Subject}&limit=100", es => Changes(es).Count >= 3))
            .Select(e => $"{e["action"]} {e["status"]}").ToList();
        Assert.Equal(deletedFirst ? ["subscription.create 201", "subscription.delete 204", "subscription.redeliver 404"] : ["subscription.create 201", "subscription.redeliver 200", "subscription.delete 204"], changes);
    }

    /// <summary>
    /// A deleted subscription's outbox rows, delivered or waiting, go with it: nothing sends, redelivers or counts them
    /// again, and they were kept for good (the outbox only grew).
    /// </summary>
    [Fact]
    public async Task ADeletedSubscriptionsOutboxRowsGoWithIt()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var admin = app.As(Admin);
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        await PublishReleasedAsync(app, "stanag-5261");
        await admin.WaitUntilNothingPendingAsync(id, "the first event delivered");
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/pause", null), HttpStatusCode.OK);
        await PublishReleasedAsync(app, "stanag-5262");
        using var db = TestDb.Open(app.Provider, app.ConnectionString);
        Task<long> RowsAsync() => db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM webhook_outbox WHERE subscription_id = @id", new { id })).AsTask();
        Assert.True(await RowsAsync() >= 2, "a delivered row and a waiting one");

        await RegistryClient.Expect(await admin.DeleteAsync($"/v1/subscriptions/{id}"), HttpStatusCode.NoContent);

        Assert.Equal(0, await RowsAsync());
    }

    /// <summary>
    /// A deleted subscription exists for its history only: a pause, a resume, a second delete and a redelivery of it are
    /// each the 404 of a subscription that never existed, none changes it, and nothing more is delivered. A resume that
    /// found it (its state checked nowhere but in the reads) made it active again: deleted to every list, yet delivering
    /// every later event to its URL (planted in the fifth sweep: no suite managed a subscription after deleting it).
    /// </summary>
    [Fact]
    public async Task ADeletedSubscriptionIsNeitherPausedResumedDeletedNorRedeliveredAgain()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var admin = app.As(Admin);
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        await PublishReleasedAsync(app, "stanag-5221");
        await admin.WaitUntilNothingPendingAsync(id, "the first event delivered");
        await RegistryClient.Expect(await admin.DeleteAsync($"/v1/subscriptions/{id}"), HttpStatusCode.NoContent);

        var absent = Guid.NewGuid().ToString();
        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
        {
            (HttpMethod.Post, "/resume", null), (HttpMethod.Post, "/pause", null), (HttpMethod.Delete, "", null), (HttpMethod.Post, "/redeliver", new { fromSequence = 1 }),
        })
        {
            async Task<HttpResponseMessage> SendAsync(string to) =>
                await admin.SendAsync(new HttpRequestMessage(method, $"/v1/subscriptions/{to}{path}") { Content = body is null ? null : JsonContent.Create(body) });
            var deleted = await SendAsync(id);
            await ProblemAssertions.ProblemAsync(deleted, HttpStatusCode.NotFound);
            Assert.Equal(await (await SendAsync(absent)).Content.ReadAsStringAsync(), await deleted.Content.ReadAsStringAsync());
        }
        await PublishReleasedAsync(app, "stanag-5222");
        await AWholeDeliveryRunAsync(app);
        Assert.Equal(["visible stanag-5221/1"], receiver.Received.Select(d => Named(d.Body)));
        // Nor is anything queued for it: rows nothing would ever deliver or remove.
        using var db = TestDb.Open(app.Provider, app.ConnectionString);
        Assert.Equal(0, await db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM webhook_outbox WHERE subscription_id = @id", new { id })));
        await ProblemAssertions.ProblemAsync(await admin.GetAsync($"/v1/subscriptions/{id}"), HttpStatusCode.NotFound);
        Assert.Empty(await admin.GetJsonArrayAsync("/v1/subscriptions"));
    }

    /// <summary>
    /// A subscription's retry and circuit breaker, which the dispatcher keeps across runs, go once it is deleted: they
    /// were kept in a registry that cannot remove an entry, so every subscription a process ever delivered to kept one
    /// until it restarted. A deleted subscription is never leased again; the dispatcher looks for what is left at most
    /// once per lease duration (one second here).
    /// </summary>
    [Fact]
    public async Task ADeletedSubscriptionsRetryAndBreakerAreNotKept()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        // Attempts of the most a lease of one second allows (two of them): a receiver's acknowledgment slower than the
        // attempt is no delivery, and a loaded machine's can take a few hundred milliseconds.
        await using var app = NewApp(attemptTimeout: "00:00:00.500", settings: new Dictionary<string, string> { ["Webhooks:LeaseDuration"] = "00:00:01" });
        var dispatcher = app.Dispatcher;
        var admin = app.As(Admin);
        var kept = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        var deleted = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        await PublishReleasedAsync(app, "stanag-5263");
        await admin.WaitUntilNothingPendingAsync(kept, "the event delivered to the first");
        await admin.WaitUntilNothingPendingAsync(deleted, "the event delivered to the second");
        Assert.Equal(2, dispatcher.PipelinesKept);

        await RegistryClient.Expect(await admin.DeleteAsync($"/v1/subscriptions/{deleted}"), HttpStatusCode.NoContent);

        await Wait.UntilAsync(() => dispatcher.PipelinesKept == 1, TimeSpan.FromSeconds(20), "the deleted subscription's pipeline dropped");
        // The live one's is kept, and it is still delivered to.
        await PublishReleasedAsync(app, "stanag-5264");
        await admin.WaitUntilNothingPendingAsync(kept, "the next event delivered to the first");
        Assert.Equal(1, dispatcher.PipelinesKept);
    }

    /// <summary>
    /// A delete while a write that has queued its deliveries for the subscription has yet to commit (stalled by a trigger
    /// on the outbox waiting for an advisory lock the test holds): the write's rows were left behind the delete, for a
    /// subscription that no dispatcher leases again, never sent nor removed.
    /// </summary>
    [Fact]
    public async Task ADeleteWhileAWriteQueuesForTheSubscriptionLeavesNoRowsBehind()
    {
        Assert.SkipWhen(provider != TestProvider.Postgres, "a write stalled between queuing its deliveries and its commit: PostgreSQL");
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var admin = app.As(Admin);
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        var editor = app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("stanag-5263");
        await editor.PublishAsync("stanag-5263", await editor.CreateDraftAsync("stanag-5263", "NU"));

        await using var stall = new Npgsql.NpgsqlConnection(app.ConnectionString);
        await stall.OpenAsync(ct);
        async Task ExecuteAsync(string sql)
        {
            await using var command = new Npgsql.NpgsqlCommand(sql, stall);
            await command.ExecuteNonQueryAsync(ct);
        }
        await ExecuteAsync("SELECT pg_advisory_lock(5263)");
        await ExecuteAsync("""
            CREATE FUNCTION stall_outbox() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock_shared(5263); RETURN NULL; END $$;
            CREATE TRIGGER stall_outbox AFTER INSERT ON webhook_outbox FOR EACH STATEMENT EXECUTE FUNCTION stall_outbox();
            """);
        var release = app.As(TestCaller.ReleaseAuthority()).ReleaseAsync("stanag-5263", 1, "EU");
        await PostgresLocks.UntilWaitingAsync(app.ConnectionString, 1, "the release", done: release);
        Assert.False(release.IsCompleted, "the release stalled before its commit");
        var deleting = admin.DeleteAsync($"/v1/subscriptions/{id}", ct);
        // The delete waits for the release (then both are waiting), or, as it did, answers at once.
        await PostgresLocks.UntilWaitingAsync(app.ConnectionString, 2, "the release and the delete", done: deleting);
        await ExecuteAsync("SELECT pg_advisory_unlock(5263)");
        await release;
        await RegistryClient.Expect(await deleting, HttpStatusCode.NoContent);

        using var db = TestDb.Open(app.Provider, app.ConnectionString);
        Assert.Equal(0, await db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM webhook_outbox WHERE subscription_id = @id", new { id })));
    }

    /// <summary>
    /// A redelivery asked for while a run of the dispatcher is delivering: once the delivery in flight is answered, the
    /// events queued again go first, in sequence order — the one in flight among them — before any later event the run
    /// had still to send (a receiver restored from a backup applies them in the order they come; a later event before an
    /// earlier one leaves it wrong, and one left out leaves it without that event).
    /// </summary>
    [Fact]
    public async Task ARedeliveryDuringARunIsSentInSequenceOrderBeforeTheRunsLaterEvents()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var admin = app.As(Admin);
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        await PublishReleasedAsync(app, "stanag-5221");
        await receiver.WaitUntilAsync(r => r.Acknowledged.Count() == 1, TimeSpan.FromSeconds(20), "the first event delivered");
        await admin.WaitUntilNothingPendingAsync(id, "the first delivery recorded");
        var first = receiver.Received.Single().Body["sequence"]!.GetValue<long>();

        // Two more events wait while the subscription is paused, so one run of the dispatcher has both to deliver.
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/pause", null), HttpStatusCode.OK);
        await PublishReleasedAsync(app, "stanag-5222");
        await PublishReleasedAsync(app, "stanag-5223");
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Hold = hold;
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/resume", null), HttpStatusCode.OK);
        await receiver.WaitUntilAsync(r => r.Arrived == 2, TimeSpan.FromSeconds(20), "the second event in flight");

        // Everything from the first event on is queued again while the second is in flight; then the receiver answers.
        var redelivered = await admin.PostAsJsonAsync($"/v1/subscriptions/{id}/redeliver", new { fromSequence = first });
        Assert.Equal(HttpStatusCode.OK, redelivered.StatusCode);
        receiver.Hold = null;
        hold.SetResult();

        await admin.WaitUntilNothingPendingAsync(id, "the redelivery and the third event delivered");
        var keys = receiver.Acknowledged.Select(d => d.Body["key"]!.GetValue<string>()).ToList();
        // Everything from the first event again, the second included: it was in flight when the redelivery was asked for,
        // and its acknowledgement, which came after, is not taken as the delivery of the events queued again (a receiver
        // restored from a backup that lacks it asked to have it again). Marked delivered by that acknowledgement, it was
        // not sent again and the restored copy lacked it for good.
        Assert.Equal(["stanag-5221", "stanag-5222", "stanag-5221", "stanag-5222", "stanag-5223"], keys);
    }

    /// <summary>
    /// A mirror starts as docs/consuming.md says: register the subscription, then export, then apply the deliveries on top.
    /// A write in flight when the subscription is registered must reach the copy one way or the other: in the export (it
    /// committed before the export's snapshot) or as a delivery (its outbox rows name the subscription). On PostgreSQL a
    /// write queues its deliveries for the subscriptions its INSERT's snapshot sees, then commits: a registration that
    /// commits in between is not among them, and an export read before the write commits does not hold it either — the
    /// release reaches the mirror neither way, and its copy lacks a version the read routes show it, for good.
    /// (The write is stalled after it has queued its deliveries, before its commit, by a trigger on the outbox waiting for
    /// an advisory lock the test holds.) <paramref name="viewMade"/> false: the audience's views are made by that write
    /// itself, as for an audience added since the last write.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AMirrorThatRegistersThenExportsGetsAWriteInFlightWhenItRegisteredOneWayOrTheOther(bool viewMade)
    {
        Assert.SkipWhen(provider != TestProvider.Postgres, "a write stalled between queueing its deliveries and its commit: PostgreSQL");
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var admin = app.As(Admin);
        var editor = app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("stanag-5231");
        await editor.PublishAsync("stanag-5231", await editor.CreateDraftAsync("stanag-5231", "NU"));

        await using var stall = new Npgsql.NpgsqlConnection(app.ConnectionString);
        await stall.OpenAsync(ct);
        async Task ExecuteAsync(string sql)
        {
            await using var command = new Npgsql.NpgsqlCommand(sql, stall);
            await command.ExecuteNonQueryAsync(ct);
        }
        if (!viewMade)
        {
            // Nothing was ever appended to the EU's views (nothing was released to it): as before its first write.
            await ExecuteAsync("DELETE FROM feed_views WHERE community = 'EU'");
        }
        await ExecuteAsync("SELECT pg_advisory_lock(5231)");
        await ExecuteAsync("""
            CREATE FUNCTION stall_outbox() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock_shared(5231); RETURN NULL; END $$;
            CREATE TRIGGER stall_outbox AFTER INSERT ON webhook_outbox FOR EACH STATEMENT EXECUTE FUNCTION stall_outbox();
            """);
        var stalled = true;
        async Task UnstallAsync()
        {
            if (stalled)
            {
                stalled = false;
                await ExecuteAsync("SELECT pg_advisory_unlock(5231)");
            }
        }
        Task UntilWaitingAsync(int count, Task done) => PostgresLocks.UntilWaitingAsync(app.ConnectionString, count, "the write and the registration", done: done);

        // The release to the EU has queued its deliveries (to no subscription yet) and waits to commit.
        var release = app.As(TestCaller.ReleaseAuthority()).ReleaseAsync("stanag-5231", 1, "EU");
        await UntilWaitingAsync(1, release);
        Assert.False(release.IsCompleted, "the release stalled before its commit");

        // The mirror registers (were the registration to wait for the write in flight, it is let go on), then exports.
        var subscribing = SubscribeAsync(app, receiver);
        await UntilWaitingAsync(2, subscribing);
        if (!subscribing.IsCompleted)
        {
            await UnstallAsync();
        }
        var id = (await subscribing)["id"]!.GetValue<string>();
        var mirror = new FeedFollower(app.As(TestCaller.Eu("CTS")));
        await mirror.ExportAsync();
        await UnstallAsync();
        await release;

        // Then it applies every delivery, in the order received.
        await admin.WaitUntilNothingPendingAsync(id);
        await AWholeDeliveryRunAsync(app);
        foreach (var delivery in receiver.Acknowledged)
        {
            mirror.Apply(delivery.Body);
        }
        var routes = await FeedFollower.ReadRoutesAsync(app.As(TestCaller.Eu("CTS")));
        Assert.Contains(("stanag-5231", 1), routes.Keys);
        Assert.Empty(FeedFollower.Differences(mirror.Copy, routes));
    }

    /// <summary>
    /// The audience's ceiling lowered (CTS to NR) while events wait: each waiting delivery is read in the view it was
    /// queued for, so what arrives is the event queued — same id, standard and edition — and only when what it names is
    /// at or below the ceiling now. The others are withheld: marked done, never sent, each on record as
    /// <c>webhook.withhold</c> (committed before the row is marked, so nothing pending means the record is there).
    /// An event made after the change, queued in the new view while older ones still wait, goes after them.
    /// </summary>
    [Fact]
    public async Task WhenTheCeilingIsLoweredWaitingEventsGoOutAsQueuedAndNothingAboveTheNewCeilingLeaves()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var admin = app.As(Admin);
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/pause", null), HttpStatusCode.OK);
        var authority = app.As(TestCaller.ReleaseAuthority());
        await PublishReleasedAsync(app, "stanag-5301");        // NU: within the new ceiling, its content revoked below
        await PublishReleasedAsync(app, "stanag-5302", "NS");  // above it
        await PublishReleasedAsync(app, "stanag-5303", "NR");  // at it
        await authority.RevokeAsync("stanag-5301", 1, "EU");   // a tombstone within it
        await PublishReleasedAsync(app, "stanag-5304", "NS");
        await authority.RevokeAsync("stanag-5304", 1, "EU");   // a tombstone above it: it names an NS edition
        // What the subscription's view (EU at CTS) holds for it, as queued: the deliveries are judged against these ids.
        var queued = await FeedAsync(app);
        // (Each revoked edition's own 'visible' event is not there: its content is no longer the audience's, and the
        // dispatcher skips it as the feed does.)
        Assert.Equal(["visible stanag-5302/1", "visible stanag-5303/1", "hidden stanag-5301/1", "hidden stanag-5304/1"], queued.Select(Named));
        Assert.Equal(6, (await admin.GetJsonAsync($"/v1/subscriptions/{id}"))["pending"]!.GetValue<long>());

        await SetCeilingAsync(app, "EU", Classification.NR);
        // Made after the change, while the older events still wait: queued in the view of EU at NR, whose sequence
        // numbers overlap those of EU at CTS.
        await PublishReleasedAsync(app, "stanag-5305");
        var after = (await FeedAsync(app, euClearance: "NR")).Single(e => (string)e["key"]! == "stanag-5305");

        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/resume", null), HttpStatusCode.OK);
        await admin.WaitUntilNothingPendingAsync(id, "every waiting delivery made or withheld");

        string[] expected = [queued[1]["id"]!.GetValue<string>(), queued[2]["id"]!.GetValue<string>(), after["id"]!.GetValue<string>()];
        var delivered = receiver.Acknowledged.ToList();
        Assert.Equal(expected, delivered.Select(d => d.EventId));
        Assert.Equal(["visible stanag-5303/1", "hidden stanag-5301/1", "visible stanag-5305/1"], delivered.Select(d => Named(d.Body)));
        Assert.Equal(receiver.Received.Count, delivered.Count);
        Assert.Equal("NR", delivered[0].Body["version"]!["classification"]!.GetValue<string>());
        Assert.DoesNotContain(receiver.Received, d => d.Body.ToJsonString().Contains("stanag-5302", StringComparison.Ordinal)
            || d.Body.ToJsonString().Contains("stanag-5304", StringComparison.Ordinal));

        // Withheld, and on record: the two events above the ceiling, by id, naming the ceiling; nothing was sent of them.
        var entries = (await admin.GetJsonAsync($"/v1/audit?subject=subscription:{id}&limit=100"))["items"]!.AsArray().Select(e => e!.AsObject()).ToList();
        var withheld = entries.Where(e => (string)e["action"]! == "webhook.withhold").ToList();
        Assert.Equal(["stanag-5302/1", "stanag-5304/1"], withheld.Select(e => $"{e["key"]}/{e["edition"]}").Order(StringComparer.Ordinal));
        Assert.Contains(withheld, e => ((string)e["detail"]!).Contains(queued[0]["id"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.Contains(withheld, e => ((string)e["detail"]!).Contains(queued[3]["id"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.All(withheld, e => Assert.Equal("NS", (string?)e["classification"]));
        Assert.DoesNotContain(entries, e => (string)e["action"]! != "webhook.withhold" && ((string?)e["key"] is "stanag-5302" or "stanag-5304"));
    }

    /// <summary>
    /// Events queued in the view of the ceiling before it was lowered go out before those queued in the view of the new
    /// one, whatever their sequence numbers (each view counts its own): here the edition waiting in EU at COSMIC TOP
    /// SECRET is its third event, the one published after the change the second of EU at NATO RESTRICTED, which never
    /// held the two NS editions. Taken by sequence number, the later edition was delivered first (planted in the fifth
    /// sweep: in the other tests of a lowered ceiling the waiting events numbered above the new view's are withheld).
    /// </summary>
    [Fact]
    public async Task EventsWaitingFromBeforeALoweredCeilingGoOutBeforeLaterOnesWhateverTheirNumbers()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var admin = app.As(Admin);
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/pause", null), HttpStatusCode.OK);
        await PublishReleasedAsync(app, "stanag-5311", "NS");
        await PublishReleasedAsync(app, "stanag-5312", "NS");
        await PublishReleasedAsync(app, "stanag-5313");
        Assert.Equal(3, (await FeedAsync(app)).Single(e => (string)e["key"]! == "stanag-5313")["sequence"]!.GetValue<long>());

        await SetCeilingAsync(app, "EU", Classification.NR);
        await PublishReleasedAsync(app, "stanag-5314");
        Assert.Equal(2, (await FeedAsync(app, euClearance: "NR")).Single(e => (string)e["key"]! == "stanag-5314")["sequence"]!.GetValue<long>());
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/resume", null), HttpStatusCode.OK);
        await admin.WaitUntilNothingPendingAsync(id, "every waiting delivery made or withheld");

        Assert.Equal(["visible stanag-5313/1", "visible stanag-5314/1"], receiver.Received.Select(d => Named(d.Body)));
    }

    /// <summary>
    /// A ceiling lowered by one level only (CTS to NS) is lowered all the same: the waiting CTS edition is withheld, the
    /// NS one goes out. A relation's events, which carry no marking to judge them by, are withheld once the view they
    /// were queued in is above the ceiling, its removal as well as its addition. (The test above lowers the ceiling three
    /// levels and queues no relation: a check that looked only for a larger drop, or let an unmarked tombstone through,
    /// passed it.)
    /// </summary>
    [Fact]
    public async Task ACeilingLoweredOneLevelWithholdsWhatIsAboveItAndTheWaitingRelationEvents()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var admin = app.As(Admin);
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/pause", null), HttpStatusCode.OK);
        await PublishReleasedAsync(app, "stanag-5601", "CTS");
        await PublishReleasedAsync(app, "stanag-5602", "NS");
        await PublishReleasedAsync(app, "stanag-5603");
        var editor = app.As(TestCaller.Editor());
        await RegistryClient.Expect(await editor.PutAsync("/v1/standards/stanag-5602/relations/references/stanag-5603", null), HttpStatusCode.Created);
        await RegistryClient.Expect(await editor.DeleteAsync("/v1/standards/stanag-5602/relations/references/stanag-5603"), HttpStatusCode.NoContent);
        // (The relation's 'visible' event is not in the feed: the relation is gone, and the feed skips it. Its removal is.)
        Assert.Equal(["visible stanag-5601/1", "visible stanag-5602/1", "visible stanag-5603/1", "hidden relation"],
            (await FeedAsync(app)).Select(e => (string)e["subject"]! == "relation" ? $"{e["type"]} relation" : Named(e)));

        await SetCeilingAsync(app, "EU", Classification.NS);
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/resume", null), HttpStatusCode.OK);
        await admin.WaitUntilNothingPendingAsync(id, "every waiting delivery made or withheld");

        Assert.Equal(["visible stanag-5602/1", "visible stanag-5603/1"], receiver.Acknowledged.Select(d => Named(d.Body)));
        Assert.Equal(2, receiver.Received.Count);
        var withheld = (await admin.GetJsonAsync($"/v1/audit?subject=subscription:{id}&limit=100"))["items"]!.AsArray().Select(e => e!.AsObject())
            .Where(e => (string)e["action"]! == "webhook.withhold").ToList();
        Assert.Contains(withheld, e => $"{e["key"]}/{e["edition"]} {e["classification"]}" == "stanag-5601/1 CTS");
    }

    /// <summary>
    /// A response's tombstone waiting when the ceiling is lowered is judged by the response's own marking, not only its
    /// edition's: an NS response on an NU edition, released to the EU and revoked, is withheld from a ceiling of NR (its
    /// ref would tell the receiver that an NS response had been recorded and shared); the edition's event goes out.
    /// </summary>
    [Fact]
    public async Task AWaitingTombstoneOfAResponseMarkedAboveTheLoweredCeilingIsWithheld()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var admin = app.As(Admin);
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/pause", null), HttpStatusCode.OK);
        await PublishReleasedAsync(app, "stanag-5701");
        var responses = "/v1/standards/stanag-5701/versions/1/responses/FRA";
        var authority = app.As(TestCaller.ReleaseAuthority());
        await RegistryClient.Expect(await app.As(TestCaller.Editor()).PutAsJsonAsync(responses, new { response = "ratified", classification = "NS" }), HttpStatusCode.Created);
        await RegistryClient.Expect(await authority.PutAsJsonAsync($"{responses}/releases/EU", new { reason = "Shared." }), HttpStatusCode.Created);
        await RegistryClient.Expect(await authority.DeleteAsync($"{responses}/releases/EU"), HttpStatusCode.NoContent);
        Assert.Equal(["visible version", "hidden response"], (await FeedAsync(app)).Select(e => $"{e["type"]} {e["subject"]}"));

        await SetCeilingAsync(app, "EU", Classification.NR);
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/resume", null), HttpStatusCode.OK);
        await admin.WaitUntilNothingPendingAsync(id, "every waiting delivery made or withheld");

        Assert.Equal(["visible stanag-5701/1"], receiver.Acknowledged.Select(d => Named(d.Body)));
        Assert.Single(receiver.Received);
    }

    /// <summary>
    /// A delivery withheld (above the ceiling now) sends nothing, so it is no delivery: the subscription's last delivery
    /// time stays that of the last POST acknowledged. It moved with each withheld event, and told an admin cleared to the
    /// lowered ceiling when events of the higher view were withheld.
    /// </summary>
    [Fact]
    public async Task AWithheldDeliveryLeavesTheLastDeliveryTimeAsItWas()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var admin = app.As(Admin);
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        await PublishReleasedAsync(app, "stanag-5501");
        await admin.WaitUntilNothingPendingAsync(id, "the first delivery made");
        var last = (await admin.GetJsonAsync($"/v1/subscriptions/{id}"))["lastDeliveredAt"]!.GetValue<string>();

        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/pause", null), HttpStatusCode.OK);
        await PublishReleasedAsync(app, "stanag-5502", "NS");
        await SetCeilingAsync(app, "EU", Classification.NR);
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/resume", null), HttpStatusCode.OK);
        await admin.WaitUntilNothingPendingAsync(id, "the waiting delivery withheld");

        Assert.Equal(["visible stanag-5501/1"], receiver.Acknowledged.Select(d => Named(d.Body)));
        Assert.Equal(last, (await admin.GetJsonAsync($"/v1/subscriptions/{id}"))["lastDeliveredAt"]!.GetValue<string>());
    }

    /// <summary>
    /// Record, then mark: a withheld delivery leaves the outbox only once its <c>webhook.withhold</c> entry is committed.
    /// While that entry cannot be committed (a trigger refuses that action alone) the delivery stays pending, and once it
    /// can, the trail holds one entry for the event. Marked done first, the refused commit left the event withheld with
    /// nothing on record (planted in the fifth sweep: no suite made the trail unwritable while an event was withheld).
    /// </summary>
    [Fact]
    public async Task AWithheldDeliveryWhoseEntryCannotBeCommittedStaysPendingUntilItCan()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var admin = app.As(Admin);
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/pause", null), HttpStatusCode.OK);
        await PublishReleasedAsync(app, "stanag-5511", "NS");
        await SetCeilingAsync(app, "EU", Classification.NR);
        var store = new AuditStore(app.Provider, app.ConnectionString);
        await store.FreezeAsync("webhook.withhold");
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/resume", null), HttpStatusCode.OK);

        // The dispatcher met the refusal twice (the outage on record each time the trail could be written again), unless
        // the delivery left the outbox without its entry.
        var pending = 1L;
        await Wait.UntilAsync(
            async () =>
            {
                pending = (await admin.GetJsonAsync($"/v1/subscriptions/{id}"))["pending"]!.GetValue<long>();
                return pending == 0 || (await store.EntriesAsync("audit.outage")).Count >= 2;
            },
            TimeSpan.FromSeconds(20), "two withholds refused");
        Assert.Equal(1, pending);
        Assert.Empty(await store.EntriesAsync("webhook.withhold"));

        await store.ThawAsync();
        await admin.WaitUntilNothingPendingAsync(id, "the delivery withheld once its entry can be committed");
        var withheld = Assert.Single(await store.EntriesAsync("webhook.withhold"));
        Assert.Equal(($"subscription:{id}", "EU", 403L, "stanag-5511", (long?)Classification.NS),
            (withheld.Subject, withheld.Community, withheld.Status, withheld.StandardKey, withheld.Classification));
        Assert.Empty(receiver.Received);
    }

    /// <summary>
    /// A withhold whose entry is still being committed when the service begins to stop gracefully is marked done all the
    /// same: the trail holds one <c>webhook.withhold</c> of the event across the restart. Marked with the stopping token,
    /// the delivery stayed pending once its entry was committed, and the restart withheld the event again: two entries
    /// for one event. The dispatcher is stalled reading the event (a lock on <c>feed_events</c>) while the test takes
    /// the audit chain's head, then let go: it decides to withhold, and the entry's commit waits at the head; the
    /// dispatcher's stop begins (its stopping token cancelled, as the host's graceful stop does first), and the head is
    /// released. (SQLite has no such hold: its writers pass one at a time through the process's write gate, the
    /// dispatcher's lease renewal before the commit among them, and a read cannot be stalled.)
    /// </summary>
    [Fact]
    public async Task AWithholdBeingCommittedWhenTheServiceStopsGracefullyIsOnRecordOnce()
    {
        Assert.SkipWhen(provider != TestProvider.Postgres, "a withhold's entry held at the audit chain's head while the dispatcher stops: PostgreSQL");
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var admin = app.As(Admin);
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/pause", null), HttpStatusCode.OK);
        await PublishReleasedAsync(app, "stanag-5801", "NS");
        var eventId = Assert.Single(await FeedAsync(app))["id"]!.GetValue<string>();
        await SetCeilingAsync(app, "EU", Classification.NR);

        // The dispatcher leases the resumed subscription and waits to read its event.
        await using var stall = new Npgsql.NpgsqlConnection(app.ConnectionString);
        await stall.OpenAsync(ct);
        var reading = await stall.BeginTransactionAsync(ct);
        await using (var lockEvents = new Npgsql.NpgsqlCommand("LOCK TABLE feed_events IN ACCESS EXCLUSIVE MODE", stall, reading))
        {
            await lockEvents.ExecuteNonQueryAsync(ct);
        }
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/resume", null), HttpStatusCode.OK);
        await PostgresLocks.UntilWaitingAsync(app.ConnectionString, 1, "the delivery reading its event", query: "%feed_events%");

        // The chain's head held, the read let go: the withhold's entry waits at the head.
        await using var head = new Npgsql.NpgsqlConnection(app.ConnectionString);
        await head.OpenAsync(ct);
        var held = await head.BeginTransactionAsync(ct);
        await using (var lockHead = new Npgsql.NpgsqlCommand("UPDATE audit_chain_head SET sequence = sequence WHERE id = 1", head, held))
        {
            await lockHead.ExecuteNonQueryAsync(ct);
        }
        await reading.RollbackAsync(ct);
        await PostgresLocks.UntilWaitingAsync(app.ConnectionString, 1, "the withhold's entry committing", query: "%audit_chain_head%");

        // The dispatcher's stop begins while the entry waits (the host's stop cancels its token first, then waits for
        // the deliveries in flight); then the entry commits.
        var dispatcher = app.Dispatcher;
        var stopping = dispatcher.StopAsync(CancellationToken.None);
        await held.RollbackAsync(ct);
        await stopping.WaitAsync(TimeSpan.FromSeconds(20), ct);
        var store = new AuditStore(app.Provider, app.ConnectionString);
        var pendingAfterStop = await store.Db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM webhook_outbox WHERE delivered_at IS NULL"));

        // After the restart the event is not withheld again: one entry of it, and nothing pending.
        await using var restarted = await app.RestartAsync();
        await restarted.As(Admin).WaitUntilNothingPendingAsync(id, "the withheld delivery done");
        var withheld = Assert.Single(await store.EntriesAsync("webhook.withhold"));
        Assert.StartsWith($"event {eventId} ", withheld.Detail, StringComparison.Ordinal);
        Assert.Equal(0, pendingAfterStop);
        Assert.Empty(receiver.Received);
        var verification = await new AuditLog(store.Db).VerifyAsync(ct: ct);
        Assert.True(verification.Valid, verification.Problem);
    }

    /// <summary>
    /// The audience's ceiling raised (NR to CTS) while events wait, and the service restarted (a process that never knew
    /// the old ceiling): the waiting deliveries go out as the events they were queued as, in the view of EU at NR (the
    /// view of EU at CTS holds other events at those sequence numbers: an NS edition released before); later events
    /// come from the new view.
    /// </summary>
    [Fact]
    public async Task WhenTheCeilingIsRaisedWaitingEventsGoOutAsQueuedAndLaterOnesFromTheNewView()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var before = NewApp();
        await using var _ = before;
        await PublishReleasedAsync(before, "stanag-5401", "NS");  // in the view of EU at CTS only, before any subscription
        await SetCeilingAsync(before, "EU", Classification.NR);
        var admin = before.As(Admin);
        var id = (await SubscribeAsync(before, receiver))["id"]!.GetValue<string>();
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/pause", null), HttpStatusCode.OK);
        await PublishReleasedAsync(before, "stanag-5402");
        await PublishReleasedAsync(before, "stanag-5403", "NR");
        var queued = await FeedAsync(before, euClearance: "NR");
        Assert.Equal(["visible stanag-5402/1", "visible stanag-5403/1"], queued.Select(Named));

        await SetCeilingAsync(before, "EU", Classification.CTS);
        await using var app = await before.RestartAsync();
        admin = app.As(Admin);
        await RegistryClient.Expect(await admin.PostAsync($"/v1/subscriptions/{id}/resume", null), HttpStatusCode.OK);
        await admin.WaitUntilNothingPendingAsync(id, "the waiting deliveries made");
        await PublishReleasedAsync(app, "stanag-5404", "NS");
        var later = (await FeedAsync(app)).Single(e => (string)e["key"]! == "stanag-5404");
        await admin.WaitUntilNothingPendingAsync(id, "the later event delivered");

        var delivered = receiver.Acknowledged.ToList();
        Assert.Equal([.. queued.Select(e => e["id"]!.GetValue<string>()), later["id"]!.GetValue<string>()], delivered.Select(d => d.EventId));
        Assert.Equal(["visible stanag-5402/1", "visible stanag-5403/1", "visible stanag-5404/1"], delivered.Select(d => Named(d.Body)));
        Assert.Equal(receiver.Received.Count, delivered.Count);
        Assert.DoesNotContain(receiver.Received, d => d.Body.ToJsonString().Contains("stanag-5401", StringComparison.Ordinal));
    }

    /// <summary>
    /// After the audience's ceiling was lowered (CTS to NR), an admin cleared only to the new ceiling manages the
    /// subscription, but its pending count says nothing of the deliveries still waiting in the view of EU at CTS (how
    /// many events that view made while the subscription was paused, NS editions among them): only an admin cleared to
    /// that view counts them.
    /// </summary>
    [Fact]
    public async Task AfterTheCeilingIsLoweredThePendingCountOfTheHigherViewIsOnlyForAdminsClearedToIt()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var cts = app.As(Admin);
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        await RegistryClient.Expect(await cts.PostAsync($"/v1/subscriptions/{id}/pause", null), HttpStatusCode.OK);
        await PublishReleasedAsync(app, "stanag-5521", "NS");
        await PublishReleasedAsync(app, "stanag-5522", "NS");
        await SetCeilingAsync(app, "EU", Classification.NR);
        await PublishReleasedAsync(app, "stanag-5523");

        var nr = app.As(AdminNr);
        Assert.Equal(1, (await nr.GetJsonAsync($"/v1/subscriptions/{id}"))["pending"]!.GetValue<long>());
        Assert.Equal(1, (await nr.GetJsonArrayAsync("/v1/subscriptions")).Single()!["pending"]!.GetValue<long>());
        Assert.Equal(3, (await cts.GetJsonAsync($"/v1/subscriptions/{id}"))["pending"]!.GetValue<long>());
        // The answer to a change is read in its transaction, before any delivery.
        Assert.Equal(1, (await (await nr.PostAsync($"/v1/subscriptions/{id}/resume", null)).JsonAsync())["pending"]!.GetValue<long>());
    }

    /// <summary>
    /// After the audience's ceiling was lowered (CTS to NR), an admin cleared only to the new ceiling manages the
    /// subscription, but its delivery status says nothing of deliveries that carried more than that clearance: not when
    /// the last NS edition went out, nor that the receiver then failed (since when, with what error). An admin cleared to
    /// them sees both. Once an event within the new ceiling is delivered, every admin sees that delivery's time.
    /// </summary>
    [Fact]
    public async Task AfterTheCeilingIsLoweredTheDeliveryStatusOfEventsAboveItIsOnlyForAdminsClearedToThem()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp(failingAfter: "00:00:01");
        var cts = app.As(Admin);
        var nr = app.As(AdminNr);
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        await PublishReleasedAsync(app, "stanag-5531", "NS");
        await cts.WaitUntilNothingPendingAsync(id, "the NS edition delivered");
        var deliveredAt = (await cts.GetJsonAsync($"/v1/subscriptions/{id}"))["lastDeliveredAt"]!.GetValue<string>();
        receiver.Mode = WebhookReceiver.Behaviour.Fail;
        await PublishReleasedAsync(app, "stanag-5532", "NS");
        await cts.WaitForSubscriptionAsync(id, s => s["lastError"] is not null, "the second NS edition's delivery failed");
        await RegistryClient.Expect(await cts.PostAsync($"/v1/subscriptions/{id}/pause", null), HttpStatusCode.OK);
        await SetCeilingAsync(app, "EU", Classification.NR);

        var status = (JsonObject s) => (s["state"]?.GetValue<string>(), s["lastDeliveredAt"]?.GetValue<string>(), s["failingSince"] is not null, s["lastError"] is not null);
        Assert.Equal(("paused", null, false, false), status(await nr.GetJsonAsync($"/v1/subscriptions/{id}")));
        Assert.Equal(("paused", null, false, false), status((await nr.GetJsonArrayAsync("/v1/subscriptions")).Single()!.AsObject()));
        Assert.Equal(("paused", deliveredAt, true, true), status(await cts.GetJsonAsync($"/v1/subscriptions/{id}")));
        // The answer to a change is read as the admin making it may see it.
        Assert.Equal(("active", null, false, false), status(await (await nr.PostAsync($"/v1/subscriptions/{id}/resume", null)).JsonAsync()));

        // The failed NS edition is withheld now (nothing sent, nothing failed); an NU edition is delivered, and its time is everyone's.
        receiver.Mode = WebhookReceiver.Behaviour.Acknowledge;
        await PublishReleasedAsync(app, "stanag-5533");
        await cts.WaitUntilNothingPendingAsync(id, "the NU edition delivered");
        var after = await nr.GetJsonAsync($"/v1/subscriptions/{id}");
        Assert.Equal(("active", true, false, false), (after["state"]!.GetValue<string>(), after["lastDeliveredAt"] is not null, after["failingSince"] is not null, after["lastError"] is not null));
        Assert.Equal(after["lastDeliveredAt"]!.GetValue<string>(), (await cts.GetJsonAsync($"/v1/subscriptions/{id}"))["lastDeliveredAt"]!.GetValue<string>());
        Assert.Equal(["visible stanag-5531/1", "visible stanag-5533/1"], receiver.Acknowledged.Select(d => Named(d.Body)));
    }

    /// <summary>
    /// A failure's start is the first failure's since the last success, so it is kept at the highest level of every
    /// failure since: an NS edition's delivery fails, the ceiling is lowered (CTS to NR), and an NU edition's delivery
    /// fails too. An admin cleared NR is not shown when the failure began (the NS delivery's time) nor its error.
    /// </summary>
    [Fact]
    public async Task AFailuresStartIsKeptAtTheHighestLevelOfEveryFailureSinceTheLastSuccess()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp(failingAfter: "00:00:01");
        var cts = app.As(Admin);
        var nr = app.As(AdminNr);
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        receiver.Mode = WebhookReceiver.Behaviour.Fail;
        await PublishReleasedAsync(app, "stanag-5541", "NS");
        await cts.WaitForSubscriptionAsync(id, s => s["lastError"] is not null, "the NS edition's delivery failed");
        await SetCeilingAsync(app, "EU", Classification.NR);
        await PublishReleasedAsync(app, "stanag-5542");
        // Three attempts at the NU edition: the failure of the first ones is on record before the third is made.
        await receiver.WaitUntilAsync(r => r.Received.Count(d => d.Body["key"]?.GetValue<string>() == "stanag-5542") >= 3, TimeSpan.FromSeconds(20),
            "the NU edition's delivery failed");

        var shown = await nr.GetJsonAsync($"/v1/subscriptions/{id}");
        Assert.Null(shown["failingSince"]);
        Assert.Null(shown["lastError"]);
        Assert.NotNull((await cts.GetJsonAsync($"/v1/subscriptions/{id}"))["failingSince"]);
    }

    /// <summary>
    /// After the audience's ceiling was lowered (CTS to NR), a redelivery from a sequence number of the view the
    /// subscription reads now queues that view's events again and nothing of the view it read before, whose numbers are
    /// another count: no old event goes out again ahead of the ones asked for, and the admin (cleared only to the new
    /// ceiling) is not told how many events of the higher view, NS editions among them, are at or after that number.
    /// </summary>
    [Fact]
    public async Task ARedeliveryAfterTheCeilingChangedQueuesOnlyTheViewTheSubscriptionReadsNow()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp();
        var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
        await PublishReleasedAsync(app, "stanag-5511", "NS");
        await PublishReleasedAsync(app, "stanag-5512", "NS");
        await PublishReleasedAsync(app, "stanag-5513");
        await app.As(Admin).WaitUntilNothingPendingAsync(id, "the events of EU at CTS delivered");
        Assert.Equal(3, receiver.Acknowledged.Count());

        await SetCeilingAsync(app, "EU", Classification.NR);
        var admin = app.As(AdminNr);
        await PublishReleasedAsync(app, "stanag-5514");
        await admin.WaitUntilNothingPendingAsync(id, "the event of EU at NR delivered");
        var last = receiver.Acknowledged.Last();
        Assert.Equal("stanag-5514", last.Body["key"]!.GetValue<string>());
        var sequence = last.Body["sequence"]!.GetValue<long>();
        // The view read before holds rows at and after that number (EU at CTS counted the NS editions too).
        Assert.True(receiver.Acknowledged.Take(3).Count(d => d.Body["sequence"]!.GetValue<long>() >= sequence) >= 1);

        var redelivered = await admin.PostAsJsonAsync($"/v1/subscriptions/{id}/redeliver", new { fromSequence = sequence });
        Assert.Equal(1, (await redelivered.JsonAsync())["queued"]!.GetValue<int>());
        await admin.WaitUntilNothingPendingAsync(id, "the redelivery made");
        Assert.Equal(["stanag-5511", "stanag-5512", "stanag-5513", "stanag-5514", "stanag-5514"],
            receiver.Acknowledged.Select(d => d.Body["key"]!.GetValue<string>()));
        var entries = (await app.As(Admin).GetJsonAsync($"/v1/audit?subject=subscription:{id}&limit=100"))["items"]!.AsArray();
        Assert.DoesNotContain(entries, e => (string)e!["action"]! == "webhook.withhold");
    }

    /// <summary>
    /// Registering is judged by the audience's ceiling as the <c>audiences</c> table says now, as everything the
    /// subscription then delivers and shows is. It was judged by the 30-second audience cache: just after INDUSTRY's
    /// ceiling was raised (NR to NS), an admin cleared NR registered a subscription for it — its URL, its secret —
    /// whose deliveries came from the view of INDUSTRY at NS, and which the admin could not even see afterwards.
    /// </summary>
    [Fact]
    public async Task ARegistrationIsJudgedByTheCeilingTheAudiencesTableSaysNow()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var before = NewApp();
        await using var _ = before;
        var nr = before.As(AdminNr);
        var body = new { audience = "INDUSTRY", url = receiver.Url.ToString(), secret = receiver.Secret };
        Assert.Empty(await nr.GetJsonArrayAsync("/v1/subscriptions")); // the audiences are read, and cached

        await SetCeilingAsync(before, "INDUSTRY", Classification.NS);
        var refused = await ProblemAssertions.ProblemAsync(await nr.PostAsJsonAsync("/v1/subscriptions", body), HttpStatusCode.Forbidden);
        Assert.Contains("NATO SECRET", refused["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        // A process that knows only the new ceiling (releasing above the cached one is refused too): an NS edition
        // released to INDUSTRY reaches no receiver the NR admin named.
        await using var app = await before.RestartAsync();
        Assert.Empty(await app.As(Admin).GetJsonArrayAsync("/v1/subscriptions"));
        await PublishReleasedAsync(app, "stanag-5531", "NS", "INDUSTRY");
        await AWholeDeliveryRunAsync(app);
        Assert.Empty(receiver.Received);

        // Lowered again (to NR), which this process's cache has not seen yet: the admin cleared NR registers it.
        nr = app.As(AdminNr);
        await SetCeilingAsync(app, "INDUSTRY", Classification.NR);
        await RegistryClient.Expect(await nr.PostAsJsonAsync("/v1/subscriptions", body), HttpStatusCode.Created);
    }

    /// <summary>
    /// A subscription carries nothing above the clearance of the admin who registered it, whose URL and secret it uses:
    /// an admin cleared NR registered INDUSTRY (ceiling NR); once an operator raised INDUSTRY to NS, an NS edition
    /// released to INDUSTRY went to that URL. It is withheld now, on record, and an NR edition still goes out.
    /// </summary>
    [Fact]
    public async Task ASubscriptionCarriesNothingAboveTheClearanceOfTheAdminWhoRegisteredIt()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var before = NewApp();
        await using var _ = before;
        var nr = before.As(AdminNr);
        var created = await nr.PostAsJsonAsync("/v1/subscriptions", new { audience = "INDUSTRY", url = receiver.Url.ToString(), secret = receiver.Secret });
        await RegistryClient.Expect(created, HttpStatusCode.Created);
        var id = (await created.JsonAsync())["id"]!.GetValue<string>();
        await SetCeilingAsync(before, "INDUSTRY", Classification.NS);

        await using var app = await before.RestartAsync(); // a process that knows only the new ceiling
        await PublishReleasedAsync(app, "stanag-5541", "NS", "INDUSTRY");
        await PublishReleasedAsync(app, "stanag-5542", "NR", "INDUSTRY");
        var admin = app.As(Admin);
        await admin.WaitUntilNothingPendingAsync(id, "both events delivered or withheld");

        Assert.Equal(["visible stanag-5542/1"], receiver.Acknowledged.Select(d => Named(d.Body)));
        Assert.DoesNotContain(receiver.Received, d => d.Body.ToJsonString().Contains("stanag-5541", StringComparison.Ordinal));
        var entries = (await admin.GetJsonAsync($"/v1/audit?subject=subscription:{id}&limit=100"))["items"]!.AsArray().Select(e => e!.AsObject()).ToList();
        var withheld = Assert.Single(entries, e => (string)e["action"]! == "webhook.withhold");
        Assert.Equal("stanag-5541", (string?)withheld["key"]);
        Assert.Equal("NS", (string?)withheld["classification"]);
    }

    /// <summary>
    /// A delivery checks out with docs/consuming.md's recipe as written, nothing else: its shell check by hand (the
    /// <c>sh</c> block after "Checking a delivery by hand", run by bash with OpenSSL over the body's exact bytes, the
    /// header and the secret, here one with non-ASCII characters, keyed by their UTF-8 bytes), and the same check says
    /// invalid for the body with one byte changed and for another secret. (The receiver's own check is the C# recipe.)
    /// </summary>
    [Fact]
    public async Task ADeliveryChecksOutWithTheDocumentedRecipeAsWritten()
    {
        const string secret = "récepteur-clé-0123456789-€";
        await using var receiver = await WebhookReceiver.StartAsync(secret);
        await using var app = NewApp();
        await SubscribeAsync(app, receiver);
        await PublishReleasedAsync(app, "stanag-5641", "NS");
        await receiver.WaitUntilAsync(r => r.Acknowledged.Any(), TimeSpan.FromSeconds(20), "a delivery");
        var delivery = receiver.Acknowledged.First();
        Assert.True(delivery.SignatureValid);

        var doc = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "docs", "consuming.md"));
        var from = doc.IndexOf("Checking a delivery by hand", StringComparison.Ordinal);
        Assert.True(from >= 0, "docs/consuming.md checks a delivery by hand");
        var start = doc.IndexOf("```sh\n", from, StringComparison.Ordinal) + "```sh\n".Length;
        var recipe = doc[start..doc.IndexOf("```", start, StringComparison.Ordinal)];
        Assert.Contains("openssl dgst -sha256 -hmac", recipe, StringComparison.Ordinal);

        var tampered = delivery.Raw.ToArray();
        tampered[tampered.Length / 2] ^= 0x01;
        Assert.Equal("valid", await CheckByHandAsync(recipe, delivery.Raw, delivery.Signature, secret));
        Assert.Equal("invalid", await CheckByHandAsync(recipe, tampered, delivery.Signature, secret));
        Assert.Equal("invalid", await CheckByHandAsync(recipe, delivery.Raw, delivery.Signature, secret + "x"));
    }

    /// <summary>What the recipe prints, run by bash in a scratch directory holding <c>body.json</c>, with <c>SIG</c> and <c>SECRET</c> set.</summary>
    private static async Task<string> CheckByHandAsync(string recipe, byte[] body, string signature, string secret)
    {
        var directory = ScratchDirectories.Create("registry-webhook-recipe-").FullName;
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(directory, "body.json"), body);
            var (exit, output, errors) = await Bash.RunAsync(recipe, directory,
                new Dictionary<string, string?> { ["SIG"] = signature, ["SECRET"] = secret, ["LC_ALL"] = "C.UTF-8" }, TimeSpan.FromSeconds(30));
            Assert.True(exit == 0 && errors.Length == 0, $"the recipe failed ({exit}): {errors}");
            return output.Trim();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// A receiver's answer that is not HTTP is described, never quoted: its bytes (any text, control characters: here an
    /// invalid header line clearing an operator's terminal and claiming the event delivered) went, as the HTTP client's
    /// message quotes them, into the subscription's last error, the trail's <c>webhook.deliver</c> entry and the log.
    /// </summary>
    [Fact]
    public async Task AReceiversInvalidAnswerIsNotQuotedInTheLastErrorOrTheTrail()
    {
        await using var receiver = new RawHttpResponder("HTTP/1.1 204 No Content\r\nFake \u001b[2J event delivered: yes\r\n\r\n");
        await using var app = NewApp(retries: "0");
        var response = await app.As(Admin).PostAsJsonAsync("/v1/subscriptions", new { audience = "EU", url = receiver.Url.ToString(), secret = "0123456789abcdef" });
        var id = (await response.JsonAsync())["id"]!.GetValue<string>();
        await PublishReleasedAsync(app, "stanag-5621");

        var failed = await app.As(Admin).WaitForSubscriptionAsync(id, s => s["lastError"] is not null, "the invalid answer counted as a failure");
        var error = failed["lastError"]!.GetValue<string>();
        Assert.DoesNotContain("delivered", error, StringComparison.Ordinal);
        Assert.False(TextRules.HasForbiddenCharacters(error), error);
        var entries = (await app.As(Admin).AuditEntriesAsync($"subject=subscription:{id}&limit=100", es => es.Any(e => (string)e["action"]! == "webhook.deliver")))
            .Where(e => (string)e["action"]! == "webhook.deliver").ToList();
        Assert.NotEmpty(entries);
        // A delivery the receiver did not acknowledge is on record as failed (502), never as the 200 of an acknowledged one.
        Assert.All(entries, e => Assert.Equal(502, (int)e["status"]!));
        Assert.All(entries, e => Assert.DoesNotContain("delivered", (string)e["detail"]!, StringComparison.Ordinal));
        Assert.All(entries, e => Assert.False(TextRules.HasForbiddenCharacters((string)e["detail"]!)));
    }

    /// <summary>
    /// A redirect is not followed, not even to an allowed host, and is no acknowledgment: the delivery failed, stays
    /// pending, and the host it points at gets nothing.
    /// </summary>
    [Fact]
    public async Task ARedirectIsNeitherFollowedNorAnAcknowledgment()
    {
        await using var target = await WebhookReceiver.StartAsync();
        await using var receiver = new RawHttpResponder($"HTTP/1.1 307 Temporary Redirect\r\nLocation: {target.Url}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        await using var app = NewApp(retries: "0");
        var response = await app.As(Admin).PostAsJsonAsync("/v1/subscriptions", new { audience = "EU", url = receiver.Url.ToString(), secret = "0123456789abcdef" });
        var id = (await response.JsonAsync())["id"]!.GetValue<string>();
        await PublishReleasedAsync(app, "stanag-5631");

        var failed = await app.As(Admin).WaitForSubscriptionAsync(id, s => s["lastError"] is not null, "the redirect counted as a failure");
        Assert.Contains("307", failed["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, failed["pending"]!.GetValue<long>());
        Assert.Null(failed["lastDeliveredAt"]);
        Assert.True(receiver.Requests >= 1);
        Assert.Equal(0, target.Arrived);
    }

    /// <summary>
    /// A subscription this instance is delivering keeps its lease while a receiver takes its time: later delivery runs
    /// lease only what no one holds, so the retry of an attempt the receiver failed after holding it is made at once and
    /// recorded as the receiver's failure. A lease taken whoever held it (its time left out of the lease's condition)
    /// was taken by the next run here and given back, as one this instance was already delivering, so the retry found
    /// the lease gone and was recorded as "another instance has it now", with a single instance; with two, both POSTed
    /// the subscription's events at once (planted in the fifth sweep: MultiInstanceTests' stalled lease passed it).
    /// </summary>
    [Fact]
    public async Task ASubscriptionBeingDeliveredIsNotLeasedAgainByLaterRuns()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        // Retried once at once, then not for an hour: one outcome on record.
        await using var app = NewApp(attemptTimeout: "00:01:00", settings: new Dictionary<string, string> { ["Webhooks:LeaseDuration"] = "00:05:00" },
            backoff: "01:00:00", maxBackoff: "01:00:00");
        var dispatcher = app.Dispatcher;
        receiver.Mode = WebhookReceiver.Behaviour.Fail;
        receiver.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            var id = (await SubscribeAsync(app, receiver))["id"]!.GetValue<string>();
            await PublishReleasedAsync(app, "stanag-5651");
            await receiver.WaitUntilAsync(r => r.Arrived == 1, TimeSpan.FromSeconds(20), "the first attempt held");
            // Two runs begun since: the first of them has leased what was due, and ended its leasing.
            var begun = dispatcher.RunsBegun;
            await Wait.UntilAsync(() => dispatcher.RunsBegun >= begun + 2, TimeSpan.FromSeconds(20), "a delivery run while the attempt is held");

            receiver.Hold.TrySetResult();
            await receiver.WaitUntilAsync(r => r.Received.Count >= 2, TimeSpan.FromSeconds(20), "the failed attempt retried");
            var entries = await app.As(Admin).AuditEntriesAsync($"subject=subscription:{id}", e => e.Any(x => (string)x["action"]! == "webhook.deliver"));
            var outcome = Assert.Single(entries, e => (string)e["action"]! == "webhook.deliver");
            Assert.EndsWith(": The receiver answered 503.", (string)outcome["detail"]!, StringComparison.Ordinal);
        }
        finally
        {
            receiver.Hold.TrySetResult();
        }
    }

    /// <summary>
    /// A receiver that is slow to answer (here: one that holds a delivery well within its attempt timeout) holds up its own
    /// subscription's later events, which wait their turn, and nobody else's: another subscription's delivery goes out
    /// while it is held. Until 2026-12-07 a run delivered the subscriptions it leased one after another, so one slow
    /// receiver (or several subscriptions to it, each up to 100 events per run, each attempt up to Webhooks:AttemptTimeout)
    /// held every other subscription's deliveries for as long as it liked.
    /// </summary>
    [Fact]
    public async Task ASlowReceiverHoldsUpNoOtherSubscriptionsDeliveries()
    {
        await using var slow = await WebhookReceiver.StartAsync();
        await using var other = await WebhookReceiver.StartAsync();
        await using var app = NewApp(attemptTimeout: "00:01:00", settings: new Dictionary<string, string> { ["Webhooks:LeaseDuration"] = "00:05:00" });
        slow.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            var slowId = (await SubscribeAsync(app, slow))["id"]!.GetValue<string>();
            await PublishReleasedAsync(app, "stanag-5611");
            await slow.WaitUntilAsync(r => r.Arrived >= 1, TimeSpan.FromSeconds(20), "the slow receiver's delivery in flight");

            await SubscribeAsync(app, other);
            await PublishReleasedAsync(app, "stanag-5612");
            await other.WaitUntilAsync(r => r.Acknowledged.Any(d => d.Body["key"]!.GetValue<string>() == "stanag-5612"), TimeSpan.FromSeconds(20),
                "the other subscription's delivery made while the slow receiver holds its own");
            Assert.Equal(1, slow.Arrived); // its second event waits for its first

            slow.Hold.TrySetResult();
            await app.As(Admin).WaitUntilNothingPendingAsync(slowId);
            Assert.Equal(["stanag-5611", "stanag-5612"], slow.Acknowledged.Select(d => d.Body["key"]!.GetValue<string>()));
        }
        finally
        {
            slow.Hold.TrySetResult();
        }
    }

    /// <summary>
    /// Each subscription is delivered on its own, but an instance makes at most Webhooks:MaxConcurrentDeliveries POSTs at
    /// once: the rest wait for a slot, and go out as slots free. Until 2026-12-07 a burst of events to many subscriptions
    /// started a POST to each at once.
    /// </summary>
    [Fact]
    public async Task AnInstanceMakesAtMostTheConfiguredNumberOfPostsAtOnce()
    {
        const int Cap = 2, Subscriptions = 5;
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp(attemptTimeout: "00:01:00", settings: new Dictionary<string, string>
        {
            ["Webhooks:LeaseDuration"] = "00:05:00",
            ["Webhooks:MaxConcurrentDeliveries"] = Cap.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var dispatcher = app.Dispatcher;
        receiver.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ids = new List<string>();
        try
        {
            for (var i = 0; i < Subscriptions; i++)
            {
                ids.Add((await SubscribeAsync(app, receiver))["id"]!.GetValue<string>());
            }
            await PublishReleasedAsync(app, "stanag-5621");

            // Every subscription's delivery under way: as many POSTs as the cap held at the receiver, the others waiting.
            await receiver.WaitUntilAsync(r => r.Arrived == Cap && dispatcher.DeliveriesWaiting == Subscriptions - Cap, TimeSpan.FromSeconds(20),
                $"{Cap} POSTs in flight and {Subscriptions - Cap} waiting");
            Assert.Equal(Cap, receiver.MostInFlight);

            receiver.Hold.TrySetResult();
            foreach (var id in ids)
            {
                await app.As(Admin).WaitUntilNothingPendingAsync(id);
            }
            Assert.Equal(Subscriptions, receiver.Acknowledged.Count());
            Assert.Equal(Cap, receiver.MostInFlight);
        }
        finally
        {
            receiver.Hold.TrySetResult();
        }
    }

    /// <summary>
    /// A delivery's content is the subscription's as of its POST, not as of the moment the dispatcher read it: a
    /// delivery that read its event and then waited for a send slot (Webhooks:MaxConcurrentDeliveries, here 1, held by
    /// another subscription's receiver) while the release was revoked sends nothing of the revoked edition, only its
    /// tombstone, as the feed shows the audience. Until 2026-12-07 the body read before the wait was POSTed after it,
    /// with the revoked edition's content.
    /// </summary>
    [Fact]
    public async Task ADeliveryWaitingForASendSlotSendsNothingOfAReleaseRevokedMeanwhile()
    {
        await using var blocker = await WebhookReceiver.StartAsync();
        await using var mirror = await WebhookReceiver.StartAsync();
        await using var app = OneSendSlotApp();
        try
        {
            var id = await AnEuDeliveryWaitingForTheOnlySendSlotAsync(app, blocker, mirror, "stanag-5631", "stanag-5632", "NU");
            await app.As(TestCaller.ReleaseAuthority()).RevokeAsync("stanag-5632", 1, "EU");

            blocker.Hold!.TrySetResult();
            await app.As(Admin).WaitUntilNothingPendingAsync(id);
            var expected = await FeedAsync(app);
            Assert.Equal(["hidden stanag-5632/1"], expected.Select(Named));
            Assert.DoesNotContain(mirror.Received, d => d.Body["version"] is not null);
            Assert.Equal(expected.Select(e => (string)e["id"]!), mirror.Acknowledged.Select(d => d.EventId));
        }
        finally
        {
            blocker.Hold?.TrySetResult();
        }
    }

    /// <summary>An app whose webhooks have one send slot, attempts of a minute and leases of five.</summary>
    private RegistryApp OneSendSlotApp() => NewApp(attemptTimeout: "00:01:00", settings: new Dictionary<string, string>
    {
        ["Webhooks:LeaseDuration"] = "00:05:00",
        ["Webhooks:MaxConcurrentDeliveries"] = "1",
    });

    /// <summary>
    /// In a <see cref="OneSendSlotApp"/>: the only send slot held by a PUBLIC subscription's delivery of
    /// <paramref name="publicKey"/> (its POST held at <paramref name="blocker"/> until the test lets it go), and the EU
    /// edition <paramref name="key"/>, marked <paramref name="classification"/>, read for <paramref name="mirror"/>'s
    /// subscription and waiting for the slot. Returns that subscription's id.
    /// </summary>
    private static async Task<string> AnEuDeliveryWaitingForTheOnlySendSlotAsync(RegistryApp app, WebhookReceiver blocker, WebhookReceiver mirror, string publicKey, string key, string classification)
    {
        var dispatcher = app.Dispatcher;
        blocker.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await SubscribeAsync(app, blocker, "PUBLIC");
        var id = (await SubscribeAsync(app, mirror))["id"]!.GetValue<string>();
        await PublishReleasedAsync(app, publicKey, "NU", "PUBLIC");
        await blocker.WaitUntilAsync(r => r.Arrived == 1, TimeSpan.FromSeconds(20), "the PUBLIC delivery holding the only slot");
        await PublishReleasedAsync(app, key, classification);
        await mirror.WaitUntilAsync(_ => dispatcher.DeliveriesWaiting == 1, TimeSpan.FromSeconds(20), "the EU delivery waiting for the slot");
        return id;
    }

    /// <summary>
    /// A send stopped because what the event shows the subscription changed (here its audience's ceiling lowered below
    /// the edition while the delivery waited for a send slot) is no failure of the receiver's: the event is read again
    /// and withheld at once, and the subscription shows no error, no failure's start, and no delivery. Taken as a
    /// failure, the subscription showed the "Not sent" error and, with no later event to clear it, went on to show
    /// itself failing, its receiver never having been sent anything (planted in the fifth sweep: the revocations of the
    /// other tests are each followed by a tombstone, whose delivery cleared the failure).
    /// </summary>
    [Fact]
    public async Task ASendStoppedByALoweredCeilingIsNoFailureOfTheReceivers()
    {
        await using var blocker = await WebhookReceiver.StartAsync();
        await using var mirror = await WebhookReceiver.StartAsync();
        await using var app = OneSendSlotApp();
        try
        {
            var id = await AnEuDeliveryWaitingForTheOnlySendSlotAsync(app, blocker, mirror, "stanag-5641", "stanag-5642", "NS");
            await SetCeilingAsync(app, "EU", Classification.NR);

            blocker.Hold!.TrySetResult();
            var state = await app.As(Admin).WaitUntilNothingPendingAsync(id, "the delivery withheld");
            Assert.Empty(mirror.Received);
            Assert.Equal(("active", null, null, null), ((string?)state["state"], (string?)state["lastError"], (string?)state["failingSince"], (string?)state["lastDeliveredAt"]));
        }
        finally
        {
            blocker.Hold?.TrySetResult();
        }
    }

    /// <summary>
    /// An immediate retry sends what the subscription may see at that attempt, not the body of the first: a delivery
    /// whose first attempt failed (the receiver answered 503) while the release was revoked is not tried again with the
    /// revoked edition's content; the tombstone follows. Until 2026-12-07 the retry re-sent the body read before the
    /// first attempt, the revocation notwithstanding (a receiver that was unreachable at the first attempt got the
    /// content only after the revocation).
    /// </summary>
    [Fact]
    public async Task AnImmediateRetryDoesNotResendContentOfAReleaseRevokedSinceTheFirstAttempt()
    {
        await using var mirror = await WebhookReceiver.StartAsync();
        await using var app = NewApp(retries: "2");
        mirror.Mode = WebhookReceiver.Behaviour.Fail;
        mirror.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            var subscription = await SubscribeAsync(app, mirror);
            await PublishReleasedAsync(app, "stanag-5633");
            await mirror.WaitUntilAsync(r => r.Arrived == 1, TimeSpan.FromSeconds(20), "the first attempt in flight");
            await app.As(TestCaller.ReleaseAuthority()).RevokeAsync("stanag-5633", 1, "EU");
            mirror.Hold.TrySetResult();

            var expected = await FeedAsync(app);
            Assert.Equal(["hidden stanag-5633/1"], expected.Select(Named));
            // The tombstone reaches the receiver (failing still) once the visible event is done with.
            await mirror.WaitUntilAsync(r => r.Received.Any(d => (string)d.Body["type"]! == "hidden"), TimeSpan.FromSeconds(20), "the tombstone tried");
            mirror.Mode = WebhookReceiver.Behaviour.Acknowledge;
            await app.As(Admin).WaitUntilNothingPendingAsync(subscription["id"]!.GetValue<string>());
            // The first attempt, made before the revocation, carried the content; nothing after it did.
            Assert.Single(mirror.Received, d => d.Body["version"] is not null);
            Assert.Null(mirror.Received.Last().Body["version"]);
        }
        finally
        {
            mirror.Hold.TrySetResult();
        }
    }

    /// <summary>
    /// Webhooks:AllowedHosts names hosts, and whoever runs an allowed name's DNS decides where it points: the registry's
    /// own loopback, or a cloud's metadata service (169.254.169.254), at any moment (DNS rebinding: an answer that
    /// changes between registration, or one delivery, and the next). A name's addresses are judged when the delivery
    /// connects, and the connection is made to an address so judged: never loopback, link-local, unspecified or
    /// multicast. (An address listed itself, as 127.0.0.1 in these tests, is the operator's choice.) Until 2026-12-07
    /// the check was made on the name only, and <c>localhost</c>, allowed, was sent the audience's events.
    /// </summary>
    [Fact]
    public async Task AnAllowedNameThatResolvesToLoopbackIsNotConnectedTo()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = NewApp(settings: new Dictionary<string, string> { ["Webhooks:AllowedHosts:1"] = "localhost" });
        var url = new UriBuilder(receiver.Url) { Host = "localhost" }.Uri.ToString();
        var response = await app.As(Admin).PostAsJsonAsync("/v1/subscriptions", new { audience = "EU", url, secret = receiver.Secret });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode); // the name is allowed; where it points is judged at each connection
        var id = (await response.JsonAsync())["id"]!.GetValue<string>();
        await PublishReleasedAsync(app, "stanag-5601");

        var failed = await app.As(Admin).WaitForSubscriptionAsync(id, s => s["lastError"] is not null, "the delivery refused");
        Assert.Contains("loopback", failed["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, receiver.Arrived);
    }

    /// <summary>
    /// A host taken off Webhooks:AllowedHosts is sent nothing once the instance has restarted (README, Configuration),
    /// though its subscription was registered while it was allowed: the list is judged again at each delivery, and the
    /// refusal shown on the subscription. Without that second look the registered URL was POSTed to, the operator's
    /// removal ignored (planted in the fifth sweep: no suite restarted with a host taken off).
    /// </summary>
    [Fact]
    public async Task AHostTakenOffTheAllowListIsSentNothingAfterTheRestart()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var registered = NewApp();
        var id = (await SubscribeAsync(registered, receiver))["id"]!.GetValue<string>();
        // TEST-NET-1 in its place: never reached.
        await using var app = await registered.RestartAsync(new Dictionary<string, string> { ["Webhooks:AllowedHosts:0"] = "192.0.2.1" });
        await PublishReleasedAsync(app, "stanag-5611");

        var refused = await app.As(Admin).WaitForSubscriptionAsync(id, s => s["lastError"] is not null, "the delivery refused");
        Assert.Contains("not among the allowed webhook destinations", refused["lastError"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, refused["pending"]!.GetValue<long>());
        Assert.Equal(0, receiver.Arrived);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.1.2.3", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("169.254.169.254", true)]
    [InlineData("::ffff:169.254.169.254", true)]
    [InlineData("fe80::1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("0.1.2.3", true)]
    [InlineData("::", true)]
    [InlineData("224.0.0.1", true)]
    [InlineData("255.255.255.255", true)]
    [InlineData("ff02::1", true)]
    [InlineData("fd00:ec2::254", true)]
    [InlineData("100.100.100.200", true)]
    [InlineData("fd00:ec2::253", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("192.0.2.10", false)]
    [InlineData("2001:db8::10", false)]
    public void TheAddressesAnAllowedNameMayNotReachAreTheHostsOwnAndLinkLocal(string address, bool refused) =>
        Assert.Equal(refused, WebhookDestinations.RefusedAs(System.Net.IPAddress.Parse(address)) is not null);

    [Theory]
    [InlineData("{\"audience\":\"EU\",\"url\":\"ftp://127.0.0.1/x\",\"secret\":\"0123456789abcdef\"}", 400, "url")]
    [InlineData("{\"audience\":\"EU\",\"url\":\"/relative\",\"secret\":\"0123456789abcdef\"}", 400, "url")]
    [InlineData("{\"audience\":\"EU\",\"url\":\"http://user:pass@127.0.0.1/x\",\"secret\":\"0123456789abcdef\"}", 400, "url")]
    [InlineData("{\"audience\":\"EU\",\"url\":\"http://127.0.0.1/x#f\",\"secret\":\"0123456789abcdef\"}", 400, "url")]
    [InlineData("{\"audience\":\"EU\",\"url\":\"http://127.0.0.1:0/x\",\"secret\":\"0123456789abcdef\"}", 400, "url")]
    [InlineData("{\"audience\":\"EU\",\"url\":\"http://169.254.169.254/latest/meta-data\",\"secret\":\"0123456789abcdef\"}", 422, "allowed")]
    [InlineData("{\"audience\":\"EU\",\"url\":\"http://localhost/x\",\"secret\":\"0123456789abcdef\"}", 422, "allowed")]
    [InlineData("{\"audience\":\"EU\",\"url\":\"http://127.0.0.1.nip.io/x\",\"secret\":\"0123456789abcdef\"}", 422, "allowed")]
    [InlineData("{\"audience\":\"EU\",\"url\":\"http://127.0.0.1/x\",\"secret\":\"short\"}", 400, "secret")]
    [InlineData("{\"audience\":\"NATO\",\"url\":\"http://127.0.0.1/x\",\"secret\":\"0123456789abcdef\"}", 400, "audience")]
    [InlineData("{\"audience\":\"MARS\",\"url\":\"http://127.0.0.1/x\",\"secret\":\"0123456789abcdef\"}", 400, "audience")]
    [InlineData("{\"url\":\"http://127.0.0.1/x\",\"secret\":\"0123456789abcdef\"}", 400, "audience")]
    public async Task BadSubscriptionsAreRefusedAndNothingIsWritten(string body, int status, string names)
    {
        await using var app = NewApp();
        var admin = app.As(Admin);
        var response = await admin.PostAsync("/v1/subscriptions", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        await ProblemAssertions.ProblemAsync(response, (HttpStatusCode)status, names);
        Assert.Empty(await admin.GetJsonArrayAsync("/v1/subscriptions"));
    }

    [Fact]
    public async Task OnlyAdminsManageSubscriptions()
    {
        await using var app = NewApp();
        var body = new { audience = "EU", url = "http://127.0.0.1/x", secret = "0123456789abcdef" };
        foreach (var caller in new[] { TestCaller.Editor(), TestCaller.ReleaseAuthority(), TestCaller.Eu("CTS"), new TestCaller("admin@eu", "EU", "CTS", "admin") })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await app.As(caller).PostAsJsonAsync("/v1/subscriptions", body)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await app.As(caller).GetAsync("/v1/subscriptions")).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Anonymous().GetAsync("/v1/subscriptions")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.As(Admin).PostAsync("/v1/subscriptions/nope/pause", null)).StatusCode);
    }
}
