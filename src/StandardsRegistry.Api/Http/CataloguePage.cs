using System.Security.Cryptography;
using System.Text;

namespace StandardsRegistry.Api.Http;

public static class CataloguePage
{
    /// <summary>
    /// The policy of every page the service serves to a browser (this one, and Swagger UI: <see cref="OpenApiSetup"/>):
    /// scripts and styles only from files of its own origin, nothing inline but the style elements named by
    /// <paramref name="inlineStyles"/> (allowed by their hash, for a page whose library writes fixed ones), nothing
    /// loaded from or sent to another origin, and no other site may frame it.
    /// </summary>
    public static string ContentSecurityPolicy(params string[] inlineStyles) =>
        $"default-src 'none'; script-src 'self'; style-src {string.Join(" ", ["'self'", .. inlineStyles.Select(Hash)])}; img-src 'self' data:; "
        + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>The headers of a page the service serves to a browser: its <paramref name="policy"/>, and no referrer sent on.</summary>
    public static void AddPageHeaders(IHeaderDictionary headers, string policy)
    {
        headers.ContentSecurityPolicy = policy;
        headers["Referrer-Policy"] = "no-referrer";
    }

    private static readonly string Policy = ContentSecurityPolicy();

    /// <summary>A CSP source allowing exactly the inline content <paramref name="text"/>.</summary>
    private static string Hash(string text) => $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)))}'";

    /// <summary>
    /// The catalogue page at <c>/</c>: static files from wwwroot (no build step, nothing from other origins). It holds
    /// no data; it reads the same /v1 API as any client, with the caller's token, so it shows exactly what the API
    /// shows that caller. The policy forbids loading or sending anything to another origin.
    /// </summary>
    public static WebApplication UseCataloguePage(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                AddPageHeaders(headers, Policy);
                headers.CacheControl = "no-cache";
            },
        });
        return app;
    }
}
