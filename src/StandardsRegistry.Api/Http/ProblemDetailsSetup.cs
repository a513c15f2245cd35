namespace StandardsRegistry.Api.Http;

public static class ProblemDetailsSetup
{
    /// <summary>Every error is an RFC 9457 problem, whatever the client accepts, with nothing request-specific in it.</summary>
    public static IServiceCollection AddRegistryProblemDetails(this IServiceCollection services)
    {
        // Binding failures (malformed JSON, a non-numeric edition) reach the exception handler, which names the problem.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            // Nothing request-specific in a problem: a 404 for a hidden version must equal the one for an absent one.
            context.ProblemDetails.Extensions.Remove("traceId");
            context.ProblemDetails.Instance = null;
            // Every problem has a type (RFC 9457): the framework's for the statuses it knows, else the RFC that defines the status.
            context.ProblemDetails.Type ??= context.ProblemDetails.Status switch
            {
                StatusCodes.Status413PayloadTooLarge => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
                StatusCodes.Status428PreconditionRequired => "https://tools.ietf.org/html/rfc6585#section-3",
                StatusCodes.Status429TooManyRequests => "https://tools.ietf.org/html/rfc6585#section-4",
                StatusCodes.Status431RequestHeaderFieldsTooLarge => "https://tools.ietf.org/html/rfc6585#section-5",
                _ => "about:blank",
            };
            context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
            {
                StatusCodes.Status401Unauthorized => "Present a valid bearer token (or none, to read as PUBLIC).",
                StatusCodes.Status403Forbidden => "Your community or roles do not allow this operation.",
                _ => null,
            };
        });
        services.AddSingleton<IProblemDetailsWriter, ProblemJsonForAnyAccept>();
        services.AddExceptionHandler<ExceptionProblems>();
        return services;
    }
}
