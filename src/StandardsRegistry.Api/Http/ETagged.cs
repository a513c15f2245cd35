using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace StandardsRegistry.Api.Http;

/// <summary>
/// A 200 JSON response with a strong ETag computed from the bytes the caller receives, so the tag is derived
/// only from what that caller can see; <c>If-None-Match</c> answers 304. Anonymous responses may be cached by
/// shared caches (always revalidated), identified callers' responses are private.
/// </summary>
public sealed class ETagged<T>(T value) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<T>
{
    public T Value => value;

    object? IValueHttpResult.Value => value;

    public int? StatusCode => StatusCodes.Status200OK;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var options = httpContext.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        await ETags.WriteAsync(httpContext, JsonSerializer.SerializeToUtf8Bytes(value, options), "application/json; charset=utf-8", HeaderNames.Authorization);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), ["application/json"]));
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status304NotModified, typeof(void)));
        builder.Metadata.Add(ETags.Sent);
    }
}

public static class ETags
{
    /// <summary>What <see cref="WriteAsync"/> sends, as endpoint metadata: the ETag, on the 200 and on the 304.</summary>
    public static readonly SentHeader Sent = new(HeaderNames.ETag, StatusCodes.Status200OK, StatusCodes.Status304NotModified);

    /// <summary>A strong entity tag: a truncated SHA-256 of the representation.</summary>
    public static string Of(ReadOnlySpan<byte> representation)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(representation, hash);
        return $"\"{Convert.ToBase64String(hash[..16]).TrimEnd('=').Replace('+', '-').Replace('/', '_')}\"";
    }

    /// <summary>
    /// Whether a conditional header (a list of tags, or <c>*</c>) holds the current tag: by strong comparison for
    /// <c>If-Match</c>, by weak comparison (<paramref name="weak"/>: <c>W/"x"</c> matches <c>"x"</c>) for
    /// <c>If-None-Match</c>, as RFC 9110 §13.1.1–2 require.
    /// </summary>
    public static bool Matches(Microsoft.Extensions.Primitives.StringValues header, string etag, bool weak = false)
    {
        foreach (var value in header)
        {
            if (EntityTagHeaderValue.TryParseList(value?.Split(',') ?? [], out var tags))
            {
                if (tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || ((weak || !t.IsWeak) && t.Tag.Equals(etag, StringComparison.Ordinal))))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>
    /// Whether an <c>If-Match</c> names no state the client read: absent or blank, or holding <c>*</c> (alone or in a
    /// list), which says only "any current representation".
    /// </summary>
    public static bool NamesNoState(Microsoft.Extensions.Primitives.StringValues header) =>
        header.All(string.IsNullOrWhiteSpace)
        || header.Any(value => EntityTagHeaderValue.TryParseList(value?.Split(',') ?? [], out var tags) && tags.Any(t => t.Equals(EntityTagHeaderValue.Any)));

    /// <summary>
    /// Writes a 200 representation with its strong ETag and the caching rules of every read (anonymous: shareable but
    /// always revalidated; identified: private), or a 304 when <c>If-None-Match</c> already holds the tag. A content
    /// read's 200 leaves only after its audit entry is committed.
    /// </summary>
    public static async Task WriteAsync(HttpContext httpContext, byte[] body, string contentType, Microsoft.Extensions.Primitives.StringValues vary)
    {
        var etag = Of(body);
        var response = httpContext.Response;
        response.Headers.ETag = etag;
        response.Headers.CacheControl = httpContext.User.Identity?.IsAuthenticated == true ? "private, no-cache" : "public, no-cache";
        response.Headers.Vary = vary;

        if (Matches(httpContext.Request.Headers.IfNoneMatch, etag, weak: true))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        response.StatusCode = StatusCodes.Status200OK;
        // Record, then release: a content read's entry commits before a byte of it is sent (else this throws, and the
        // caller gets the 503 problem instead).
        await Audit.AuditRecording.ReleaseAsync(httpContext);
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, httpContext.RequestAborted);
    }

    /// <summary>The strong tag of a value as it would be served.</summary>
    public static string Of<T>(T value, JsonSerializerOptions options) => Of(JsonSerializer.SerializeToUtf8Bytes(value, options));
}
