using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Microsoft.Net.Http.Headers;
using StandardsRegistry.Api.Catalogue;

namespace StandardsRegistry.Api.Http;

/// <summary>
/// Endpoint metadata: the endpoint's responses of these statuses always carry the header <paramref name="Name"/> (one
/// of <see cref="DocumentedHeaders.Described"/>), and the OpenAPI document declares it there.
/// </summary>
public sealed record SentHeader(string Name, params int[] Statuses);

/// <summary>
/// The headers the registry itself sends, declared in the OpenAPI document on every response that carries them, each
/// once under <c>components/headers</c> and referenced: <c>Registry-Request-Id</c> on every response, <c>Retry-After</c>
/// on 429 and 503, <c>Location</c> on 201 and 307, and the rest where an endpoint's metadata says
/// (<see cref="SentHeader"/>: the result types that write an ETag add <see cref="ETags.Sent"/>). The contract test holds every
/// response to it both ways: a described header the document does not declare for the status is a violation, and so is
/// a declared one that is missing.
/// </summary>
public static class DocumentedHeaders
{
    /// <summary>Every header the document describes, with what it says.</summary>
    public static readonly IReadOnlyDictionary<string, string> Described = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [RequestLimits.RequestIdHeader] = "This request's id (32 hex digits), the `requestId` its audit entry records: quote it to the registry's operators. Different on every request.",
        [HeaderNames.RetryAfter] = "Seconds to wait before trying again.",
        [HeaderNames.Location] = "On 201, the record created or written to; on 307, the same URL over HTTPS.",
        [HeaderNames.ETag] = "The strong entity tag of the representation sent (for a write of an edition, of the edition as the write left it, as its GET would answer): "
            + "send it in `If-None-Match` to revalidate (304), and in `If-Match` to update or publish an edition only if it is unchanged.",
        [FeedApi.CursorHeader] = "The feed cursor the export is consistent with (also on its end line): follow `GET /v1/feed?cursor=…` from it.",
        [ConfidentialityLabels.HeaderName] = "The marking of the edition or capability table served, as an RFC 9651 dictionary: policy, classification, and for EU readers equivalent-policy and equivalent-classification.",
        [HeaderNames.Link] = "rel=\"describedby\": the full confidentiality label of the edition or table served (GET …/label).",
    };

    /// <summary>Declares that the endpoint's responses of <paramref name="statuses"/> carry <paramref name="name"/>.</summary>
    public static TBuilder Sends<TBuilder>(this TBuilder builder, string name, params int[] statuses) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new SentHeader(name, statuses));

    /// <summary>The headers every response of a status carries, whatever the endpoint.</summary>
    private static IEnumerable<string> OnEvery(int status)
    {
        yield return RequestLimits.RequestIdHeader;
        if (status is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
        {
            yield return HeaderNames.RetryAfter;
        }
        if (status is StatusCodes.Status201Created or StatusCodes.Status307TemporaryRedirect)
        {
            yield return HeaderNames.Location;
        }
    }

    /// <summary>Each response of the operation references the headers it carries.</summary>
    public static Task DeclareOnResponses(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var sent = context.Description.ActionDescriptor.EndpointMetadata.OfType<SentHeader>().ToList();
        foreach (var (statusText, declared) in operation.Responses ?? [])
        {
            if (declared is not OpenApiResponse response || !int.TryParse(statusText, out var status))
            {
                continue;
            }
            var names = OnEvery(status).Concat(sent.Where(h => h.Statuses.Contains(status)).Select(h => h.Name)).Distinct(StringComparer.Ordinal);
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            foreach (var name in names)
            {
                response.Headers[name] = new OpenApiHeaderReference(name, context.Document);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>The described headers under <c>components/headers</c>, each required where a response references it.</summary>
    public static Task DeclareComponents(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Headers ??= new Dictionary<string, IOpenApiHeader>();
        foreach (var (name, description) in Described)
        {
            document.Components.Headers[name] = new OpenApiHeader
            {
                Description = description,
                Required = true,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            };
        }
        return Task.CompletedTask;
    }
}
