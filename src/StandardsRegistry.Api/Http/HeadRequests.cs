namespace StandardsRegistry.Api.Http;

/// <summary>
/// <c>HEAD</c> on every <c>GET</c> route (RFC 9110 §9.3.2): the request is routed, authorized, limited and audited
/// exactly as the <c>GET</c> — so its status and headers (ETag, Content-Type, the label headers) are the <c>GET</c>'s —
/// and the body is dropped. Before routing, so no route needs to declare HEAD.
/// </summary>
public static class HeadRequests
{
    private static readonly object Key = new();

    /// <summary>
    /// Whether the request, routed as a GET, is a HEAD: a handler that streams (the export) then sends the GET's status
    /// and headers and stops there, rather than producing a body that is dropped.
    /// </summary>
    public static bool IsHead(HttpContext context) => context.Items.ContainsKey(Key);

    public static async Task AnswerAsGet(HttpContext context, RequestDelegate next)
    {
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await next(context);
            return;
        }
        context.Request.Method = HttpMethods.Get;
        context.Items[Key] = true;
        var body = context.Response.Body;
        context.Response.Body = Stream.Null;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = body;
            context.Request.Method = HttpMethods.Head;
        }
    }
}
