using System.Globalization;

namespace StandardsRegistry.Domain;

/// <summary>
/// One view of the catalogue: everything a scope with this community, level and draft access sees. Every caller
/// reads exactly one view (<see cref="Of"/>), and the change feed is kept per view, so a view's events, their number
/// and their order are a function of what that view shows and nothing else: a change to a version the view cannot
/// see makes no event in it.
/// </summary>
public sealed record FeedView(string Community, Classification Level, bool Drafts)
{
    public static FeedView Of(VisibilityScope scope) => new(scope.Community, scope.MaxLevel, scope.IncludeDrafts);

    /// <summary>The scope that sees exactly this view (markings in the NATO scheme; the scheme changes no visibility).</summary>
    public VisibilityScope Scope => Community == Communities.Nato
        ? VisibilityScope.Nato(Level, Drafts)
        : VisibilityScope.ForAudience(Community, Level, MarkingScheme.Nato);

    /// <summary>
    /// Every view callers can have: NATO at each level, with and without drafts; each audience at each level (an
    /// audience's accreditation caps its callers' level, but a view per level keeps a raised ceiling exact).
    /// </summary>
    public static IEnumerable<FeedView> All(IEnumerable<string> audiences)
    {
        foreach (var level in Enum.GetValues<Classification>())
        {
            yield return new FeedView(Communities.Nato, level, false);
            yield return new FeedView(Communities.Nato, level, true);
        }
        foreach (var audience in audiences.Order(StringComparer.Ordinal))
        {
            foreach (var level in Enum.GetValues<Classification>())
            {
                yield return new FeedView(audience, level, false);
            }
        }
    }

    /// <summary>
    /// The scope of the view's national delegates (NATO callers speaking for a nation), when they read it otherwise than
    /// <see cref="Scope"/>: the several-nations rule keeps tables from NATO readers speaking for no nation only. Which
    /// nation does not matter to what the view holds (each delegate's page leaves the other nations' responses out).
    /// Null outside NATO.
    /// </summary>
    public VisibilityScope? DelegatesScope => Community == Communities.Nato ? Scope with { Nation = AnyNation } : null;

    /// <summary>The nation <see cref="DelegatesScope"/> speaks for: none in particular.</summary>
    private const string AnyNation = "*";

    /// <summary>A short stable name, used in cursors: <c>EU.2</c>, <c>NATO.4.drafts</c>.</summary>
    public string Name => $"{Community}.{(int)Level}{(Drafts ? ".drafts" : "")}";
}

/// <summary>
/// A reader's place in its feed. A caller speaking for no nation reads its view as it is, and its place is its
/// <see cref="Sequence"/>: the events of the view it gets, which in a NATO view are not all of them (a table the
/// several-nations rule keeps from it; <c>others_seq</c>, db/*/0035). A national delegate (a NATO caller speaking for a nation) reads its view less the other
/// nations' responses, numbered by itself: its place is how many of the view's other events (<see cref="Sequence"/>)
/// and of its own nation's responses (<see cref="Responses"/>) it has passed, and its events' numbers are their sum.
/// The view's own sequence is never a delegate's: its gaps would count the other nations' responses.
/// </summary>
public readonly record struct FeedPosition(long Sequence, long Responses = 0)
{
    public static readonly FeedPosition Start = new(0);

    /// <summary>The number a reader's event at this place carries: a delegate's counts both kinds.</summary>
    public long Number => Sequence + Responses;
}

/// <summary>What happened to a version, as one view saw it.</summary>
public enum FeedEventType
{
    /// <summary>The version became visible (published and released, a release took effect, or a draft was created).</summary>
    Visible,

    /// <summary>A visible version changed as the view sees it: published, superseded, current again, or a draft edited.</summary>
    Updated,

    /// <summary>A visible version was withdrawn (it stays visible to NATO and disappears for every other community).</summary>
    Withdrawn,

    /// <summary>A visible version stopped being visible for another reason (its release was revoked): a tombstone.</summary>
    Hidden,
}

/// <summary>The kinds of record the feed carries.</summary>
public enum FeedSubject
{
    Version,
    Response,
    Relation,
    Equivalent,
    Preferred,
    Table,
}

