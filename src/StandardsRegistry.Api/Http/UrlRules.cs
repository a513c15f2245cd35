using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace StandardsRegistry.Api.Http;

/// <summary>
/// What a URL must be before any route reads it: percent-encoded text that is valid UTF-8 (the framework would
/// otherwise keep an undecodable escape such as <c>%FF</c> as literal text and store it), and each query parameter
/// given at most once (a repeated one would bind as its values joined with commas, a value no client meant).
/// </summary>
public static class UrlRules
{
    public static Task RefuseMalformedUrls(HttpContext context, RequestDelegate next)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(target))
        {
            target = context.Request.Path.ToUriComponent() + context.Request.QueryString.ToUriComponent();
        }
        if (!IsUtf8(target))
        {
            throw new BadHttpRequestException("The URL is not valid UTF-8 once percent-decoded.", StatusCodes.Status400BadRequest);
        }
        foreach (var (name, values) in context.Request.Query)
        {
            if (values.Count > 1)
            {
                throw new BadHttpRequestException($"The query parameter '{Shown(name)}' is given more than once; give it once.", StatusCodes.Status400BadRequest);
            }
        }
        return next(context);
    }

    /// <summary>
    /// A path segment as the text it stands for. The server decodes every escape in the path but <c>%2F</c>, which it
    /// keeps so that an escaped slash does not split the segment; a route value that may hold a slash (a civil
    /// standard's identifier, <c>IEC/IEEE 8802-3</c>) is sent with the slash escaped and read through this. So the
    /// text <c>%2F</c> itself cannot be such a value.
    /// </summary>
    public static string Segment(string value) => value.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

    private static bool IsUtf8(string target)
    {
        if (!target.Contains('%', StringComparison.Ordinal))
        {
            return true;
        }
        var bytes = new List<byte>(target.Length);
        for (var i = 0; i < target.Length; i++)
        {
            if (target[i] == '%' && i + 2 < target.Length && Uri.IsHexDigit(target[i + 1]) && Uri.IsHexDigit(target[i + 2]))
            {
                bytes.Add(Convert.ToByte(target.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(target[i].ToString()));
            }
        }
        return System.Text.Unicode.Utf8.IsValid(bytes.ToArray());
    }

    /// <summary>A value the client sent, as a problem names it: cut short after 64 characters.</summary>
    internal static string Shown(string name) => name.Length <= 64 ? name : name[..64] + "…";
}
