using StandardsRegistry.Domain;
using static StandardsRegistry.Domain.Tests.Fixtures;

namespace StandardsRegistry.Domain.Tests;

/// <summary>
/// The release rule over random principals × versions × release histories × now. Each property is its own fact so a
/// failure names the broken clause; FsCheck reports the counterexample and the seed to replay it.
/// </summary>
public sealed class ReleaseRulePropertyTests
{
    /// <summary>Runs per property (each run is one principal × version × release list × now).</summary>
    public const int Runs = 5_000;

    private static readonly string[] CommunityCodes = [Communities.Nato, "EU", Communities.Public, "INDUSTRY"];

    /// <summary>Release audiences include NATO (never an audience, but a row could say so) and a wrong-case code.</summary>
    private static readonly string[] ReleaseAudiences = [Communities.Nato, "EU", Communities.Public, "INDUSTRY", "eu"];

    private static readonly string[] RoleNames = [.. Roles.All, "Editor"];

    private static readonly Gen<Classification> Level = Gen.Elements(Enum.GetValues<Classification>());

    private static readonly Gen<Classification?> Clearance =
        Gen.Frequency((1, Gen.Constant<Classification?>(null)), (5, Level.Select(level => (Classification?)level)));

    /// <summary>Times within a few hours of each other, on whole hours, so "effective exactly now" comes up often.</summary>
    private static readonly Gen<DateTimeOffset> Time = Gen.Choose(-4, 4).Select(hours => Fixtures.Now.AddHours(hours));

    private static readonly Gen<ReleaseFacts> ReleaseGen = ReleaseTo(Gen.Elements(ReleaseAudiences));

    private static Gen<ReleaseFacts> ReleaseTo(Gen<string> audiences) =>
        from audience in audiences
        from effectiveFrom in Time
        from revoked in Gen.Frequency((2, Gen.Constant(false)), (1, Gen.Constant(true)))
        from revokedAt in Time
        select new ReleaseFacts(audience, effectiveFrom, revoked ? revokedAt : null);

    /// <summary>Release histories biased towards the caller's own community, so visible cases are common.</summary>
    private static Gen<ReleaseFacts[]> ReleasesFor(string community) =>
        Gen.Choose(0, 5).SelectMany(count =>
            Gen.ArrayOf(ReleaseTo(Gen.Frequency((3, Gen.Constant(community)), (2, Gen.Elements(ReleaseAudiences)))), count));

    private static readonly Gen<ReleaseFacts[]> ReleasesGen = Gen.Choose(0, 5).SelectMany(count => Gen.ArrayOf(ReleaseGen, count));

    private static readonly Gen<Audience> IndustryGen =
        from max in Level
        from scheme in Gen.Elements(MarkingScheme.Nato, MarkingScheme.Eu)
        select new Audience("INDUSTRY", "Defence industry", max, scheme);

    private static readonly Gen<Principal> PrincipalGen =
        from community in Gen.Elements(CommunityCodes)
        from clearance in Clearance
        from roles in Gen.SubListOf(RoleNames)
        select Member(community, clearance, [.. roles]);

    private static readonly Gen<Scenario> ScenarioGen =
        from principal in PrincipalGen
        from industry in IndustryGen
        from classification in Level
        from status in Gen.Elements(Enum.GetValues<VersionStatus>())
        from releases in ReleasesFor(principal.Community)
        from now in Time
        select new Scenario(principal, AudienceOf(principal.Community, industry), new VersionFacts(classification, status), releases, now);

    private static readonly Arbitrary<Scenario> Scenarios = Arb.From(ScenarioGen);
    private static readonly Arbitrary<Scenario> NonNatoScenarios = Arb.From(ScenarioGen.Where(s => !s.Principal.IsNato));
    private static readonly Arbitrary<Scenario> NatoScenarios = Arb.From(ScenarioGen.Where(s => s.Principal.IsNato));

    private static Audience? AudienceOf(string community, Audience industry) => community switch
    {
        "EU" => Eu,
        Communities.Public => Public,
        "INDUSTRY" => industry,
        _ => null,
    };

    [Fact]
    public void NonNatoCallerNeverSeesADraftOrWithdrawnVersion()
    {
        Prop.ForAll(NonNatoScenarios, s =>
                s.Version.Status is not (VersionStatus.Draft or VersionStatus.Withdrawn) || !s.Visible())
            .Check(PropertyConfig.Runs(Runs));
    }

    [Fact]
    public void NonNatoCallerNeverSeesAboveTheLowerOfItsClearanceAndItsAudienceCeiling()
    {
        Prop.ForAll(NonNatoScenarios, s =>
            {
                var ceiling = (Classification)Math.Min((int)(s.Principal.Clearance ?? Classification.NU), (int)s.Audience!.MaxClassification);
                return !s.Visible() || s.Version.Classification <= ceiling;
            })
            .Check(PropertyConfig.Runs(Runs));
    }

    [Fact]
    public void NonNatoCallerNeverSeesWithoutAnUnrevokedReleaseToItsOwnCommunityInEffectNow()
    {
        Prop.ForAll(NonNatoScenarios, s => !s.Visible() || s.HasActiveReleaseToOwnCommunity())
            .Check(PropertyConfig.Runs(Runs));
    }