/// <summary>
/// The identity of a record as the feed sends it: made of what the record's visible representation already says (keys,
/// editions, nations, kinds, the opaque random id of a response or a table), never a row id, which would count records
/// the reader may not see. A tombstone names what went by it.
/// </summary>
public static class FeedRefs
{
    /// <summary>A response row by its edition, nation and opaque id (the <c>id</c> a response carries).</summary>
    public static string Response(string key, int edition, string nation, string id) =>
        $"{key}/{edition.ToString(CultureInfo.InvariantCulture)}/responses/{nation}/{id}";

    public static string Relation(string fromKey, string kind, string toKey) => $"{fromKey} {kind} {toKey}";

    public static string Equivalent(string key, string source, string identifier) => $"{key} equivalent {source} {identifier}";

    public static string Preferred(string category, string key) => $"{category} preferred {key}";

    /// <summary>A published table by its cycle, audience and opaque id (the <c>id</c> a table carries).</summary>
    public static string Table(int cycle, string audience, string id) => $"{cycle.ToString(CultureInfo.InvariantCulture)}/{audience}/{id}";
}

/// <summary>One record of the feed: its kind and its identity in the store (never sent).</summary>
public readonly record struct FeedItem(FeedSubject Subject, long Id);

/// <summary>
/// How one view shows one record: <see cref="State"/> is exactly the part of its representation that can change (two
/// equal states: the view's representation is unchanged); <see cref="Ref"/> is its identity as sent (null for a
/// version, named by key and edition); <see cref="VersionId"/> the version it is or answers, if any.
/// </summary>
/// <see cref="Nation"/> is a response's nation (a national delegate gets its own nation's responses only).
public sealed record FeedShown(object State, string? Ref, long? VersionId, string? Nation = null);

/// <summary>
/// A version's facts as the feed needs them. <see cref="Releases"/> are the releases the feed has announced (taken
/// into the log when they took effect); a release still pending is not among them.
/// </summary>
public sealed record VersionFactsForFeed(long VersionId, int Edition, VersionStatus Status, Classification Classification, bool EverPublished, long RowVersion, IReadOnlyList<ReleaseFacts> Releases);

/// <summary>A national response row: its edition, marking and the audiences it is released to now (releases take effect at once).</summary>
public sealed record ResponseFactsForFeed(long Id, long VersionId, Classification Classification, IReadOnlyList<string> ReleasedTo, string Ref, string Nation);

/// <summary>An edge touching the standard, with the versions of its far end (none: the far end has no version yet).</summary>
public sealed record EdgeFactsForFeed(long Id, IReadOnlyList<VersionFactsForFeed> FarEnd, string Ref);

/// <summary>A civil equivalent of the standard.</summary>
public sealed record EquivalentFactsForFeed(long Id, string Ref);

/// <summary>
/// One row of the history of the standard's category's preferred mark, the latest of its standard (a standard's earlier
/// rows are behind it for every view that sees the standard): a mark (<see cref="Rationale"/> set) or an unmark of the
/// standard (<see cref="Rationale"/> null), its place in the history (<see cref="Order"/>), the standard's versions.
/// </summary>
public sealed record PreferredFactsForFeed(long Order, long StandardId, IReadOnlyList<VersionFactsForFeed> Standard, string? Rationale, string Ref);

/// <summary>Everything the feed shows of, or through, one standard.</summary>
public sealed record StandardFactsForFeed(
    IReadOnlyList<VersionFactsForFeed> Versions,
    IReadOnlyList<ResponseFactsForFeed> Responses,
    IReadOnlyList<EdgeFactsForFeed> Edges,
    IReadOnlyList<EquivalentFactsForFeed> Equivalents,
    IReadOnlyList<PreferredFactsForFeed> Preferred)
{
    public static readonly StandardFactsForFeed None = new([], [], [], [], []);

    /// <summary>The same standard with only its versions: what the feed held of it before it carried other records.</summary>
    public StandardFactsForFeed VersionsOnly => this with { Responses = [], Edges = [], Equivalents = [], Preferred = [] };
}

