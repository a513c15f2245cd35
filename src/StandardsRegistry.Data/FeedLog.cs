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
/// The change feed. Every catalogue write runs in <see cref="WriteAsync"/>: inside its transaction, after the
/// standard's lock, <see cref="TrackAsync"/> takes what every view shows of the standard before and after the change
/// (<see cref="FeedRule"/>) and appends the difference to each view, numbered by the view's own gapless sequence.
/// A release that takes effect later is announced (its events appended) by the first write, feed read, export or
/// delivery run after its time, before anything else, so the feed keeps the order in which things became true.
/// Feed reads and the export count releases as announced (<see cref="Visibility.Predicate"/> asAnnounced), so what
/// they return is exactly the state their events lead to.
/// </summary>
public sealed class FeedLog(Db db)
{
    /// <summary>A catalogue write: first announces the releases due at <paramref name="now"/>, then runs the write's transaction.</summary>
    public async Task<Result<T>> WriteAsync<T>(DateTimeOffset now, Func<DbSession, Task<Result<T>>> work, CancellationToken ct)
    {
        await AnnounceDueAsync(now, ct);
        return await db.WriteAsync(work, ct);
    }

    /// <summary>Appends the events of releases that have taken effect by <paramref name="now"/> and are not in the feed yet.</summary>
    public async Task AnnounceDueAsync(DateTimeOffset now, CancellationToken ct)
    {
        var at = now.ToUnixTimeMilliseconds();
        while (true)
        {
            // Nearly always nothing is due: say so from the first entry of ix_releases_due, before the grouped query.
            // PostgreSQL cannot know that the pending releases are (all but) the future ones, so it expects a share of
            // every release to be due and plans that query in parallel: two worker processes started on every feed
            // page and write, 10 ms instead of 0.2 ms at 10^6 versions (bench/RESULTS.md).
            if (await db.ReadAsync(c => c.ExecuteScalarAsync<long?>(Sql.FirstPending), ct) is not { } first || first > at)
            {
                return;
            }
            var standards = await db.ReadAsync(c => c.QueryAsync<long>(Sql.DueStandards(db.Dialect), new { now = at }), ct);
            if (standards.Count == 0)
            {
                return;
            }
            foreach (var standardId in standards)
            {
                // How late each release was announced, counted once its transaction has committed (registry.feed.announce.lag).
                var announced = await db.WriteAsync(async c =>
                {
                    await c.ExecuteAsync(Sql.LockStandard, new { standardId });
                    // Re-read under the lock: another instance may have announced them meanwhile.
                    var due = await c.QueryAsync<DueRelease>(Sql.DueOfStandard, new { standardId, now = at });
                    foreach (var release in due)
                    {
                        await TrackAsync(c, standardId, release.EffectiveFrom, () => c.ExecuteAsync(Sql.Announce, new { release.Id, now = at }));
                    }
                    return Result.Done(due);
                }, ct);
                foreach (var release in announced.Value!)
                {
                    db.Metrics.Announced(TimeSpan.FromMilliseconds(at - release.EffectiveFrom));
                }
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="change"/> (in a write transaction that holds the standard's lock) and appends to every view
    /// the events it made there.
    /// </summary>
    internal static async Task<T> TrackAsync<T>(DbSession c, long standardId, long at, Func<Task<T>> change)
    {
        var before = await FactsAsync(c, standardId);
        var result = await change();
        var after = await FactsAsync(c, standardId);
        await AppendAsync(c, before, after, at);
        return result;
    }

    /// <summary>
    /// Puts a catalogue that predates the feed into it: each visible version as one 'visible' event per view. Runs on
    /// start when the feed is not complete; a standard that already has events is left as it is, so concurrent runs
    /// (several instances starting) add nothing twice.
    /// </summary>
    public async Task BackfillAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        if (await db.ReadAsync(c => c.ExecuteScalarAsync<int>(Sql.IsComplete), ct) > 0)
        {
            return;
        }
        var at = now.ToUnixTimeMilliseconds();
        long after = 0;
        while (true)
        {
            var standards = await db.ReadAsync(c => c.QueryAsync<long>(Sql.StandardsAfter(db.Dialect), new { after }), ct);
            if (standards.Count == 0)
            {
                break;
            }
            // A few standards per transaction: bounded work per commit, without a commit per standard.
            foreach (var batch in standards.Chunk(25))
            {
                await db.WriteAsync(async c =>
                {
                    foreach (var standardId in batch)
                    {
                        await c.ExecuteAsync(Sql.LockStandard, new { standardId });
                        if (await c.ExecuteScalarAsync<int>(Sql.HasEvents, new { standardId }) == 0)
                        {
                            await c.ExecuteAsync(Sql.AnnounceEffective, new { standardId, now = at });
                            await AppendAsync(c, new StandardFacts([]), await FactsAsync(c, standardId), at);
                        }
                    }
                    return Result.Done(true);
                }, ct);
            }
            after = standards[^1];
        }
        await db.WriteAsync(async c =>
        {
            if (await c.ExecuteScalarAsync<int>(Sql.IsComplete) == 0)
            {
                await c.ExecuteAsync(Sql.Complete, new { now = at });
            }
            return Result.Done(true);
        }, ct);
    }

    /// <summary>The caller's events after <paramref name="afterSequence"/>, oldest first, with the content of those it still sees.</summary>
    public async Task<IReadOnlyList<FeedEventRow>> PageAsync(VisibilityScope scope, DateTimeOffset now, long afterSequence, int limit, CancellationToken ct)
    {
        await AnnounceDueAsync(now, ct);
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
        await AnnounceDueAsync(now, ct);
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

    private sealed record StandardFacts(IReadOnlyList<VersionFactsForFeed> Versions);

    private sealed class VersionFactRow
    {
        public long VersionId { get; init; }
        public int Edition { get; init; }
        public VersionStatus Status { get; init; }
        public Classification Classification { get; init; }
        public long? PublishedAt { get; init; }
        public long RowVersion { get; init; }
    }

    private sealed class ReleaseFactRow
    {
        public long VersionId { get; init; }
        public string Audience { get; init; } = "";
        public long? RevokedAt { get; init; }
    }

    private sealed class DueRelease
    {
        public long Id { get; init; }
        public long EffectiveFrom { get; init; }
    }

    private sealed class ViewRow
    {
        public long Id { get; init; }
        public string Community { get; init; } = "";
        public int Level { get; init; }
        public int Drafts { get; init; }

        public FeedView View => new(Community, (Classification)Level, Drafts == 1);
    }

    /// <summary>The standard's versions with the releases the feed has announced (pending releases are not facts yet).</summary>
    private static async Task<StandardFacts> FactsAsync(DbSession c, long standardId)
    {
        var versions = await c.QueryAsync<VersionFactRow>(Sql.VersionFacts, new { standardId });
        var releases = (await c.QueryAsync<ReleaseFactRow>(Sql.ReleaseFacts, new { standardId })).ToLookup(r => r.VersionId);
        return new StandardFacts(versions.Select(v => new VersionFactsForFeed(
            v.VersionId,
            v.Edition,
            v.Status,
            v.Classification,
            v.PublishedAt is not null,
            v.RowVersion,
            releases[v.VersionId]
                .Select(r => new ReleaseFacts(r.Audience, DateTimeOffset.MinValue, r.RevokedAt is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null))
                .ToList())).ToList());
    }

    private static async Task AppendAsync(DbSession c, StandardFacts before, StandardFacts after, long at)
    {
        var status = after.Versions.ToDictionary(v => v.VersionId, v => v.Status);
        foreach (var view in await ViewsAsync(c))
        {
            var scope = view.View.Scope;
            var changes = FeedRule.Changes(FeedRule.Show(scope, before.Versions), FeedRule.Show(scope, after.Versions), id => status[id]).ToList();
            if (changes.Count == 0)
            {
                continue;
            }
            // The view's row lock, held to commit, orders this view's appends by commit.
            await c.ExecuteAsync(Sql.Reserve, new { view.Id, count = changes.Count });
            var last = await c.QuerySingleAsync<long>(Sql.LastSequence, new { view.Id });
            var sequence = last - changes.Count;
            var first = sequence + 1;
            foreach (var (versionId, type) in changes)
            {
                await c.ExecuteAsync(Sql.InsertEvent, new
                {
                    viewId = view.Id,
                    seq = ++sequence,
                    eventId = Guid.NewGuid().ToString(),
                    type = FeedRule.ToText(type),
                    versionId,
                    at,
                });
            }
            // The webhook outbox, in the same transaction: every live subscription reading this view gets the events.
            await c.ExecuteAsync(WebhookStore.Sql.Enqueue, new { viewId = view.Id, first, last = sequence });
        }
    }

    /// <summary>Every view, in id order (the order view locks are taken in); views of audiences added since are created.</summary>
    private static async Task<IReadOnlyList<ViewRow>> ViewsAsync(DbSession c)
    {
        var views = await c.QueryAsync<ViewRow>(Sql.Views);
        var audiences = await c.QueryAsync<string>(Sql.AudienceCodes);
        var missing = FeedView.All(audiences).Except(views.Select(v => v.View)).ToList();
        if (missing.Count == 0)
        {
            return views;
        }
        foreach (var view in missing)
        {
            await c.ExecuteAsync(Sql.InsertView, new { view.Community, level = (int)view.Level, drafts = view.Drafts ? 1 : 0 });
        }
        return await c.QueryAsync<ViewRow>(Sql.Views);
    }

    internal static class Sql
    {
        public const string LockStandard = "UPDATE standards SET title = title WHERE id = @standardId";

        /// <summary>When the earliest pending release takes effect (null: none is pending); read from ix_releases_due alone.</summary>
        public const string FirstPending = "SELECT MIN(effective_from) FROM releases WHERE announced_at IS NULL AND revoked_at IS NULL";

        public static string DueStandards(SqlDialect dialect) => $"""
            SELECT v.standard_id FROM releases r JOIN versions v ON v.id = r.version_id
            WHERE r.announced_at IS NULL AND r.revoked_at IS NULL AND r.effective_from <= @now
            GROUP BY v.standard_id ORDER BY MIN(r.effective_from), v.standard_id
            {dialect.Limit("100")}
            """;

        public const string DueOfStandard = """
            SELECT r.id AS Id, r.effective_from AS EffectiveFrom FROM releases r JOIN versions v ON v.id = r.version_id
            WHERE v.standard_id = @standardId AND r.announced_at IS NULL AND r.revoked_at IS NULL AND r.effective_from <= @now
            ORDER BY r.effective_from, r.id
            """;

        public const string Announce = "UPDATE releases SET announced_at = @now WHERE id = @Id AND announced_at IS NULL";

        public const string AnnounceEffective = """
            UPDATE releases SET announced_at = @now
            WHERE announced_at IS NULL AND effective_from <= @now AND version_id IN (SELECT id FROM versions WHERE standard_id = @standardId)
            """;

        public const string VersionFacts = """
            SELECT id AS VersionId, edition AS Edition, status AS Status, classification AS Classification, published_at AS PublishedAt, row_version AS RowVersion
            FROM versions WHERE standard_id = @standardId
            """;

        public const string ReleaseFacts = """
            SELECT r.version_id AS VersionId, r.audience AS Audience, r.revoked_at AS RevokedAt
            FROM releases r JOIN versions v ON v.id = r.version_id
            WHERE v.standard_id = @standardId AND r.announced_at IS NOT NULL
            """;

        public const string Views = "SELECT id AS Id, community AS Community, level AS Level, drafts AS Drafts FROM feed_views ORDER BY id";

        public const string AudienceCodes = "SELECT code FROM audiences";

        public const string InsertView = "INSERT INTO feed_views (community, level, drafts, last_seq) VALUES (@Community, @level, @drafts, 0)";

        public const string Reserve = "UPDATE feed_views SET last_seq = last_seq + @count WHERE id = @Id";

        public const string LastSequence = "SELECT last_seq FROM feed_views WHERE id = @Id";

        public const string InsertEvent = """
            INSERT INTO feed_events (view_id, seq, event_id, type, version_id, occurred_at) VALUES (@viewId, @seq, @eventId, @type, @versionId, @at)
            """;

        public const string IsComplete = "SELECT COUNT(*) FROM feed_state";

        public const string Complete = "INSERT INTO feed_state (id, complete_at) VALUES (1, @now)";

        public static string StandardsAfter(SqlDialect dialect) => $"SELECT id FROM standards WHERE id > @after ORDER BY id {dialect.Limit("500")}";

        public const string HasEvents = """
            SELECT COUNT(*) FROM feed_events f JOIN versions v ON v.id = f.version_id WHERE v.standard_id = @standardId
            """;

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
        [
            LockStandard, FirstPending, DueStandards(dialect), DueOfStandard, Announce, AnnounceEffective, VersionFacts, ReleaseFacts, Views, AudienceCodes, InsertView,
            Reserve, LastSequence, InsertEvent, IsComplete, Complete, StandardsAfter(dialect), HasEvents, Position, Page(dialect, scope), Event(dialect, scope), ExportKeys(dialect), Export(scope),
            VersionsById(scope, 3),
        ];
    }
}
