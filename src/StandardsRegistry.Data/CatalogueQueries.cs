using System.Collections.Concurrent;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Data;

/// <summary>Consumer reads. Each query composes the release rule for the caller's scope, in SQL.</summary>
public sealed class CatalogueQueries(Db db)
{
    /// <param name="Attributes">Attribute search: only standards whose latest visible edition in force meets it.</param>
    public sealed record StandardFilter(string? Category, string? Text, string? AfterKey, int Limit, AttributeFilter? Attributes = null);

    // Statement texts depend on the dialect and on the scope's shape only, never on its values: built once each instead
    // of on every request.
    private static readonly ConcurrentDictionary<(string Statement, string Dialect, VisibilityScope Shape, int Variant), string> Texts = new();

    private string Text(string statement, VisibilityScope scope, int variant, Func<SqlDialect, VisibilityScope, int, string> build) =>
        Texts.GetOrAdd((statement, db.Dialect.Name, ShapeOf(scope), variant),
            static (key, state) => state.build(state.dialect, state.scope, key.Variant), (build, dialect: db.Dialect, scope));

    /// <summary>
    /// The scope with its values blanked and every flag kept (originator, drafts, whether it speaks for a nation, whether
    /// it is held to the ceiling now): the key of a statement's text. Keyed by two flags once, a text built for a scope
    /// not held to the ceiling would have served every reader's scope of the same two flags without the ceiling's check.
    /// </summary>
    internal static VisibilityScope ShapeOf(VisibilityScope scope) =>
        scope with { Community = "", MaxLevel = Classification.NU, Scheme = MarkingScheme.Nato, Nation = scope.Nation is null ? null : "" };

    public async Task<IReadOnlyList<StandardRow>> ListStandardsAsync(VisibilityScope scope, DateTimeOffset now, StandardFilter filter, CancellationToken ct = default)
    {
        var attributes = filter.Attributes is { IsEmpty: false } a ? a : null;
        var variant = (filter.Category is not null ? 1 : 0) | (filter.Text is not null ? 2 : 0) | (filter.AfterKey is not null ? 4 : 0)
            | (attributes?.Shape ?? 0) << 3 | RowsInText(filter.Limit) << LimitShift;
        var sql = Text(nameof(Sql.ListStandards), scope, variant,
            static (d, s, v) => Sql.ListStandards(d, s, (v & 1) != 0, (v & 2) != 0, (v & 4) != 0, v >> LimitShift, (v & ((1 << LimitShift) - 1)) >> 3));
        var parameters = Visibility.Bind(scope, now, new
        {
            category = filter.Category,
            text = filter.Text is null ? null : SearchPattern(filter.Text),
            identity = filter.Text is null ? null : IdentityPattern(filter.Text),
            afterKey = filter.AfterKey,
        });
        foreach (var range in attributes?.Ranges ?? [])
        {
            parameters.Add($"{range.Name}Min", range.Min);
            parameters.Add($"{range.Name}Max", range.Max);
        }
        if (attributes?.Overlaps is var (low, high))
        {
            // Bands start above 0 MHz (their attributes are positive numbers), so a lower bound below 0 finds what 0 finds;
            // left as given, a bound near -1e308 minus a level's span overflows PostgreSQL's double precision (an error
            // there, where SQLite computes -Infinity).
            parameters.Add("overlapsLow", Math.Max(low, 0));
            parameters.Add("overlapsHigh", high);
        }
        var rows = await db.ReadAsync<IReadOnlyList<StandardRow>>(async c => await c.QueryAsync<StandardRow>(sql, parameters), ct);
        return rows.Count > filter.Limit ? [.. rows.Take(filter.Limit)] : rows;
    }

