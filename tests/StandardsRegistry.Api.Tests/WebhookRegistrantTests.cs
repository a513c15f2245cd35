using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

// A webhook subscription's URL and secret are chosen by the admin who registers it, so it delivers nothing that admin
// does not read (docs/design.md §7, "What the registering admin reads"), proven over generated histories and admins.

public abstract partial class WebhookRegistrantTests(TestProvider provider)
{
    /// <summary>
    /// The property behind <c>WebhookTests.ATableTheSeveralNationsRuleHidesFromTheRegisteringAdminIsNotDeliveredToItsSubscription</c>,
    /// over generated histories and admins: a subscription delivers exactly the events of its audience's view that the
    /// admin who registered it reads, and withholds the rest on record. Admins of every clearance that may register
    /// INDUSTRY (NATO RESTRICTED up) and PUBLIC (NATO UNCLASSIFIED up), each speaking for no nation and for one, register
    /// a subscription each, to a receiver of its own (not EU: only an admin cleared COSMIC TOP SECRET registers it, and
    /// the rule keeps nothing from one); INDUSTRY's ceiling is then raised to NATO SECRET (a restart), so a
    /// clearance bounds what a subscription carries. A seed draws two cycles' targets, each nation's under a marking of
    /// its own (so the several-nations rule hides a cycle's tables from some admins and not from others), then a history
    /// of target revisions, table publications and revocations, and editions released and revoked at markings up to the
    /// ceiling, ending with every table revoked (tombstones). After each step nothing is pending for any subscription,
    /// and the step's events are judged then: the rule only hides more as targets are recorded, and none is recorded
    /// between a step's events and their judging. Each audience's subscription registered by an admin cleared COSMIC TOP
    /// SECRET speaking for no nation reads its whole view and is the reference: every other subscription of the audience
    /// got, in order, exactly those of its events that the registering admin reads (a table: one that admin's own
    /// <c>GET /v1/capability-tables</c> lists, revoked ones included; an edition: marked within its clearance), and for
    /// each of the rest a <c>webhook.withhold</c> entry naming the event. Both sides are asserted, so withholding
    /// everything fails too; and the history must have the rule keep a table from an admin below COSMIC TOP SECRET
    /// speaking for no nation and let one through.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task EachSubscriptionDeliversExactlyWhatItsRegisteringAdminReadsOverRandomHistories(int seed)
    {
        var random = new Random(seed);
        string[] markings = ["NU", "NR", "NC", "NS", "CTS"];
        // Every clearance that may register each audience (its ceiling as migrated and up), speaking for no nation and for one.
        var registrants = (from may in new[] { (Audience: "INDUSTRY", Clearances: new[] { "NR", "NC", "NS", "CTS" }, Nation: "DEU"), ("PUBLIC", ["NU", "NR", "CTS"], "FRA") }
                           from clearance in may.Clearances
                           from nation in new[] { null, may.Nation }
                           select (may.Audience, Clearance: clearance, Nation: nation)).ToList();
        var receivers = new List<WebhookReceiver>();
        try
        {
            var before = WebhookTests.NewApp(provider, settings: RegistryApp.UnlimitedRate);
            await using var _ = before;
            var subscriptions = new List<Registered>();
            foreach (var (audience, clearance, nation) in registrants)
            {
                var receiver = await WebhookReceiver.StartAsync();
                receivers.Add(receiver);
                var admin = new TestCaller($"admin-{clearance}-{nation ?? "nato"}@nato", "NATO", clearance, "admin") { Nation = nation };
                var created = await before.As(admin).PostAsJsonAsync("/v1/subscriptions", new { audience, url = receiver.Url.ToString(), secret = receiver.Secret });
                await RegistryClient.Expect(created, HttpStatusCode.Created);
                subscriptions.Add(new Registered(audience, admin, Enum.Parse<Classification>(clearance), receiver, (await created.JsonAsync())["id"]!.GetValue<string>()));
            }
            await WebhookTests.SetCeilingAsync(before, "INDUSTRY", Classification.NS);
            await using var app = await before.RestartAsync(); // a process that knows only the raised ceiling
            var planner = app.As(new TestCaller("planner@nato", "NATO", "CTS", "planner"));
            var authority = app.As(TestCaller.ReleaseAuthority());
            var audit = new AuditStore(app.Provider, app.ConnectionString);
            int[] cycles = [2025, 2026];
            foreach (var cycle in cycles)
            {
                // Each nation's targets at the cycle's level or, for about one nation in four, the next one up: an admin
                // cleared between the two reads several nations' targets and not every figure; one below both, or at the
                // higher, reads the cycle's tables.
                var level = 1 + random.Next(3);
                var marking = CapabilityTableTests.Targets.Select(t => t.Nation).Distinct().ToDictionary(n => n, _ => markings[level + (random.Next(4) == 0 ? 1 : 0)]);
                foreach (var (nation, capability, horizon, quantity) in CapabilityTableTests.Targets)
                {
                    await RegistryClient.Expect(await planner.PutAsJsonAsync($"/v1/capability-targets/{cycle}/{nation}/{capability}/{horizon}",
                        new { quantity, classification = marking[nation] }), HttpStatusCode.Created);
                }
            }
            var editions = new Dictionary<string, Classification>(StringComparer.Ordinal);
            var released = new List<(string Key, string Audience)>();
            var history = new List<string>();
            var tables = new Dictionary<string, Classification>(StringComparer.Ordinal);
            var (ruleWithheld, ruleLetThrough) = (0, 0);

            // The step's events, judged for every subscription once nothing is pending for any: what the reference got,
            // against what each registering admin reads now (no target was recorded since those events).
            async Task CheckAsync()
            {
                foreach (var subscription in subscriptions)
                {
                    await app.As(WebhookTests.Admin).WaitUntilNothingPendingAsync(subscription.Id, $"nothing pending for {subscription}");
                }
                var withholds = (await audit.EntriesAsync("webhook.withhold")).ToLookup(e => e.Subject);
                foreach (var group in subscriptions.GroupBy(s => s.Audience))
                {
                    var reference = group.Single(s => s.Clearance == Classification.CTS && s.Admin.Nation is null);
                    var events = reference.NewDeliveries();
                    Assert.Empty(withholds[$"subscription:{reference.Id}"]);
                    foreach (var e in events.Where(e => e["table"] is not null))
                    {
                        tables[e["ref"]!.GetValue<string>()] = Enum.Parse<Classification>(e["table"]!["classification"]!.GetValue<string>());
                    }
                    Classification MarkingOf(JsonObject e) => e["subject"]!.GetValue<string>() switch
                    {
                        "table" => tables[e["ref"]!.GetValue<string>()],
                        "version" => editions[e["key"]!.GetValue<string>()],
                        var other => throw new Xunit.Sdk.XunitException($"seed {seed}: an event of a {other}, which the history makes none of"),
                    };
                    foreach (var subscription in group.Where(s => s != reference))
                    {
                        var context = $"seed {seed}, {subscription}, after {string.Join("; ", history)}";
                        var listed = (await app.As(subscription.Admin).GetJsonArrayAsync("/v1/capability-tables"))
                            .Select(t => FeedRefs.Table(t!["cycle"]!.GetValue<int>(), t["audience"]!.GetValue<string>(), t["id"]!.GetValue<string>()))
                            .ToHashSet(StringComparer.Ordinal);
                        bool Reads(JsonObject e) => e["subject"]!.GetValue<string>() == "table"
                            ? listed.Contains(e["ref"]!.GetValue<string>())
                            : MarkingOf(e) <= subscription.Clearance;
                        var delivered = subscription.NewDeliveries();
                        var withheld = subscription.NewWithholds(withholds[$"subscription:{subscription.Id}"]);
                        Assert.True(events.Where(Reads).Select(Described).SequenceEqual(delivered.Select(Described)),
                            $"{context}: delivered [{string.Join(", ", delivered.Select(Described))}], the admin reads [{string.Join(", ", events.Where(Reads).Select(Described))}] of [{string.Join(", ", events.Select(Described))}]");
                        Assert.All(delivered, e => Assert.True(MarkingOf(e) <= subscription.Clearance, $"{context}: {Described(e)} is above the admin's clearance"));
                        Assert.True(events.Where(e => !Reads(e)).Select(e => e["id"]!.GetValue<string>()).Order(StringComparer.Ordinal).SequenceEqual(withheld.Order(StringComparer.Ordinal)),
                            $"{context}: withheld on record [{string.Join(", ", withheld)}], the admin does not read [{string.Join(", ", events.Where(e => !Reads(e)).Select(Described))}]");
                        // The several-nations rule at work: a table within the clearance of an admin speaking for no nation, read or not.
                        if (subscription.Admin.Nation is null)
                        {
                            foreach (var e in events.Where(e => e["subject"]!.GetValue<string>() == "table" && MarkingOf(e) <= subscription.Clearance))
                            {
                                if (Reads(e))
                                {
                                    ruleLetThrough++;
                                }
                                else
                                {
                                    ruleWithheld++;
                                }
                            }
                        }
                    }
                }
            }

            for (var step = 0; step < 18; step++)
            {
                var cycle = cycles[random.Next(cycles.Length)];
                var audience = random.Next(3) == 0 ? "PUBLIC" : "INDUSTRY";
                var ceiling = audience == "PUBLIC" ? 0 : (int)Classification.NS;
                var choice = random.Next(10);
                if (choice < 2)
                {
                    var (nation, capability, horizon, quantity) = CapabilityTableTests.Targets[random.Next(CapabilityTableTests.Targets.Length)];
                    var marking = markings[random.Next(markings.Length)];
                    var figure = Math.Max(0, quantity + random.Next(-50, 50));
                    var response = await planner.PutAsJsonAsync($"/v1/capability-targets/{cycle}/{nation}/{capability}/{horizon}", new { quantity = figure, classification = marking });
                    Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    history.Add($"target {cycle} {nation} {capability} {horizon} {figure} {marking}");
                }
                else if (choice < 6)
                {
                    // A table published to an audience is revoked before the cycle is published to it again (else 409).
                    if (random.Next(2) == 0)
                    {
                        var revoked = await authority.DeleteAsync($"/v1/capability-tables/{cycle}/{audience}");
                        Assert.True(revoked.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.NotFound, $"{(int)revoked.StatusCode} {await revoked.Content.ReadAsStringAsync()}");
                        history.Add($"revoke {cycle} {audience}: {(int)revoked.StatusCode}");
                    }
                    var classification = markings[random.Next(ceiling + 1)];
                    var response = await authority.PutTableAsync(cycle, audience, classification);
                    Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict or HttpStatusCode.UnprocessableEntity,
                        $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    history.Add($"publish {cycle} {audience} {classification}: {(int)response.StatusCode}");
                }
                else if (choice < 7)
                {
                    var response = await authority.DeleteAsync($"/v1/capability-tables/{cycle}/{audience}");
                    Assert.True(response.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.NotFound, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    history.Add($"revoke {cycle} {audience}: {(int)response.StatusCode}");
                }
                else if (choice < 9 || released.Count == 0)
                {
                    var key = $"stanag-{7000 + seed * 100 + step}";
                    var marking = markings[random.Next(ceiling + 1)];
                    editions[key] = Enum.Parse<Classification>(marking);
                    await WebhookTests.PublishReleasedAsync(app, key, marking, audience);
                    released.Add((key, audience));
                    history.Add($"release {key} {marking} to {audience}");
                }
                else
                {
                    var (key, to) = released[random.Next(released.Count)];
                    released.Remove((key, to));
                    await authority.RevokeAsync(key, 1, to);
                    history.Add($"revoke {key} from {to}");
                }
                await CheckAsync();
            }
            // Every table revoked at the end: each audience's tombstones, for tables some admins read and others do not.
            foreach (var cycle in cycles)
            {
                foreach (var audience in new[] { "INDUSTRY", "PUBLIC" })
                {
                    var response = await authority.DeleteAsync($"/v1/capability-tables/{cycle}/{audience}");
                    Assert.True(response.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.NotFound, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    history.Add($"revoke {cycle} {audience}: {(int)response.StatusCode}");
                }
            }
            await CheckAsync();
            Assert.True(ruleWithheld > 0 && ruleLetThrough > 0,
                $"seed {seed}: the history must have the several-nations rule keep a table from an admin below CTS speaking for no nation ({ruleWithheld}) and let one through ({ruleLetThrough}): {string.Join("; ", history)}");
            app.AssertNoServerErrorsOrContractViolations();
        }
        finally
        {
            foreach (var receiver in receivers)
            {
                await receiver.DisposeAsync();
            }
        }
    }

    /// <summary>A delivered event as a failure names it: its id, type and what it names.</summary>
    private static string Described(JsonObject e) => $"{e["id"]} ({e["type"]} {e["subject"]} {e["ref"] ?? $"{e["key"]}/{e["edition"]}"})";

    /// <summary>A subscription and the admin who registered it, with what of its deliveries and withholds a check has seen.</summary>
    private sealed record Registered(string Audience, TestCaller Admin, Classification Clearance, WebhookReceiver Receiver, string Id)
    {
        private readonly HashSet<string> _delivered = new(StringComparer.Ordinal);
        private readonly HashSet<long> _withheld = [];

        /// <summary>The events acknowledged since the last call, in order (an event sent twice, once).</summary>
        public List<JsonObject> NewDeliveries() =>
            [.. Receiver.Acknowledged.Where(d => _delivered.Add(d.EventId)).Select(d => d.Body)];

        /// <summary>The ids of the events the subscription's <c>webhook.withhold</c> entries not seen before name.</summary>
        public List<string> NewWithholds(IEnumerable<AuditRow> entries) =>
            [.. entries.Where(e => _withheld.Add(e.Sequence)).Select(e => WithheldEvent().Match(e.Detail ?? "").Groups[1].Value)];

        public override string ToString() => $"{Audience} subscription of {Admin.Subject} ({Clearance}, {Admin.Nation ?? "no nation"})";
    }

    /// <summary>The event a <c>webhook.withhold</c> entry's detail names first (<c>WebhookDispatcher.Described</c>).</summary>
    [GeneratedRegex(@"^event (\S+) \(")]
    private static partial Regex WithheldEvent();
}
