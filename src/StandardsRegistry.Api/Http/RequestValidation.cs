using Microsoft.AspNetCore.Mvc;
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
        var typed = validated.Select(index => QueryValues(parameters[index])).ToArray();
        return async context =>
        {
            var caller = callerAt >= 0 ? context.GetArgument<Caller>(callerAt) : await Caller.BindAsync(context.HttpContext);
            var errors = new ValidationErrors();
            var unread = context.HttpContext.Response.StatusCode == StatusCodes.Status400BadRequest;
            for (var i = 0; i < validated.Length; i++)
            {
                var argument = context.GetArgument<IValidatable?>(validated[i]);
                NameUnreadValues(context.HttpContext.Request.Query, typed[i], argument, errors);
                argument?.Validate(errors, caller!);
            }
            if (unread && errors.IsEmpty)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, detail: "A parameter of the request could not be read.");
            }
            return errors.IsEmpty ? await next(context) : TypedResults.ValidationProblem(errors.ToDictionary());
        };
    }

    /// <summary>
    /// A query record's typed (not text) values: each property, the query parameter it is bound from, and what a value
    /// of it must be (<see cref="Expectation"/>, so a type it cannot describe fails when the endpoints are built).
    /// </summary>
    private static (System.Reflection.PropertyInfo Property, string Name, string Expected)[] QueryValues(System.Reflection.ParameterInfo parameter) =>
        parameter.IsDefined(typeof(AsParametersAttribute), false)
            ? [.. parameter.ParameterType.GetProperties()
                .Where(p => p.PropertyType != typeof(string) && p.SetMethod is not null)
                .Select(p => (p, p.GetCustomAttributes(typeof(FromQueryAttribute), false).Cast<FromQueryAttribute>().FirstOrDefault()?.Name ?? p.Name,
                    Expectation(p.PropertyType) ?? throw new InvalidOperationException(
                        $"{parameter.ParameterType.Name}.{p.Name} is a {p.PropertyType.Name}: RequestValidation cannot say what a value of it must be. Teach Expectation the type.")))]
            : [];

    /// <summary>
    /// What a query value bound to <paramref name="type"/> must be, as the 400 says when it does not parse; null for a
    /// type this does not know (so no client is ever told a date must be "a whole number").
    /// </summary>
    internal static string? Expectation(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            return $"one of {string.Join(", ", Enum.GetNames(type))}";
        }
        return Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean => "true or false",
            TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32
                or TypeCode.Int64 or TypeCode.UInt64 => "a whole number",
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
            TypeCode.DateTime => "a date and time",
            _ when type == typeof(DateTimeOffset) => "a date and time",
            _ when type == typeof(Guid) => "a UUID",
            _ => null,
        };
    }

    /// <summary>
    /// The generated request delegates (Request Delegate Generator, .NET 10) bind an <c>[AsParameters]</c> record's
    /// typed property from the query and, when the text does not parse (<c>limit=x</c>), leave the property empty and set
    /// the status to 400 without saying which: the run-time factory threw a <see cref="BadHttpRequestException"/>
    /// naming it. An empty value (<c>limit=</c>) they bind as if the parameter were absent, with no 400 at all. This
    /// names each such parameter (given, yet empty or unset) beside the record's own errors, so an empty typed value is
    /// refused like an empty <c>cursor=</c> or <c>q=</c>, which their records refuse, rather than read as the default.
    /// </summary>
    private static void NameUnreadValues(IQueryCollection query, (System.Reflection.PropertyInfo Property, string Name, string Expected)[] values, IValidatable? argument, ValidationErrors errors)
    {
        foreach (var (property, name, expected) in values)
        {
            if (query.TryGetValue(name, out var given) && (string.IsNullOrEmpty(given) || property.GetValue(argument) is null))
            {
                errors.Add(name, $"'{name}' must be {expected}.");
            }
        }
    }
}
