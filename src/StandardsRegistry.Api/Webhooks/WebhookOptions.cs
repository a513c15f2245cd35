using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Webhooks;

/// <summary>
/// Webhook delivery settings (<c>Webhooks</c> section), checked when the service starts: a value out of range stops it
/// with one line naming the setting (the ranges are those the delivery pipeline can run with).
/// </summary>
public sealed class WebhookOptions : IValidatableObject
{
    public const string Section = "Webhooks";

    /// <summary>
    /// The only hosts subscriptions may point at (exact host names or addresses, case-insensitive). Empty: no webhook
    /// can be registered, so the registry can never be made to call an internal address nobody allowed.
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>How often each instance looks for deliveries due (and for releases that took effect).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>One POST may take this long before it counts as failed.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Immediate retries of one delivery (exponential backoff with jitter from <see cref="RetryDelay"/>).</summary>
    [Range(0, 100)]
    public int Retries { get; set; } = 2;

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>After the retries, the delivery waits this long, doubling per failure up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan Backoff { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Consecutive failed attempts that open a subscription's circuit, and for how long it stays open.</summary>
    [Range(1, 10_000)]
    public int BreakerFailures { get; set; } = 5;

    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long an instance holds a subscription's lease without renewing it (it renews before each event and each attempt of its POST, and makes no attempt once another instance has the lease). When an
    /// instance dies, another takes the subscription over after this. At least AttemptTimeout × (Retries + 1).
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// POSTs this instance makes at once, across subscriptions (a delivery holds its slot through its attempts and their
    /// retries); a subscription's delivery beyond it waits for one. Without it, a burst of events to many subscriptions
    /// opened as many connections and requests at once as there were subscriptions.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxConcurrentDeliveries { get; set; } = 16;

    /// <summary>A subscription failing without a success for this long is shown as <c>failing</c>.</summary>
    public TimeSpan FailingAfter { get; set; } = TimeSpan.FromMinutes(15);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var day = TimeSpan.FromDays(1);
        (string Name, TimeSpan Value, TimeSpan Min, TimeSpan Max)[] spans =
        [
            (nameof(PollInterval), PollInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1)),
            (nameof(AttemptTimeout), AttemptTimeout, TimeSpan.FromMilliseconds(10), day),
            (nameof(RetryDelay), RetryDelay, TimeSpan.Zero, day),
            (nameof(Backoff), Backoff, TimeSpan.FromMilliseconds(1), day),
            (nameof(MaxBackoff), MaxBackoff, Backoff, day),
            (nameof(BreakDuration), BreakDuration, TimeSpan.FromMilliseconds(500), day),
            (nameof(LeaseDuration), LeaseDuration, AttemptTimeout * (Retries + 1), day),
            (nameof(FailingAfter), FailingAfter, TimeSpan.FromSeconds(1), TimeSpan.FromDays(365)),
        ];
        foreach (var (name, value, min, max) in spans)
        {
            if (value < min || value > max)
            {
                yield return new ValidationResult($"{Section}:{name} is {value}; it must be from {min} to {max}"
                    + (name == nameof(LeaseDuration) ? $" (at least {Section}:AttemptTimeout × ({Section}:Retries + 1), so a live instance keeps its lease while it delivers)." : "."), [name]);
            }
        }
    }

    /// <summary>Why <paramref name="url"/> may not be a webhook destination, or null. Syntax problems are a 400; an unlisted host a 422.</summary>
    public (int Status, string Message)? UrlProblem(string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || url.Length > 2000 || TextRules.HasForbiddenCharacters(url))
        {
            return (StatusCodes.Status400BadRequest, "'url' is required: an absolute http or https URL of at most 2000 characters.");
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return (StatusCodes.Status400BadRequest, "'url' must be an absolute http or https URL.");
        }
        if (uri.UserInfo.Length > 0)
        {
            return (StatusCodes.Status400BadRequest, "'url' must not carry credentials: the registry signs its deliveries instead.");
        }
        if (uri.Fragment.Length > 0)
        {
            return (StatusCodes.Status400BadRequest, "'url' must not have a fragment.");
        }
        if (uri.Port == 0)
        {
            // Nothing listens on port 0: every delivery would fail.
            return (StatusCodes.Status400BadRequest, "'url' must name a port from 1 to 65535, or none.");
        }
        if (!AllowedHosts.Contains(uri.IdnHost, StringComparer.OrdinalIgnoreCase))
        {
            return (StatusCodes.Status422UnprocessableEntity, $"The host '{uri.IdnHost}' is not among the allowed webhook destinations (Webhooks:AllowedHosts).");
        }
        return null;
    }
}

