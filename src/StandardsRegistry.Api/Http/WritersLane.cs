using StandardsRegistry.Data;

namespace StandardsRegistry.Api.Http;

public static class WritersLaneMiddleware
{
    /// <summary>
    /// A request that may write (any method but GET, HEAD and OPTIONS) does its database work on the writers' pool
    /// (<see cref="Db.WritersLane"/>): its checks, its transaction and its read-back never queue behind the consumers'
    /// reads for a connection. Refused requests (no credentials, no role) are answered before they reach the database.
    /// </summary>
    public static IApplicationBuilder UseWritersLane(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var method = context.Request.Method;
            if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method))
            {
                await next(context);
                return;
            }
            using (Db.WritersLane())
            {
                await next(context);
            }
        });
}
