using StandardsRegistry.Api.Audit;
using StandardsRegistry.Api.Catalogue;
using StandardsRegistry.Api.Http;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Api.Telemetry;
using StandardsRegistry.Api.Webhooks;
using StandardsRegistry.Data;
using StandardsRegistry.Api.Hosting;

namespace StandardsRegistry.Api;

/// <summary>
/// The host's table of contents, so Program.cs stays one: which services, which middleware in which order, which
/// infrastructure routes. Each job lives in its own file (Hosting/, Http/, and the resource folders).
/// </summary>
public static class RegistryHost
{
    /// <summary>Where the service listens when nothing else says: the address the README and the sample tokens use.</summary>
    public const string DefaultUrl = "http://localhost:5080";

    public static WebApplicationBuilder AddRegistryHost(this WebApplicationBuilder builder)
    {
        builder.ListenByConvention();
        builder.QuietHostStartupFailures();
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new RegistryClock(TimeProvider.System));
        services.AddRegistryDatabase();
        services.AddOutcomeStatuses();
        services.AddRegistrySecurity();
        services.AddRegistryAudit();
        services.AddSingleton<SampleCatalogue>();
        services.AddRegistryWebhooks();
        services.AddCapabilityTables();
        services.AddRegistryJson();
        services.AddRegistryProblemDetails();
        builder.AddRequestLimits();
        builder.AddRegistryTelemetry();
        services.AddRegistryHealthChecks();
        services.AddRegistryOpenApi();
        // Last: routing must not answer a body's content type before the audited endpoint can (docs/audit.md).
        services.RefuseContentTypesAtTheEndpoint();
        return builder;
    }

    public static WebApplication UseRegistryPipeline(this WebApplication app)
    {
        app.Use(RequestLimits.AssignRequestId);
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
        app.Use(ContentTypes.UnquoteCharset);
        app.Use(RequestLimits.RefuseOversizedBodies);
        app.UseAuthentication();
        app.UseRateAndTimeLimits();
        app.UseRejectInvalidCredentials();
        app.UseAuthorization();
        app.UseWritersLane();
        // Last, so a kept answer (only the OpenAPI document's: OpenApiSetup) still passes every check above.
        app.UseOutputCache();
        return app;
    }

    public static WebApplication MapRegistryInfrastructure(this WebApplication app)
    {
        app.MapRegistryOpenApi();
        app.MapRegistryHealth();
        return app;
    }
}
