using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// What leaves the registry in its log (at the levels appsettings.json ships) carries no classified content and no
/// secret: not a hidden standard's key, an edition's title or body, a target's figure, a subscription's secret or a
/// caller's token — under an audit outage, a refused write and a failing webhook receiver too.
/// </summary>
public sealed class LogTests
{
    [Fact]
    public async Task TheLogCarriesNoClassifiedContentOrSecretUnderAnAuditOutageAndAFailingReceiver()
    {
        var logs = new CapturedLogs();
        await using var receiver = await WebhookReceiver.StartAsync("WEBHOOK-SECRET-CANARY-55");
        receiver.Mode = WebhookReceiver.Behaviour.Fail;
        await using var app = new RegistryApp()
            .With("Webhooks:AllowedHosts:0", "127.0.0.1")
            .With("Webhooks:PollInterval", "00:00:00.100")
            .With("Webhooks:Retries", "0")
            .With("Webhooks:Backoff", "00:00:00.200")
            .With("Webhooks:MaxBackoff", "00:00:00.500")
            .WithHorizons(2027, 2029)
            .WithServices(s => s.AddSingleton<ILoggerProvider>(logs))
            .Start();
        var editor = app.As(TestCaller.Editor());
        var authority = app.As(TestCaller.ReleaseAuthority());
        await editor.CreateStandardAsync("secret-std", title: "CANARY-STD-TITLE");
        var e = await editor.CreateDraftAsync("secret-std", "CTS", title: "CANARY-ED-TITLE", body: "CANARY-ED-BODY");
        await editor.PublishAsync("secret-std", e);
        await editor.CreateStandardAsync("open-std");
        await Wait.UntilAsync(async () => (await app.Anonymous().GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "ready");
        await editor.PublishAsync("open-std", await editor.CreateDraftAsync("open-std", "NU", title: "open title"));
        await authority.ReleaseAsync("open-std", 1, "EU");
        var admin = app.As(TestCaller.Admin());
        var created = await admin.PostAsJsonAsync("/v1/subscriptions", new { audience = "EU", url = receiver.Url.ToString(), secret = receiver.Secret });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var planner = app.As(new TestCaller("planner-CTS@nato", "NATO", "CTS", "planner"));
        await RegistryClient.Expect(await planner.PutAsJsonAsync("/v1/capability-targets/2025/FRA/ammo-155mm/2027", new { quantity = 731826451L, classification = "NS" }), HttpStatusCode.Created);

        foreach (var client in new[] { app.Anonymous(), app.As(TestCaller.NatoReader("NS")), app.As(TestCaller.Eu("NS")) })
        {
            foreach (var path in new[] { "/v1/standards/secret-std", "/v1/standards/secret-std/versions/latest", "/v1/standards/secret-std/versions/1", "/v1/capability-targets/2025", "/v1/standards?q=CANARY" })
            {
                var r = await client.GetAsync(path);
                if (path.Contains("secret-std", StringComparison.Ordinal))
                {
                    Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
                }
            }
        }
        await app.WithToken("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJDQU5BUlktVE9LRU4ifQ.CANARYSIG").GetAsync("/v1/standards");
        await editor.PostAsync("/v1/standards/secret-std/versions", new StringContent("{\"title\":\"CANARY-BODY-JSON\",", System.Text.Encoding.UTF8, "application/json"));
        await editor.PostAsync("/v1/standards/secret-std/versions", new StringContent("{\"title\": 1e999999, \"x\":\"CANARY-BAD-NUMBER\"}", System.Text.Encoding.UTF8, "application/json"));

        var store = new AuditStore(app.Provider, app.ConnectionString);
        await store.FreezeAsync();
        try
        {
            foreach (var path in new[] { "/v1/standards/open-std/versions/latest", "/v1/standards/secret-std/versions/latest", "/v1/standards/absent-std/versions/latest", "/v1/capability-targets/2025" })
            {
                var r = await app.As(TestCaller.Editor()).GetAsync(path);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
            }
            await editor.PostAsJsonAsync("/v1/standards/secret-std/versions", new { title = "CANARY-FROZEN-TITLE", summary = "s", body = "CANARY-FROZEN-BODY", classification = "CTS", attributes = RegistryClient.AttributesFor("caliber") });
            await planner.PutAsJsonAsync("/v1/capability-targets/2025/DEU/ammo-155mm/2027", new { quantity = 918273645L, classification = "NS" });
        }
        finally
        {
            await store.ThawAsync();
        }
        await Wait.UntilAsync(async () => (await app.Anonymous().GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "ready");
        await editor.PublishAsync("open-std", await editor.CreateDraftAsync("open-std", "NU", title: "open title 2"));
        await authority.ReleaseAsync("open-std", 2, "EU");
        await Wait.UntilAsync(() => logs.Lines.Any(l => l.Message.Contains("not delivered", StringComparison.Ordinal)), TimeSpan.FromSeconds(20), "a failed delivery logged");
        Assert.Contains(logs.Lines, l => l.Category.EndsWith("AuditTrail", StringComparison.Ordinal) && l.Level == LogLevel.Error);
        foreach (var canary in new[] { "secret-std", "CANARY", "731826451", "918273645", "WEBHOOK-SECRET", "eyJ", Tokens.SigningKeyBase64 })
        {
            Assert.DoesNotContain(canary, logs.Text, StringComparison.OrdinalIgnoreCase);
        }
    }
}
