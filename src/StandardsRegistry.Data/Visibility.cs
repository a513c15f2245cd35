using Dapper;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Data;

/// <summary>
/// The release rule (<see cref="ReleaseRule"/>) as a SQL predicate over a <c>versions</c> alias. Every read
/// composes it, so a hidden version can neither be returned, nor match a filter, nor shift a page.
/// It binds <c>@scopeLevel</c>, <c>@scopeCommunity</c> and <c>@now</c>; <see cref="Bind"/> adds them.
/// </summary>
public static class Visibility
{
    /// <param name="asAnnounced">
    /// false (the read routes): a release counts from its effective time, by the clock (<c>@now</c>). true (the change
    /// feed and the export): a release counts once the feed has announced it, so what they show is exactly the state
    /// the feed's events lead to, whatever any instance's clock says.
    /// </param>
    /// <param name="standardAlias">
    /// A <c>standards</c> alias the version is known to belong to (<c>{alias}.standard_id = {standardAlias}.id</c>):
    /// the release is then looked up among that standard's releases (<c>releases.standard_id</c>, one index range per
    /// standard, db/postgres/0022_release_standard.sql) instead of by the version's id (one index probe per version).
    /// The same rule either way: a release names its version's standard.
    /// </param>
    public static string Predicate(VisibilityScope scope, string alias, bool asAnnounced = false, string? standardAlias = null)
    {
        var level = WithinLevel(scope, $"{alias}.classification");
        if (scope.Originator)
        {
            return scope.IncludeDrafts ? level : $"{level} AND {alias}.status <> 'draft'";
        }

        var release = $"r_{alias}";
        var inForce = $"{release}.audience = @scopeCommunity AND {release}.revoked_at IS NULL AND "
            + (asAnnounced ? $"{release}.announced_at IS NOT NULL" : $"{release}.effective_from <= @now");
        var released = standardAlias is null
            ? $"EXISTS (SELECT 1 FROM releases {release} WHERE {release}.version_id = {alias}.id AND {inForce})"
            : $"{alias}.id IN (SELECT {release}.version_id FROM releases {release} WHERE {release}.standard_id = {standardAlias}.id AND {inForce})";
        return $"{level} AND {alias}.status IN ('published', 'superseded') AND {released}";
    }

    /// <summary>
    /// A marking the caller may read: within its level (<c>@scopeLevel</c>), and for an audience's reader also within
    /// the audience's ceiling as the <c>audiences</c> table says in the statement's own snapshot. A reader's level is its
    /// clearance capped by the ceiling of the audience cache, which each instance refreshes every 30 s; read here too
    /// (<see cref="VisibilityScope.HeldToCeilingNow"/>),
    /// a ceiling an operator has just lowered holds on the next read, not 30 s later, and an audience deleted from the
    /// table shows nothing (the comparison with no row is never true). An uncorrelated scalar subquery of the table's
    /// primary key: each statement evaluates it once.
    /// </summary>
    /// <param name="classification">A SQL expression of the marking: a column, or a bound level (<c>@viewLevel</c>).</param>
    public static string WithinLevel(VisibilityScope scope, string classification) => !scope.HeldToCeilingNow
        ? $"{classification} <= @scopeLevel"
        : $"{classification} <= @scopeLevel AND {classification} <= {ReaderCeiling}";

    /// <summary>The ceiling of the reader's audience (<c>@scopeCommunity</c>) now; null when it has none.</summary>
    private static readonly string ReaderCeiling = $"({AudienceDirectory.CeilingOf("@scopeCommunity")})";

    /// <summary>A standard exists for the caller iff one of its versions is visible (NATO editors: or it has none yet).</summary>
    public static string StandardExists(VisibilityScope scope, string standardAlias, bool asAnnounced = false)
    {
        var visible = $"EXISTS (SELECT 1 FROM versions sv WHERE sv.standard_id = {standardAlias}.id AND {Predicate(scope, "sv", asAnnounced)})";
        return scope.SeesEmptyStandards
            ? $"({visible} OR NOT EXISTS (SELECT 1 FROM versions se WHERE se.standard_id = {standardAlias}.id))"
            : visible;
    }

    /// <summary>
    /// A standard is in force for the caller iff one of its versions it sees is not withdrawn (NATO editors: or it has
    /// none yet): <see cref="StandardExists"/> without the withdrawn editions NATO sees. Only a standard in force
    /// carries the caller's preferred mark of its category (docs/design.md §1.8), as <c>FeedRule.InForce</c> in memory.
    /// </summary>
    public static string StandardInForce(VisibilityScope scope, string standardAlias, bool asAnnounced = false)
    {
        var inForce = $"EXISTS (SELECT 1 FROM versions fv WHERE fv.standard_id = {standardAlias}.id AND fv.status <> 'withdrawn' AND {Predicate(scope, "fv", asAnnounced)})";
        return scope.SeesEmptyStandards
            ? $"({inForce} OR NOT EXISTS (SELECT 1 FROM versions fe WHERE fe.standard_id = {standardAlias}.id))"
            : inForce;
    }

    /// <summary>
    /// A NATO writer may change a standard only when its clearance covers every edition of it, drafts included;
    /// otherwise the standard is answered as absent. What a write answers — the next edition number, that a later
    /// edition was published, what a publish supersedes — would otherwise depend on editions it may not see.
    /// </summary>
    public static string WholeStandardCovered(string standardAlias) =>
        $"NOT EXISTS (SELECT 1 FROM versions wv WHERE wv.standard_id = {standardAlias}.id AND wv.classification > @scopeLevel)";

    /// <summary>
    /// The id of the standard keyed <c>@key</c>, or 0 (no standard has it) when there is none. An item lookup filters
    /// versions by this instead of joining on the key, so a key that does not exist still probes the versions index
    /// (with an id that finds nothing) like a key whose editions are hidden: the lookup reads about as many pages either
    /// way, which shrinks what its time says about whether the key exists (bench/timing.sh, SECURITY.md).
    /// </summary>
    public const string KeyedStandardId = "COALESCE((SELECT ks.id FROM standards ks WHERE ks.standard_key = @key), 0)";

    /// <summary>
    /// The join of a version to its standard for a lookup filtered on <see cref="KeyedStandardId"/>. The unary plus
    /// keeps SQLite from inferring <c>s.id = (the subquery)</c> and reading the standard first, which would end an
    /// absent key's lookup before the versions probe; the standard is read by its primary key once a version is found.
    /// </summary>
    public const string JoinStandardAfterVersion = "s.id = +v.standard_id";

    public static DynamicParameters Bind(VisibilityScope scope, DateTimeOffset now, object? parameters = null)
    {
        var bound = new DynamicParameters(parameters);
        bound.Add("scopeLevel", (int)scope.MaxLevel);
        bound.Add("scopeCommunity", scope.Community);
        bound.Add("now", now.ToUnixTimeMilliseconds());
        return bound;
    }
}
