using System.Text.Json;
using System.Text.Json.Serialization;

namespace StandardsRegistry.Api.Http;

/// <summary>
/// A time in a request body names its offset (<c>Z</c> or <c>±hh:mm</c>, as RFC 3339's date-time does, and as the
/// document's <c>format: date-time</c> says). System.Text.Json reads a time without one (<c>2027-01-01T00:00:00</c>, a
/// date alone) in the host's local time zone, so the same release took effect at another instant on each host: on one
/// at UTC+14, 14 hours before the midnight UTC its release authority meant. Written as System.Text.Json writes it.
/// </summary>
public sealed class TimeWithOffsetConverter : JsonConverter<DateTimeOffset?>
{
    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (reader.TokenType != JsonTokenType.String || !reader.TryGetDateTimeOffset(out var time))
        {
            throw new JsonException(); // answered as a value of the wrong type, like any other
        }
        var text = reader.GetString()!;
        var clock = text.IndexOf('T', StringComparison.Ordinal);
        if (clock < 0 || !(text.EndsWith('Z') || text.EndsWith('z') || text.IndexOfAny(['+', '-'], clock) > 0))
        {
            throw new JsonException("A time must name its offset from UTC (Z or ±hh:mm), e.g. 2026-11-25T14:00:00Z.");
        }
        return time;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        if (value is { } time)
        {
            writer.WriteStringValue(time);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
