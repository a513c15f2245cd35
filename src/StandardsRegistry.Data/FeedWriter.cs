using Dapper;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Data;

/// <summary>
/// The change feed as writes make it. A catalogue write runs its change through <see cref="TrackAsync"/> (by way of
/// <see cref="Write.TrackAsync"/>): inside its transaction, after the standard's lock, it takes what every view shows of
/// the standard before and after the change (<see cref="FeedRule"/>) and appends the difference to each view, numbered
/// by the view's own gapless sequence, with the webhook outbox's rows for the subscriptions reading those views. A
/// release that takes effect later is announced (its events appended) by the first write, feed read, export or
/// delivery run after its time, before anything else, so the feed keeps the order in which things became true.
/// </summary>
public sealed class FeedWriter(Db db)
{
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
    internal async Task<T> TrackAsync<T>(DbSession c, long standardId, long at, Func<Task<T>> change)
    {
        var (before, _) = await FactsAsync(c, standardId, withViews: false);
        var result = await change();
        var (after, views) = await FactsAsync(c, standardId, withViews: true);
        await AppendAsync(c, views!, before, after, at);
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
                            var (facts, views) = await FactsAsync(c, standardId, withViews: true);
                            await AppendAsync(c, views!, new StandardFacts([]), facts, at);
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
        public Classification Level { get; init; }
        public int Drafts { get; init; }

        public FeedView View => new(Community, Level, Drafts == 1);
    }

    /// <summary>One event to append: the view's sequence number, the version and what happened to it.</summary>
    private sealed record EventRow(long ViewId, long Sequence, long VersionId, FeedEventType Type);

    /// <summary>
    /// The standard's versions with the releases the feed has announced (pending releases are not facts yet), in one
    /// round trip; when asked, the views too, read in the same command (<see cref="ViewsAsync"/>).
    /// </summary>
    private static async Task<(StandardFacts Facts, IReadOnlyList<ViewRow>? Views)> FactsAsync(DbSession c, long standardId, bool withViews)
    {
        List<VersionFactRow> versions;
        ILookup<long, ReleaseFactRow> releases;
        List<ViewRow>? views = null;
        List<string>? audiences = null;
        using (var results = await c.QueryMultipleAsync(withViews ? Sql.FactsAndViews : Sql.Facts, new { standardId }))
        {
            versions = (await results.ReadAsync<VersionFactRow>()).AsList();
            releases = (await results.ReadAsync<ReleaseFactRow>()).ToLookup(r => r.VersionId);
            if (withViews)
            {
                views = (await results.ReadAsync<ViewRow>()).AsList();
                audiences = (await results.ReadAsync<string>()).AsList();
            }
        }
        var facts = new StandardFacts(versions.Select(v => new VersionFactsForFeed(
            v.VersionId,
            v.Edition,
            v.Status,
            v.Classification,
            v.PublishedAt is not null,
            v.RowVersion,
            releases[v.VersionId]
                .Select(r => new ReleaseFacts(r.Audience, DateTimeOffset.MinValue, r.RevokedAt is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null))
                .ToList())).ToList());
        return (facts, views is null ? null : await ViewsAsync(c, views, audiences!));
    }

    /// <summary>
    /// Appends to every view the difference between what it showed <paramref name="before"/> and shows
    /// <paramref name="after"/>, in a number of statements that does not grow with the number of views: one command
    /// reserves every changed view's sequence numbers, multi-row INSERTs add the events, one INSERT queues them for the
    /// webhook subscriptions reading those views.
    /// </summary>
    private static async Task AppendAsync(DbSession c, IReadOnlyList<ViewRow> views, StandardFacts before, StandardFacts after, long at)
    {
        var status = after.Versions.ToDictionary(v => v.VersionId, v => v.Status);
        var changed = new List<(long ViewId, List<(long VersionId, FeedEventType Type)> Changes)>();
        foreach (var view in views)
        {
            var scope = view.View.Scope;
            var changes = FeedRule.Changes(FeedRule.Show(scope, before.Versions), FeedRule.Show(scope, after.Versions), id => status[id]).ToList();
            if (changes.Count > 0)
            {
                changed.Add((view.Id, changes));
            }
        }
        if (changed.Count == 0)
        {
            return;
        }

        // Each view's row lock, held to commit, orders this view's appends by commit; the views come in id order, so
        // concurrent writers take these locks in one order.
        var reserve = new DynamicParameters();
        for (var i = 0; i < changed.Count; i++)
        {
            reserve.Add($"v{i}", changed[i].ViewId);
            reserve.Add($"n{i}", changed[i].Changes.Count);
        }
        var lasts = new List<long>(changed.Count);
        using (var reserved = await c.QueryMultipleAsync(Sql.Reserve(c.Dialect, changed.Count), reserve))
        {
            for (var i = 0; i < changed.Count; i++)
            {
                lasts.Add(await reserved.ReadSingleAsync<long>());
            }
        }

        var events = new List<EventRow>();
        var ranges = new DynamicParameters();
        for (var i = 0; i < changed.Count; i++)
        {
            var (viewId, changes) = changed[i];
            var first = lasts[i] - changes.Count + 1;
            events.AddRange(changes.Select((change, k) => new EventRow(viewId, first + k, change.VersionId, change.Type)));
            ranges.Add($"v{i}", viewId);
            ranges.Add($"f{i}", first);
            ranges.Add($"l{i}", lasts[i]);
        }
        // With the last INSERT, the webhook outbox's rows: every live subscription reading these views gets the events,
        // in the same transaction.
        await c.InsertRowsAsync(events, Sql.InsertEvents, static (e, parameters, i) =>
        {
            parameters.Add($"w{i}", e.ViewId);
            parameters.Add($"s{i}", e.Sequence);
            parameters.Add($"e{i}", Guid.NewGuid().ToString());
            parameters.Add($"t{i}", EnumText.Of(e.Type));
            parameters.Add($"i{i}", e.VersionId);
        }, new { at }, then: (Sql.Enqueue(changed.Count), ranges));
    }

