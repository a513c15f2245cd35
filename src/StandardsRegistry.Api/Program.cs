using StandardsRegistry.Api;
using StandardsRegistry.Api.Audit;
using StandardsRegistry.Api.Catalogue;
using StandardsRegistry.Api.Hosting;
using StandardsRegistry.Api.Webhooks;

var builder = WebApplication.CreateBuilder(args);

builder.AddRegistryHost();

var app = builder.Build();

app.UseRegistryPipeline();
app.MapStandardsApi();
app.MapVersionsApi();
app.MapReleasesApi();
app.MapResponsesApi();
app.MapRelationsApi();
app.MapCapabilityTablesApi();
app.MapFeedApi();
app.MapSubscriptionsApi();
app.MapAuditApi();
app.MapRegistryInfrastructure();

return await app.RunRegistryAsync(args);

public partial class Program;
