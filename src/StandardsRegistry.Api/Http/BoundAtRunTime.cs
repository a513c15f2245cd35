namespace StandardsRegistry.Api.Http;

/// <summary>
/// The request delegates of the endpoints are generated at build (the Request Delegate Generator, enabled in the
/// project): a host no longer compiles about three hundred expression trees at start, which was a fifth of the test
/// suite's CPU. Handlers that take an <c>[AsParameters]</c> query record are the exception, built at start by
/// RequestDelegateFactory as before, because the generator mishandles them in .NET 10: it emits <c>typeof(string?)</c>
/// for a record's nullable constructor parameters (does not compile; dotnet/aspnetcore#58953), and for a property that
/// fails to parse (<c>limit=x</c>) it answers a bare 400 without the problem that names the parameter. Passing the
/// handler through here hides its signature from the generator, which then leaves the call to the run-time factory.
/// </summary>
public static class BoundAtRunTime
{
    public static Delegate Handler(Delegate handler) => handler;
}
