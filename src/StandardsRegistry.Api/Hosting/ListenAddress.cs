namespace StandardsRegistry.Api.Hosting;

public static class ListenAddress
{
    /// <summary>
    /// The .NET conventions decide where to listen — <c>ASPNETCORE_URLS</c>, <c>--urls</c>, <c>Urls</c>,
    /// <c>ASPNETCORE_HTTP_PORTS</c>/<c>HTTPS_PORTS</c>, or Kestrel endpoints in configuration — and
    /// <see cref="RegistryHost.DefaultUrl"/> only when none of them is set. (A <c>Urls</c> in appsettings.json would
    /// outrank <c>ASPNETCORE_URLS</c>, which is why the default lives here and not there.)
    /// </summary>
    public static void ListenByConvention(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        string[] conventions = [WebHostDefaults.ServerUrlsKey, WebHostDefaults.HttpPortsKey, WebHostDefaults.HttpsPortsKey];
        if (conventions.All(k => string.IsNullOrWhiteSpace(configuration[k])) && !configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            builder.WebHost.UseUrls(RegistryHost.DefaultUrl);
        }
    }
}