/// <summary>
/// A published capability table: to whom, at which marking, whether revoked; and what the several-nations rule needs
/// (<see cref="HiddenFromOthersAt"/>): <see cref="FiguresUpTo"/>, the highest marking among the figures it was computed
/// from, and <see cref="SeveralNationsFrom"/>, the lowest clearance that reads targets of its cycle of more than one
/// nation (null: the cycle has one nation's).
/// </summary>
public sealed record TableFactsForFeed(long Id, string Audience, Classification Classification, bool Revoked, string Ref,
    Classification FiguresUpTo = Classification.NU, Classification? SeveralNationsFrom = null)
{
    /// <summary>
    /// Whether a NATO reader speaking for no nation, cleared <paramref name="level"/>, is kept from the table: it reads
    /// targets of the cycle of several nations while a figure of the table is above its clearance (a coalition the
    /// disclosure audit does not protect against), as <c>CapabilityStore.Sql.Readable</c> decides.
    /// </summary>
    public bool HiddenFromOthersAt(Classification level) => SeveralNationsFrom <= level && level < FiguresUpTo;
}

/// <summary>
/// How a view shows one version: exactly the parts of its representation that can change (content is immutable
/// once published; a draft's content is its row version). Two equal values mean the view's representation of
/// the version is unchanged.
/// </summary>
public sealed record ViewedVersion(VersionStatus Displayed, int? SupersededBy, long DraftRevision);

public static class FeedRule
{
    /// <summary>
    /// What the view shows of one standard: the release rule over its versions, and for each visible version the
    /// status the view displays (superseded only by a published edition the view can also see).
    /// </summary>
    public static IReadOnlyDictionary<long, ViewedVersion> Show(VisibilityScope scope, IReadOnlyList<VersionFactsForFeed> versions)
    {
        var visible = versions
            .Where(v => Sees(scope, v))
            .OrderBy(v => v.Edition)
            .ToList();
        var shown = new Dictionary<long, ViewedVersion>();
        foreach (var version in visible)
        {
            var successor = visible.FirstOrDefault(n => n.Edition > version.Edition && n.EverPublished)?.Edition;
            var displayed = Lifecycle.Displayed(version.Status, successor);
            shown[version.VersionId] = new ViewedVersion(
                displayed,
                version.Status == VersionStatus.Superseded ? successor : null,
                version.Status == VersionStatus.Draft ? version.RowVersion : 0);
        }
        return shown;
    }

    /// <summary>
    /// Every record the view shows of, or through, one standard: its versions (<see cref="Show(VisibilityScope, IReadOnlyList{VersionFactsForFeed})"/>);
    /// a response when its edition is visible and the response itself is (within the level and, outside NATO, released
    /// to the view's audience); an edge when both ends exist for the view; an equivalent with its standard; the
    /// category's preferred standard as the view sees it: the latest row of the mark's history whose standard is in force
    /// for the view (<see cref="InForce"/>), when it is a mark (an unmark, or no such row: none), so a mark on a standard the view does not see
    /// changes nothing it shows.
    /// </summary>
    public static IReadOnlyDictionary<FeedItem, FeedShown> Show(VisibilityScope scope, StandardFactsForFeed facts)
    {
        var shown = new Dictionary<FeedItem, FeedShown>();
        var versions = Show(scope, facts.Versions);
        foreach (var (id, viewed) in versions)
        {
            shown[new FeedItem(FeedSubject.Version, id)] = new FeedShown(viewed, null, id);
        }
        foreach (var response in facts.Responses)
        {
            if (versions.ContainsKey(response.VersionId) && response.Classification <= scope.MaxLevel
                && (scope.Originator || response.ReleasedTo.Contains(scope.Community, StringComparer.Ordinal)))
            {
                shown[new FeedItem(FeedSubject.Response, response.Id)] = new FeedShown(true, response.Ref, response.VersionId, response.Nation);
            }
        }
        var exists = Exists(scope, facts.Versions);
        foreach (var edge in facts.Edges.Where(e => exists && Exists(scope, e.FarEnd)))
        {
            shown[new FeedItem(FeedSubject.Relation, edge.Id)] = new FeedShown(true, edge.Ref, null);
        }
        foreach (var equivalent in facts.Equivalents.Where(_ => exists))
        {
            shown[new FeedItem(FeedSubject.Equivalent, equivalent.Id)] = new FeedShown(true, equivalent.Ref, null);
        }
        if (facts.Preferred.Where(p => InForce(scope, p.Standard)).MaxBy(p => p.Order) is { Rationale: { } rationale } preferred)
        {
            shown[new FeedItem(FeedSubject.Preferred, preferred.StandardId)] = new FeedShown(rationale, preferred.Ref, null);
        }
        return shown;
    }

