using Dapper;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Data;

/// <summary>The audiences table. Small and rarely changed, so read whole.</summary>
public sealed class AudienceDirectory(Db db)
{
    internal const string Select = "SELECT code AS Code, name AS Name, max_classification AS MaxClassification, marking_scheme AS MarkingScheme FROM audiences";

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
