using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace StandardsRegistry.Api.Http;

/// <summary>
/// Makes the document's response schemas say what the service sends. The JSON writer omits a null value
/// (<c>JsonIgnoreCondition.WhenWritingNull</c>; problem details do the same), so a property that can be absent is never
/// sent as <c>null</c>: in every schema a response uses, such a property is not <c>required</c> and its type has no
/// <c>null</c>. Numbers are written as numbers, so the <c>"integer"|"string"</c> the generator declares for numbers
/// (the reader accepts numeric strings) is only <c>integer</c> or <c>number</c> there. Request schemas are left as
/// generated: the reader takes a null and an absent property alike.
/// </summary>
public static class SentSchemas
{
    public static Task Apply(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        if (document.Components?.Schemas is not { } components)
        {
            return Task.CompletedTask;
        }
        var sent = new HashSet<string>(StringComparer.Ordinal);
        foreach (var operation in document.Paths.Values.SelectMany(path => path.Operations?.Values.AsEnumerable() ?? []))
        {
            foreach (var media in (operation.Responses?.Values.AsEnumerable() ?? []).SelectMany(response => response.Content?.Values ?? []))
            {
                Collect(media.Schema, components, sent);
            }
        }
        foreach (var name in sent)
        {
            if (components[name] is OpenApiSchema schema)
            {
                Tighten(schema);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>The names of the component schemas a response schema uses, directly or through others.</summary>
    private static void Collect(IOpenApiSchema? schema, IDictionary<string, IOpenApiSchema> components, HashSet<string> sent)
    {
        switch (schema)
        {
            case OpenApiSchemaReference { Reference.Id: { } id }:
                if (sent.Add(id) && components.TryGetValue(id, out var target))
                {
                    Collect(target, components, sent);
                }
                break;
            case OpenApiSchema inline:
                foreach (var part in Parts(inline))
                {
                    Collect(part, components, sent);
                }
                break;
        }
    }

    private static IEnumerable<IOpenApiSchema> Parts(OpenApiSchema schema) =>
        (schema.Properties?.Values ?? []).Concat(schema.OneOf ?? []).Concat(schema.AnyOf ?? []).Concat(schema.AllOf ?? [])
            .Append(schema.Items).Append(schema.AdditionalProperties).OfType<IOpenApiSchema>();

    private static void Tighten(OpenApiSchema schema)
    {
        Numbers(schema);
        foreach (var (name, property) in schema.Properties?.ToList() ?? [])
        {
            if (property is OpenApiSchema { Type: { } type } nullable && type.HasFlag(JsonSchemaType.Null))
            {
                nullable.Type = type & ~JsonSchemaType.Null;
                schema.Required?.Remove(name);
            }
            else if (property is OpenApiSchema { OneOf: [OpenApiSchema { Type: JsonSchemaType.Null }, var value] })
            {
                // A nullable reference (oneOf null or the referenced schema) is the reference, absent when null.
                schema.Properties![name] = value;
                schema.Required?.Remove(name);
            }
        }
        foreach (var part in Parts(schema).OfType<OpenApiSchema>())
        {
            Tighten(part);
        }
    }

    /// <summary>A number the reader would also take as a numeric string is written as a number.</summary>
    private static void Numbers(OpenApiSchema schema)
    {
        if (schema.Type is { } type && type.HasFlag(JsonSchemaType.String) && (type.HasFlag(JsonSchemaType.Integer) || type.HasFlag(JsonSchemaType.Number)))
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }
    }
}
