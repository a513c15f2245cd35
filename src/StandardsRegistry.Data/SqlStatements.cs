using StandardsRegistry.Domain;

namespace StandardsRegistry.Data;

/// <summary>
/// Every statement the stores issue, as a dialect writes it, for every shape of visibility scope. The SQL Server
/// tests parse them all with the T-SQL parser; the SQLite tests check that everything executed is listed here.
/// </summary>
internal static class SqlStatements
{
    public static IReadOnlyList<VisibilityScope> Scopes { get; } =
    [
        VisibilityScope.Nato(Classification.NS, drafts: true),
        VisibilityScope.Nato(Classification.NS, drafts: false),
        VisibilityScope.ForAudience("EU", Classification.NS, MarkingScheme.Eu),
        VisibilityScope.Nato(Classification.NS, drafts: false) with { Nation = "FRA" },
    ];

    public static IEnumerable<string> All(SqlDialect dialect) =>
        Scopes.SelectMany(scope => CatalogueQueries.Sql.All(dialect, scope).Concat(EditorialStore.Sql.All(dialect, scope)).Concat(FeedReader.Sql.All(dialect, scope)).Concat(ResponseStore.Sql.All(dialect, scope)).Concat(RelationStore.Sql.All(dialect, scope)).Concat(CapabilityStore.Sql.All(dialect, scope)))
            .Concat(FeedWriter.Sql.All(dialect))
            .Concat(ReleaseStore.Sql.All())
            .Concat(AttributeIndex.Sql.All())
            .Concat(ResponseStore.Sql.All())
            .Concat(RelationStore.Sql.All())
            .Concat(CapabilityStore.Sql.All(dialect))
            .Concat(WebhookStore.Sql.All(dialect))
            .Append(AudienceDirectory.Select)
            .Append(AudienceDirectory.CeilingOf("@audience"))
            .Concat(AuditLog.Sql.All(dialect))
            .Distinct(StringComparer.Ordinal);
}
