using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.OpenApi;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Http;

/// <summary>The registry's one OpenAPI document: how it is generated, and where it and Swagger UI are served.</summary>
public static class OpenApiSetup
{
    /// <summary>The name of the registry's one OpenAPI document (<c>/openapi/v1.json</c>).</summary>
    public const string OpenApiDocument = "v1";

    /// <summary>The output-cache policy that keeps the generated document (see <see cref="MapRegistryOpenApi"/>).</summary>
    private const string DocumentCache = "openapi-document";

    /// <summary>Where Swagger UI is served.</summary>
    private const string SwaggerPath = "/swagger";

    /// <summary>
    /// Swagger UI is a page like the catalogue's, under its policy. Swashbuckle's index.html loads its scripts and styles
    /// from files beside it (index.js holds the settings) and has nothing inline; once running, Swagger UI writes one
    /// style element of its own, the colours of its logo (an inline SVG), allowed by its hash and nothing else.
    /// tests/browser checks that Swagger UI draws under it with nothing refused. (oauth2-redirect.html, which has an
    /// inline script, serves OAuth2 flows; the registry's scheme is a bearer token, so nothing opens it.)
    /// </summary>
    private static readonly string SwaggerUiPolicy = CataloguePage.ContentSecurityPolicy(".logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}");

    public static IServiceCollection AddRegistryOpenApi(this IServiceCollection services) =>
        services
            // The framework generates the document anew on every request (tens of milliseconds of CPU, unauthenticated):
            // it is the same for every caller, so the first one generated is kept, as ASP.NET Core's documentation
            // advises, with output caching. Its default policy never caches a request that carries a token; this one
            // does (KeepTheDocument).
            .AddOutputCache(o => o.AddPolicy(DocumentCache, new KeepTheDocument()))
            .AddOpenApi(OpenApiDocument, o =>
        {
            // The strict converter hides JsonObject's shape from the schema generator, and a stored one is written as its
            // text: both are still an object, the one schema named JsonObject.
            o.CreateSchemaReferenceId = type => type.Type == typeof(StoredJsonObject)
                ? nameof(JsonObject)
                : OpenApiOptions.CreateDefaultSchemaReferenceId(type);
            o.AddSchemaTransformer((schema, context, _) =>
            {
                if (context.JsonTypeInfo.Type == typeof(JsonObject) || context.JsonTypeInfo.Type == typeof(StoredJsonObject))
                {
                    schema.Type = JsonSchemaType.Object;
                }
                // The same for a time read by TimeWithOffsetConverter: still a nullable date-time string.
                if (context.JsonPropertyInfo?.CustomConverter is TimeWithOffsetConverter)
                {
                    schema.Type = JsonSchemaType.Null | JsonSchemaType.String;
                    schema.Format = "date-time";
                }
                return Task.CompletedTask;
            });
            // Who may call: a route with an authorization policy needs a bearer token; every other route reads as the
            // token's principal, or as PUBLIC without one (the empty requirement).
            o.AddOperationTransformer((operation, context, _) =>
            {
                var bearer = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("Bearer", context.Document)] = [] };
                var needsToken = context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Any();
                operation.Security = needsToken ? [bearer] : [new OpenApiSecurityRequirement(), bearer];
                return Task.CompletedTask;
            });
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Standards Registry",
                    Version = "v1",
                    Description = "NATO standards, their editions and markings, and the releases that decide which editions each audience may retrieve.",
                };
                // Where the README's walkthrough runs; a client generated from the document points there unless told otherwise.
                document.Servers = [new OpenApiServer { Url = RegistryHost.DefaultUrl, Description = "A local instance, as the README starts it" }];
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "Claims: sub (exactly one), community (NATO, EU, INDUSTRY, ...: exactly one), clearance (a NATO or EU marking; none reads NU), "
                        + $"role ({string.Join(", ", Roles.All.Order(StringComparer.Ordinal))}; others grant nothing), nation (a NATO caller that speaks for a nation: a delegate records its responses, a planner its targets). "
                        + "A token that names a claim twice or in another case is refused (401). Without a token you read as PUBLIC.",
                };
                return Task.CompletedTask;
            });
            o.AddDocumentTransformer(SentSchemas.Apply);
            o.AddOperationTransformer(DocumentedHeaders.DeclareOnResponses);
            o.AddDocumentTransformer(DocumentedHeaders.DeclareComponents);
        });

    public static WebApplication MapRegistryOpenApi(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").CacheOutput(DocumentCache).Add(endpoint =>
        {
            // A document name the registry does not have is a problem like every other 404 (the framework's is plain text).
            var document = endpoint.RequestDelegate!;
            endpoint.RequestDelegate = context => AsksForTheDocument(context)
                ? document(context)
                : Problems.Status(StatusCodes.Status404NotFound, $"There is no OpenAPI document of that name; the registry's is /openapi/{OpenApiDocument}.json.").ExecuteAsync(context);
        });
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(SwaggerPath))
            {
                CataloguePage.AddPageHeaders(context.Response.Headers, SwaggerUiPolicy);
            }
            return next(context);
        });
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint($"/openapi/{OpenApiDocument}.json", "Standards Registry v1");
            o.RoutePrefix = SwaggerPath[1..];
        });
        return app;
    }

    /// <summary>Whether a request on the document route names the registry's one document.</summary>
    private static bool AsksForTheDocument(HttpContext context) =>
        context.Request.RouteValues["documentName"] as string == OpenApiDocument;

    /// <summary>
    /// Keeps the registry's one document, whoever asks (a token changes nothing in it) and by whatever host name (the
    /// document names its server itself), for the life of the process; anything else on the route (a 404 for another
    /// name) is answered afresh.
    /// </summary>
    private sealed class KeepTheDocument : IOutputCachePolicy
    {
        public ValueTask CacheRequestAsync(OutputCacheContext context, CancellationToken cancellation)
        {
            var keep = AsksForTheDocument(context.HttpContext);
            context.EnableOutputCaching = keep;
            context.AllowCacheLookup = keep;
            context.AllowCacheStorage = keep;
            context.AllowLocking = keep;
            // The cache's key holds the Host header by default, which the caller chooses: each made-up name would be
            // generated anew, and kept.
            context.CacheVaryByRules.VaryByHost = false;
            context.ResponseExpirationTimeSpan = TimeSpan.FromDays(365);
            return ValueTask.CompletedTask;
        }

        public ValueTask ServeFromCacheAsync(OutputCacheContext context, CancellationToken cancellation) => ValueTask.CompletedTask;

        public ValueTask ServeResponseAsync(OutputCacheContext context, CancellationToken cancellation)
        {
            context.AllowCacheStorage &= context.HttpContext.Response.StatusCode == StatusCodes.Status200OK;
            return ValueTask.CompletedTask;
        }
    }
}
