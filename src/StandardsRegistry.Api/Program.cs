using StandardsRegistry.Api;
using StandardsRegistry.Api.Audit;
using StandardsRegistry.Api.Catalogue;

var builder = WebApplication.CreateBuilder(args);

builder.AddRegistryHost();

var app = builder.Build();

app.UseRegistryPipeline();
app.MapStandardsApi();
app.MapVersionsApi();
app.MapReleasesApi();
app.MapAuditApi();
app.MapRegistryInfrastructure();

return await app.RunRegistryAsync(args);

public partial class Program;
