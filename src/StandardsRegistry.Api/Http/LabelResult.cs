using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using StandardsRegistry.Api.Catalogue;

namespace StandardsRegistry.Api.Http;

public enum LabelFormat
{
    Xml,
    Json,
}

/// <summary>
/// A confidentiality label in the representation the caller asked for (<c>application/xml</c>, the STANAG 4774 form,
/// or <c>application/json</c>), with a strong ETag over the bytes sent and the same caching rules as
/// <see cref="ETagged{T}"/>; <c>Vary</c> names Accept as well as Authorization.
/// </summary>
public sealed class LabelResult(ConfidentialityMetadataDto label, LabelFormat format)
    : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<ConfidentialityMetadataDto>
{
    public const string XmlMediaType = "application/xml";
    public const string JsonMediaType = "application/json";
    public const string NotAcceptableDetail = "The label is available as application/xml (STANAG 4774) or application/json.";

    // Server preference on equal quality and specificity: the STANAG 4774 form first.
    private static readonly (string Type, string SubType, LabelFormat Format)[] Offers =
        [("application", "xml", LabelFormat.Xml), ("application", "json", LabelFormat.Json)];

    public ConfidentialityMetadataDto Value => label;

    object? IValueHttpResult.Value => label;

    public LabelFormat Format => format;

    public int? StatusCode => StatusCodes.Status200OK;

    /// <summary>
    /// The representation for an Accept header: each offer takes the quality of the most specific range that matches
    /// it (RFC 9110 §12.5.1); the highest quality wins, then the more specific match, then the server's order.
    /// No Accept header means anything; null when nothing offered is acceptable (406).
    /// </summary>
    public static LabelFormat? Negotiate(StringValues accept)
    {
        if (StringValues.IsNullOrEmpty(accept) || accept.All(string.IsNullOrWhiteSpace))
        {
            return LabelFormat.Xml;
        }
        if (!MediaTypeHeaderValue.TryParseList(accept, out var ranges))
        {
            return null;
        }
        (double Quality, int Specificity, LabelFormat Format)? best = null;
        foreach (var (type, subtype, offered) in Offers)
        {
            // The most specific range that matches this offer decides its quality.
            var match = ranges
                .Select(r => (Range: r, Specificity: Specificity(r, type, subtype)))
                .Where(m => m.Specificity is not null)
                .OrderByDescending(m => m.Specificity)
                .Select(m => (Quality: m.Range.Quality ?? 1.0, Specificity: m.Specificity!.Value))
                .Cast<(double Quality, int Specificity)?>()
                .FirstOrDefault();
            if (match is not { Quality: > 0 } m)
            {
                continue;
            }
            if (best is not { } b || m.Quality > b.Quality || (m.Quality == b.Quality && m.Specificity > b.Specificity))
            {
                best = (m.Quality, m.Specificity, offered);
            }
        }
        return best?.Format;
    }

    /// <summary>2 for an exact type/subtype, 1 for type/*, 0 for */*; null when the range does not match. Parameters are ignored.</summary>
    private static int? Specificity(MediaTypeHeaderValue range, string type, string subtype)
    {
        if (range.MatchesAllTypes)
        {
            return 0;
        }
        if (!range.Type.Equals(type, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        if (range.MatchesAllSubTypes)
        {
            return 1;
        }
        return range.SubType.Equals(subtype, StringComparison.OrdinalIgnoreCase) ? 2 : null;
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        byte[] body;
        string contentType;
        if (format == LabelFormat.Xml)
        {
            body = ConfidentialityLabels.ToXml(label);
            contentType = "application/xml; charset=utf-8";
        }
        else
        {
            var options = httpContext.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
            body = JsonSerializer.SerializeToUtf8Bytes(label, options);
            contentType = "application/json; charset=utf-8";
        }
        await ETags.WriteAsync(httpContext, body, contentType, new StringValues([HeaderNames.Authorization, HeaderNames.Accept]));
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(ConfidentialityMetadataDto), [XmlMediaType, JsonMediaType]));
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status304NotModified, typeof(void)));
        builder.Metadata.Add(ETags.Sent);
    }
}
