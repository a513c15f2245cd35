namespace StandardsRegistry.Api.Http;

/// <summary>
/// <c>HEAD</c> on every <c>GET</c> route (RFC 9110 §9.3.2): the request is routed, authorized, limited and audited
/// exactly as the <c>GET</c> — so its status and headers (ETag, Content-Type, the label headers) are the <c>GET</c>'s —
/// and the body is dropped. Before routing, so no route needs to declare HEAD.
/// </summary>
public static class HeadRequests
{
    public static async Task AnswerAsGet(HttpContext context, RequestDelegate next)
    {
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await next(context);
            return;
        }
        context.Request.Method = HttpMethods.Get;
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
