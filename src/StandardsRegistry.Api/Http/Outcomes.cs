using StandardsRegistry.Data;

namespace StandardsRegistry.Api.Http;

/// <summary>
/// The one map from what a store's write did to the HTTP status it is answered with: the response's status (a failed
/// write's problem, <see cref="Problems.From"/>) and the audit entry's, which the write path records with the change
/// (<see cref="AnsweredStatus"/>).
/// </summary>
public static class Outcomes
{
    public static int Status(Outcome outcome) => outcome switch
    {
        Outcome.Done => StatusCodes.Status200OK,
        Outcome.Created => StatusCodes.Status201Created,
        Outcome.Removed => StatusCodes.Status204NoContent,
        Outcome.Forbidden => StatusCodes.Status403Forbidden,
        Outcome.NotFound => StatusCodes.Status404NotFound,
        Outcome.Conflict => StatusCodes.Status409Conflict,
        Outcome.PreconditionFailed => StatusCodes.Status412PreconditionFailed,
        Outcome.Unprocessable => StatusCodes.Status422UnprocessableEntity,
        Outcome.Invalid => StatusCodes.Status400BadRequest,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    /// <summary>Registers the map as the write path's <see cref="AnsweredStatus"/>.</summary>
    public static IServiceCollection AddOutcomeStatuses(this IServiceCollection services) =>
        services.AddSingleton<AnsweredStatus>(Status);
}
