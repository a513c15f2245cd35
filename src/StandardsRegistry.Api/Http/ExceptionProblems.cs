using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using StandardsRegistry.Data;

namespace StandardsRegistry.Api.Http;

/// <summary>
/// Exceptions as problem details: a request the framework could not read is the client's 4xx (naming what is
/// wrong), a database that cannot serve — or an audit trail that cannot be written — is 503 with Retry-After, anything
/// else a bare 500 with no detail.
/// </summary>
public sealed class ExceptionProblems(IProblemDetailsService problems, SqlDialect dialect, ILogger<ExceptionProblems> logger) : IExceptionHandler
{
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer, nothing to log as a failure.
            httpContext.Response.StatusCode = 499;
            return true;
        }

        var (status, detail) = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } => (StatusCodes.Status400BadRequest, JsonProblem(json)),
            BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest } bad when IsMissingBody(bad) =>
                (StatusCodes.Status400BadRequest, "A JSON request body is required."),
            BadHttpRequestException bad => (bad.StatusCode, bad.Message),
            // The JSON reader cannot decode a body in a charset .NET does not know (charset=UTF8, an empty or quoted value:
            // an ArgumentException inside) or will not decode (UTF-7: a NotSupportedException inside): the client's 415, as
            // for a body that is not JSON. Thrown while binding, before any handler ran.
            InvalidOperationException { InnerException: ArgumentException or NotSupportedException } when IsUnknownCharset(exception) =>
                (StatusCodes.Status415UnsupportedMediaType, $"The request body's charset '{Charset(httpContext.Request)}' is not one this service reads; send JSON in UTF-8."),
            // Fail secure: what the trail cannot record is not done. Logged once by the trail, not per request.
            Audit.AuditUnavailableException => (StatusCodes.Status503ServiceUnavailable, "The audit trail cannot be written, so nothing it would have to record is served; retry later."),
            _ when dialect.IsUnavailable(exception) => (StatusCodes.Status503ServiceUnavailable, "The database is unavailable; retry later."),
            // Retried already; still colliding with concurrent writers. Nothing was written.
            _ when dialect.IsUniqueViolation(exception) =>
                (StatusCodes.Status409Conflict, "A concurrent change conflicted with this request and nothing was written; retry it."),
            _ => (StatusCodes.Status500InternalServerError, (string?)null),
        };

        if (status >= 500 && exception is not Audit.AuditUnavailableException)
        {
            logger.LogError(exception, "Request failed with {Status}", status);
        }
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Detail = detail },
        });
    }

    /// <summary>The JSON reader's account of what is wrong and where, without the API's internal type names.</summary>
    private static string JsonProblem(JsonException json) => json switch
    {
        { Path: { } path } when json.Message.Contains("could not be mapped", StringComparison.Ordinal) =>
            $"The request body's JSON has a property this operation does not accept: {path}.",
        { Path: { } path } when json.Message.StartsWith("Duplicate property '", StringComparison.Ordinal) =>
            $"The request body's JSON gives the property '{json.Message.Split('\'')[1]}' more than once (names are compared regardless of case), at {path}.",
        { Path: { } path } when json.Message.Contains("could not be converted", StringComparison.Ordinal) =>
            $"The request body's JSON has a value of the wrong type at {path}.",
        { Path: { } path } => $"The request body is not valid JSON at {path}: {FirstSentence(json.Message)}",
        _ => $"The request body is not valid JSON: {json.Message}",
    };

    private static bool IsUnknownCharset(Exception exception) =>
        exception.TargetSite?.DeclaringType == typeof(HttpRequestJsonExtensions) && exception.Message.Contains("charset", StringComparison.Ordinal);

    private static string Charset(HttpRequest request)
    {
        var charset = Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var type) ? type.Charset.ToString() : request.ContentType ?? "";
        return UrlRules.Shown(charset);
    }

    private static bool IsMissingBody(BadHttpRequestException bad) =>
        bad.Message.Contains("from body", StringComparison.Ordinal) || bad.Message.StartsWith("Implicit body inferred", StringComparison.Ordinal);

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(" Path:", StringComparison.Ordinal);
        return end > 0 ? message[..end] : message;
    }
}
