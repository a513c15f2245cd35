using System.Runtime.CompilerServices;
using Dapper;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Data;

/// <summary>
/// One event of a view's feed, as stored, with the content of its record when the caller still sees it: the version,
/// response, relation, equivalent, preferred mark or table, by <see cref="Subject"/>.
/// </summary>
public sealed class FeedEventRow
{
    /// <summary>
    /// The event's number in the caller's feed: among the events of the view that readers speaking for no nation get
    /// (<c>others_seq</c>; in any view but NATO's, the view's sequence), or a delegate's own (<see cref="FeedPosition"/>).
    /// </summary>
    public long Sequence { get; set; }
    /// <summary>The view's events that are not responses up to this one (a response: before it); never sent.</summary>
    public long CommonSequence { get; init; }
    /// <summary>A response event's number among its nation's in the view; never sent.</summary>
    public long? NationSequence { get; init; }
    public string EventId { get; init; } = "";
    public string Type { get; init; } = "";
    public long OccurredAt { get; init; }
    public string Subject { get; init; } = "";
    /// <summary>The record's identity in the store (never sent).</summary>
    public long SubjectId { get; init; }
    /// <summary>The record's identity as sent (<see cref="FeedRefs"/>); null for a version (named by key and edition).</summary>
    public string? Ref { get; init; }
    /// <summary>The standard and edition of a version or of the edition a response answers.</summary>
    public string? StandardKey { get; init; }
    public int? Edition { get; init; }
    public long? VersionId { get; init; }
    /// <summary>
    /// The marking of the record the event names, as stored, whether or not the event carries it: a version's or a
    /// table's own, a response's or its edition's, whichever is higher (its ref names both); null for a relation, an
    /// equivalent or a preferred mark (no marking of their own).
    /// Read for one event only (<see cref="FeedReader.EventAsync(FeedView, VisibilityScope, long, CancellationToken)"/>).
    /// </summary>
    public Classification? Marking { get; init; }
    /// <summary>The version as the caller sees it now (as the feed has announced releases); null when it does not.</summary>
    public VersionRow? Version { get; set; }
    public ResponseRow? Response { get; set; }
    public FeedRelationRow? Relation { get; set; }
    public FeedEquivalentRow? Equivalent { get; set; }
    public FeedPreferredRow? Preferred { get; set; }
    public PublishedTableRecord? Table { get; set; }

    /// <summary>Events that show a record (as opposed to one that may say it went) are only sent with it.</summary>
    internal bool ShowsContent => Type is "visible" or "updated";

    internal FeedEventRow With(object record)
    {
        switch (record)
        {
            case VersionRow v: Version = v; break;
            case ResponseRow r: Response = r; break;
            case FeedRelationRow r: Relation = r; break;
            case FeedEquivalentRow q: Equivalent = q; break;
            case FeedPreferredRow p: Preferred = p; break;
            default: throw new ArgumentException($"Not a feed record: {record.GetType().Name}", nameof(record));
        }
        return this;
    }

    /// <summary>Whether the event carries its record (as read for the caller).</summary>
    public bool HasContent => Version is not null || Response is not null || Relation is not null || Equivalent is not null || Preferred is not null || Table is not null;
}

/// <summary>An edge between two standards as the feed sends it.</summary>
public sealed class FeedRelationRow
{
    public long Id { get; init; }
    public string From { get; init; } = "";
    public string Kind { get; init; } = "";
    public string To { get; init; } = "";
}

/// <summary>A civil equivalent of a standard as the feed sends it.</summary>
public sealed class FeedEquivalentRow
{
    public long Id { get; init; }
    public string Key { get; init; } = "";
    public string Source { get; init; } = "";
    public string Identifier { get; init; } = "";
}

/// <summary>A category's preferred standard as the feed sends it (the id is the standard's).</summary>
public sealed class FeedPreferredRow
{
    public long Id { get; init; }
    public string Category { get; init; } = "";
    public string Key { get; init; } = "";
    public string Rationale { get; init; } = "";
}

