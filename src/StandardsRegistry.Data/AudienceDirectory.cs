using Dapper;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Data;

/// <summary>The audiences table. Small and rarely changed, so read whole.</summary>
public sealed class AudienceDirectory(Db db)
{
    internal const string Select = "SELECT code AS Code, name AS Name, max_classification AS MaxClassification, marking_scheme AS MarkingScheme FROM audiences";

    /// <summary>
    /// The ceiling of the audience <paramref name="audience"/> (a bound parameter) names, as the table says in the
    /// statement's own snapshot; no row when there is no such audience. A write reads it in its transaction
    /// (<see cref="CeilingAsync"/>), a reader's statement as a scalar subquery (<see cref="Visibility.WithinLevel"/>).
    /// </summary>
    internal static string CeilingOf(string audience) => $"SELECT max_classification FROM audiences WHERE code = {audience}";

    /// <summary>
    /// The audience's accreditation ceiling as the table says now, read in the write's own transaction (null: there is
    /// no such audience any more). What a write lets reach an audience (a release, a table) is judged by this, never by
    /// the API's 30-second cache of the table: an operator lowers a ceiling by editing the table, and a write judged by
    /// the cache just after that put above the new ceiling what readers of the audience then read.
    /// </summary>
    public static async Task<Classification?> CeilingAsync(DbSession session, string audience) =>
        await session.QuerySingleOrDefaultAsync<int?>(CeilingOf("@audience"), new { audience }) is { } ceiling ? (Classification)ceiling : null;

    /// <summary>
    /// Why something marked <paramref name="marking"/> may not reach <paramref name="audience"/>, judged by the ceiling
    /// the table says in the write's transaction (<see cref="CeilingAsync"/>): the audience is gone (<see cref="Outcome.NotFound"/>),
    /// or the marking is above its ceiling (<see cref="Outcome.Unprocessable"/>, naming <paramref name="what"/> when given);
    /// null when it may.
    /// </summary>
    public static async Task<Result<T>?> RefusalAsync<T>(DbSession session, string audience, Classification marking, string? what = null)
    {
        if (await CeilingAsync(session, audience) is not { } ceiling)
        {
            return Result.Fail<T>(Outcome.NotFound, NoSuchAudience(audience));
        }
        return marking <= ceiling ? null
            : Result.Fail<T>(Outcome.Unprocessable, what is null ? AccreditedOnly(audience, ceiling) : $"{what} is {Markings.Of(marking).NatoMarking}; {AccreditedOnly(audience, ceiling)}");
    }

    /// <summary>An audience code that names no audience (audiences are public data: saying so reveals nothing).</summary>
    public static string NoSuchAudience(string audience) => $"There is no audience '{audience}'.";

    /// <summary>What an audience's accreditation allows, as a refusal above it says.</summary>
    public static string AccreditedOnly(string audience, Classification ceiling) => $"{audience} is accredited up to {Markings.Of(ceiling).NatoMarking} only.";

    public Task<IReadOnlyDictionary<string, Audience>> AllAsync(CancellationToken ct = default) =>
        db.ReadAsync<IReadOnlyDictionary<string, Audience>>(async c =>
        {
            var rows = await c.QueryAsync<AudienceRow>(Select);
            return rows.ToDictionary(
                r => r.Code,
                r => new Audience(r.Code, r.Name, (Classification)r.MaxClassification, r.MarkingScheme == "eu" ? MarkingScheme.Eu : MarkingScheme.Nato),
                StringComparer.Ordinal);
        }, ct).AsTask();
}
