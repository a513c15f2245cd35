using Microsoft.Net.Http.Headers;

namespace StandardsRegistry.Api.Http;

/// <summary>
/// A request body's charset as RFC 9110 allows it to be written: a quoted string (<c>charset="utf-8"</c>) names the
/// same charset as the token. The framework's JSON reader looks the quoted text up as a name and fails, so the quotes
/// are taken off before any route reads the body; a charset that is unknown either way is still the 415 that names it
/// (<see cref="ExceptionProblems"/>).
/// </summary>
public static class ContentTypes
{
    public static Task UnquoteCharset(HttpContext context, RequestDelegate next)
    {
        if (context.Request.ContentType is { } type && type.Contains("charset=\"", StringComparison.OrdinalIgnoreCase)
            && MediaTypeHeaderValue.TryParse(type, out var parsed) && parsed.Charset.HasValue)
        {
            parsed.Charset = HeaderUtilities.RemoveQuotes(parsed.Charset);
            context.Request.ContentType = parsed.ToString();
        }
        return next(context);
    }
}
