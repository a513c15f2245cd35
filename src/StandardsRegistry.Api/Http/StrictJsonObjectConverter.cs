using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace StandardsRegistry.Api.Http;

/// <summary>
/// Reads a free-form JSON object of a request (a draft's <c>attributes</c>) refusing a property name given twice at
/// any depth, names compared regardless of case as the rest of the body's are: <c>{"lowMHz":1,"LOWMHZ":2}</c> has no
/// single meaning. (Left to itself, <see cref="JsonObject"/> throws an <see cref="ArgumentException"/> on an exact
/// duplicate — a 500 — and keeps both spellings of a case variant.) Writes as usual.
/// </summary>
public sealed class StrictJsonObjectConverter : JsonConverter<JsonObject>
{
    public override JsonObject? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("The value could not be converted: a JSON object is expected.");
        }
        RefuseDuplicates(document.RootElement);
        return JsonObject.Create(document.RootElement.Clone());
    }

    public override void Write(Utf8JsonWriter writer, JsonObject value, JsonSerializerOptions options) => value.WriteTo(writer, options);

    private static void RefuseDuplicates(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var property in element.EnumerateObject())
                {
                    if (!names.Add(property.Name))
                    {
                        throw new JsonException($"Duplicate property '{property.Name}' encountered.");
                    }
                    RefuseDuplicates(property.Value);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    RefuseDuplicates(item);
                }
                break;
        }
    }
}
