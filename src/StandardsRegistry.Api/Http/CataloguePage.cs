namespace StandardsRegistry.Api.Http;

public static class CataloguePage
{
    /// <summary>
    /// The catalogue page at <c>/</c>: static files from wwwroot (no build step, nothing from other origins). It holds
    /// no data; it reads the same /v1 API as any client, with the caller's token, so it shows exactly what the API
    /// shows that caller. The policy below forbids loading or sending anything to another origin.
    /// </summary>
    public static WebApplication UseCataloguePage(this WebApplication app)
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
        return app;
    }
}
