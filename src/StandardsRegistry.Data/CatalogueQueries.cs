using Dapper;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Data;

/// <summary>Consumer reads. Each query composes the release rule for the caller's scope, in SQL.</summary>
public sealed class CatalogueQueries(Db db)
{
    public sealed record StandardFilter(string? Category, string? Text, string? AfterKey, int Limit);

    public Task<IReadOnlyList<StandardRow>> ListStandardsAsync(VisibilityScope scope, DateTimeOffset now, StandardFilter filter, CancellationToken ct = default)
    {
        var where = new List<string> { Visibility.StandardExists(scope, "s") };
        if (filter.Category is not null)
        {
            where.Add("s.category = @category");
        }
        if (filter.Text is not null)
        {
            where.Add($"""
                (LOWER(s.designation) LIKE @text ESCAPE '\' OR LOWER(s.title) LIKE @text ESCAPE '\'
                 OR EXISTS (SELECT 1 FROM versions t WHERE t.standard_id = s.id AND {Visibility.Predicate(scope, "t")} AND LOWER(t.title) LIKE @text ESCAPE '\'))
                """);
        }
        if (filter.AfterKey is not null)
        {
            where.Add("s.standard_key > @afterKey");
        }

        var sql = $"""
            {StandardSelect(scope)}
            WHERE {string.Join(" AND ", where)}
            ORDER BY s.standard_key
            {db.Dialect.Limit("@limit")}
            """;
        var parameters = Visibility.Bind(scope, now, new
        {
            category = filter.Category,
            text = filter.Text is null ? null : $"%{EscapeLike(filter.Text.ToLowerInvariant())}%",
            afterKey = filter.AfterKey,
            limit = filter.Limit,
        });
        return db.ReadAsync<IReadOnlyList<StandardRow>>(async c => await c.QueryAsync<StandardRow>(sql, parameters), ct).AsTask();
    }

    public Task<StandardRow?> GetStandardAsync(VisibilityScope scope, DateTimeOffset now, string key, CancellationToken ct = default)
    {
        var sql = $"{StandardSelect(scope)} WHERE s.standard_key = @key AND {Visibility.StandardExists(scope, "s")}";
        var parameters = Visibility.Bind(scope, now, new { key });
        return db.ReadAsync(c => c.QuerySingleOrDefaultAsync<StandardRow>(sql, parameters), ct).AsTask();
    }

    /// <summary>The visible versions of a standard, oldest first; null when the standard does not exist for the caller.</summary>
    public Task<IReadOnlyList<VersionRow>?> ListVersionsAsync(VisibilityScope scope, DateTimeOffset now, string key, int afterEdition, int limit, CancellationToken ct = default)
    {
        var exists = $"SELECT s.id FROM standards s WHERE s.standard_key = @key AND {Visibility.StandardExists(scope, "s")}";
        var sql = $"""
            {VersionSelect(scope, full: false)}
            WHERE v.standard_id = @standardId AND v.edition > @afterEdition AND {Visibility.Predicate(scope, "v")}
            ORDER BY v.edition
            {db.Dialect.Limit("@limit")}
            """;
        var parameters = Visibility.Bind(scope, now, new { key, afterEdition, limit });
        return db.ReadAsync<IReadOnlyList<VersionRow>?>(async c =>
        {
            var standardId = await c.QuerySingleOrDefaultAsync<long?>(exists, parameters);
            if (standardId is null)
            {
                return null;
            }
            parameters.Add("standardId", standardId);
            return await c.QueryAsync<VersionRow>(sql, parameters);
        }, ct).AsTask();
    }

    public Task<VersionRow?> GetVersionAsync(VisibilityScope scope, DateTimeOffset now, string key, int edition, CancellationToken ct = default)
    {
        var sql = $"{VersionSelect(scope, full: true)} WHERE s.standard_key = @key AND v.edition = @edition AND {Visibility.Predicate(scope, "v")}";
        var parameters = Visibility.Bind(scope, now, new { key, edition });
        return db.ReadAsync(c => c.QuerySingleOrDefaultAsync<VersionRow>(sql, parameters), ct).AsTask();
    }

    /// <summary>The latest visible edition that is in force (published or superseded, not drafts, not withdrawn).</summary>
    public Task<VersionRow?> GetLatestAsync(VisibilityScope scope, DateTimeOffset now, string key, CancellationToken ct = default)
    {
        var sql = $"""
            {VersionSelect(scope, full: true)}
            WHERE s.standard_key = @key AND v.status IN ('published', 'superseded') AND {Visibility.Predicate(scope, "v")}
            ORDER BY v.edition DESC
            {db.Dialect.Limit("1")}
            """;
        var parameters = Visibility.Bind(scope, now, new { key });
        return db.ReadAsync(c => c.QuerySingleOrDefaultAsync<VersionRow>(sql, parameters), ct).AsTask();
    }

    private static string StandardSelect(VisibilityScope scope) => $"""
        SELECT s.id AS Id, s.standard_key AS Key, s.designation AS Designation, s.category AS Category, s.title AS Title,
               (SELECT MAX(lv.edition) FROM versions lv
                 WHERE lv.standard_id = s.id AND lv.status IN ('published', 'superseded') AND {Visibility.Predicate(scope, "lv")}) AS LatestEdition,
               (SELECT COUNT(*) FROM versions cv WHERE cv.standard_id = s.id AND {Visibility.Predicate(scope, "cv")}) AS VersionCount
        FROM standards s
        """;

    private static string VersionSelect(VisibilityScope scope, bool full) => $"""
        SELECT v.id AS Id, s.standard_key AS Key, s.designation AS Designation, s.category AS Category, v.edition AS Edition,
               v.title AS Title, v.summary AS Summary, {(full ? "v.body AS Body, v.attributes AS Attributes," : "")}
               v.status AS Status, v.classification AS Classification, v.published_at AS PublishedAt,
               v.withdrawn_at AS WithdrawnAt, v.withdrawal_reason AS WithdrawalReason, v.row_version AS RowVersion,
               (SELECT MIN(n.edition) FROM versions n
                 WHERE n.standard_id = v.standard_id AND n.edition > v.edition AND n.published_at IS NOT NULL
                   AND {Visibility.Predicate(scope, "n")}) AS SupersededBy
        FROM versions v JOIN standards s ON s.id = v.standard_id
        """;

    private static string EscapeLike(string text) =>
        text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);
}
