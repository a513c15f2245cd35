using System.Text.Json;
using System.Text.Json.Serialization;

namespace StandardsRegistry.Api.Http;

/// <summary>
/// A JSON object as the registry stored it (a version's <c>attributes</c>), written into a response as that text: not
/// parsed into a <see cref="System.Text.Json.Nodes.JsonObject"/> and serialised again on every read. The bytes — and so
/// the ETag — are those the round trip gave: the stored text is what <c>JsonObject.ToJsonString()</c> wrote, compact,
/// numbers as sent, and escaped by the default encoder, which escapes everything the responses' (relaxed) encoder does
/// and more. A text without a backslash therefore reads the same under both and is copied as it is; one with an escape
/// (non-ASCII letters, <c>&lt;</c>, <c>&amp;</c>, quotes, …) is re-written by the responses' encoder, as before. In the
/// OpenAPI document it is the same object schema as the JsonObject of a request.
/// </summary>
[JsonConverter(typeof(Converter))]
public sealed class StoredJsonObject(string json)
{
    public string Json => json;

    public sealed class Converter : JsonConverter<StoredJsonObject>
    {
        public override StoredJsonObject Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? new StoredJsonObject(document.RootElement.GetRawText())
                : throw new JsonException("The value could not be converted: a JSON object is expected.");
        }

        /// <summary>Checked as JSON on the way out (a reader's pass, no objects built): a damaged row is never sent as half a document.</summary>
        public override void Write(Utf8JsonWriter writer, StoredJsonObject value, JsonSerializerOptions options)
        {
            if (!value.Json.Contains('\\', StringComparison.Ordinal))
            {
                writer.WriteRawValue(value.Json);
                return;
            }
            using var document = JsonDocument.Parse(value.Json);
            document.RootElement.WriteTo(writer);
        }
    }
}
