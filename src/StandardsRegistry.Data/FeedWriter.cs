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
            // Nearly always nothing is due: say so from the first entry of ix_releases_due, before the query of the due releases.
            // PostgreSQL cannot know that the pending releases are (all but) the future ones, so it expects a share of
            // every release to be due and plans that query in parallel: two worker processes started on every feed
            // page and write, 10 ms instead of 0.2 ms at 10^6 versions (bench/RESULTS.md).
            if (await db.ReadAsync(c => c.ExecuteScalarAsync<long?>(Sql.FirstPending), ct) is not { } first || first > at)
            {
                return;
            }
            var pending = await db.ReadAsync(c => c.QueryAsync<DueRelease>(Sql.DueReleases(db.Dialect), new { now = at }), ct);
            if (pending.Count == 0)
            {
                return;
            }
            // In the order they took effect, whatever standard each is of: one transaction per run of the same standard's,
            // announcing that standard's releases up to the run's last (a standard's at +10 and +30 minutes were once both
            // announced before another's at +20, and the feed's times went backwards).
            for (var start = 0; start < pending.Count;)
            {
                var standardId = pending[start].StandardId;
                var end = start;
                while (end + 1 < pending.Count && pending[end + 1].StandardId == standardId)
                {
                    end++;
                }
                var upTo = pending[end].EffectiveFrom;
                start = end + 1;
                // How late each release was announced, counted once its transaction has committed (registry.feed.announce.lag).
                var announced = await db.WriteAsync(async c =>
                {
                    await c.ExecuteAsync(Sql.LockStandard, new { standardId });
                    // Re-read under the lock: another instance may have announced them meanwhile.
                    var due = await c.QueryAsync<DueRelease>(Sql.DueOfStandard, new { standardId, now = upTo });
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
    /// <param name="related">
    /// The change spans two standards (an edge, a preferred mark): take the relations lock whatever the standard has now.
    /// Otherwise it is taken when the standard has an edge or its category a preferred mark, so a change that decides
    /// whether a record spanning two standards is visible never runs beside another one reading the same record.
    /// </param>
    internal async Task<T> TrackAsync<T>(DbSession c, long standardId, long at, Func<Task<T>> change, bool related = false)
    {
        if (related || await c.ExecuteScalarAsync<int>(Sql.IsRelated, new { standardId }) > 0)
        {
            await c.ExecuteAsync(Sql.LockRelations);
        }
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
        var at = now.ToUnixTimeMilliseconds();
        if (await db.ReadAsync(c => c.ExecuteScalarAsync<int>(Sql.IsComplete), ct) == 0)
        {
            await BackfillVersionsAsync(at, ct);
        }
        await BackfillRecordsAsync(at, ct);
    }

    private async Task BackfillVersionsAsync(long at, CancellationToken ct)
    {
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
                            await AppendAsync(c, views!, StandardFactsForFeed.None, facts, at);
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

    /// <summary>
    /// Puts the responses, relations, equivalents, preferred marks and tables recorded before the feed carried them
    /// into it: one 'visible' event per record and view that shows it, in one transaction under the relations lock (so
    /// concurrent instances do it once). Only a database that had such records when migration 0021 ran needs it.
    /// </summary>
    private async Task BackfillRecordsAsync(long at, CancellationToken ct)
    {
        if (await db.ReadAsync(c => c.ExecuteScalarAsync<int>(Sql.RecordsComplete), ct) > 0)
        {
            return;
        }
        await db.WriteAsync(async c =>
        {
            await c.ExecuteAsync(Sql.LockRelations);
            if (await c.ExecuteScalarAsync<int>(Sql.RecordsComplete) > 0)
            {
                return Result.Done(true);
            }
            // An edge is seen from both its ends, a category's preferred mark from every standard of the category: each
            // is put in once (a category's history names the same standards from each of them).
            var edges = new HashSet<long>();
            var marks = new HashSet<long>();
            foreach (var standardId in await c.QueryAsync<long>(Sql.StandardsWithRecords))
            {
                await c.ExecuteAsync(Sql.LockStandard, new { standardId });
                var (facts, views) = await FactsAsync(c, standardId, withViews: true);
                var before = facts.VersionsOnly with
                {
                    Edges = facts.Edges.Where(e => edges.Contains(e.Id)).ToList(),
                    Preferred = facts.Preferred.Any(p => marks.Contains(p.StandardId)) ? facts.Preferred : [],
                };
                await AppendAsync(c, views!, before, facts, at);
                edges.UnionWith(facts.Edges.Select(e => e.Id));
                marks.UnionWith(facts.Preferred.Select(p => p.StandardId));
            }
            foreach (var audience in await c.QueryAsync<string>(Sql.AudiencesWithTables))
            {
                await TrackTablesAsync(c, audience, at, () => Task.FromResult(true));
            }
            await c.ExecuteAsync(Sql.CompleteRecords, new { now = at });
            return Result.Done(true);
        }, ct);
    }

    /// <summary>
    /// Runs <paramref name="change"/> to the tables published to <paramref name="audience"/> (in a write transaction that
    /// holds the audience's lock and every nation's, so that no target recorded meanwhile changes which readers read them) and
    /// appends to every view the events it made there (<see cref="FeedRule.Show(VisibilityScope, IReadOnlyList{TableFactsForFeed})"/>).
    /// </summary>
    internal Task<T> TrackTablesAsync<T>(DbSession c, string audience, long at, Func<Task<T>> change) =>
        TrackTablesAsync(c, Sql.TablesOfAudience, new { audience }, at, change);

    /// <summary>
    /// Runs <paramref name="change"/>, a target recorded in <paramref name="cycle"/> (in a write transaction that holds
    /// the nation's lock and the cycle's tables'), and appends to every view the events it made to the cycle's tables: a table the
    /// several-nations rule keeps, from then on, from the view's readers speaking for no nation is a tombstone to them.
    /// </summary>
    /// <remarks>
    /// The views as they are: a cycle with tables was published to after every view was made, and reading the audiences
    /// (to make those of a new one) would wait on SQL Server for the audience row a publication holds while it waits
    /// for the nation's row this write holds.
    /// </remarks>
    internal Task<T> TrackCycleTablesAsync<T>(DbSession c, int cycle, long at, Func<Task<T>> change) =>
        TrackTablesAsync(c, Sql.TablesOfCycle, new { cycle }, at, change, newAudiences: false);

    private static async Task<T> TrackTablesAsync<T>(DbSession c, string tables, object parameters, long at, Func<Task<T>> change, bool newAudiences = true)
    {
        var before = await TablesAsync(c, tables, parameters);
        var result = await change();
        var after = await TablesAsync(c, tables, parameters);
        IReadOnlyList<ViewRow> views;
        if (newAudiences)
        {
            using var results = await c.QueryMultipleAsync(Sql.ViewsAndAudiences);
            views = await ViewsAsync(c, (await results.ReadAsync<ViewRow>()).AsList(), (await results.ReadAsync<string>()).AsList());
        }
        else
        {
            views = await c.QueryAsync<ViewRow>(Sql.Views);
        }
        await AppendAsync(c, views, scope => FeedRule.Changes(FeedRule.Show(scope, before), FeedRule.Show(scope, after), _ => VersionStatus.Published), at,
            delegatesApart: true);
        return result;
    }

    /// <summary>
    /// The tables <paramref name="sql"/> selects, with what the several-nations rule reads of each: the highest marking
    /// of the figures it was computed from, and the lowest clearance that reads targets of its cycle of two nations
    /// (the second lowest of the nations' lowest markings).
    /// </summary>
    private static async Task<IReadOnlyList<TableFactsForFeed>> TablesAsync(DbSession c, string sql, object parameters)
    {
        using var results = await c.QueryMultipleAsync(sql, parameters);
        var tables = await results.ReadAsync<TableFactRow>();
        var lowest = (await results.ReadAsync<(long Cycle, string Nation, long Lowest)>())
            .ToLookup(n => (int)n.Cycle, n => (Classification)n.Lowest);
        return tables
            .Select(t => new TableFactsForFeed(t.Id, t.Audience, t.Classification, t.RevokedAt is not null, FeedRefs.Table(t.Cycle, t.Audience, t.PublicId),
                t.FiguresUpTo ?? Classification.NU,
                lowest[t.Cycle].Order().Skip(1).Select(l => (Classification?)l).FirstOrDefault()))
            .ToList();
    }

    private sealed class TableFactRow
    {
        public long Id { get; init; }
        public int Cycle { get; init; }
        public string Audience { get; init; } = "";
        public Classification Classification { get; init; }
        public string PublicId { get; init; } = "";
        public long? RevokedAt { get; init; }
        public Classification? FiguresUpTo { get; init; }
    }

    private sealed class VersionFactRow
    {
        public long StandardId { get; init; }
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

    private sealed class ResponseFactRow
    {
        public long Id { get; init; }
        public long VersionId { get; init; }
        public Classification Classification { get; init; }
        public string StandardKey { get; init; } = "";
        public int Edition { get; init; }
        public string Nation { get; init; } = "";
        public string PublicId { get; init; } = "";
    }

    private sealed class ResponseReleaseFactRow
    {
        public long ResponseId { get; init; }
        public string Audience { get; init; } = "";
    }

    private sealed class EdgeFactRow
    {
        public long Id { get; init; }
        public string Kind { get; init; } = "";
        public long FromId { get; init; }
        public long ToId { get; init; }
        public string FromKey { get; init; } = "";
        public string ToKey { get; init; } = "";
    }

    private sealed class EquivalentFactRow
    {
        public long Id { get; init; }
        public string StandardKey { get; init; } = "";
        public string Source { get; init; } = "";
        public string Identifier { get; init; } = "";
    }

    private sealed class PreferredFactRow
    {
        public long Id { get; init; }
        public long StandardId { get; init; }
        public string StandardKey { get; init; } = "";
        public string Category { get; init; } = "";
        public string? Rationale { get; init; }
    }

    private sealed class DueRelease
    {
        public long Id { get; init; }
        public long StandardId { get; init; }
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

    /// <summary>
    /// One event to append: the view's sequence number, the record and what happened to it, and a delegate's counts
    /// (<see cref="FeedPosition"/>): the view's events that are not responses up to it (a response: before it), and a
    /// response's number among its nation's responses in the view.
    /// </summary>
    /// <see cref="OthersSequence"/> is its number among the events the view's readers speaking for no nation get (null:
    /// not for them); <see cref="ForDelegates"/> whether delegates get it (<see cref="Readers"/>).
    private sealed record EventRow(long ViewId, long Sequence, FeedItem Item, FeedEventType Type, FeedShown Shown, long CommonSequence, long? NationSequence,
        long? OthersSequence, bool ForDelegates);

    /// <summary>
    /// Everything the feed shows of, or through, the standard — its versions with the releases the feed has announced
    /// (pending releases are not facts yet), its editions' responses, its edges and their far ends, its equivalents, the
    /// history of its category's preferred mark (each standard's latest row) and those standards — in one round trip; when asked, the views too, read in the
    /// same command (<see cref="ViewsAsync"/>).
    /// </summary>
    private static async Task<(StandardFactsForFeed Facts, IReadOnlyList<ViewRow>? Views)> FactsAsync(DbSession c, long standardId, bool withViews)
    {
        List<VersionFactRow> versions;
        ILookup<long, ReleaseFactRow> releases;
        List<ResponseFactRow> responses;
        ILookup<long, string> responseReleases;
        List<EdgeFactRow> edges;
        List<EquivalentFactRow> equivalents;
        List<PreferredFactRow> preferred;
        ILookup<long, VersionFactRow> others;
        ILookup<long, ReleaseFactRow> otherReleases;
        List<ViewRow>? views = null;
        List<string>? audiences = null;
        using (var results = await c.QueryMultipleAsync(withViews ? Sql.FactsAndViews : Sql.Facts, new { standardId }))
        {
            versions = (await results.ReadAsync<VersionFactRow>()).AsList();
            releases = (await results.ReadAsync<ReleaseFactRow>()).ToLookup(r => r.VersionId);
            responses = (await results.ReadAsync<ResponseFactRow>()).AsList();
            responseReleases = (await results.ReadAsync<ResponseReleaseFactRow>()).ToLookup(r => r.ResponseId, r => r.Audience);
            edges = (await results.ReadAsync<EdgeFactRow>()).AsList();
            equivalents = (await results.ReadAsync<EquivalentFactRow>()).AsList();
            preferred = (await results.ReadAsync<PreferredFactRow>()).AsList();
            others = (await results.ReadAsync<VersionFactRow>()).ToLookup(v => v.StandardId);
            otherReleases = (await results.ReadAsync<ReleaseFactRow>()).ToLookup(r => r.VersionId);
            if (withViews)
            {
                views = (await results.ReadAsync<ViewRow>()).AsList();
                audiences = (await results.ReadAsync<string>()).AsList();
            }
        }
        var own = Versions(versions, releases);
        IReadOnlyList<VersionFactsForFeed> Of(long id) => id == standardId ? own : Versions(others[id], otherReleases);
        var facts = new StandardFactsForFeed(
            own,
            responses.Select(r => new ResponseFactsForFeed(r.Id, r.VersionId, r.Classification, responseReleases[r.Id].ToList(),
                FeedRefs.Response(r.StandardKey, r.Edition, r.Nation, r.PublicId), r.Nation)).ToList(),
            edges.Select(e => new EdgeFactsForFeed(e.Id, Of(e.FromId == standardId ? e.ToId : e.FromId), FeedRefs.Relation(e.FromKey, e.Kind, e.ToKey))).ToList(),
            equivalents.Select(e => new EquivalentFactsForFeed(e.Id, FeedRefs.Equivalent(e.StandardKey, e.Source, e.Identifier))).ToList(),
            preferred.Select(p => new PreferredFactsForFeed(p.Id, p.StandardId, Of(p.StandardId), p.Rationale, FeedRefs.Preferred(p.Category, p.StandardKey))).ToList());
        return (facts, views is null ? null : await ViewsAsync(c, views, audiences!));
    }

    private static List<VersionFactsForFeed> Versions(IEnumerable<VersionFactRow> versions, ILookup<long, ReleaseFactRow> releases) =>
        versions.Select(v => new VersionFactsForFeed(
            v.VersionId,
            v.Edition,
            v.Status,
            v.Classification,
            v.PublishedAt is not null,
            v.RowVersion,
            releases[v.VersionId]
                .Select(r => new ReleaseFacts(r.Audience, DateTimeOffset.MinValue, r.RevokedAt is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null))
                .ToList())).ToList();

    /// <summary>
    /// Appends to every view the difference between what it showed <paramref name="before"/> and shows
    /// <paramref name="after"/>, in a number of statements that does not grow with the number of views: one command
    /// reserves every changed view's sequence numbers, multi-row INSERTs add the events, one INSERT queues them for the
    /// webhook subscriptions reading those views.
    /// </summary>
    private static Task AppendAsync(DbSession c, IReadOnlyList<ViewRow> views, StandardFactsForFeed before, StandardFactsForFeed after, long at)
    {
        var status = after.Versions.ToDictionary(v => v.VersionId, v => v.Status);
        return AppendAsync(c, views, scope => FeedRule.Changes(FeedRule.Show(scope, before), FeedRule.Show(scope, after), id => status[id]), at);
    }

    /// <summary>
    /// Appends to each view the changes <paramref name="changesOf"/> gives for it.
    /// </summary>
    /// <param name="delegatesApart">
    /// The changes are of tables, which a NATO view's readers speaking for no nation and its national delegates may see
    /// apart (the several-nations rule keeps some from the former): each is asked apart, and an event one of them does
    /// not get is numbered for the other only (<see cref="Readers"/>). Every other record both see alike.
    /// </param>
    private static async Task AppendAsync(DbSession c, IReadOnlyList<ViewRow> views,
        Func<VisibilityScope, IEnumerable<(FeedItem Item, FeedEventType Type, FeedShown Shown)>> changesOf, long at, bool delegatesApart = false)
    {
        var changed = new List<(long ViewId, List<Change> Changes)>();
        // The changed views a subscription may read (an audience's): NATO's are read by no subscription.
        var subscribed = new HashSet<long>();
        foreach (var view in views)
        {
            var changes = Merged(changesOf(view.View.Scope).ToList(),
                delegatesApart && view.View.DelegatesScope is { } delegates ? changesOf(delegates).ToList() : null);
            if (changes.Count > 0)
            {
                changed.Add((view.Id, changes));
                if (view.View.Community != Communities.Nato)
                {
                    subscribed.Add(view.Id);
                }
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
            reserve.Add($"m{i}", changed[i].Changes.Count(change => change.Common));
            reserve.Add($"o{i}", changed[i].Changes.Count(change => change.Readers != Readers.Delegates));
        }
        // Each view's last sequence number, its count of events that are not responses for delegates, and its count of
        // events for readers speaking for no nation, after the reservation.
        var lasts = new List<(long LastSeq, long LastCommon, long LastOthers)>(changed.Count);
        using (var reserved = await c.QueryMultipleAsync(Sql.Reserve(c.Dialect, changed.Count), reserve))
        {
            for (var i = 0; i < changed.Count; i++)
            {
                lasts.Add(await reserved.ReadSingleAsync<(long, long, long)>());
            }
        }
        // Each nation's last response number in each view, read under the views' locks: only a change of responses has any.
        var nations = await NationSequencesAsync(c, changed);

        var events = new List<EventRow>();
        var ranges = new DynamicParameters();
        var queued = 0;
        for (var i = 0; i < changed.Count; i++)
        {
            var (viewId, changes) = changed[i];
            var first = lasts[i].LastSeq - changes.Count + 1;
            var common = lasts[i].LastCommon - changes.Count(change => change.Common);
            var others = lasts[i].LastOthers - changes.Count(change => change.Readers != Readers.Delegates);
            for (var k = 0; k < changes.Count; k++)
            {
                var (item, type, shown, readers) = changes[k];
                long? nationSequence = null;
                if (shown.Nation is { } nation)
                {
                    nationSequence = nations[(viewId, nation)] = nations.GetValueOrDefault((viewId, nation)) + 1;
                }
                else if (readers != Readers.Others)
                {
                    common++;
                }
                events.Add(new EventRow(viewId, first + k, item, type, shown, common, nationSequence,
                    readers == Readers.Delegates ? null : ++others, readers != Readers.Others));
            }
            if (subscribed.Contains(viewId))
            {
                ranges.Add($"v{queued}", viewId);
                ranges.Add($"f{queued}", first);
                ranges.Add($"l{queued}", lasts[i].LastSeq);
                queued++;
            }
        }
        // With the last INSERT, the webhook outbox's rows: every live subscription reading these views gets the events,
        // in the same transaction. None when only NATO's views changed: the query joins the audiences, and on SQL Server
        // (locking reads) a target record, which holds its nation's row, would wait for the audience row a publication
        // holds while it waits for the nations' rows.
        await c.InsertRowsAsync(events, Sql.InsertEvents, static (e, parameters, i) =>
        {
            parameters.Add($"w{i}", e.ViewId);
            parameters.Add($"s{i}", e.Sequence);
            parameters.Add($"e{i}", Guid.NewGuid().ToString());
            parameters.Add($"t{i}", EnumText.Of(e.Type));
            parameters.Add($"i{i}", e.Shown.VersionId);
            parameters.Add($"k{i}", EnumText.Of(e.Item.Subject));
            parameters.Add($"j{i}", e.Item.Id);
            parameters.Add($"r{i}", e.Shown.Ref);
            parameters.Add($"x{i}", e.Shown.Nation);
            parameters.Add($"c{i}", e.CommonSequence);
            parameters.Add($"y{i}", e.NationSequence);
            parameters.Add($"o{i}", e.OthersSequence);
            parameters.Add($"d{i}", e.ForDelegates ? 1 : 0);
        }, new { at }, then: queued == 0 ? null : (Sql.Enqueue(queued), ranges));
    }

    /// <summary>Which of a NATO view's readers get an event: all of them, its national delegates only, or its readers speaking for no nation only.</summary>
    private enum Readers
    {
        All,
        Delegates,
        Others,
    }

    /// <summary>One event to append, and who gets it.</summary>
    private readonly record struct Change(FeedItem Item, FeedEventType Type, FeedShown Shown, Readers Readers)
    {
        /// <summary>Counted among the events that are not responses, as delegates number them.</summary>
        public bool Common => Shown.Nation is null && Readers != Readers.Others;
    }

    /// <summary>
    /// One list of the changes of a view whose readers speaking for no nation got <paramref name="others"/> and whose
    /// delegates got <paramref name="delegates"/> (null: the view has none): a change both got is one event for all; one
    /// only one of them got is that one's alone, the delegates' first, in the order they came.
    /// </summary>
    private static List<Change> Merged(List<(FeedItem Item, FeedEventType Type, FeedShown Shown)> others, List<(FeedItem Item, FeedEventType Type, FeedShown Shown)>? delegates)
    {
        if (delegates is null || delegates.SequenceEqual(others))
        {
            return [.. others.Select(o => new Change(o.Item, o.Type, o.Shown, Readers.All))];
        }
        var merged = delegates.Select(d => new Change(d.Item, d.Type, d.Shown, others.Contains(d) ? Readers.All : Readers.Delegates)).ToList();
        merged.AddRange(others.Where(o => !delegates.Contains(o)).Select(o => new Change(o.Item, o.Type, o.Shown, Readers.Others)));
        return merged;
    }

    /// <summary>The last response number of each nation whose responses the changes name, in each changed view (none yet: absent).</summary>
    private static async Task<Dictionary<(long ViewId, string Nation), long>> NationSequencesAsync(DbSession c,
        List<(long ViewId, List<Change> Changes)> changed)
    {
        var wanted = changed.SelectMany(v => v.Changes.Select(change => change.Shown.Nation).OfType<string>().Distinct().Select(n => (v.ViewId, Nation: n))).ToList();
        if (wanted.Count == 0)
        {
            return [];
        }
        var parameters = new DynamicParameters();
        for (var i = 0; i < wanted.Count; i++)
        {
            parameters.Add($"v{i}", wanted[i].ViewId);
            parameters.Add($"x{i}", wanted[i].Nation);
        }
        return (await c.QueryAsync<(long ViewId, string Nation, long Last)>(Sql.NationSequences(wanted.Count), parameters)).ToDictionary(r => (r.ViewId, r.Nation), r => r.Last);
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

        /// <summary>The first releases due by <c>@now</c> and not yet announced, in the order they took effect.</summary>
        public static string DueReleases(SqlDialect dialect) => $"""
            SELECT r.id AS Id, v.standard_id AS StandardId, r.effective_from AS EffectiveFrom FROM releases r JOIN versions v ON v.id = r.version_id
            WHERE r.announced_at IS NULL AND r.revoked_at IS NULL AND r.effective_from <= @now
            ORDER BY r.effective_from, r.id
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

        private const string VersionColumns = """
            v.standard_id AS StandardId, v.id AS VersionId, v.edition AS Edition, v.status AS Status, v.classification AS Classification,
            v.published_at AS PublishedAt, v.row_version AS RowVersion
            """;

        /// <summary>The standards at the far end of the standard's edges and those named by its category's preferred-mark history.</summary>
        private const string Others = """
            SELECT r.to_standard_id FROM relations r WHERE r.from_standard_id = @standardId
            UNION SELECT r.from_standard_id FROM relations r WHERE r.to_standard_id = @standardId
            UNION SELECT p.standard_id FROM preferred_marks p JOIN standards ps ON ps.category = p.category WHERE ps.id = @standardId
            """;

        /// <summary>
        /// What the feed shows of, or through, the standard, in nine results of one command: its versions, their announced
        /// releases, its editions' responses and their active releases, its edges, its equivalents, its category's preferred
        /// mark history (the latest row of each standard: a view sees the latest row among the standards it sees, and a
        /// standard's earlier rows never are), and the versions and announced releases of the other standards those name.
        /// </summary>
        public const string Facts = $"""
            SELECT {VersionColumns} FROM versions v WHERE v.standard_id = @standardId;
            SELECT r.version_id AS VersionId, r.audience AS Audience, r.revoked_at AS RevokedAt
            FROM releases r JOIN versions v ON v.id = r.version_id
            WHERE v.standard_id = @standardId AND r.announced_at IS NOT NULL;
            SELECT n.id AS Id, n.version_id AS VersionId, n.classification AS Classification, s.standard_key AS StandardKey, v.edition AS Edition,
                   n.nation AS Nation, n.public_id AS PublicId
            FROM national_responses n JOIN versions v ON v.id = n.version_id JOIN standards s ON s.id = v.standard_id
            WHERE v.standard_id = @standardId;
            SELECT rr.response_id AS ResponseId, rr.audience AS Audience
            FROM response_releases rr JOIN national_responses n ON n.id = rr.response_id JOIN versions v ON v.id = n.version_id
            WHERE v.standard_id = @standardId AND rr.revoked_at IS NULL;
            SELECT e.Id, e.Kind, e.FromId, e.ToId, f.standard_key AS FromKey, t.standard_key AS ToKey FROM (
                SELECT r.id AS Id, r.kind AS Kind, r.from_standard_id AS FromId, r.to_standard_id AS ToId FROM relations r WHERE r.from_standard_id = @standardId
                UNION ALL
                SELECT r.id AS Id, r.kind AS Kind, r.from_standard_id AS FromId, r.to_standard_id AS ToId FROM relations r WHERE r.to_standard_id = @standardId
            ) e JOIN standards f ON f.id = e.FromId JOIN standards t ON t.id = e.ToId;
            SELECT q.id AS Id, s.standard_key AS StandardKey, q.source AS Source, q.identifier AS Identifier
            FROM equivalents q JOIN standards s ON s.id = q.standard_id WHERE q.standard_id = @standardId;
            SELECT p.id AS Id, p.standard_id AS StandardId, h.standard_key AS StandardKey, p.category AS Category, p.rationale AS Rationale
            FROM preferred_marks p JOIN standards ps ON ps.category = p.category JOIN standards h ON h.id = p.standard_id
            WHERE ps.id = @standardId
              AND p.id = (SELECT MAX(l.id) FROM preferred_marks l WHERE l.standard_id = p.standard_id AND l.category = p.category);
            SELECT {VersionColumns} FROM versions v WHERE v.standard_id IN ({Others});
            SELECT r.version_id AS VersionId, r.audience AS Audience, r.revoked_at AS RevokedAt
            FROM releases r JOIN versions v ON v.id = r.version_id
            WHERE v.standard_id IN ({Others}) AND r.announced_at IS NOT NULL
            """;

        /// <summary>1 when the standard has an edge or its category a preferred-mark history: its changes take <see cref="LockRelations"/>.</summary>
        public const string IsRelated = """
            SELECT CASE WHEN EXISTS (SELECT 1 FROM relations WHERE from_standard_id = @standardId)
                          OR EXISTS (SELECT 1 FROM relations WHERE to_standard_id = @standardId)
                          OR EXISTS (SELECT 1 FROM preferred_marks p JOIN standards ps ON ps.category = p.category WHERE ps.id = @standardId)
                        THEN 1 ELSE 0 END
            """;

        /// <summary>The relations lock (a no-op update of its row), taken after the standard's own lock.</summary>
        public const string LockRelations = "UPDATE feed_locks SET name = name WHERE name = 'relations'";

        public const string Views = "SELECT id AS Id, community AS Community, level AS Level, drafts AS Drafts FROM feed_views ORDER BY id";

        /// <summary><see cref="Facts"/>, then the views and the audience codes: eleven results of one command.</summary>
        public const string ViewsAndAudiences = $"{Views};\nSELECT code FROM audiences";

        public const string FactsAndViews = $"{Facts};\n{ViewsAndAudiences}";

        public const string InsertView = "INSERT INTO feed_views (community, level, drafts, last_seq) VALUES (@Community, @level, @drafts, 0)";

        /// <summary>
        /// Adds <c>@n0</c> … to the last sequence of views <c>@v0</c> …, one statement each in the order given, returning
        /// each view's new last sequence: <paramref name="count"/> results of one command.
        /// </summary>
        public static string Reserve(SqlDialect dialect, int count) => string.Join(";\n", Enumerable.Range(0, count)
            .Select(i => dialect.UpdateReturning("feed_views", $"last_seq = last_seq + @n{i}, last_common = last_common + @m{i}, last_others = last_others + @o{i}",
                $"id = @v{i}", "last_seq, last_common, last_others")));

        /// <summary>The last response number of nation <c>@x0</c> in view <c>@v0</c>, and so on (<see cref="FeedPosition"/>).</summary>
        public static string NationSequences(int count) => $"""
            SELECT view_id AS ViewId, nation AS Nation, MAX(nation_seq) AS Last FROM feed_events
            WHERE nation IS NOT NULL AND ({string.Join(" OR ", Enumerable.Range(0, count).Select(i => $"(view_id = @v{i} AND nation = @x{i})"))})
            GROUP BY view_id, nation
            """;

        /// <summary>An INSERT of <paramref name="rows"/> events (<c>@w0, @s0, @e0, @t0, @i0</c>, …), all at <c>@at</c>.</summary>
        public static string InsertEvents(int rows) =>
            "INSERT INTO feed_events (view_id, seq, event_id, type, version_id, occurred_at, subject, subject_id, subject_ref, nation, common_seq, nation_seq, others_seq, for_delegates) VALUES "
            + string.Join(", ", Enumerable.Range(0, rows).Select(i => $"(@w{i}, @s{i}, @e{i}, @t{i}, @i{i}, @at, @k{i}, @j{i}, @r{i}, @x{i}, @c{i}, @y{i}, @o{i}, @d{i})"));

        /// <summary>
        /// Every live subscription that reads one of the views (its audience at its ceiling) gets their new events: the
        /// events of view <c>@v0</c> from <c>@f0</c> to <c>@l0</c>, and so on for <paramref name="views"/> views. Due at
        /// once (0: the dispatcher's clock decides retries; the catalogue's time of the change is not its business).
        /// Inserted in sequence order, so a subscription's rows are numbered (id) in the order its events happened: the
        /// dispatcher takes them by id, which stays in order when the audience's ceiling changes and later rows are of
        /// another view (the view row's lock, held since the sequence numbers were reserved, orders rows across writes).
        /// A table's event keeps the highest marking among the figures the table was computed from (<c>table_level</c>):
        /// who may see that it waits or was delivered (<see cref="DeliveryRow.StatusLevel"/>).
        /// </summary>
        public static string Enqueue(int views) => $"""
            INSERT INTO webhook_outbox (subscription_id, view_id, seq, attempts, next_attempt_at, table_level)
            SELECT s.id, f.view_id, f.seq, 0, 0,
                   CASE WHEN f.subject = 'table'
                        THEN (SELECT {CapabilityStore.Sql.FiguresUpTo} FROM capability_tables ct WHERE ct.id = f.subject_id) END
            FROM subscriptions s JOIN audiences a ON a.code = s.audience
            JOIN feed_views fv ON fv.community = s.audience AND fv.level = a.max_classification AND fv.drafts = 0
            JOIN feed_events f ON f.view_id = fv.id
            WHERE s.state <> 'deleted' AND ({string.Join(" OR ", Enumerable.Range(0, views).Select(i => $"(fv.id = @v{i} AND f.seq BETWEEN @f{i} AND @l{i})"))})
            ORDER BY f.view_id, f.seq, s.id
            """;

        public const string IsComplete = "SELECT COUNT(*) FROM feed_state";

        public const string RecordsComplete = "SELECT COUNT(*) FROM feed_items_state";

        public const string CompleteRecords = "INSERT INTO feed_items_state (id, complete_at) VALUES (1, @now)";

        public const string StandardsWithRecords = """
            SELECT v.standard_id FROM national_responses n JOIN versions v ON v.id = n.version_id
            UNION SELECT from_standard_id FROM relations
            UNION SELECT to_standard_id FROM relations
            UNION SELECT standard_id FROM equivalents
            UNION SELECT standard_id FROM preferred_marks
            ORDER BY 1
            """;

        public const string AudiencesWithTables = "SELECT DISTINCT audience FROM capability_tables ORDER BY audience";

        /// <summary>The tables published to <c>@audience</c> and their several-nations facts (<see cref="TablesAsync"/>).</summary>
        public const string TablesOfAudience = $"""
            {TableFacts} WHERE ct.audience = @audience;
            {NationsLowest} WHERE t.cycle IN (SELECT cycle FROM capability_tables WHERE audience = @audience) GROUP BY t.cycle, t.nation
            """;

        /// <summary>The tables of cycle <c>@cycle</c> and their several-nations facts (<see cref="TablesAsync"/>).</summary>
        public const string TablesOfCycle = $"""
            {TableFacts} WHERE ct.cycle = @cycle;
            {NationsLowest} WHERE t.cycle = @cycle GROUP BY t.cycle, t.nation
            """;

        /// <summary>
        /// A table, with the highest marking among the figures it was computed from: each cell's latest row up to its
        /// snapshot (as <c>CapabilityStore.Sql.Readable</c> reads them).
        /// </summary>
        private const string TableFacts = $"""
            SELECT ct.id AS Id, ct.cycle AS Cycle, ct.audience AS Audience, ct.classification AS Classification, ct.public_id AS PublicId, ct.revoked_at AS RevokedAt,
                   {CapabilityStore.Sql.FiguresUpTo} AS FiguresUpTo
            FROM capability_tables ct
            """;

        /// <summary>Each nation's lowest marking among its targets of a cycle, any row (what a reader once read it still knows).</summary>
        private const string NationsLowest = "SELECT t.cycle AS Cycle, t.nation AS Nation, MIN(t.classification) AS Lowest FROM capability_targets t";

        public const string Complete = "INSERT INTO feed_state (id, complete_at) VALUES (1, @now)";

        public static string StandardsAfter(SqlDialect dialect) => $"SELECT id FROM standards WHERE id > @after ORDER BY id {dialect.Limit("500")}";

        public const string HasEvents = """
            SELECT COUNT(*) FROM feed_events f JOIN versions v ON v.id = f.version_id WHERE v.standard_id = @standardId
            """;

        public static IEnumerable<string> All(SqlDialect dialect) =>
        [
            LockStandard, FirstPending, DueReleases(dialect), DueOfStandard, Announce, AnnounceEffective, Facts, IsRelated, LockRelations, Views, ViewsAndAudiences, FactsAndViews, InsertView,
            Reserve(dialect, 1), Reserve(dialect, 3), NationSequences(1), NationSequences(2), InsertEvents(1), InsertEvents(4), Enqueue(1), Enqueue(3), IsComplete, Complete, RecordsComplete, CompleteRecords, StandardsWithRecords, AudiencesWithTables, TablesOfAudience, TablesOfCycle, StandardsAfter(dialect), HasEvents,
        ];
    }
}