/// <summary>
/// The change feed as callers read it: a view's pages, one event (for a webhook delivery), and the export, which is
/// the state the feed has reached at a position. Reads announce the releases due first (<see cref="FeedWriter.AnnounceDueAsync"/>),
/// and count releases as announced (<see cref="Visibility.Predicate"/> asAnnounced), so what they return is exactly
/// the state their events lead to.
/// </summary>
public sealed class FeedReader(Db db, FeedWriter writer)
{
    /// <summary>
    /// Up to <paramref name="pageSize"/> of the caller's events after <paramref name="afterSequence"/>, oldest first, with
    /// the content of those it still sees; the position they take the caller to; whether more follow. The page's query
    /// leaves out only version events the caller no longer sees; an event of another record is kept out here, after
    /// its record is read (the query stays as small as the versions' own, which SQLite prepares on every page). What is
    /// kept out was considered all the same: the position is the last event considered, so a page can hold fewer
    /// events than asked while more follow.
    /// A national delegate's page is read from its view less the other nations' responses, in the query itself, and
    /// numbered by itself (<see cref="FeedPosition"/>): nothing in it counts what the delegate does not get.
    /// The id of the event the position names comes with it (null when the page considered none), so that a cursor can
    /// name that event as well as its number (<see cref="EventIdAtAsync"/>).
    /// </summary>
    public async Task<(IReadOnlyList<FeedEventRow> Events, FeedPosition Position, string? PositionEventId, bool HasMore)> PageAsync(VisibilityScope scope, DateTimeOffset now, FeedPosition after, int pageSize, CancellationToken ct)
    {
        await writer.AnnounceDueAsync(now, ct);
        var page = await ReadEventsAsync(scope, Sql.Page(db.Dialect, scope), after, pageSize + 1, pageSize, ct);
        return (page.Events, page.LastConsidered, page.LastConsideredId, page.More);
    }

    /// <summary>
    /// The id of the event of the caller's view at <paramref name="position"/> (a delegate's: the later of the two events
    /// it names, the one its page starts after), null when the view has none there. Numbers are never given twice while
    /// the database lives, so a cursor naming a number with another event's id, or with none, was issued in a history
    /// the database no longer has: a restore from a backup gives the numbers after the backup to new events.
    /// </summary>
    public async Task<string?> EventIdAtAsync(VisibilityScope scope, FeedPosition position, CancellationToken ct) =>
        await db.ReadAsync(c => c.ExecuteScalarAsync<string?>(Sql.EventAt(scope),
            Bind(scope, new { after = position.Sequence, afterResponses = position.Responses })), ct);

    /// <summary>
    /// One event of <paramref name="view"/>, as <paramref name="scope"/> (which may see less than the view) is shown it
    /// now: null when it shows a record the scope does not see. A tombstone is returned whatever the scope: its
    /// <see cref="FeedEventRow.Marking"/> says what it names. A webhook delivery reads its event in the view it was
    /// queued for, and, when the audience's ceiling is below that view now, as the ceiling shows it.
    /// </summary>
    public async Task<FeedEventRow?> EventAsync(FeedView view, VisibilityScope scope, long sequence, CancellationToken ct) =>
        (await ReadEventsAsync(scope, Sql.Event(db.Dialect, scope), new FeedPosition(sequence), 1, 1, ct, view)).Events.SingleOrDefault();

    /// <summary>
    /// Whether <paramref name="scope"/> reads capability table <paramref name="tableId"/>, revoked or not, as the tables
    /// routes decide (<see cref="CapabilityStore.Sql.Readable"/>): a webhook delivery asks it of the admin who registered
    /// the subscription, whatever the event (a tombstone names the table too).
    /// </summary>
    public async Task<bool> ReadsTableAsync(VisibilityScope scope, long tableId, CancellationToken ct) =>
        await db.ReadAsync(c => c.ExecuteScalarAsync<long>(Sql.TableRead(scope), Bind(scope, new { id = tableId })), ct) > 0;