    [Fact]
    public void NonNatoCallerSeesWheneverEveryConditionOfTheRuleHolds()
    {
        Prop.ForAll(NonNatoScenarios, s =>
            {
                var ceiling = (Classification)Math.Min((int)(s.Principal.Clearance ?? Classification.NU), (int)s.Audience!.MaxClassification);
                var allowed = s.Version.Status is VersionStatus.Published or VersionStatus.Superseded
                    && s.Version.Classification <= ceiling
                    && s.HasActiveReleaseToOwnCommunity();
                return s.Visible() == allowed;
            })
            .Check(PropertyConfig.Runs(Runs));
    }

    [Fact]
    public void NatoSeesExactlyByClearanceAndDraftsOnlyAsEditor()
    {
        Prop.ForAll(NatoScenarios, s =>
            {
                var expected = s.Version.Classification <= (s.Principal.Clearance ?? Classification.NU)
                    && (s.Version.Status != VersionStatus.Draft || s.Principal.HasRole(Roles.Editor));
                return s.Visible() == expected;
            })
            .Check(PropertyConfig.Runs(Runs));
    }

    [Fact]
    public void RaisingANatoClearanceNeverHidesWhatWasVisible()
    {
        Prop.ForAll(NatoScenarios, s => Enum.GetValues<Classification>().All(higher =>
                !s.Visible() || higher < (s.Principal.Clearance ?? Classification.NU) || s.WithClearance(higher).Visible()))
            .Check(PropertyConfig.Runs(Runs));
    }

    [Fact]
    public void RaisingANonNatoClearanceNeverHidesWhatWasVisible()
    {
        Prop.ForAll(NonNatoScenarios, s => Enum.GetValues<Classification>().All(higher =>
                !s.Visible() || higher < (s.Principal.Clearance ?? Classification.NU) || s.WithClearance(higher).Visible()))
            .Check(PropertyConfig.Runs(Runs));
    }

    [Fact]
    public void AddingAReleaseNeverHidesAndRevokingOneNeverReveals()
    {
        var arb = Arb.From(ScenarioGen.Zip(ReleaseGen));
        Prop.ForAll(arb, pair =>
            {
                var (s, extra) = pair;
                var added = s with { Releases = [.. s.Releases, extra] };
                var revokedAll = s with { Releases = [.. s.Releases.Select(r => r with { RevokedAt = r.RevokedAt ?? s.Now })] };
                return (!s.Visible() || added.Visible())
                    && (s.Visible() || !revokedAll.Visible())
                    && (s.Principal.IsNato || !revokedAll.Visible());
            })
            .Check(PropertyConfig.Runs(Runs));
    }

    [Fact]
    public void NatoVisibilityDependsOnNeitherReleasesNorTime()
    {
        var arb = Arb.From(NatoScenarios.Generator.Zip(ReleasesGen).Zip(Time));
        Prop.ForAll(arb, pair =>
            {
                var ((s, otherReleases), otherNow) = pair;
                return s.Visible() == (s with { Releases = otherReleases, Now = otherNow }).Visible();
            })
            .Check(PropertyConfig.Runs(Runs));
    }

    [Fact]
    public void GeneratedScenariosReachBothOutcomesForEveryCommunity()
    {
        // Guards the properties above against a generator that (almost) never produces a visible case.
        var sample = ScenarioGen.Sample(8_000);
        foreach (var community in CommunityCodes)
        {
            var outcomes = sample.Where(s => s.Principal.Community == community).Select(s => s.Visible()).ToList();
            Assert.Contains(true, outcomes);
            Assert.Contains(false, outcomes);
            Assert.True(outcomes.Count(visible => visible) >= 20, $"{community}: only {outcomes.Count(visible => visible)} visible cases");
        }
    }

    public sealed record Scenario(Principal Principal, Audience? Audience, VersionFacts Version, ReleaseFacts[] Releases, DateTimeOffset Now)
    {
        public bool Visible() => ReleaseRule.CanSee(ReleaseRule.ScopeFor(Principal, Audience), Version, Releases, Now);

        public bool HasActiveReleaseToOwnCommunity() =>
            Releases.Any(r => r.Audience == Principal.Community && r.RevokedAt is null && r.EffectiveFrom <= Now);

        public Scenario WithClearance(Classification clearance) => this with { Principal = Principal with { Clearance = clearance } };

        public override string ToString() =>
            $"{Principal.Community} clearance={Principal.Clearance?.ToString() ?? "none"} roles=[{string.Join(",", Principal.Roles)}] "
            + $"audienceMax={Audience?.MaxClassification.ToString() ?? "-"} | version {Version.Classification} {Version.Status} | "
            + $"now={Now:HH:mm} | releases=[{string.Join("; ", Releases.Select(r => $"{r.Audience} from {r.EffectiveFrom:HH:mm}{(r.RevokedAt is { } at ? $" revoked {at:HH:mm}" : "")}"))}]";
    }
}
