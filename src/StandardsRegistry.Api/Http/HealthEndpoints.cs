using System.Text;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StandardsRegistry.Api.Audit;
using StandardsRegistry.Data;

namespace StandardsRegistry.Api.Http;

/// <summary>Liveness and readiness for load balancers: <c>/health/live</c> and <c>/health/ready</c>.</summary>
public static class HealthEndpoints
{
    public static IServiceCollection AddRegistryHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<AuditHealthCheck>("audit", tags: ["ready"]);
        return services;
    }

    public static WebApplication MapRegistryHealth(this WebApplication app)
    {
        // Load balancers probe health from one address; their probes are not a principal's requests.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).DisableRateLimiting();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteReadiness }).DisableRateLimiting();
        return app;
    }

    /// <summary>The overall status (<c>Healthy</c>, …); when not healthy, a line per failing check saying why.</summary>
    private static Task WriteReadiness(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var text = new StringBuilder(report.Status.ToString());
        foreach (var (name, entry) in report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy))
        {
            text.Append('\n').Append(name).Append(": ").Append(entry.Description);
        }
        return context.Response.WriteAsync(text.ToString());
    }
}

/// <summary>
/// Ready when the database answers and every migration has been applied, and none of a newer version: an instance left
/// running while a newer one migrated the database is taken out of service (<see cref="DatabaseMigrator.SchemaProblem"/>).
/// </summary>
public sealed class DatabaseHealthCheck(DatabaseMigrator migrator) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return Task.FromResult(migrator.SchemaProblem() is { } problem
                ? HealthCheckResult.Unhealthy(problem)
                : HealthCheckResult.Healthy("The database is reachable and migrated."));
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The database is unreachable."));
        }
    }
}