    /// <summary>
    /// Reads up to <paramref name="limit"/> events and considers the first <paramref name="keep"/>: those the caller
    /// sees now, with their records; the position after the last one considered; whether more were read than considered.
    /// </summary>
    private async Task<(IReadOnlyList<FeedEventRow> Events, FeedPosition LastConsidered, string? LastConsideredId, bool More)> ReadEventsAsync(
        VisibilityScope scope, string sql, FeedPosition after, int limit, int keep, CancellationToken ct, FeedView? view = null)
    {
        var parameters = Bind(scope, new { after = after.Sequence, afterResponses = after.Responses, limit }, view);
        return await db.ReadAsync<(IReadOnlyList<FeedEventRow>, FeedPosition, string?, bool)>(async c =>
        {
            var read = await c.QueryAsync<FeedEventRow>(sql, parameters);
            var events = read.Take(keep).ToList();
            var last = after;
            var lastId = (string?)null;
            foreach (var e in events)
            {
                lastId = e.EventId;
                if (scope.Nation is null)
                {
                    last = new FeedPosition(e.Sequence);
                }
                else
                {
                    // A delegate's events are numbered by themselves: the view's sequence would count the other nations' responses.
                    last = e.NationSequence is { } own ? last with { Responses = own } : last with { Sequence = e.CommonSequence };
                    e.Sequence = last.Number;
                }
            }
            // The content of the page's records that the caller sees now, in one statement per kind: whether an event
            // carries its record is decided here, not by a per-row EXISTS in the page's select list (PostgreSQL made that
            // a hashed subplan over every release, 0.4 pages/s at 10^6 versions).
            // Every event carries its record while the caller sees it (a version withdrawn stays visible inside NATO).
            var shown = events;
            await FillAsync(c, scope, shown, FeedSubject.Version, Sql.VersionsById, (VersionRow v) => v.Id, (e, v) => e.Version = v);
            await FillAsync(c, scope, shown, FeedSubject.Response, Sql.ResponsesById, (ResponseRow r) => r.Id, (e, r) => e.Response = r);
            await FillAsync(c, scope, shown, FeedSubject.Relation, Sql.RelationsById, (FeedRelationRow r) => r.Id, (e, r) => e.Relation = r);
            await FillAsync(c, scope, shown, FeedSubject.Equivalent, Sql.EquivalentsById, (FeedEquivalentRow q) => q.Id, (e, q) => e.Equivalent = q);
            await FillAsync(c, scope, shown, FeedSubject.Preferred, Sql.PreferredById, (FeedPreferredRow p) => p.Id, (e, p) => e.Preferred = p);
            await FillAsync(c, scope, shown, FeedSubject.Table, Sql.TablesById, (TableRow t) => t.Id, (e, t) => e.Table = new PublishedTableRecord(t, []));
            foreach (var e in shown.Where(e => e.Table is not null))
            {
                e.Table = e.Table! with { Cells = await c.QueryAsync<TableCellRow>(CapabilityStore.Sql.Cells, new { tableId = e.Table.Table.Id }) };
            }
            // An event that shows a record the caller does not see now is not for it: a later tombstone says the record went.
            return ((IReadOnlyList<FeedEventRow>)events.Where(e => !e.ShowsContent || e.HasContent).ToList(), last, lastId, read.Count > keep);
        }, ct);
    }

    /// <summary>Reads the records of one kind that the page's events show, as the caller sees them now, and hands each to its events.</summary>
    private static async Task FillAsync<T>(DbSession c, VisibilityScope scope, List<FeedEventRow> events, FeedSubject subject,
        Func<VisibilityScope, int, string> sql, Func<T, long> id, Action<FeedEventRow, T> fill)
    {
        var name = EnumText.Of(subject);
        var ids = events.Where(e => e.Subject == name).Select(e => e.SubjectId).Distinct().ToList();
        if (ids.Count == 0)
        {
            return;
        }
        var parameters = Bind(scope, null);
        for (var i = 0; i < ids.Count; i++)
        {
            parameters.Add($"id{i}", ids[i]);
        }
        var records = (await c.QueryAsync<T>(sql(scope, ids.Count), parameters)).ToDictionary(id);
        foreach (var e in events.Where(e => e.Subject == name))
        {
            if (records.TryGetValue(e.SubjectId, out var record))
            {
                fill(e, record);
            }
        }
    }

    /// <summary>Standards per export query (see <see cref="ExportRangesAsync"/>).</summary>
    private const int ExportBatch = 200;

