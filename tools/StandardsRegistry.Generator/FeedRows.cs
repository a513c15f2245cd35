using StandardsRegistry.Domain;

namespace StandardsRegistry.Generator;

/// <summary>
/// The change feed of a generated catalogue, as the service's backfill (FeedWriter.BackfillAsync) would append it: for
/// each view, every version it shows, once, as a 'visible' event, numbered by the view's own sequence. The releases in
/// effect at load time count as announced then (<see cref="AnnouncedAt"/>); later ones are announced by the service
/// when they take effect. Bulk-loaded with the rest, so a 10^6-version catalogue needs no backfill.
/// </summary>
internal sealed class FeedRows(long now)
{
    /// <summary>The views of the audiences db/*/0001_catalogue.sql creates, in the order their rows are inserted.</summary>
    public static IReadOnlyList<FeedView> Views { get; } = FeedView.All(["EU", "PUBLIC"]).ToList();

    private static readonly IReadOnlyDictionary<FeedItem, FeedShown> Nothing = new Dictionary<FeedItem, FeedShown>();

    private readonly long[] _last = new long[Views.Count];

    /// <summary>Each view's last sequence number so far.</summary>
    public IReadOnlyList<long> Last => _last;

    public static long? AnnouncedAt(ReleaseRecord release, long now) => release.EffectiveFrom <= now ? now : null;

    public IEnumerable<(int View, long Seq, string EventId, long VersionId)> For(GeneratedStandard standard)
    {
        var facts = standard.Versions.Select(v => new VersionFactsForFeed(
            v.Id,
            v.Edition,
            EnumText.Parse<VersionStatus>(v.Status),
            (Classification)v.Classification,
            v.PublishedAt is not null,
            v.RowVersion,
            standard.Releases
                .Where(r => r.VersionId == v.Id && AnnouncedAt(r, now) is not null)
                .Select(r => new ReleaseFacts(r.Audience, DateTimeOffset.MinValue, r.RevokedAt is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null))
                .ToList())).ToList();
        var standardFacts = StandardFactsForFeed.None with { Versions = facts };
        for (var view = 0; view < Views.Count; view++)
        {
            foreach (var (item, _, _) in FeedRule.Changes(Nothing, FeedRule.Show(Views[view].Scope, standardFacts), _ => VersionStatus.Published))
            {
                yield return (view, ++_last[view], Guid.NewGuid().ToString(), item.Id);
            }
        }
    }
}
