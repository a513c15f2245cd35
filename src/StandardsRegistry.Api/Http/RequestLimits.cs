using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using StandardsRegistry.Data;
using StandardsRegistry.Api.Security;

namespace StandardsRegistry.Api.Http;

/// <summary>The <c>RateLimiting</c> section: a token bucket per principal (per client address for anonymous callers).</summary>
public sealed class RateLimitingOptions
{
    public const string Section = "RateLimiting";

    /// <summary>Requests a principal may make per second, sustained.</summary>
    [Range(1, int.MaxValue)]
    public int PermitsPerSecond { get; set; } = 50;

    /// <summary>Requests a principal may make at once, after being idle.</summary>
    [Range(1, int.MaxValue)]
    public int Burst { get; set; } = 100;

    /// <summary>
    /// Exports a principal may stream at once (<see cref="RequestLimits.StreamsPolicy"/>). Each holds a connection of the
    /// streams' pool (<c>Database:StreamPoolSize</c>) for as long as its client reads, with no request timeout: keep it
    /// below the pool's size, so one caller reading slowly cannot take every connection the others' exports need.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int ConcurrentStreams { get; set; } = 2;
}

/// <summary>The <c>RequestTimeout</c> section: how long a request may run before it is answered 503.</summary>
public sealed class RequestTimeoutSettings
{
    public const string Section = "RequestTimeout";

    /// <summary>Longer than the database pipeline's own 10 s, so a slow database answers its own 503 first.</summary>
    [Range(0.001, 3600)]
    public double Seconds { get; set; } = 15;
}

/// <summary>
/// What bounds a request: its headers and body size, how often a principal may ask, how long a request may run, and
/// the headers every response carries.
/// </summary>
public static class RequestLimits
{
    /// <summary>
    /// Request headers larger than this (names and values together) or more of them than <see cref="MaxHeaderCount"/>
    /// are refused by the app with a 431 problem. Kestrel's own limits sit above these, so it answers first (an empty
    /// 431) only for requests far beyond them.
    /// </summary>
    public const int MaxHeaderBytes = 16 * 1024;

    public const int MaxHeaderCount = 64;

    public const int KestrelMaxHeaderBytes = 32 * 1024;

    public const int KestrelMaxHeaderCount = 100;

    /// <summary>
    /// The rate-limiting policy of a route that streams for as long as its client reads (the export): at most
    /// <see cref="RateLimitingOptions.ConcurrentStreams"/> at once per principal, partitioned as the global limit is;
    /// beyond it, 429 with <c>Retry-After</c> at once rather than a wait for a connection of the streams' pool.
    /// </summary>
    public const string StreamsPolicy = "streams";

