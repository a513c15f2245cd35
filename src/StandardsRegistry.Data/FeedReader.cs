using System.Runtime.CompilerServices;
using Dapper;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Data;

/// <summary>One event of a view's feed, as stored; <see cref="Version"/> is the version's content when the caller still sees it.</summary>
public sealed class FeedEventRow
{
    public long Sequence { get; init; }
    public string EventId { get; init; } = "";
    public string Type { get; init; } = "";
    public long OccurredAt { get; init; }
    public string StandardKey { get; init; } = "";
    public int Edition { get; init; }
    public long VersionId { get; init; }
    /// <summary>The version as the caller sees it now (as the feed has announced releases); null when it does not.</summary>
    public VersionRow? Version { get; set; }

    /// <summary>Events that show a version (as opposed to one that may say it went) are only sent with it.</summary>
    internal bool ShowsVersion => Type is "visible" or "updated";
}

/// <summary>
/// The change feed as callers read it: a view's pages, one event (for a webhook delivery), and the export, which is
/// the state the feed has reached at a position. Reads announce the releases due first (<see cref="FeedWriter.AnnounceDueAsync"/>),
/// and count releases as announced (<see cref="Visibility.Predicate"/> asAnnounced), so what they return is exactly
/// the state their events lead to.
/// </summary>
public sealed class FeedReader(Db db, FeedWriter writer)
{
    /// <summary>The caller's events after <paramref name="afterSequence"/>, oldest first, with the content of those it still sees.</summary>
    public async Task<IReadOnlyList<FeedEventRow>> PageAsync(VisibilityScope scope, DateTimeOffset now, long afterSequence, int limit, CancellationToken ct)
    {
        await writer.AnnounceDueAsync(now, ct);
        return await ReadEventsAsync(scope, Sql.Page(db.Dialect, scope), afterSequence, limit, ct);
    }

    /// <summary>One event of the scope's view as the feed shows it now; null when it shows a version the view no longer sees.</summary>
    public async Task<FeedEventRow?> EventAsync(VisibilityScope scope, long sequence, CancellationToken ct) =>
        (await ReadEventsAsync(scope, Sql.Event(db.Dialect, scope), sequence, 1, ct)).SingleOrDefault();

    private async Task<IReadOnlyList<FeedEventRow>> ReadEventsAsync(VisibilityScope scope, string sql, long after, int limit, CancellationToken ct)
    {
        var parameters = Bind(scope, new { after, limit });
        return await db.ReadAsync<IReadOnlyList<FeedEventRow>>(async c =>
        {
            var events = await c.QueryAsync<FeedEventRow>(sql, parameters);
            var ids = events.Select(e => e.VersionId).Distinct().ToList();
            if (ids.Count == 0)
            {
                return events;
            }
            for (var i = 0; i < ids.Count; i++)
            {
                parameters.Add($"id{i}", ids[i]);
            }
            // The content of the page's versions that the caller sees now, in a second statement: whether an event
            // carries a version is decided here, not by a per-row EXISTS in the page's select list (PostgreSQL made that
            // a hashed subplan over every release, 0.4 pages/s at 10^6 versions).
            var versions = (await c.QueryAsync<VersionRow>(Sql.VersionsById(scope, ids.Count), parameters)).ToDictionary(v => v.Id);
            foreach (var e in events)
            {
                e.Version = versions.GetValueOrDefault(e.VersionId);
            }
            // A version hidden between the two statements (revoked just now) has a tombstone after this page: its
            // earlier events go without content, as if the page had been read a moment later.
            return events.Where(e => !e.ShowsVersion || e.Version is not null).ToList();
        }, ct);
    }

    /// <summary>Standards per export query (see <see cref="ExportRangesAsync"/>).</summary>
    private const int ExportBatch = 200;

    /// <summary>
    /// Every version the caller sees, with content, ordered by key and edition, read in one snapshot together with the
    /// caller's feed position in that snapshot: the export is exactly the state the feed has reached at that position.
    /// </summary>
    public async IAsyncEnumerable<VersionRow> ExportAsync(VisibilityScope scope, DateTimeOffset now, Action<long> position, [EnumeratorCancellation] CancellationToken ct)
    {
        await writer.AnnounceDueAsync(now, ct);
        var parameters = Bind(scope, null);
        await foreach (var row in db.SnapshotAsync<VersionRow>(async c =>
        {
            position(await c.ExecuteScalarAsync<long?>(Sql.Position, parameters) ?? 0);
            return ExportRangesAsync(c, scope, parameters);
        }, ct))
        {
            yield return row;
        }
    }