    /// <summary>
    /// Every view, in id order (the order view locks are taken in), from the views and audience codes read with the
    /// facts; views of audiences added since are created.
    /// </summary>
    private static async Task<IReadOnlyList<ViewRow>> ViewsAsync(DbSession c, List<ViewRow> views, List<string> audiences)
    {
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

        /// <summary>The standard's versions, then its announced releases: two results of one command.</summary>
        public const string Facts = """
            SELECT id AS VersionId, edition AS Edition, status AS Status, classification AS Classification, published_at AS PublishedAt, row_version AS RowVersion
            FROM versions WHERE standard_id = @standardId;
            SELECT r.version_id AS VersionId, r.audience AS Audience, r.revoked_at AS RevokedAt
            FROM releases r JOIN versions v ON v.id = r.version_id
            WHERE v.standard_id = @standardId AND r.announced_at IS NOT NULL
            """;

        public const string Views = "SELECT id AS Id, community AS Community, level AS Level, drafts AS Drafts FROM feed_views ORDER BY id";

        /// <summary><see cref="Facts"/>, then the views and the audience codes: four results of one command.</summary>
        public const string FactsAndViews = $"{Facts};\n{Views};\nSELECT code FROM audiences";

        public const string InsertView = "INSERT INTO feed_views (community, level, drafts, last_seq) VALUES (@Community, @level, @drafts, 0)";

        /// <summary>
        /// Adds <c>@n0</c> … to the last sequence of views <c>@v0</c> …, one statement each in the order given, returning
        /// each view's new last sequence: <paramref name="count"/> results of one command.
        /// </summary>
        public static string Reserve(SqlDialect dialect, int count) => string.Join(";\n", Enumerable.Range(0, count)
            .Select(i => dialect.UpdateReturning("feed_views", $"last_seq = last_seq + @n{i}", $"id = @v{i}", "last_seq")));

        /// <summary>An INSERT of <paramref name="rows"/> events (<c>@w0, @s0, @e0, @t0, @i0</c>, …), all at <c>@at</c>.</summary>
        public static string InsertEvents(int rows) =>
            "INSERT INTO feed_events (view_id, seq, event_id, type, version_id, occurred_at) VALUES "
            + string.Join(", ", Enumerable.Range(0, rows).Select(i => $"(@w{i}, @s{i}, @e{i}, @t{i}, @i{i}, @at)"));

        /// <summary>
        /// Every live subscription that reads one of the views (its audience at its ceiling) gets their new events: the
        /// events of view <c>@v0</c> from <c>@f0</c> to <c>@l0</c>, and so on for <paramref name="views"/> views. Due at
        /// once (0: the dispatcher's clock decides retries; the catalogue's time of the change is not its business).
        /// </summary>
        public static string Enqueue(int views) => $"""
            INSERT INTO webhook_outbox (subscription_id, view_id, seq, attempts, next_attempt_at)
            SELECT s.id, f.view_id, f.seq, 0, 0
            FROM subscriptions s JOIN audiences a ON a.code = s.audience
            JOIN feed_views fv ON fv.community = s.audience AND fv.level = a.max_classification AND fv.drafts = 0
            JOIN feed_events f ON f.view_id = fv.id
            WHERE s.state <> 'deleted' AND ({string.Join(" OR ", Enumerable.Range(0, views).Select(i => $"(fv.id = @v{i} AND f.seq BETWEEN @f{i} AND @l{i})"))})
            """;

        public const string IsComplete = "SELECT COUNT(*) FROM feed_state";

        public const string Complete = "INSERT INTO feed_state (id, complete_at) VALUES (1, @now)";

        public static string StandardsAfter(SqlDialect dialect) => $"SELECT id FROM standards WHERE id > @after ORDER BY id {dialect.Limit("500")}";

        public const string HasEvents = """
            SELECT COUNT(*) FROM feed_events f JOIN versions v ON v.id = f.version_id WHERE v.standard_id = @standardId
            """;

        public static IEnumerable<string> All(SqlDialect dialect) =>
        [
            LockStandard, FirstPending, DueStandards(dialect), DueOfStandard, Announce, AnnounceEffective, Facts, Views, FactsAndViews, InsertView,
            Reserve(dialect, 1), Reserve(dialect, 3), InsertEvents(1), InsertEvents(4), Enqueue(1), Enqueue(3), IsComplete, Complete, StandardsAfter(dialect), HasEvents,
        ];
    }
}
