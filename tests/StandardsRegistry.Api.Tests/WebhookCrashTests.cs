using System.Net;
using System.Net.Http.Json;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// The outbox is durable: the service process is killed (SIGKILL) while it is in the middle of delivering — the
/// receiver hangs, so every event is committed and none acknowledged — and a new process on the same database
/// delivers every one of them, signed, in order, with their original ids; and every delivery the receiver got before
/// the kill was on record before it was sent (its <c>webhook.send</c> audit entry). Real processes, on each provider.
/// </summary>
[Slow]
public abstract class WebhookCrashTests(TestProvider provider)
{
    private static readonly TestCaller Admin = new("admin@nato", "NATO", "CTS", "admin");

    private static readonly Dictionary<string, string> Settings = ServiceProcess.QuickWebhooks(lease: "00:00:03");

    [Fact]
    public async Task EventsCommittedBeforeTheProcessIsKilledAreDeliveredByTheNextOne()
    {
        Assert.SkipWhen(provider.UnavailableReason is not null, provider.UnavailableReason ?? "");
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var database = await TestDatabase.CreateAsync(provider);
        receiver.Mode = WebhookReceiver.Behaviour.Hang;

        var first = await ServiceProcess.StartAsync(database, Settings);
        string subscription;
        try
        {
            var created = await first.Client(Admin).PostAsJsonAsync("/v1/subscriptions", new { audience = "EU", url = receiver.Url.ToString(), secret = receiver.Secret });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            subscription = (await created.JsonAsync())["id"]!.GetValue<string>();
            var editor = first.Client(TestCaller.Editor());
            var authority = first.Client(TestCaller.ReleaseAuthority());
            for (var i = 0; i < 6; i++)
            {
                var key = $"stanag-{6000 + i}";
                await editor.CreateStandardAsync(key);
                await editor.PublishAsync(key, await editor.CreateDraftAsync(key, i % 2 == 0 ? "NU" : "NS"));
                await authority.ReleaseAsync(key, 1, "EU");
            }
            await receiver.WaitUntilAsync(r => r.Received.Count >= 1, TimeSpan.FromSeconds(20), "a delivery in flight");
            var state = await first.Client(Admin).GetJsonAsync($"/v1/subscriptions/{subscription}");
            Assert.Equal(6, state["pending"]!.GetValue<long>());
        }
        finally
        {
            await first.DisposeAsync(); // kills the process tree: no graceful shutdown
        }
        Assert.Empty(receiver.Acknowledged);
        var sentBeforeTheKill = receiver.Received.Select(d => d.EventId).Distinct().ToList();
        var sendsOnRecord = (await new AuditStore(provider, database.ConnectionString).EntriesAsync(StandardsRegistry.Data.AuditActions.WebhookSend)).Select(e => e.Detail ?? "").ToList();
        Assert.All(sentBeforeTheKill, id => Assert.Contains(sendsOnRecord, detail => detail.StartsWith($"event {id} ", StringComparison.Ordinal)));

        receiver.Mode = WebhookReceiver.Behaviour.Acknowledge;
        await using var second = await ServiceProcess.StartAsync(database, Settings);
        var feed = new FeedFollower(second.Client(TestCaller.Eu("CTS")), pageSize: 100);
        await feed.FollowAsync();
        var ids = feed.Events.Select(e => e["id"]!.GetValue<string>()).ToList();
        Assert.Equal(6, ids.Count);
        await receiver.WaitUntilAsync(r => ids.All(id => r.Acknowledged.Any(d => d.EventId == id)), TimeSpan.FromSeconds(30), "every committed event delivered after the restart");
        Assert.Equal(ids, receiver.Acknowledged.Select(d => d.EventId).Distinct());
        Assert.All(receiver.Received, d => Assert.True(d.SignatureValid));
        Assert.All(receiver.Received, d => Assert.Equal(subscription, d.SubscriptionId));
        // The receiver acknowledged the last event before the dispatcher recorded it: wait for the record, do not race it.
        await second.Client(Admin).WaitUntilNothingPendingAsync(subscription);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{ids.Count} events committed, 0 acknowledged when the first process was killed; {receiver.Acknowledged.Count()} acknowledged after the restart "
            + $"({receiver.Received.Count} requests in all, {receiver.Acknowledged.Count() - ids.Count} duplicates)");
    }
}
