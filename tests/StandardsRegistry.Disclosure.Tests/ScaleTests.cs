namespace StandardsRegistry.Disclosure.Tests;

/// <summary>
/// Tables of large figures (a target may be up to 10¹², CapabilityTargets.MaxQuantity) are protected as small ones are.
/// Until 2026-12-07 they were not publishable: from figures of about 10⁸, every suppression LP came back IMPRECISE
/// from GLOP (costs of (value + 1) / level ≈ 10⁹ left its final reduced-cost check, absolute at 10⁻⁶, failing), so no
/// secondary was found and the audit refused the table (the service's 422).
/// </summary>
public sealed class ScaleTests
{
    private static readonly DisclosureRules Rules = new(MinContributors: 3, PPercent: 10);

    private static readonly TableDesign Design = new("2025", [new("ammo-155mm", "rounds", "fires"), new("ammo-120mm", "rounds", "fires")], [2027, 2028]);

    /// <summary>Four nations hold about <paramref name="b"/> each in three cells; DEU alone holds 7 in the fourth
    /// (the threshold rule: its level is 0.7 either way, a hundred-billionth of the figures beside it at the largest).</summary>
    private static List<Contribution> Targets(long b)
    {
        var targets = new List<Contribution>();
        foreach (var capability in Design.Capabilities)
            foreach (var horizon in Design.Horizons)
                if (capability.Code == "ammo-155mm" && horizon == 2028) targets.Add(new("DEU", capability.Code, horizon, 7));
                else
                    targets.AddRange(new[] { "FRA", "ITA", "POL", "ESP" }.Select((nation, n) => new Contribution(nation, capability.Code, horizon, b + n + horizon - 2027)));
        return targets;
    }

    public static TheoryData<long> Magnitudes => [1, 1_000, 1_000_000, 100_000_000, 1_000_000_000, 100_000_000_000, 999_999_999_990];

    [Theory]
    [MemberData(nameof(Magnitudes))]
    public void ATableOfLargeFiguresIsPublishedWithTheSameProtection(long b)
    {
        var targets = Targets(b);
        var table = new DisclosureEngine(Rules).Protect(Design, targets, []);

        Assert.True(table.Releasable, table.RefusalReason);
        // The sensitive cell and the three others of its 2 × 2: the only pattern its margins cannot pin.
        Assert.Equal(CellStatus.Primary, table.Cells.Single(c => c.Key == new CellKey("ammo-155mm", "2028")).Status);
        Assert.Equal(["ammo-120mm/2027", "ammo-120mm/2028", "ammo-155mm/2027"],
            table.Cells.Where(c => c.Status == CellStatus.Secondary).Select(c => $"{c.Key.Row}/{c.Key.Column}").Order(StringComparer.Ordinal));
        Assert.Equal(4, table.Loss.SuppressedCells);
        // The attacker's program, written apart from the engine, reaches every level from every insider.
        var breaches = AttackerOracle.Breaches(Rules, [], new Release(targets, table.Release()), out var intervals);
        Assert.True(intervals > 0);
        Assert.Empty(breaches);
    }

    [Theory]
    [MemberData(nameof(Magnitudes))]
    public void AnUnprotectedTableOfLargeFiguresIsStillRefused(long b)
    {
        // Only the sensitive cell suppressed: its margins pin it, DEU's 7, exactly. However large the figures beside it,
        // the audit must see that its interval is a point.
        var table = new DisclosureEngine(Rules) { Mutant = Mutant.NoSecondary }.Protect(Design, Targets(b), []);

        Assert.False(table.Releasable);
        Assert.Equal(DisclosureEngine.AuditRefusal, table.RefusalReason);
        Assert.Equal(1, table.Loss.SuppressedCells);
        // And the attacker's program, at every magnitude, pins it: the oracle can see a breach beside giants too.
        Assert.Contains(AttackerOracle.Breaches(Rules, [], new Release(Targets(b), table.Preview()), out _), breach => breach.Cell == new CellKey("ammo-155mm", "2028"));
    }
}

/// <summary>A generated case at scale (<see cref="Case.Scaled"/>) that the engine refused until 2026-12-07, though a
/// first release is always publishable: beside a cell of 220·10⁹ and 3·10⁹, N6's 221 needs a level of 33.15, and the
/// LPs' bounds in units of that level (about −10¹⁰ to 10¹¹) left GLOP ABNORMAL, in suppression and in the audit.</summary>
public sealed class GeneratedScaleTests
{
    [Fact]
    public void AGeneratedTableOfGiantsBesideSingleFiguresIsPublishedAndSurvivesTheAttack()
    {
        var generated = Case.Generate(6).Scaled(1_000_000_000);
        var step = generated.Steps[0];

        var table = new DisclosureEngine(generated.Rules).Protect(step.Design, step.Targets, []);

        Assert.True(table.Releasable, table.RefusalReason);
        Assert.Empty(AttackerOracle.Breaches(generated.Rules, [], new Release(step.Targets, table.Release()), out _));
    }
}
