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

    /// <summary>A short stable name, used in cursors: <c>EU.2</c>, <c>NATO.4.drafts</c>.</summary>
    public string Name => $"{Community}.{(int)Level}{(Drafts ? ".drafts" : "")}";
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

/// <summary>
/// A version's facts as the feed needs them. <see cref="Releases"/> are the releases the feed has announced (taken
/// into the log when they took effect); a release still pending is not among them.
/// </summary>
public sealed record VersionFactsForFeed(long VersionId, int Edition, VersionStatus Status, Classification Classification, bool EverPublished, long RowVersion, IReadOnlyList<ReleaseFacts> Releases);

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
            .Where(v => ReleaseRule.CanSee(scope, new VersionFacts(v.Classification, v.Status), v.Releases, DateTimeOffset.MaxValue))
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

    /// <summary>The events that take a view from <paramref name="before"/> to <paramref name="after"/>, by version id.</summary>
    public static IEnumerable<(long VersionId, FeedEventType Type)> Changes(
        IReadOnlyDictionary<long, ViewedVersion> before, IReadOnlyDictionary<long, ViewedVersion> after, Func<long, VersionStatus> statusNow)
    {
        foreach (var (id, was) in before.OrderBy(b => b.Key))
        {
            if (!after.TryGetValue(id, out var now))
            {
                yield return (id, statusNow(id) == VersionStatus.Withdrawn ? FeedEventType.Withdrawn : FeedEventType.Hidden);
            }
            else if (now != was)
            {
                yield return (id, now.Displayed == VersionStatus.Withdrawn && was.Displayed != VersionStatus.Withdrawn ? FeedEventType.Withdrawn : FeedEventType.Updated);
            }
        }
        foreach (var id in after.Keys.Where(id => !before.ContainsKey(id)).Order())
        {
            yield return (id, FeedEventType.Visible);
        }
    }
}
