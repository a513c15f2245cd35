using StandardsRegistry.Api.Security;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Http;

/// <summary>
/// A request body or query that checks itself as a whole: every rule adds what is wrong to one
/// <see cref="ValidationErrors"/>, so a client learns everything wrong with its request at once.
/// </summary>
public interface IValidatable
{
    /// <summary>Adds each problem under the name of the field it concerns. <paramref name="caller"/> is who asks, and when.</summary>
    void Validate(ValidationErrors errors, Caller caller);
}

/// <summary>
/// The one place a request's bodies and queries are validated: an endpoint filter that runs every
/// <see cref="IValidatable"/> argument before the handler and answers one 400 with all their errors. Checks that need
/// the database (a draft's category, a subscription's audience) stay in their handler, still in one ValidationErrors.
/// </summary>
public static class RequestValidation
{
    /// <summary>
    /// Validates the handlers (of the group, or the one endpoint) that take an <see cref="IValidatable"/>; others are
    /// left as they are. Add it after the route filters (key, edition): a route that does not exist is a 404 before its
    /// input is judged. A group's filters run before its endpoints' own.
    /// </summary>
    public static TBuilder WithRequestValidation<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilterFactory(Create);

    private static EndpointFilterDelegate Create(EndpointFilterFactoryContext factory, EndpointFilterDelegate next)
    {
        var parameters = factory.MethodInfo.GetParameters();
        var validated = parameters.Select((p, i) => (p, i)).Where(x => typeof(IValidatable).IsAssignableFrom(x.p.ParameterType)).Select(x => x.i).ToArray();
        if (validated.Length == 0)
        {
            return next;
        }
        var callerAt = Array.FindIndex(parameters, p => p.ParameterType == typeof(Caller));
        return async context =>
        {
            var caller = callerAt >= 0 ? context.GetArgument<Caller>(callerAt) : await Caller.BindAsync(context.HttpContext);
            var errors = new ValidationErrors();
            foreach (var index in validated)
            {
                context.GetArgument<IValidatable?>(index)?.Validate(errors, caller!);
            }
            return errors.IsEmpty ? await next(context) : TypedResults.ValidationProblem(errors.ToDictionary());
        };
    }
}
