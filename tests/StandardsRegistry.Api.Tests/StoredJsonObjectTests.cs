using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StandardsRegistry.Api.Http;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// A version's attributes are served as their stored text: the bytes are those the former parse and re-serialise gave,
/// so a version's ETag does not change with the way it is written.
/// </summary>
public sealed class StoredJsonObjectTests
{
    [Theory]
    [InlineData("""{"lowMHz":7250,"highMHz":8400}""")]
    [InlineData("""{ "calibreMm" : 5.560, "rounds": [1, 2.50, -0e3], "nested": {"a": null, "b": true} }""")]
    [InlineData("""{"name":"Très secret <UE> & \"quoted\" \\ back\u00e9 \ud83d\ude00 +/","empty":{},"list":[]}""")]
    [InlineData("""{"messageFormat":"line\nbreak\ttab","x":1E+2}""")]
    [InlineData("""{"band":"C-band (NATO G/H)","bits":[0,1],"ratio":0.125,"ok":false}""")]
    public void TheStoredTextIsWrittenAsTheRoundTripWroteIt(string requestAttributes)
    {
        var options = HostJsonOptions();
        // As a draft is stored: bound by the host's converter, then saved as JsonObject.ToJsonString().
        var stored = JsonSerializer.Deserialize<JsonObject>(requestAttributes, options)!.ToJsonString();

        var roundTrip = JsonSerializer.Serialize(JsonNode.Parse(stored)!.AsObject(), options);
        var served = JsonSerializer.Serialize(new StoredJsonObject(stored), options);

        Assert.Equal(roundTrip, served);
    }

    [Fact]
    public void ADamagedStoredTextIsNeverSentAsHalfADocument() =>
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Serialize(new StoredJsonObject("""{"a":"""), HostJsonOptions()));

    private static JsonSerializerOptions HostJsonOptions()
    {
        var builder = WebApplication.CreateBuilder();
        builder.AddRegistryHost();
        using var app = builder.Build();
        return app.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
    }
}