    /// <summary>
    /// The row limit written into the list's text when <paramref name="rows"/> are asked for (the rows read beyond them are
    /// dropped): the default page's and the largest page's (each with its look-ahead row) as asked, any other rounded up to
    /// a power of two. A caller chooses the page size, and every text is kept for the process's life: with a text per
    /// size, anyone, anonymous callers included, made the process keep 9,600 texts (37 MiB) per scope shape by asking
    /// every size with every filter, and on each connection pushed the statements in use out of SQLite's prepared
    /// statements and Npgsql's automatic preparation. Ten sizes instead of a hundred.
    /// </summary>
    internal static int RowsInText(int rows) =>
        rows is Limits.DefaultPageSize + 1 or Limits.MaxPageSize + 1 ? rows : (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)rows);

    /// <summary>How many texts of <paramref name="statement"/> for <paramref name="dialect"/> are kept (tests).</summary>
    internal static int TextsKept(string statement, string dialect) => Texts.Keys.Count(k => k.Statement == statement && k.Dialect == dialect);

    /// <summary>
    /// Where the list's row limit sits in its statement variant: above the three filters' bits and the attribute shape
    /// (a bit per numeric attribute and the band's, <see cref="AttributeFilter.Shape"/>), so a new attribute moves it up
    /// rather than letting two statements share a variant.
    /// </summary>
    private static readonly int LimitShift = 3 + Categories.NumericAttributes.Count + 1;

    public Task<StandardRow?> GetStandardAsync(VisibilityScope scope, DateTimeOffset now, string key, CancellationToken ct = default) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<StandardRow>(Text(nameof(Sql.GetStandard), scope, 0, static (_, s, _) => Sql.GetStandard(s)), Visibility.Bind(scope, now, new { key })), ct).AsTask();

    /// <summary>The standard as <paramref name="scope"/> sees it, read in <paramref name="session"/> (one snapshot with the reads before it).</summary>
    internal static Task<StandardRow?> GetStandardAsync(DbSession session, VisibilityScope scope, DateTimeOffset now, string key) =>
        session.QuerySingleOrDefaultAsync<StandardRow>(Sql.GetStandard(scope), Visibility.Bind(scope, now, new { key }));

    /// <summary>The visible versions of a standard, oldest first; null when the standard does not exist for the caller.</summary>
    public Task<IReadOnlyList<VersionRow>?> ListVersionsAsync(VisibilityScope scope, DateTimeOffset now, string key, int afterEdition, int limit, CancellationToken ct = default)
    {
        var parameters = Visibility.Bind(scope, now, new { key, afterEdition, limit });
        return db.ReadAsync<IReadOnlyList<VersionRow>?>(async c =>
        {
            var standardId = await c.QuerySingleOrDefaultAsync<long?>(Text(nameof(Sql.StandardId), scope, 0, static (_, s, _) => Sql.StandardId(s)), parameters);
            if (standardId is null)
            {
                return null;
            }
            parameters.Add("standardId", standardId);
            return await c.QueryAsync<VersionRow>(Text(nameof(Sql.ListVersions), scope, 0, static (d, s, _) => Sql.ListVersions(d, s)), parameters);
        }, ct).AsTask();
    }

    public Task<VersionRow?> GetVersionAsync(VisibilityScope scope, DateTimeOffset now, string key, int edition, CancellationToken ct = default) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<VersionRow>(Text(nameof(Sql.GetVersion), scope, 0, static (_, s, _) => Sql.GetVersion(s)), Visibility.Bind(scope, now, new { key, edition })), ct).AsTask();

    /// <summary>
    /// The version as <paramref name="scope"/> sees it, read in <paramref name="session"/>: a write reading back what it
    /// wrote, inside its own transaction.
    /// </summary>
    internal static Task<VersionRow?> GetVersionAsync(DbSession session, VisibilityScope scope, DateTimeOffset now, string key, int edition) =>
        session.QuerySingleOrDefaultAsync<VersionRow>(Sql.GetVersion(scope), Visibility.Bind(scope, now, new { key, edition }));

    /// <summary>The latest visible edition that is in force (published or superseded, not drafts, not withdrawn).</summary>
    public Task<VersionRow?> GetLatestAsync(VisibilityScope scope, DateTimeOffset now, string key, CancellationToken ct = default) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<VersionRow>(Text(nameof(Sql.GetLatest), scope, 0, static (d, s, _) => Sql.GetLatest(d, s)), Visibility.Bind(scope, now, new { key })), ct).AsTask();

    /// <summary>
    /// The audiences a version is released to (unrevoked and in effect) as far as the caller may know: NATO every
    /// audience, any other community only itself. Empty when the version is not visible to the caller.
    /// </summary>
    public Task<IReadOnlyList<string>> ReleasedToAsync(VisibilityScope scope, DateTimeOffset now, string key, int edition, CancellationToken ct = default) =>
        db.ReadAsync<IReadOnlyList<string>>(async c => await c.QueryAsync<string>(Text(nameof(Sql.ReleasedTo), scope, 0, static (_, s, _) => Sql.ReleasedTo(s)), Visibility.Bind(scope, now, new { key, edition })), ct).AsTask();

    /// <summary>
    /// The LIKE pattern (escape character <c>\</c>) of text search <paramref name="text"/>: its fold (<see cref="SqlDialect.Fold"/>) anywhere in the
    /// text, every character matching only itself. Each provider's wildcards are escaped: <c>%</c> and <c>_</c> everywhere,
    /// and <c>[</c>, which opens a character set in SQL Server's LIKE (<c>[a-z]</c> matched any letter there, and a lone
    /// <c>[</c> nothing). An escaped character that is no wildcard of a provider is that character on each of them.
    /// </summary>
    internal static string SearchPattern(string text) =>
        $"%{Escaped(SqlDialect.Fold(text))}%";

    /// <summary>
    /// The LIKE pattern of text search <paramref name="text"/> over designations' identities (<see cref="Designations.Identity"/>,
    /// stored as <c>standards.designation_identity</c>): a designation is found as a reader writes it, in another case,
    /// with other spaces, full-width digits or another dash. None (null: matches nothing) for a term that folds to
    /// nothing, which would otherwise match every standard.
    /// </summary>
    internal static string? IdentityPattern(string text) =>
        Designations.Identity(text) is { Length: > 0 } identity ? $"%{Escaped(identity)}%" : null;

    private static string Escaped(string text) =>
        text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal).Replace("[", @"\[", StringComparison.Ordinal);

    /// <summary>The statements, built per dialect and scope; <see cref="SqlStatements"/> enumerates them for the parse tests.</summary>
    internal static class Sql
    {
        /// <param name="limit">
        /// How many rows, written into the text (one of ten numbers, <see cref="RowsInText"/>, so that the texts cached
        /// stay few whatever page sizes callers ask): PostgreSQL costs a generic plan's <c>LIMIT $n</c> as a tenth of the rows, above the
        /// custom plans' cost for a page, so with the limit as a parameter it planned the page's query anew on every
        /// execution (about 0.2 ms of planning, more than the query; bench/RESULTS.md).
        /// </param>
        /// <param name="attributes">The attribute search's shape (<see cref="AttributeFilter.Shape"/>); 0 for none.</param>
        public static string ListStandards(SqlDialect dialect, VisibilityScope scope, bool category, bool text, bool after, int limit, int attributes = 0)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
            var rows = limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var where = new List<string>();
            if (category)
            {
                where.Add("s.category = @category");
            }
            if (text)
            {
                where.Add($"""
                    ({dialect.FoldCase("s.designation")} LIKE @text ESCAPE '\' OR s.designation_identity LIKE @identity ESCAPE '\' OR {dialect.FoldCase("s.title")} LIKE @text ESCAPE '\'
                     OR EXISTS (SELECT 1 FROM versions t WHERE t.standard_id = s.id AND {Visibility.Predicate(scope, "t")} AND {dialect.FoldCase("t.title")} LIKE @text ESCAPE '\'))
                    """);
            }
            if (after)
            {
                where.Add("s.standard_key > @afterKey");
            }
            if (attributes != 0)
            {
                return AttributeSearch(dialect, scope, where, attributes, rows);
            }
            if (scope.SeesEmptyStandards)
            {
                where.Insert(0, Visibility.StandardExists(scope, "s"));
                return $"""
                    {StandardSelect(scope)}
                    WHERE {string.Join(" AND ", where)}
                    ORDER BY s.standard_key
                    {dialect.Limit(rows)}
                    """;
            }

            // One pass over each standard's visible versions (their latest edition and count; none, and the standard
            // is not listed), in key order, so the page stops after its limit of standards. Where the provider can, one
            // aggregate per standard: the rows grouped are a standard's editions, not the page's (PostgreSQL ran the
            // page's query in about 9 % less time, bench/RESULTS.md).
            const string aggregates = """
                MAX(CASE WHEN v.status IN ('published', 'superseded') THEN v.edition END) AS LatestEdition,
                       COUNT(*) AS VersionCount
                """;
            var perStandard = dialect.ForEachRowOne(
                $"SELECT {aggregates} FROM versions v WHERE v.standard_id = s.id AND {Visibility.Predicate(scope, "v", standardAlias: "s")}", "g");
            if (perStandard is not null)
            {
                where.Add("g.VersionCount > 0");
                return $"""
                    SELECT s.id AS Id, s.standard_key AS StandardKey, s.designation AS Designation, s.category AS Category, s.title AS Title,
                           g.LatestEdition, g.VersionCount
                    FROM standards s {perStandard}
                    WHERE {string.Join(" AND ", where)}
                    ORDER BY s.standard_key
                    {dialect.Limit(rows)}
                    """;
            }

            // SQLite: the join is the "exists" of the rule, grouped by the key alone (unique; MIN() of the other columns
            // is the column) so SQLite streams in index order.
            where.Insert(0, Visibility.Predicate(scope, "v"));
            return $"""
                SELECT MIN(s.id) AS Id, s.standard_key AS StandardKey, MIN(s.designation) AS Designation, MIN(s.category) AS Category, MIN(s.title) AS Title,
                       {aggregates}
                FROM standards s JOIN versions v ON v.standard_id = s.id
                WHERE {string.Join(" AND ", where)}
                GROUP BY s.standard_key
                ORDER BY s.standard_key
                {dialect.Limit(rows)}
                """;
        }

        /// <summary>
        /// Attribute search: the standards whose latest visible edition in force (<see cref="GetLatest"/>'s edition)
        /// meets every filter. The lookup starts from the attribute index — the band levels' ranges when the band is
        /// filtered (see db/*/0009_attribute_index.sql), else the first filtered attribute's range — so it reads the
        /// candidates only, whatever the size of the catalogue; each candidate must be visible, in force and the latest
        /// such edition of its standard (a hidden later edition neither hides it nor matches in its place), and meet the
        /// other filters by primary key. The page is then sorted by key like any other.
        /// </summary>
        private static string AttributeSearch(SqlDialect dialect, VisibilityScope scope, List<string> where, int shape, string rows)
        {
            var names = Categories.NumericAttributes.Where((_, i) => (shape & 1 << i) != 0).Select(a => a.Name).ToList();
            var band = (shape & 1 << Categories.NumericAttributes.Count) != 0;
            string from;
            if (band)
            {
                from = $"""
                    band_levels bl
                    {dialect.ForEachRow("frequency_bands", "fb", "fb.level = bl.level AND fb.low_mhz >= @overlapsLow - bl.span_mhz AND fb.low_mhz <= @overlapsHigh AND fb.high_mhz >= @overlapsLow")}
                    {dialect.OrderedJoin} versions m ON m.id = fb.version_id
                    """;
            }
            else
            {
                from = $"attribute_values a0 {dialect.OrderedJoin} versions m ON m.id = a0.version_id";
                where.Insert(0, $"a0.name = '{names[0]}' AND a0.value >= @{names[0]}Min AND a0.value <= @{names[0]}Max");
                names.RemoveAt(0);
            }
            where.AddRange(names.Select((name, i) =>
                $"EXISTS (SELECT 1 FROM attribute_values a{i + 1} WHERE a{i + 1}.version_id = m.id AND a{i + 1}.name = '{name}' AND a{i + 1}.value >= @{name}Min AND a{i + 1}.value <= @{name}Max)"));
            where.InsertRange(0,
            [
                $"m.status IN ('published', 'superseded') AND {Visibility.Predicate(scope, "m")}",
                $"""
                NOT EXISTS (SELECT 1 FROM versions lm WHERE lm.standard_id = m.standard_id AND lm.edition > m.edition
                  AND lm.status IN ('published', 'superseded') AND {Visibility.Predicate(scope, "lm")})
                """,
            ]);
            return $"""
                SELECT s.id AS Id, s.standard_key AS StandardKey, s.designation AS Designation, s.category AS Category, s.title AS Title,
                       m.edition AS LatestEdition,
                       (SELECT COUNT(*) FROM versions cv WHERE cv.standard_id = s.id AND {Visibility.Predicate(scope, "cv")}) AS VersionCount
                FROM {from}
                {dialect.OrderedJoin} standards s ON s.id = m.standard_id
                WHERE {string.Join("\n  AND ", where)}
                ORDER BY s.standard_key
                {dialect.Limit(rows)}
                """;
        }

        public static string GetStandard(VisibilityScope scope) =>
            $"{StandardSelect(scope)} WHERE s.standard_key = @key AND {Visibility.StandardExists(scope, "s")}";

        /// <summary>The id of a standard that exists for the caller.</summary>
        public static string StandardId(VisibilityScope scope) =>
            $"SELECT s.id FROM standards s WHERE s.standard_key = @key AND {Visibility.StandardExists(scope, "s")}";

        public static string ListVersions(SqlDialect dialect, VisibilityScope scope) => $"""
            {VersionSelect(scope, full: false)}
            WHERE v.standard_id = @standardId AND v.edition > @afterEdition AND {Visibility.Predicate(scope, "v")}
            ORDER BY v.edition
            {dialect.Limit("@limit")}
            """;

        public static string GetVersion(VisibilityScope scope) =>
            $"{VersionSelect(scope, full: true, keyed: true)} WHERE v.standard_id = {Visibility.KeyedStandardId} AND v.edition = @edition AND {Visibility.Predicate(scope, "v")}";

        /// <summary>
        /// The latest visible edition in force: found by walking the standard's editions from the newest down the
        /// visibility index until one passes the rule (a subquery, so PostgreSQL reads that index in order and stops,
        /// where ordering the join's rows read every edition's full row and sorted them), then read by primary key and
        /// held to the rule once more itself.
        /// </summary>
        public static string GetLatest(SqlDialect dialect, VisibilityScope scope) => $"""
            {VersionSelect(scope, full: true)}
            WHERE s.standard_key = @key AND v.id = (
                SELECT lv.id FROM versions lv
                WHERE lv.standard_id = s.id AND lv.status IN ('published', 'superseded') AND {Visibility.Predicate(scope, "lv")}
                ORDER BY lv.edition DESC
                {dialect.Limit("1")})
              AND v.status IN ('published', 'superseded') AND {Visibility.Predicate(scope, "v")}
            """;

        public static string ReleasedTo(VisibilityScope scope) => $"""
            SELECT ra.audience FROM releases ra
            JOIN versions v ON v.id = ra.version_id JOIN standards s ON s.id = v.standard_id
            WHERE s.standard_key = @key AND v.edition = @edition AND {Visibility.Predicate(scope, "v")}
              AND ra.revoked_at IS NULL AND ra.effective_from <= @now{(scope.Originator ? "" : " AND ra.audience = @scopeCommunity")}
            ORDER BY ra.audience
            """;

        private static string StandardSelect(VisibilityScope scope) => $"""
            SELECT s.id AS Id, s.standard_key AS StandardKey, s.designation AS Designation, s.category AS Category, s.title AS Title,
                   (SELECT MAX(lv.edition) FROM versions lv
                     WHERE lv.standard_id = s.id AND lv.status IN ('published', 'superseded') AND {Visibility.Predicate(scope, "lv")}) AS LatestEdition,
                   (SELECT COUNT(*) FROM versions cv WHERE cv.standard_id = s.id AND {Visibility.Predicate(scope, "cv")}) AS VersionCount
            FROM standards s
            """;

        /// <param name="keyed">The caller filters on <see cref="Visibility.KeyedStandardId"/>: the versions are looked up first (see there).</param>
        /// <param name="wholeStandards">
        /// The caller's rows are every version the scope sees of each standard they touch (the export's key ranges),
        /// filtered by <see cref="Visibility.Predicate"/> with the same <paramref name="asAnnounced"/>: a version's next
        /// visible published edition is then among the rows themselves, found by a window over them instead of a
        /// subquery per row (on PostgreSQL the subquery was most of an export batch's work, bench/RESULTS.md).
        /// </param>
        internal static string VersionSelect(VisibilityScope scope, bool full, bool asAnnounced = false, bool keyed = false, bool wholeStandards = false) => $"""
            SELECT v.id AS Id, s.standard_key AS StandardKey, s.designation AS Designation, s.category AS Category, v.edition AS Edition,
                   v.title AS Title, v.summary AS Summary, {(full ? "v.body AS Body, v.attributes AS Attributes," : "")}
                   v.status AS Status, v.classification AS Classification, v.published_at AS PublishedAt,
                   v.withdrawn_at AS WithdrawnAt, v.withdrawal_reason AS WithdrawalReason, v.row_version AS RowVersion,
                   {(wholeStandards
                       ? "MIN(CASE WHEN v.published_at IS NOT NULL THEN v.edition END) OVER (PARTITION BY s.standard_key ORDER BY v.edition ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)"
                       : $"""
                         (SELECT MIN(n.edition) FROM versions n
                           WHERE n.standard_id = v.standard_id AND n.edition > v.edition AND n.published_at IS NOT NULL
                             AND {Visibility.Predicate(scope, "n", asAnnounced)})
                         """)} AS SupersededBy
            FROM versions v JOIN standards s ON {(keyed ? Visibility.JoinStandardAfterVersion : "s.id = v.standard_id")}
            """;

        /// <summary>The list's row limit in the statements <see cref="All"/> gives (the default page and one more).</summary>
        private const int SampleLimit = 21;

        public static IEnumerable<string> All(SqlDialect dialect, VisibilityScope scope)
        {
            foreach (var category in new[] { false, true })
            {
                foreach (var text in new[] { false, true })
                {
                    foreach (var after in new[] { false, true })
                    {
                        yield return ListStandards(dialect, scope, category, text, after, SampleLimit);
                    }
                    // Attribute search: the band alone, with a range, one range, several ranges.
                    var band = 1 << Categories.NumericAttributes.Count;
                    foreach (var shape in new[] { band, band | 0b1100, 0b00001, 0b00011, 0b10000 })
                    {
                        yield return ListStandards(dialect, scope, category, text, true, SampleLimit, shape);
                    }
                }
            }
            yield return GetStandard(scope);
            yield return StandardId(scope);
            yield return ListVersions(dialect, scope);
            yield return GetVersion(scope);
            yield return GetLatest(dialect, scope);
            yield return ReleasedTo(scope);
        }
    }
}