    /// <summary>
    /// The export as consecutive key ranges of <see cref="ExportBatch"/> standards, all in the caller's snapshot. One
    /// query over the whole catalogue ordered by key lets the planner sort everything before the first row: SQLite
    /// 3.53 does (a temporary B-tree of every body, spilled to a temporary file), so memory, temporary disk and the time
    /// to the first line grew with the catalogue. A key range is read through the key index, each standard's versions
    /// in edition order, with no sort; on a server database a sort, if any, holds one range.
    /// </summary>
    private async IAsyncEnumerable<VersionRow> ExportRangesAsync(DbSession c, VisibilityScope scope, DynamicParameters parameters)
    {
        var after = "";
        while (true)
        {
            // Keys of every standard, seen or not: they only bound the next query, and nothing of them is returned.
            var keys = await c.QueryAsync<string>(Sql.ExportKeys(db.Dialect), new { after, batch = ExportBatch });
            if (keys.Count == 0)
            {
                yield break;
            }
            parameters.Add("afterKey", after);
            parameters.Add("lastKey", keys[^1]);
            await foreach (var row in c.Stream<VersionRow>(Sql.Export(scope), parameters))
            {
                yield return row;
            }
            after = keys[^1];
        }
    }

    private static DynamicParameters Bind(VisibilityScope scope, object? more)
    {
        var view = FeedView.Of(scope);
        var parameters = Visibility.Bind(scope, DateTimeOffset.UnixEpoch, more);
        parameters.Add("viewCommunity", view.Community);
        parameters.Add("viewLevel", (int)view.Level);
        parameters.Add("viewDrafts", view.Drafts ? 1 : 0);
        return parameters;
    }

    internal static class Sql
    {
        private const string View = "fv.community = @viewCommunity AND fv.level = @viewLevel AND fv.drafts = @viewDrafts";

        public const string Position = $"SELECT fv.last_seq FROM feed_views fv WHERE {View}";

        /// <summary>
        /// A page of the view's events: a range of the (view_id, seq) primary key, read in order, so the LIMIT stops
        /// the scan (the view is a scalar subquery: joined, PostgreSQL sorted the view's whole tail first). An event
        /// that shows a version (visible, updated) is left out while the version is not visible now: a later tombstone
        /// says it went, and no content of a version the caller no longer sees is sent again.
        /// </summary>
        public static string Page(SqlDialect dialect, VisibilityScope scope) => Events(dialect, scope, "f.seq > @after", dialect.Limit("@limit"));

        /// <summary>One event by its sequence, as <see cref="Page"/> would show it (no row: it shows a version no longer visible).</summary>
        public static string Event(SqlDialect dialect, VisibilityScope scope) => Events(dialect, scope, "f.seq = @after", "");

        private static string Events(SqlDialect dialect, VisibilityScope scope, string position, string limit)
        {
            var visible = Visibility.Predicate(scope, "v", asAnnounced: true);
            return $"""
                SELECT f.seq AS Sequence, f.event_id AS EventId, f.type AS Type, f.occurred_at AS OccurredAt,
                       s.standard_key AS StandardKey, v.edition AS Edition, v.id AS VersionId
                FROM feed_events f JOIN versions v ON v.id = f.version_id JOIN standards s ON s.id = v.standard_id
                WHERE f.view_id = (SELECT fv.id FROM feed_views fv WHERE {View}) AND {position} AND (f.type IN ('withdrawn', 'hidden') OR {visible})
                ORDER BY f.seq
                {limit}
                """;
        }

        /// <summary>The visible versions among <c>@id0</c> … (one parameter per id, the same on every provider).</summary>
        public static string VersionsById(VisibilityScope scope, int count) =>
            $"{CatalogueQueries.Sql.VersionSelect(scope, full: true, asAnnounced: true)} WHERE v.id IN ({string.Join(", ", Enumerable.Range(0, count).Select(i => $"@id{i}"))}) AND {Visibility.Predicate(scope, "v", asAnnounced: true)}";

        /// <summary>The next <c>@batch</c> standard keys after <c>@after</c>: the bounds of one export query.</summary>
        public static string ExportKeys(SqlDialect dialect) =>
            $"SELECT standard_key FROM standards WHERE standard_key > @after ORDER BY standard_key {dialect.Limit("@batch")}";

        /// <summary>The versions the caller sees of the standards with keys in (<c>@afterKey</c>, <c>@lastKey</c>].</summary>
        public static string Export(VisibilityScope scope) => $"""
            {CatalogueQueries.Sql.VersionSelect(scope, full: true, asAnnounced: true)}
            WHERE s.standard_key > @afterKey AND s.standard_key <= @lastKey AND {Visibility.Predicate(scope, "v", asAnnounced: true)}
            ORDER BY s.standard_key, v.edition
            """;

        public static IEnumerable<string> All(SqlDialect dialect, VisibilityScope scope) =>
            [Position, Page(dialect, scope), Event(dialect, scope), ExportKeys(dialect), Export(scope), VersionsById(scope, 3)];
    }
}
