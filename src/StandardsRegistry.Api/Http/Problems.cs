using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using StandardsRegistry.Data;

namespace StandardsRegistry.Api.Http;

/// <summary>The problem responses of the API, written once so the same situation always reads the same.</summary>
public static class Problems
{
    /// <summary>
    /// The one "not found" every consumer route answers, for what does not exist and for what the caller may not
    /// see alike: nothing in it depends on the request, so hidden and absent are byte-for-byte the same.
    /// </summary>
    public static ProblemHttpResult NotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not Found", detail: "No such standard or version.");

    /// <summary>
    /// A <c>{key}</c> that no standard can have does not exist: answered with the same 404 before any query runs.
    /// </summary>
    public static async ValueTask<object?> KeyMustBeValid(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        context.HttpContext.Request.RouteValues["key"] is string key && !Domain.StandardKey.IsValid(key)
            ? NotFound()
            : await next(context);

    /// <summary>
    /// An <c>{edition}</c> below 1 is the one validation problem naming it, before the handler runs (after the key
    /// filter, so a key no standard can have is still the 404). An edition that is not a number at all never gets
    /// here: binding refuses it first, with a 400 naming the parameter.
    /// </summary>
    public static async ValueTask<object?> EditionMustBeValid(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        context.HttpContext.Request.RouteValues["edition"] is string edition
            && (!int.TryParse(edition, CultureInfo.InvariantCulture, out var number) || number < 1)
            ? EditionProblem()
            : await next(context);

    private static ValidationProblem EditionProblem() =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["edition"] = ["'edition' must be a whole number from 1."] });

    /// <summary>An audience code that names no audience (<see cref="AudienceDirectory.NoSuchAudience"/>).</summary>
    public static ProblemHttpResult NoSuchAudience(string audience) => Status(StatusCodes.Status404NotFound, AudienceDirectory.NoSuchAudience(audience));

    public static ProblemHttpResult Status(int status, string detail) => TypedResults.Problem(statusCode: status, detail: detail);

    /// <summary>The problem for a write that did nothing, with the status <see cref="Outcomes"/> maps its outcome to.</summary>
    public static ProblemHttpResult From<T>(Result<T> result) => result switch
    {
        { Succeeded: true } => throw new InvalidOperationException($"{result.Outcome} is not a failure."),
        { Outcome: Outcome.NotFound, Problem: null } => NotFound(),
        _ => Status(Outcomes.Status(result.Outcome), result.Problem!),
    };
}

public static class ProblemConventions
{
    /// <summary>
    /// The problems any registry route can answer: 400 for a URL that is not UTF-8 once percent-decoded or repeats a
    /// query parameter (UrlRules), 401 for credentials that fail validation (even where anonymous reading is allowed),
    /// 413 for a body declared larger than the limit (on any method), 429 with Retry-After when the caller exceeds its
    /// rate, 431 for oversized headers, and 503 with Retry-After while the database cannot serve or the request ran out
    /// of time. A route that validates its input declares its 400 again, as a validation problem. A route that reads a
    /// JSON body also answers 415 to a body of another content type. Outside Development, plain HTTP is answered with a
    /// 307 to HTTPS (no body) on every route.
    /// </summary>
    public static RouteGroupBuilder WithRegistryProblems(this RouteGroupBuilder group)
    {
        group.WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status307TemporaryRedirect, typeof(void)))
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status431RequestHeaderFieldsTooLarge)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        ((IEndpointConventionBuilder)group).Finally(endpoint =>
        {
            if (endpoint.Metadata.OfType<IAcceptsMetadata>().Any())
            {
                endpoint.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status415UnsupportedMediaType, typeof(ProblemDetails), ["application/problem+json"]));
            }
        });
        return group;
    }
}