    /// <summary>
    /// Every version the caller sees, with content, ordered by key and edition, then every other record it sees
    /// (responses, relations, equivalents, preferred marks, tables), read in one snapshot together with the caller's feed
    /// position in that snapshot: the export is exactly the state the feed has reached at that position. Each row has one
    /// record set, named by <see cref="FeedEventRow.Subject"/>.
    /// </summary>
    public async IAsyncEnumerable<FeedEventRow> ExportAsync(VisibilityScope scope, DateTimeOffset now, Action<FeedPosition> position, [EnumeratorCancellation] CancellationToken ct)
    {
        await writer.AnnounceDueAsync(now, ct);
        var parameters = Bind(scope, null);
        await foreach (var row in db.SnapshotAsync<FeedEventRow>(async c =>
        {
            position(scope.Nation is null
                ? new FeedPosition(await c.ExecuteScalarAsync<long?>(Sql.Position(scope), parameters) ?? 0)
                : (await c.QueryAsync<(long Sequence, long Responses)>(Sql.DelegatePosition, parameters)).Select(p => new FeedPosition(p.Sequence, p.Responses)).SingleOrDefault());
            return ExportAllAsync(c, scope, parameters);
        }, ct))
        {
            yield return row;
        }
    }

    private async IAsyncEnumerable<FeedEventRow> ExportAllAsync(DbSession c, VisibilityScope scope, DynamicParameters parameters)
    {
        await foreach (var version in ExportRangesAsync(c, scope, parameters))
        {
            yield return new FeedEventRow { Subject = EnumText.Of(FeedSubject.Version) }.With(version);
        }
        await foreach (var response in c.Stream<ResponseRow>(Sql.ExportResponses(scope), parameters))
        {
            yield return new FeedEventRow { Subject = EnumText.Of(FeedSubject.Response) }.With(response);
        }
        await foreach (var relation in c.Stream<FeedRelationRow>(Sql.ExportRelations(scope), parameters))
        {
            yield return new FeedEventRow { Subject = EnumText.Of(FeedSubject.Relation) }.With(relation);
        }
        await foreach (var equivalent in c.Stream<FeedEquivalentRow>(Sql.ExportEquivalents(scope), parameters))
        {
            yield return new FeedEventRow { Subject = EnumText.Of(FeedSubject.Equivalent) }.With(equivalent);
        }
        await foreach (var preferred in c.Stream<FeedPreferredRow>(Sql.ExportPreferred(scope), parameters))
        {
            yield return new FeedEventRow { Subject = EnumText.Of(FeedSubject.Preferred) }.With(preferred);
        }
        foreach (var table in await c.QueryAsync<TableRow>(Sql.ExportTables(scope), parameters))
        {
            var cells = await c.QueryAsync<TableCellRow>(CapabilityStore.Sql.Cells, new { tableId = table.Id });
            yield return new FeedEventRow { Subject = EnumText.Of(FeedSubject.Table), Table = new PublishedTableRecord(table, cells) };
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

    /// <param name="view">The view whose events are read; the scope's own unless given.</param>
    private static DynamicParameters Bind(VisibilityScope scope, object? more, FeedView? view = null)
    {
        view ??= FeedView.Of(scope);
        var parameters = Visibility.Bind(scope, DateTimeOffset.UnixEpoch, more);
        parameters.Add("scopeNation", scope.Nation);
        parameters.Add("viewCommunity", view.Community);
        parameters.Add("viewLevel", (int)view.Level);
        parameters.Add("viewDrafts", view.Drafts ? 1 : 0);
        return parameters;
    }

    internal static class Sql
    {
        private const string View = "fv.community = @viewCommunity AND fv.level = @viewLevel AND fv.drafts = @viewDrafts";

        /// <summary>
        /// The view's position at its end for a reader speaking for no nation (its count of the events it gets, as
        /// <c>others_seq</c> numbers them); none while the view is above the reader's level now (<see cref="ViewWithinLevel"/>).
        /// </summary>
        public static string Position(VisibilityScope scope) => $"SELECT fv.last_others FROM feed_views fv WHERE {View} AND {ViewWithinLevel(scope)}";

        /// <summary>A delegate's position at the view's end: its events that are not responses, and its own nation's responses.</summary>
        public const string DelegatePosition = $"""
            SELECT fv.last_common AS Sequence,
                   COALESCE((SELECT MAX(f.nation_seq) FROM feed_events f WHERE f.view_id = fv.id AND f.nation = @scopeNation), 0) AS Responses
            FROM feed_views fv WHERE {View}
            """;

        private const string ViewId = $"(SELECT fv.id FROM feed_views fv WHERE {View})";

        /// <summary>
        /// A page of the view's events: for a reader speaking for no nation a range of its own numbers (index
        /// (view_id, others_seq); <c>others_seq</c> is null on an event for delegates only), read in order, so the LIMIT
        /// stops the scan (the view is a scalar subquery: joined, PostgreSQL sorted the view's whole tail first). An event
        /// that shows a record (visible, updated) is left out while the record is not visible now: a later tombstone
        /// says it went, and no content of a record the caller no longer sees is sent again.
        /// A delegate's page starts after the view's event its position names (the common event <c>@after</c> or its
        /// nation's response <c>@afterResponses</c>, whichever came later) and leaves out the other nations' responses and
        /// the events for readers speaking for no nation only.
        /// </summary>
        public static string Page(SqlDialect dialect, VisibilityScope scope) => Events(dialect, scope, $"{ViewWithinLevel(scope)} AND " + (scope.Nation is null ? "f.others_seq > @after" : $"""
            f.seq > {DelegateAfter}
              AND (f.nation IS NULL OR f.nation = @scopeNation) AND f.for_delegates = 1
            """), dialect.Limit("@limit"), "", order: scope.Nation is null ? "f.others_seq" : "f.seq");

        /// <summary>The view's sequence a delegate's position names: the later of its common event and its nation's response.</summary>
        private const string DelegateAfter = $"""
            (SELECT COALESCE(MAX(p.seq), 0) FROM (
                         SELECT c.seq FROM feed_events c WHERE c.view_id = {ViewId} AND c.nation IS NULL AND c.common_seq = @after AND c.for_delegates = 1
                         UNION ALL
                         SELECT o.seq FROM feed_events o WHERE o.view_id = {ViewId} AND o.nation = @scopeNation AND o.nation_seq = @afterResponses) p)
            """;

        /// <summary>The id of the view's event a position names (<see cref="EventIdAtAsync"/>); no row when there is none.</summary>
        public static string EventAt(VisibilityScope scope) =>
            $"SELECT f.event_id FROM feed_events f WHERE f.view_id = {ViewId} AND {(scope.Nation is null ? "f.others_seq = @after" : $"f.seq = {DelegateAfter}")}";

        /// <summary>
        /// The reader's view is within its level now (<see cref="Visibility.WithinLevel"/>): an audience's reader whose
        /// cached scope still names the view of a ceiling just lowered reads no event of it, not even a tombstone, and
        /// its position does not move; once the cache follows, its cursor names another view and is refused.
        /// </summary>
        private static string ViewWithinLevel(VisibilityScope scope) => Visibility.WithinLevel(scope, "@viewLevel");

        /// <summary>
        /// One event by its sequence, as <see cref="Page"/> would show it (no row: it shows a record no longer visible),
        /// with the marking of the record it names (<see cref="FeedEventRow.Marking"/>).
        /// </summary>
        public static string Event(SqlDialect dialect, VisibilityScope scope) => Events(dialect, scope, "f.seq = @after", "", """
            ,
                   CASE f.subject WHEN 'version' THEN v.classification
                                  WHEN 'response' THEN CASE WHEN fn.classification > v.classification THEN fn.classification ELSE v.classification END
                                  WHEN 'table' THEN (SELECT ft.classification FROM capability_tables ft WHERE ft.id = f.subject_id) END AS Marking
            """, "\n     LEFT JOIN national_responses fn ON f.subject = 'response' AND fn.id = f.subject_id");

        /// <summary>
        /// The events of the view in a range of sequences, less the version events whose version the caller does not see
        /// now (the release rule, as announced): the query stays the versions' own, and the events of other records are
        /// judged when their records are read.
        /// </summary>
        /// <param name="order">The column the events are read in the order of: the same order, by the index the position's range uses.</param>
        private static string Events(SqlDialect dialect, VisibilityScope scope, string position, string limit, string more, string join = "", string order = "f.seq") => $"""
            SELECT COALESCE(f.others_seq, 0) AS Sequence, f.event_id AS EventId, f.type AS Type, f.occurred_at AS OccurredAt, f.subject AS Subject,
                   f.subject_id AS SubjectId, f.subject_ref AS Ref, s.standard_key AS StandardKey, v.edition AS Edition, v.id AS VersionId,
                   f.common_seq AS CommonSequence, f.nation_seq AS NationSequence{more}
            FROM feed_events f LEFT JOIN versions v ON v.id = f.version_id LEFT JOIN standards s ON s.id = v.standard_id{join}
            WHERE f.view_id = {ViewId} AND {position}
              AND (f.type IN ('withdrawn', 'hidden') OR f.subject <> 'version' OR {Visibility.Predicate(scope, "v", asAnnounced: true)})
            ORDER BY {order}
            {limit}
            """;

        /// <summary>
        /// Whether the caller sees the record <paramref name="id"/> of a kind other than a version (the page's own query
        /// judges those) now, as the feed has announced releases: a response with its edition and by its own marking and
        /// releases; an edge when both ends exist for the caller; an equivalent with its standard; a preferred mark (by its
        /// standard's id) when it is the caller's mark of the category (<see cref="RelationStore.Sql.Shown"/>) (a
        /// table is read by the tables routes' own predicate, <see cref="TablesById"/>).
        /// </summary>
        internal static string Shows(FeedSubject subject, VisibilityScope scope, string id) => subject switch
        {
            FeedSubject.Response => $"""
                EXISTS (SELECT 1 FROM national_responses n JOIN versions nv ON nv.id = n.version_id
                        WHERE n.id = {id} AND {Visibility.Predicate(scope, "nv", asAnnounced: true)} AND {ResponseStore.Predicate(scope, "n")})
                """,
            FeedSubject.Relation => $"""
                EXISTS (SELECT 1 FROM relations rl JOIN standards rf ON rf.id = rl.from_standard_id JOIN standards rt ON rt.id = rl.to_standard_id
                        WHERE rl.id = {id} AND {Visibility.StandardExists(scope, "rf", asAnnounced: true)} AND {Visibility.StandardExists(scope, "rt", asAnnounced: true)})
                """,
            FeedSubject.Equivalent => $"""
                EXISTS (SELECT 1 FROM equivalents q JOIN standards qs ON qs.id = q.standard_id
                        WHERE q.id = {id} AND {Visibility.StandardExists(scope, "qs", asAnnounced: true)})
                """,
            FeedSubject.Preferred => $"""
                EXISTS (SELECT 1 FROM preferred_marks pm
                        WHERE pm.standard_id = {id} AND {PreferredShown(scope, "pm")})
                """,
            _ => throw new ArgumentOutOfRangeException(nameof(subject)),
        };

        /// <summary>Row <paramref name="alias"/> of <c>preferred_marks</c> is the caller's preferred mark, as the feed has announced releases.</summary>
        private static string PreferredShown(VisibilityScope scope, string alias) => RelationStore.Sql.Shown(scope, alias, asAnnounced: true);

        private static string Ids(int count) => string.Join(", ", Enumerable.Range(0, count).Select(i => $"@id{i}"));

        /// <summary>The visible versions among <c>@id0</c> … (one parameter per id, the same on every provider).</summary>
        public static string VersionsById(VisibilityScope scope, int count) =>
            $"{CatalogueQueries.Sql.VersionSelect(scope, full: true, asAnnounced: true)} WHERE v.id IN ({Ids(count)}) AND {Visibility.Predicate(scope, "v", asAnnounced: true)}";

        public static string ResponsesById(VisibilityScope scope, int count) =>
            $"SELECT {ResponseStore.Sql.Columns} FROM {ResponseStore.Sql.From} WHERE r.id IN ({Ids(count)}) AND {Shows(FeedSubject.Response, scope, "r.id")}";

        public static string RelationsById(VisibilityScope scope, int count) => $"""
            SELECT e.id AS Id, f.standard_key AS "From", e.kind AS Kind, t.standard_key AS "To"
            FROM relations e JOIN standards f ON f.id = e.from_standard_id JOIN standards t ON t.id = e.to_standard_id
            WHERE e.id IN ({Ids(count)}) AND {Shows(FeedSubject.Relation, scope, "e.id")}
            """;

        public static string EquivalentsById(VisibilityScope scope, int count) => $"""
            SELECT e.id AS Id, s.standard_key AS "Key", e.source AS Source, e.identifier AS Identifier
            FROM equivalents e JOIN standards s ON s.id = e.standard_id
            WHERE e.id IN ({Ids(count)}) AND {Shows(FeedSubject.Equivalent, scope, "e.id")}
            """;

        public static string PreferredById(VisibilityScope scope, int count) => $"""
            SELECT e.standard_id AS Id, e.category AS Category, s.standard_key AS "Key", e.rationale AS Rationale
            FROM preferred_marks e JOIN standards s ON s.id = e.standard_id
            WHERE e.standard_id IN ({Ids(count)}) AND {PreferredShown(scope, "e")}
            """;

        public static string TableRead(VisibilityScope scope) =>
            $"SELECT COUNT(*) FROM capability_tables ct WHERE ct.id = @id AND {CapabilityStore.Sql.Readable(scope)}";

        public static string TablesById(VisibilityScope scope, int count) =>
            $"SELECT {CapabilityStore.Sql.TableColumns} FROM capability_tables ct WHERE ct.id IN ({Ids(count)}) AND {CapabilityStore.Sql.Readable(scope)}";

        /// <summary>The next <c>@batch</c> standard keys after <c>@after</c>: the bounds of one export query.</summary>
        public static string ExportKeys(SqlDialect dialect) =>
            $"SELECT standard_key FROM standards WHERE standard_key > @after ORDER BY standard_key {dialect.Limit("@batch")}";

        /// <summary>The versions the caller sees of the standards with keys in (<c>@afterKey</c>, <c>@lastKey</c>].</summary>
        public static string Export(VisibilityScope scope) => $"""
            {CatalogueQueries.Sql.VersionSelect(scope, full: true, asAnnounced: true, wholeStandards: true)}
            WHERE s.standard_key > @afterKey AND s.standard_key <= @lastKey AND {Visibility.Predicate(scope, "v", asAnnounced: true)}
            ORDER BY s.standard_key, v.edition
            """;

        /// <summary>Every response the caller sees (as the page shows them), by standard, edition, nation and recording.</summary>
        public static string ExportResponses(VisibilityScope scope) => $"""
            SELECT {ResponseStore.Sql.Columns} FROM {ResponseStore.Sql.From}
            WHERE {Visibility.Predicate(scope, "v", asAnnounced: true)} AND {ResponseStore.Predicate(scope, "r")}{(scope.Nation is null ? "" : " AND r.nation = @scopeNation")}
            ORDER BY s.standard_key, v.edition, r.nation, r.id
            """;

        public static string ExportRelations(VisibilityScope scope) => $"""
            SELECT e.id AS Id, f.standard_key AS "From", e.kind AS Kind, t.standard_key AS "To"
            FROM relations e JOIN standards f ON f.id = e.from_standard_id JOIN standards t ON t.id = e.to_standard_id
            WHERE {Visibility.StandardExists(scope, "f", asAnnounced: true)} AND {Visibility.StandardExists(scope, "t", asAnnounced: true)}
            ORDER BY f.standard_key, e.kind, t.standard_key
            """;

        public static string ExportEquivalents(VisibilityScope scope) => $"""
            SELECT e.id AS Id, s.standard_key AS "Key", e.source AS Source, e.identifier AS Identifier
            FROM equivalents e JOIN standards s ON s.id = e.standard_id
            WHERE {Visibility.StandardExists(scope, "s", asAnnounced: true)}
            ORDER BY s.standard_key, e.source, e.identifier
            """;

        public static string ExportPreferred(VisibilityScope scope) => $"""
            SELECT e.standard_id AS Id, e.category AS Category, s.standard_key AS "Key", e.rationale AS Rationale
            FROM preferred_marks e JOIN standards s ON s.id = e.standard_id
            WHERE {PreferredShown(scope, "e")}
            ORDER BY e.category
            """;

        public static string ExportTables(VisibilityScope scope) =>
            $"SELECT {CapabilityStore.Sql.TableColumns} FROM capability_tables ct WHERE {CapabilityStore.Sql.Readable(scope)} ORDER BY ct.cycle, ct.audience, ct.id";

        public static IEnumerable<string> All(SqlDialect dialect, VisibilityScope scope) =>
        [
            ExportResponses(scope), ExportRelations(scope), ExportEquivalents(scope), ExportPreferred(scope), ExportTables(scope),
            Position(scope), DelegatePosition, Page(dialect, scope), Page(dialect, scope with { Nation = "FRA" }), Event(dialect, scope),
            EventAt(scope), EventAt(scope with { Nation = "FRA" }), ExportKeys(dialect), Export(scope),
            VersionsById(scope, 3), ResponsesById(scope, 2), RelationsById(scope, 2), EquivalentsById(scope, 2), PreferredById(scope, 2), TablesById(scope, 2), TableRead(scope),
        ];
    }
}
