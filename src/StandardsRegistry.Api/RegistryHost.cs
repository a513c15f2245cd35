using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.OpenApi;
using StandardsRegistry.Api.Audit;
using StandardsRegistry.Api.Catalogue;
using StandardsRegistry.Api.Http;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Api.Telemetry;
using StandardsRegistry.Api.Webhooks;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api;

/// <summary>The host's cross-cutting setup, so Program.cs reads as a table of contents.</summary>
public static class RegistryHost
{
    /// <summary>The name of the registry's one OpenAPI document (<c>/openapi/v1.json</c>).</summary>
    public const string OpenApiDocument = "v1";

    /// <summary>Where the service listens when nothing else says: the address the README and the sample tokens use.</summary>
    public const string DefaultUrl = "http://localhost:5080";

    public static WebApplicationBuilder AddRegistryHost(this WebApplicationBuilder builder)
    {
        builder.ListenByConvention();
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new RegistryClock(TimeProvider.System));
        services.AddRegistryDatabase();
        services.AddOutcomeStatuses();
        services.AddRegistrySecurity();
        services.AddRegistryAudit();
        services.AddSingleton<SampleCatalogue>();
        services.AddRegistryWebhooks();

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
        // Binding failures (malformed JSON, a non-numeric edition) reach the exception handler, which names the problem.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            // Nothing request-specific in a problem: a 404 for a hidden version must equal the one for an absent one.
            context.ProblemDetails.Extensions.Remove("traceId");
            context.ProblemDetails.Instance = null;
            // Every problem has a type (RFC 9457): the framework's for the statuses it knows, else the RFC that defines the status.
            context.ProblemDetails.Type ??= context.ProblemDetails.Status switch
            {
                StatusCodes.Status413PayloadTooLarge => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
                StatusCodes.Status428PreconditionRequired => "https://tools.ietf.org/html/rfc6585#section-3",
                StatusCodes.Status429TooManyRequests => "https://tools.ietf.org/html/rfc6585#section-4",
                StatusCodes.Status431RequestHeaderFieldsTooLarge => "https://tools.ietf.org/html/rfc6585#section-5",
                _ => "about:blank",
            };
            context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
            {
                StatusCodes.Status401Unauthorized => "Present a valid bearer token (or none, to read as PUBLIC).",
                StatusCodes.Status403Forbidden => "Your community or roles do not allow this operation.",
                _ => null,
            };
        });
        services.AddSingleton<IProblemDetailsWriter, ProblemJsonForAnyAccept>();
        services.AddExceptionHandler<ExceptionProblems>();
        builder.AddRequestLimits();
        builder.AddRegistryTelemetry();

        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<AuditHealthCheck>("audit", tags: ["ready"]);

        services.AddOpenApi(OpenApiDocument, o =>
        {
            // The strict converter hides JsonObject's shape from the schema generator: it is still an object.
            o.AddSchemaTransformer((schema, context, _) =>
            {
                if (context.JsonTypeInfo.Type == typeof(System.Text.Json.Nodes.JsonObject))
                {
                    schema.Type = JsonSchemaType.Object;
                }
                return Task.CompletedTask;
            });
            // Who may call: a route with an authorization policy needs a bearer token; every other route reads as the
            // token's principal, or as PUBLIC without one (the empty requirement).
            o.AddOperationTransformer((operation, context, _) =>
            {
                var bearer = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("Bearer", context.Document)] = [] };
                var needsToken = context.Description.ActionDescriptor.EndpointMetadata.OfType<Microsoft.AspNetCore.Authorization.IAuthorizeData>().Any();
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
                document.Servers = [new OpenApiServer { Url = DefaultUrl, Description = "A local instance, as the README starts it" }];
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "Claims: role (editor, release-authority, consumer, admin), community (NATO, EU, ...), clearance (NATO or EU marking). Without a token you read as PUBLIC.",
                };
                return Task.CompletedTask;
            });
            o.AddDocumentTransformer(SentSchemas.Apply);
        });
        return builder;
    }

    /// <summary>
    /// The .NET conventions decide where to listen — <c>ASPNETCORE_URLS</c>, <c>--urls</c>, <c>Urls</c>,
    /// <c>ASPNETCORE_HTTP_PORTS</c>/<c>HTTPS_PORTS</c>, or Kestrel endpoints in configuration — and
    /// <see cref="DefaultUrl"/> only when none of them is set. (A <c>Urls</c> in appsettings.json would outrank
    /// <c>ASPNETCORE_URLS</c>, which is why the default lives here and not there.)
    /// </summary>
    private static void ListenByConvention(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        string[] conventions = [WebHostDefaults.ServerUrlsKey, WebHostDefaults.HttpPortsKey, WebHostDefaults.HttpsPortsKey];
        if (conventions.All(k => string.IsNullOrWhiteSpace(configuration[k])) && !configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
    }

    public static WebApplication UseRegistryPipeline(this WebApplication app)
    {
        // Before routing: a HEAD is routed as the GET it mirrors.
        app.Use(HeadRequests.AnswerAsGet);
        app.UseRouting();
        // Outermost after routing, so the audit trail records the status the caller finally gets.
        app.UseAuditTrail();
        app.UseResponseHardening();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuditOutageRefusal();
        app.UseCataloguePage();
        app.Use(RequestLimits.RefuseOversizedHeaders);
        app.Use(UrlRules.RefuseMalformedUrls);
        app.Use(RefuseOversizedBodies);
        app.UseAuthentication();
        app.UseRateAndTimeLimits();
        app.UseRejectInvalidCredentials();
        app.UseAuthorization();
        app.UseWritersLane();
        return app;
    }

    public static WebApplication MapRegistryInfrastructure(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").Add(endpoint =>
        {
            // A document name the registry does not have is a problem like every other 404 (the framework's is plain text).
            var document = endpoint.RequestDelegate!;
            endpoint.RequestDelegate = context => context.Request.RouteValues["documentName"] as string == OpenApiDocument
                ? document(context)
                : Problems.Status(StatusCodes.Status404NotFound, $"There is no OpenAPI document of that name; the registry's is /openapi/{OpenApiDocument}.json.").ExecuteAsync(context);
        });
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint($"/openapi/{OpenApiDocument}.json", "Standards Registry v1");
            o.RoutePrefix = "swagger";
        });
        // Load balancers probe health from one address; their probes are not a principal's requests.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).DisableRateLimiting();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteReadiness }).DisableRateLimiting();
        return app;
    }

    /// <summary>The overall status (<c>Healthy</c>, …); when not healthy, a line per failing check saying why.</summary>
    private static Task WriteReadiness(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var text = new System.Text.StringBuilder(report.Status.ToString());
        foreach (var (name, entry) in report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy))
        {
            text.Append('\n').Append(name).Append(": ").Append(entry.Description);
        }
        return context.Response.WriteAsync(text.ToString());
    }

    /// <summary>
    /// The catalogue page at <c>/</c>: static files from wwwroot (no build step, nothing from other origins). It holds
    /// no data; it reads the same /v1 API as any client, with the caller's token, so it shows exactly what the API
    /// shows that caller. The policy below forbids loading or sending anything to another origin.
    /// </summary>
    private static void UseCataloguePage(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.ContentSecurityPolicy =
                    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
                headers["Referrer-Policy"] = "no-referrer";
                headers.CacheControl = "no-cache";
            },
        });
    }

    /// <summary>
    /// Migrates (and, when configured, seeds) before serving; <c>migrate</c> as the first argument migrates and exits.
    /// A start-up failure is one line on stderr and a non-zero exit, not a stack trace.
    /// </summary>
    /// <summary>Build-time OpenAPI generation starts the app only to read its endpoints: nothing may touch a database then.</summary>
    public static bool IsDocumentGeneration { get; } = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name == "GetDocument.Insider";

    public static async Task<int> RunRegistryAsync(this WebApplication app, string[] args)
    {
        if (IsDocumentGeneration)
        {
            await app.RunAsync();
            return 0;
        }

        try
        {
            // Every setting validated on start, before the database is touched and before the host would log the
            // failure with a stack trace.
            app.Services.GetService<Microsoft.Extensions.Options.IStartupValidator>()?.Validate();
            var applied = app.Services.GetRequiredService<DatabaseMigrator>().Migrate();
            // A catalogue that predates the change feed is put into it once, before anything is served or written.
            await app.Services.GetRequiredService<FeedWriter>().BackfillAsync(app.Services.GetRequiredService<RegistryClock>().Now);
            if (args.Length > 0 && args[0] == "migrate")
            {
                await Console.Out.WriteLineAsync($"Applied {applied.Count} migration script(s).");
                return 0;
            }
            if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DatabaseOptions>>().Value.Seed)
            {
                await app.Services.GetRequiredService<SampleCatalogue>().LoadIfEmptyAsync();
            }
            await app.RunAsync();
            return 0;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"Standards Registry could not start: {Innermost(e).Message}");
            return 1;
        }
    }

    private static Exception Innermost(Exception e) => e switch
    {
        Microsoft.Extensions.Options.OptionsValidationException => e,
        InvalidOperationException { InnerException: Microsoft.Extensions.Options.OptionsValidationException inner } => inner,
        _ => e,
    };

    /// <summary>
    /// A body whose declared length is over the limit is refused before it is read (413); Kestrel's own
    /// MaxRequestBodySize stops bodies that do not declare a length.
    /// </summary>
    private static Task RefuseOversizedBodies(HttpContext context, RequestDelegate next)
    {
        if (context.Request.ContentLength > Limits.RequestBodyBytes)
        {
            throw new BadHttpRequestException($"The request body is larger than {Limits.RequestBodyBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
        }
        return next(context);
    }
}

/// <summary>Ready when the database answers and every migration has been applied.</summary>
public sealed class DatabaseHealthCheck(DatabaseMigrator migrator) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return Task.FromResult(migrator.IsUpToDate()
                ? HealthCheckResult.Healthy("The database is reachable and migrated.")
                : HealthCheckResult.Unhealthy("The database has migrations to apply."));
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The database is unreachable."));
        }
    }
}
