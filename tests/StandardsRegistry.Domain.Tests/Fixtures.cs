using FsCheck;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Domain.Tests;

/// <summary>Audiences, principals and times shared by the release-rule tests. The audiences mirror the seeded rows.</summary>
internal static class Fixtures
{
    public static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public static readonly Audience Eu = new("EU", "European Union institutions", Classification.CTS, MarkingScheme.Eu);
    public static readonly Audience Public = new(Communities.Public, "The public (anonymous callers)", Classification.NU, MarkingScheme.Nato);

    /// <summary>An audience that is data, not code: accredited up to NATO RESTRICTED only.</summary>
    public static readonly Audience Industry = new("INDUSTRY", "Defence industry", Classification.NR, MarkingScheme.Nato);

    public static Principal Nato(Classification? clearance, params string[] roles) => Member(Communities.Nato, clearance, roles);

    public static Principal Member(string community, Classification? clearance, params string[] roles) =>
        new($"{community.ToLowerInvariant()}-user", community, clearance, new HashSet<string>(roles, StringComparer.Ordinal));

    public static ReleaseFacts Release(string audience, DateTimeOffset? effectiveFrom = null, DateTimeOffset? revokedAt = null) =>
        new(audience, effectiveFrom ?? Now.AddDays(-1), revokedAt);

    public static VersionFacts Version(Classification classification, VersionStatus status = VersionStatus.Published) => new(classification, status);
}

/// <summary>FsCheck run settings: the core API inside plain facts (xunit v3), failing with the counterexample and replay seed.</summary>
internal static class PropertyConfig
{
    public static Config Runs(int maxTest) => Config.QuickThrowOnFailure.WithMaxTest(maxTest).WithQuietOnSuccess(true);

    public static void Check(this Property property, Config config) => FsCheck.Check.One(config, property);
}
