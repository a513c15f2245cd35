namespace StandardsRegistry.Api.Http;

/// <summary>
/// Every problem is <c>application/problem+json</c>, whatever the request's Accept header asks for. The framework's
/// writer declines when Accept names only other types (a label client asking for XML, a browser asking for HTML), and
/// the problem would go out with an empty body. Registered after it, this writer takes what it declines and has it
/// written all the same, with the same defaults and customisation, so an error reads the same to every client.
/// </summary>
internal sealed class ProblemJsonForAnyAccept : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context) =>
        context.HttpContext.RequestServices.GetServices<IProblemDetailsWriter>().First(w => w is not ProblemJsonForAnyAccept).WriteAsync(context);
}
