using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// A real HTTP receiver on 127.0.0.1 (Kestrel, a free port) that verifies each delivery's signature the way
/// docs/consuming.md tells receivers to, and answers as the test sets it: acknowledge, fail (503), or hang. While a
/// secret is rotated it accepts the new one beside the old (<see cref="Accept"/>, <see cref="Retire"/>).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public enum Behaviour { Acknowledge, Fail, Hang }

    private readonly WebApplication _app;

    private readonly ConcurrentDictionary<string, bool> _secrets = new(StringComparer.Ordinal);

    private WebhookReceiver(WebApplication app, string secret)
    {
        _app = app;
        Secret = secret;
        _secrets[secret] = true;
    }

    /// <summary>The secret the receiver was started with.</summary>
    public string Secret { get; }

    /// <summary>Accepts deliveries signed with <paramref name="secret"/> too (a rotation has begun).</summary>
    public void Accept(string secret) => _secrets[secret] = true;

    /// <summary>No longer accepts deliveries signed with <paramref name="secret"/> (a rotation has ended).</summary>
    public void Retire(string secret) => _secrets.TryRemove(secret, out _);

    public volatile Behaviour Mode = Behaviour.Acknowledge;

    /// <summary>
    /// While set, each request waits until it completes before it is answered (as <see cref="Mode"/> then says): a
    /// delivery held in flight. <see cref="Arrived"/> counts the requests that came in, held or not.
    /// </summary>
    public volatile TaskCompletionSource? Hold;

    private int _arrived;

    public int Arrived => Volatile.Read(ref _arrived);

    private int _inFlight;
    private int _mostInFlight;

    /// <summary>The most requests that were in at once, arrived and not yet answered.</summary>
    public int MostInFlight => Volatile.Read(ref _mostInFlight);

    /// <summary>Every request received, acknowledged or not, in arrival order.</summary>
    public ConcurrentQueue<Delivery> Received { get; } = new();

    public IEnumerable<Delivery> Acknowledged => Received.Where(d => d.Acknowledged);

    public Uri Url { get; private set; } = null!;

    /// <summary>
    /// A request received; <see cref="SignedWith"/> is the accepted secret its signature verifies with, if any;
    /// <see cref="Raw"/> its body's bytes as received, <see cref="Signature"/> its Registry-Signature header.
    /// </summary>
    public sealed record Delivery(string EventId, string SubscriptionId, JsonObject Body, string? SignedWith, bool Acknowledged, byte[] Raw, string Signature)
    {
        public bool SignatureValid => SignedWith is not null;
    }

    public static async Task<WebhookReceiver> StartAsync(string secret = "receiver-secret-0123456789")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, secret);
        app.MapPost("/hooks/{name}", async (HttpContext context) =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var raw = buffer.ToArray();
            // In flight from before it is counted as arrived until before its answer is written (so the sender, which
            // goes on once it has the answer, never sees it still counted).
            var inFlight = Interlocked.Increment(ref receiver._inFlight);
            for (var most = Volatile.Read(ref receiver._mostInFlight); inFlight > most; most = Volatile.Read(ref receiver._mostInFlight))
            {
                Interlocked.CompareExchange(ref receiver._mostInFlight, inFlight, most);
            }
            try
            {
                return await receiver.AnswerAsync(context, raw);
            }
            finally
            {
                Interlocked.Decrement(ref receiver._inFlight);
            }
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(new Uri(address), "/hooks/registry");
        return receiver;
    }

    private async Task<IResult> AnswerAsync(HttpContext context, byte[] raw)
    {
        var receiver = this;
        Interlocked.Increment(ref receiver._arrived);
        if (receiver.Hold is { } hold)
        {
            await hold.Task.WaitAsync(context.RequestAborted);
        }
        var mode = receiver.Mode;
        if (mode == Behaviour.Hang)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        }
        var signature = context.Request.Headers["Registry-Signature"].ToString();
        var delivery = new Delivery(
            context.Request.Headers["Registry-Event-Id"].ToString(),
            context.Request.Headers["Registry-Subscription-Id"].ToString(),
            JsonNode.Parse(raw)!.AsObject(),
            receiver._secrets.Keys.FirstOrDefault(s => Verify(s, signature, raw)),
            mode == Behaviour.Acknowledge,
            raw,
            signature);
        receiver.Received.Enqueue(delivery);
        return mode == Behaviour.Acknowledge ? Results.NoContent() : Results.StatusCode(503);
    }

    /// <summary>The receiver's check (docs/consuming.md): HMAC-SHA256 of "{t}.{body}", constant-time compare, t within 5 minutes.</summary>
    public static bool Verify(string secret, string header, byte[] body)
    {
        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!parts.TryGetValue("t", out var t) || !parts.TryGetValue("v1", out var v1) || !long.TryParse(t, out var timestamp))
        {
            return false;
        }
        if (Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - timestamp) > 300)
        {
            return false;
        }
        byte[] payload = [.. Encoding.UTF8.GetBytes($"{t}."), .. body];
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), payload);
        byte[] given;
        try
        {
            given = Convert.FromHexString(v1);
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    /// <summary>Waits (bounded) until <paramref name="done"/> holds.</summary>
    public Task WaitUntilAsync(Func<WebhookReceiver, bool> done, TimeSpan within, string what) =>
        Wait.UntilAsync(() => done(this), within,
            () => $"{what}. Received: {string.Join("; ", Received.Select(d => $"{d.Body["type"]} {d.Body["key"]}/{d.Body["edition"]} ack={d.Acknowledged}"))}");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
