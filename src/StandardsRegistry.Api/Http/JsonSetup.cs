using System.Text.Json.Serialization;

namespace StandardsRegistry.Api.Http;

public static class JsonSetup
{
    /// <summary>The one JSON convention of requests and responses: camelCase, nulls left out, strict about what a body may hold.</summary>
    public static IServiceCollection AddRegistryJson(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            o.SerializerOptions.MaxDepth = 32;
            // A property given twice (top level or inside attributes, names compared as the binder compares them) is
            // a 400 naming it, not a silent last-wins.
            o.SerializerOptions.AllowDuplicateProperties = false;
            o.SerializerOptions.Converters.Add(new StrictJsonObjectConverter());
        });
}
