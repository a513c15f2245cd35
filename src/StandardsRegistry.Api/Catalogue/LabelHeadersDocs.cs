using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace StandardsRegistry.Api.Catalogue;

/// <summary>The OpenAPI description of the label headers an edition is served with (<see cref="ConfidentialityLabels.AddHeaders"/>).</summary>
public static class LabelHeadersDocs
{
    private const string Description =
        "The response binds the edition's confidentiality label: `Confidentiality-Label` carries its marking in the caller's scheme "
        + "(policy and classification, and for EU readers the EU equivalent), and `Link` (rel=\"describedby\") points at the full label. "
        + "See docs/confidentiality-labels.md.";

    /// <summary>The operation's description says what the headers bind, and its 200 response declares them.</summary>
    public static RouteHandlerBuilder WithLabelHeaders(this RouteHandlerBuilder builder) =>
        builder.WithDescription(Description).AddOpenApiOperationTransformer(DocumentLabelHeaders);

    private static Task DocumentLabelHeaders(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        if (operation.Responses?.TryGetValue("200", out var ok) == true && ok is OpenApiResponse response)
        {
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers[ConfidentialityLabels.HeaderName] = new OpenApiHeader
            {
                Description = "The edition's marking as an RFC 9651 dictionary: policy, classification, and for EU readers equivalent-policy and equivalent-classification.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            };
            response.Headers["Link"] = new OpenApiHeader
            {
                Description = "rel=\"describedby\": the edition's full confidentiality label (GET …/label).",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            };
        }
        return Task.CompletedTask;
    }
}