    public static WebApplicationBuilder AddRequestLimits(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = Domain.Limits.RequestBodyBytes;
            k.Limits.MaxRequestHeadersTotalSize = KestrelMaxHeaderBytes;
            k.Limits.MaxRequestHeaderCount = KestrelMaxHeaderCount;
        });

        services.AddValidatedOptions<RateLimitingOptions>(RateLimitingOptions.Section);
        services.AddValidatedOptions<RequestTimeoutSettings>(RequestTimeoutSettings.Section);

        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitingOptions>>((o, settings) =>
        {
            var limits = settings.Value;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => RateLimitPartition.GetTokenBucketLimiter(
                PartitionOf(context),
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limits.Burst,
                    TokensPerPeriod = limits.PermitsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            o.AddPolicy(StreamsPolicy, context => RateLimitPartition.GetConcurrencyLimiter(
                PartitionOf(context),
                _ => new ConcurrencyLimiterOptions { PermitLimit = limits.ConcurrentStreams, QueueLimit = 0 }));
            o.OnRejected = RejectAsync;
        });

        services.AddRequestTimeouts(_ => { });
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<RequestTimeoutSettings>>((o, settings) =>
            o.DefaultPolicy = new RequestTimeoutPolicy
            {
                Timeout = TimeSpan.FromSeconds(settings.Value.Seconds),
                // 503, not the middleware's default 504: the registry is no gateway; a request that ran out of time
                // is the same "cannot serve now, retry" as a database that is down, with the same Retry-After.
                TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
                WriteTimeoutResponse = context => WriteProblemAsync(context, StatusCodes.Status503ServiceUnavailable,
                    $"The request took longer than {settings.Value.Seconds.ToString(CultureInfo.InvariantCulture)} s and was stopped; retry later.",
                    ExceptionProblems.RetryAfterSeconds),
            });

        services.AddHsts(o => o.MaxAge = TimeSpan.FromDays(365));
        // HTTPS redirection reads HTTPS_PORT itself and, when it does not parse, only logs a warning and redirects
        // nothing: plain HTTP would be served without HSTS. Refused at start instead, in every environment.
        // And taken into its options, which the middleware reads when the pipeline is built, at start: left to it, it read
        // HTTPS_PORT at the first plain HTTP request, so a value edited into appsettings.json before then was used (an
        // unparsable one redirecting nothing), against "every setting is read at start" (README, Configuration).
        services.AddOptions<Microsoft.AspNetCore.HttpsPolicy.HttpsRedirectionOptions>()
            .Configure<IConfiguration>((o, configuration) =>
            {
                if (int.TryParse(configuration["HTTPS_PORT"], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
                {
                    o.HttpsPort = port;
                }
            })
            // Given, it must have been read as a port above.
            .Validate<IConfiguration>(
                (o, configuration) => configuration["HTTPS_PORT"] is null || o.HttpsPort is >= 1 and <= 65535,
                "HTTPS_PORT must be a port number from 1 to 65535.")
            .ValidateOnStart();
        return builder;
    }

    /// <summary>
    /// The response header naming the request as the audit trail does (an entry's <c>requestId</c>): a caller quotes it
    /// to the registry's operators, who find the request's entry by it. Different for every request, so no answer's
    /// content depends on it.
    /// </summary>
    public const string RequestIdHeader = "Registry-Request-Id";

    /// <summary>Where the API's routes live (the catalogue page, Swagger UI, the OpenAPI document and health are outside).</summary>
    private static readonly PathString ApiPath = "/v1";

    /// <summary>
    /// First in the pipeline: the request's id (<see cref="HttpContext.TraceIdentifier"/>, which the audit entry records
    /// and <see cref="RequestIdHeader"/> sends) is 128 random bits. Kestrel's own is its connection counter and the
    /// request's number on the connection: sent to callers, the difference of two would tell anyone how many
    /// connections other people opened in between.
    /// </summary>
    public static Task AssignRequestId(HttpContext context, RequestDelegate next)
    {
        context.TraceIdentifier = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        return next(context);
    }

    /// <summary>
    /// Every response says nosniff and carries its request id, the one its audit entry records (<see cref="RequestIdHeader"/>),
    /// both set when the response starts, so handlers that clear the response keep them; an answer of the API that does
    /// not say how it may be cached (a read without an ETag, a problem, a write's answer) is <c>no-store</c>; outside
    /// Development, plain HTTP is redirected to HTTPS and HTTPS answers carry HSTS.
    /// </summary>
    public static WebApplication UseResponseHardening(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var context = (HttpContext)state;
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers[RequestIdHeader] = context.TraceIdentifier;
                // Reads with an ETag say public or private, always revalidated (ETags.WriteAsync). The rest of the API said
                // nothing, so any cache could keep them — raw targets, the audit trail, an anonymous 404 it would then
                // serve to an identified caller — and judge their freshness by itself.
                if (!headers.ContainsKey(Microsoft.Net.Http.Headers.HeaderNames.CacheControl) && context.Request.Path.StartsWithSegments(ApiPath))
                {
                    headers.CacheControl = "no-store";
                }
                // Routing lists the methods of a route that refuses the one asked for; every GET route also answers HEAD
                // (HeadRequests), which routing never sees declared.
                if (context.Response.StatusCode == StatusCodes.Status405MethodNotAllowed && headers.Allow is [var allow]
                    && allow!.Split(", ") is var methods && methods.Contains(HttpMethods.Get) && !methods.Contains(HttpMethods.Head))
                {
                    headers.Allow = $"{allow}, {HttpMethods.Head}";
                }
                return Task.CompletedTask;
            }, context);
            return next(context);
        });
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
            app.UseHttpsRedirection();
        }
        return app;
    }

    /// <summary>Headers over the app's limits are refused (431) before anything reads them.</summary>
    public static Task RefuseOversizedHeaders(HttpContext context, RequestDelegate next)
    {
        var headers = context.Request.Headers;
        var bytes = 0L;
        foreach (var (name, values) in headers)
        {
            bytes += name.Length;
            foreach (var value in values)
            {
                bytes += value?.Length ?? 0;
            }
        }
        if (bytes > MaxHeaderBytes || headers.Count > MaxHeaderCount)
        {
            throw new BadHttpRequestException(
                $"The request headers are too large: at most {MaxHeaderCount} headers and {MaxHeaderBytes} bytes in all.",
                StatusCodes.Status431RequestHeaderFieldsTooLarge);
        }
        return next(context);
    }

    /// <summary>
    /// A body whose declared length is over the limit is refused before it is read (413); Kestrel's own
    /// MaxRequestBodySize stops bodies that do not declare a length.
    /// </summary>
    public static Task RefuseOversizedBodies(HttpContext context, RequestDelegate next)
    {
        if (context.Request.ContentLength > Domain.Limits.RequestBodyBytes)
        {
            throw new BadHttpRequestException($"The request body is larger than {Domain.Limits.RequestBodyBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
        }
        return next(context);
    }

    /// <summary>After authentication (so a token's subject is known) and before a request does any work.</summary>
    public static WebApplication UseRateAndTimeLimits(this WebApplication app)
    {
        app.UseRateLimiter();
        app.UseRequestTimeouts();
        return app;
    }

    /// <summary>
    /// A valid token's issuer, subject and community; anyone else (anonymous, or a token that failed validation and is about
    /// to be refused) by client address, so broken tokens cannot be used to dodge the limit.
    /// </summary>
    private static string PartitionOf(HttpContext context) =>
        context.User.Identity is RegistryIdentity { Principal: var principal, Issuer: var issuer }
            // The issuer too, length-prefixed so no issuer and subject run into each other: a subject names a principal
            // only within its issuer, and keyed by subject alone, a caller of another configured issuer that used the same
            // sub spent (and was refused by) the other's bucket.
            ? string.Create(CultureInfo.InvariantCulture, $"sub:{issuer.Length}:{issuer}|{principal.Subject}|{principal.Community}")
            : $"ip:{context.Connection.RemoteIpAddress}";

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken ct)
    {
        rejected.HttpContext.RequestServices.GetRequiredService<RegistryMetrics>().RateLimited(rejected.HttpContext.User.Identity is not RegistryIdentity);
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
        await WriteProblemAsync(rejected.HttpContext, StatusCodes.Status429TooManyRequests,
            $"Too many requests from this caller; retry after {seconds} second(s).", seconds);
    }

    private static async Task WriteProblemAsync(HttpContext context, int status, string detail, int retryAfterSeconds)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Detail = detail },
        });
    }
}
