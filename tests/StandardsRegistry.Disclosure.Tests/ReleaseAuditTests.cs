namespace StandardsRegistry.Disclosure.Tests;

/// <summary>
/// The audit on its own, given certificates the suppression would never make. The audit is the second check on the
/// suppression: it must not take a certificate on trust, or a mistake in the suppression (a cell moved and left
/// published, a level halved, an insider's knowledge forgotten) would pass with it. The generated cases cannot show
/// this: the suppression's certificates are valid, and the audit's own program keeps the conditions its verification
/// checks, so until 2026-12-08 the verification could check nothing at all and every test passed.
/// </summary>
public sealed class ReleaseAuditTests
{
    private static readonly DisclosureRules Rules = new(MinContributors: 3, PPercent: 10);

    /// <summary>Capabilities x and y in one group over two years: interior cells A = x/2027 (DEU's 100 alone, so a
    /// level of 10 either way), B = x/2028 (FRA's 100 and 5 more; or, where DEU leads B, FRA's 6 recorded before DEU's
    /// 7), C = y/2027 and D = y/2028 (four nations' 50 each). With the four suppressed and every margin published, A can
    /// rise only as far as B can fall, and an insider who knows FRA's figure in B knows that is 5 (or 7): DEU's figure is
    /// within that above. Downwards A can fall by far more than 10.</summary>
    private static readonly TableDesign Design = new("2025", [new("x", "u", "g"), new("y", "u", "g")], [2027, 2028]);

    private static List<Contribution> Targets(bool deuLeadsB) =>
    [
        new("DEU", "x", 2027, 100),
        .. deuLeadsB
            ? (Contribution[])[new("FRA", "x", 2028, 6), new("DEU", "x", 2028, 7)]
            : [new("FRA", "x", 2028, 100), new("ITA", "x", 2028, 3), new("POL", "x", 2028, 2)],
        .. ((int[])[2027, 2028]).SelectMany(h => new[] { "FRA", "ITA", "POL", "ESP" }.Select(n => new Contribution(n, "y", h, 50))),
    ];

    private const int A = 0, XTotal = 4, YTotal = 5;

    /// <summary>The audit's problem: the one requirement (A, DEU, 10 either way), the interior cells suppressed, the
    /// margins published — or, with <paramref name="fixedByARelease"/>, the capability totals suppressed but fixed by an
    /// earlier release of the cycle, which pins them as publishing them would.</summary>
    private static (Problem Problem, bool[] Suppressed) Audit(bool fixedByARelease, bool deuLeadsB)
    {
        var layout = new Layout(Design);
        var holdings = layout.Holdings(Targets(deuLeadsB));
        var perCell = layout.CellContributions(holdings);
        var values = perCell.Select(cell => (double)cell.Values.Sum()).ToArray();
        var problem = new Problem(holdings)
        {
            Layout = layout,
            Values = values,
            Requirements = [new Requirement(A, "DEU", 10, 10, [new Source(perCell[A], double.PositiveInfinity)])],
            Fixed = fixedByARelease ? [new FixedSum(layout.Members[XTotal], values[XTotal]), new FixedSum(layout.Members[YTotal], values[YTotal])] : [],
            Rules = Rules,
            Mutant = Mutant.None,
        };
        var suppressed = new bool[layout.Count];
        for (var i = 0; i < layout.InteriorCount; i++) suppressed[i] = true;
        if (fixedByARelease) suppressed[XTotal] = suppressed[YTotal] = true;
        return (problem, suppressed);
    }

    public static TheoryData<string, bool, bool, double[]> Certificates => new()
    {
        // A +5, B −5, C −5, D +5: a point of the attacker's program, but half the level.
        { "half the level", false, false, [5, -5, -5, 5] },
        // A +10 balanced as the margins need, but B at 95, below FRA's 100 alone.
        { "below what the insider knows", false, false, [10, -10, -10, 10] },
        // The same where DEU, the target, leads B: the combined insider knows the second largest figure there, FRA's 6,
        // recorded first (a largest found after the second must hand its place down).
        { "below what the second largest nation knows", false, true, [10, -10, -10, 10] },
        // A +10, C −10: the capability totals x and y move, and they are published.
        { "a published cell moved", false, false, [10, 0, -10, 0] },
        // The same with the capability totals suppressed but fixed by an earlier release of the cycle.
        { "a fixed sum moved", true, false, [10, 0, -10, 0] },
    };

    [Theory]
    [MemberData(nameof(Certificates))]
    public void ACertificateThatIsNoPointOfTheAttackersProgramDoesNotPassTheAudit(string mistake, bool fixedByARelease, bool deuLeadsB, double[] certificate)
    {
        var (problem, suppressed) = Audit(fixedByARelease, deuLeadsB);
        var targets = Targets(deuLeadsB);
        // The pattern is breachable upwards: the attacker's program, written apart from the engine, pins DEU within 5.
        var release = new Release(targets, new PublishedTable(Design,
            [.. problem.Layout.Keys.Select((key, c) => new PublishedCell(key, suppressed[c] ? null : (long)problem.Values[c]))]));
        var fixedRelease = new Release(targets, new PublishedTable(Design,
            [.. problem.Layout.Keys.Select((key, c) => new PublishedCell(key, c is XTotal or YTotal || !suppressed[c] ? (long)problem.Values[c] : null))]));
        Assert.Contains(AttackerOracle.Breaches(Rules, fixedByARelease ? [fixedRelease] : [], release, out _),
            breach => breach.Cell == problem.Layout.Keys[A] && breach.High < problem.Values[A] + 10);
        // Without a certificate the audit's own program finds that and refuses.
        Assert.False(ReleaseAudit.Passes(problem, suppressed, []));
        // A certificate for the upward side that is no point of that program must change nothing.
        Assert.False(ReleaseAudit.Passes(problem, suppressed, new() { [(0, 1)] = certificate }), mistake);
    }
}