/// <summary>
/// The signature of a delivery, as receivers check it: <c>Registry-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c>, where hex
/// is the lowercase HMAC-SHA256, keyed with the subscription's secret, of <c>"{t}.{raw body}"</c> (docs/consuming.md).
/// </summary>
public static class WebhookSignature
{
    public const string Header = "Registry-Signature";
    public const string EventIdHeader = "Registry-Event-Id";
    public const string SubscriptionIdHeader = "Registry-Subscription-Id";

    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{timestamp}.");
        var payload = new byte[prefix.Length + body.Length];
        prefix.CopyTo(payload, 0);
        body.CopyTo(payload.AsSpan(prefix.Length));
        return $"t={timestamp},v1={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), payload))}";
    }
}

/// <summary>
/// Where a delivery may connect. <see cref="WebhookOptions.AllowedHosts"/> names hosts, and whoever runs an allowed
/// name's DNS decides where it points, and may change it between registration, or one delivery, and the next (DNS
/// rebinding). So a name is resolved when the delivery connects, and the connection is made to an address so judged:
/// never the registry's own host (loopback, unspecified), link-local (169.254.0.0/16 holds cloud metadata services,
/// fe80::/10), another known metadata service's address or multicast. Private addresses are allowed: an internal mirror has them. An address listed in AllowedHosts itself is the operator's choice and is connected to as
/// listed. Through an egress proxy (HTTP_PROXY) the proxy resolves the name, and its own rules apply.
/// </summary>
public static class WebhookDestinations
{
    /// <summary>The connection of a delivery (<see cref="SocketsHttpHandler.ConnectCallback"/>), to a judged address only.</summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var endpoint = context.DnsEndPoint;
        IPAddress[] addresses;
        if (IPAddress.TryParse(endpoint.Host, out var listed))
        {
            addresses = [listed];
        }
        else
        {
            addresses = await Dns.GetHostAddressesAsync(endpoint.Host, ct);
            // The proxy's own address, when one is configured, is the operator's: only the destination's name is judged.
            if (string.Equals(endpoint.Host, context.InitialRequestMessage.RequestUri?.IdnHost, StringComparison.OrdinalIgnoreCase))
            {
                var judged = addresses.Select(a => (Address: a, Why: RefusedAs(a))).ToList();
                addresses = [.. judged.Where(a => a.Why is null).Select(a => a.Address)];
                if (addresses.Length == 0)
                {
                    throw new HttpRequestException(HttpRequestError.ConnectionError,
                        $"Not connected: '{endpoint.Host}' resolves only to addresses a webhook may not reach ({string.Join(", ", judged.Select(r => $"{r.Address}: {r.Why}"))}).");
                }
            }
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endpoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // Cloud metadata services outside the link-local ranges: AWS's over IPv6 (in fd00::/8, private addresses an internal
    // mirror may have) and Alibaba Cloud's (in 100.64.0.0/10, likewise).
    private static readonly IPAddress[] MetadataServices = [IPAddress.Parse("fd00:ec2::254"), IPAddress.Parse("100.100.100.200")];

    /// <summary>Why a name's address may not be connected to (<c>loopback</c>, <c>link-local</c>, …), or null.</summary>
    public static string? RefusedAs(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (MetadataServices.Any(m => m.Equals(address)))
        {
            return "a cloud metadata service";
        }
        if (IPAddress.IsLoopback(address))
        {
            return "loopback";
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] switch
            {
                0 => "unspecified",
                169 when b[1] == 254 => "link-local",
                >= 224 => "multicast or broadcast",
                _ => null,
            };
        }
        if (address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6None))
        {
            return "unspecified";
        }
        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal ? "link-local" : address.IsIPv6Multicast ? "multicast" : null;
    }
}

public static class WebhookServiceCollectionExtensions
{
    /// <summary>
    /// Options, the HTTP client (no redirects: a receiver cannot bounce a delivery to a host that is not allowed; connections
    /// only to addresses <see cref="WebhookDestinations"/> judged) and the dispatcher.
    /// </summary>
    public static IServiceCollection AddRegistryWebhooks(this IServiceCollection services)
    {
        services.AddValidatedOptions<WebhookOptions>(WebhookOptions.Section);
        services.AddHttpClient(WebhookDispatcher.ClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, ConnectCallback = WebhookDestinations.ConnectAsync })
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan); // the pipeline's per-attempt timeout governs
        services.AddHostedService<WebhookDispatcher>();
        return services;
    }
}
