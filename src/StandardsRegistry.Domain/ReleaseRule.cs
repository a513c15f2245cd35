namespace StandardsRegistry.Domain;

/// <summary>
/// What one caller may see, reduced to the few facts the rule needs. Every read composes the SQL form of this
/// scope (StandardsRegistry.Data.Visibility); <see cref="ReleaseRule.CanSee"/> is the same rule in memory,
/// and a test holds the two equal over generated data.
/// </summary>
/// <param name="Originator">true for NATO: visibility by clearance alone; false: by release to <paramref name="Community"/>.</param>
/// <param name="Community">the caller's community (the audience releases must name).</param>
/// <param name="MaxLevel">the highest classification the caller may see.</param>
/// <param name="IncludeDrafts">NATO editors also see drafts.</param>
/// <param name="Scheme">the marking scheme the caller reads in.</param>
/// <param name="Nation">a NATO caller speaking for a nation: other nations' responses only once released.</param>
public sealed record VisibilityScope(bool Originator, string Community, Classification MaxLevel, bool IncludeDrafts, MarkingScheme Scheme, string? Nation = null)
{
    /// <summary>NATO editors see a standard that has no versions yet (it reveals nothing but what they created).</summary>
    public bool SeesEmptyStandards => Originator && IncludeDrafts;

    /// <summary>
    /// Outside NATO: reads also hold every marking to the audience's ceiling as the <c>audiences</c> table says at the
    /// moment of the read, beside <see cref="MaxLevel"/>, which was computed from a ceiling read earlier (the API's cache).
    /// Only a reader of what was queued in a view before its ceiling was lowered (a webhook delivery, which withholds
    /// what the ceiling no longer covers, on record) reads without it.
    /// </summary>
    public bool HeldToCeilingNow { get; init; } = !Originator;

    /// <summary>A NATO caller's scope: the originator's, up to <paramref name="clearance"/>, drafts included for editors.</summary>
    public static VisibilityScope Nato(Classification clearance, bool drafts) => new(true, Communities.Nato, clearance, drafts, MarkingScheme.Nato);

    /// <summary>An audience's scope: what is released to <paramref name="community"/> up to <paramref name="level"/>, never drafts.</summary>
    public static VisibilityScope ForAudience(string community, Classification level, MarkingScheme scheme) => new(false, community, level, false, scheme);
}

/// <summary>The facts of a version the rule looks at.</summary>
public sealed record VersionFacts(Classification Classification, VersionStatus Status);

/// <summary>The facts of one release record the rule looks at.</summary>
public sealed record ReleaseFacts(string Audience, DateTimeOffset EffectiveFrom, DateTimeOffset? RevokedAt);

public static class ReleaseRule
{
    /// <summary>
    /// The caller's scope. A non-NATO caller's clearance is capped by what its audience is accredited for
    /// (PUBLIC: NU), so a token can never claim a wider view than the audience has.
    /// </summary>
    /// <param name="audience">the caller's audience record; required for every community but NATO.</param>
    public static VisibilityScope ScopeFor(Principal principal, Audience? audience)
    {
        var clearance = principal.Clearance ?? Classification.NU;
        if (principal.IsNato)
        {
            return VisibilityScope.Nato(clearance, principal.HasRole(Roles.Editor)) with { Nation = principal.Nation };
        }

        if (audience is null || audience.Code != principal.Community)
        {
            throw new ArgumentException($"Community '{principal.Community}' needs its audience record.", nameof(audience));
        }

        var max = (Classification)Math.Min((int)clearance, (int)audience.MaxClassification);
        return VisibilityScope.ForAudience(principal.Community, max, audience.Scheme);
    }

    /// <summary>The release rule of docs/design.md §1.5, in memory.</summary>
    public static bool CanSee(VisibilityScope scope, VersionFacts version, IEnumerable<ReleaseFacts> releases, DateTimeOffset now)
    {
        if (version.Classification > scope.MaxLevel)
        {
            return false;
        }

        if (scope.Originator)
        {
            return version.Status != VersionStatus.Draft || scope.IncludeDrafts;
        }

        return version.Status is VersionStatus.Published or VersionStatus.Superseded
            && releases.Any(r => r.Audience == scope.Community && r.RevokedAt is null && r.EffectiveFrom <= now);
    }
}