    /// <summary>
    /// The published tables the view shows: inside NATO every table within the level (a revoked one stays, its state
    /// changed), but to a reader speaking for no nation none the several-nations rule keeps from it
    /// (<see cref="TableFactsForFeed.HiddenFromOthersAt"/>); elsewhere the unrevoked tables published to the view's
    /// audience within its level.
    /// </summary>
    public static IReadOnlyDictionary<FeedItem, FeedShown> Show(VisibilityScope scope, IReadOnlyList<TableFactsForFeed> tables) =>
        tables
            .Where(t => t.Classification <= scope.MaxLevel && (scope.Originator
                ? scope.Nation is not null || !t.HiddenFromOthersAt(scope.MaxLevel)
                : t.Audience == scope.Community && !t.Revoked))
            .ToDictionary(t => new FeedItem(FeedSubject.Table, t.Id), t => new FeedShown(t.Revoked, t.Ref, null));

    /// <summary>A standard exists for a view when one of its versions is visible (NATO editors: or it has none yet), as <c>Visibility.StandardExists</c>.</summary>
    public static bool Exists(VisibilityScope scope, IReadOnlyList<VersionFactsForFeed> versions) =>
        versions.Any(v => Sees(scope, v)) || (scope.SeesEmptyStandards && versions.Count == 0);

    /// <summary>
    /// A standard is in force for a view when one of its versions the view sees is not withdrawn (NATO editors: or it
    /// has none yet), as <c>Visibility.StandardInForce</c>: only such a standard carries the view's preferred mark.
    /// </summary>
    public static bool InForce(VisibilityScope scope, IReadOnlyList<VersionFactsForFeed> versions) =>
        versions.Any(v => v.Status != VersionStatus.Withdrawn && Sees(scope, v)) || (scope.SeesEmptyStandards && versions.Count == 0);

    private static bool Sees(VisibilityScope scope, VersionFactsForFeed version) =>
        ReleaseRule.CanSee(scope, new VersionFacts(version.Classification, version.Status), version.Releases, DateTimeOffset.MaxValue);

    /// <summary>
    /// The events that take a view from <paramref name="before"/> to <paramref name="after"/>: what went or changed in
    /// item order (versions first, by id), then what came. A version that went or became withdrawn is <c>withdrawn</c>
    /// (it stays visible to NATO and disappears for every other community); every other record that went is <c>hidden</c>.
    /// </summary>
    public static IEnumerable<(FeedItem Item, FeedEventType Type, FeedShown Shown)> Changes(
        IReadOnlyDictionary<FeedItem, FeedShown> before, IReadOnlyDictionary<FeedItem, FeedShown> after, Func<long, VersionStatus> statusNow)
    {
        foreach (var (item, was) in before.OrderBy(b => b.Key.Subject).ThenBy(b => b.Key.Id))
        {
            if (!after.TryGetValue(item, out var now))
            {
                yield return (item, item.Subject == FeedSubject.Version && statusNow(item.Id) == VersionStatus.Withdrawn ? FeedEventType.Withdrawn : FeedEventType.Hidden, was);
            }
            else if (!Equals(now.State, was.State))
            {
                var withdrawn = now.State is ViewedVersion n && was.State is ViewedVersion w && n.Displayed == VersionStatus.Withdrawn && w.Displayed != VersionStatus.Withdrawn;
                yield return (item, withdrawn ? FeedEventType.Withdrawn : FeedEventType.Updated, now);
            }
        }
        foreach (var (item, now) in after.Where(a => !before.ContainsKey(a.Key)).OrderBy(a => a.Key.Subject).ThenBy(a => a.Key.Id))
        {
            yield return (item, FeedEventType.Visible, now);
        }
    }
}
