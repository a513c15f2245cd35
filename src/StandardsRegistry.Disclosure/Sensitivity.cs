namespace StandardsRegistry.Disclosure;

/// <summary>
/// Deliberate mistakes the tests plant to show that the attacker's linear program catches them. Set only from tests
/// (InternalsVisibleTo); production code never sets one.
/// </summary>
internal enum Mutant
{
    None,
    /// <summary>Only the primary cells are suppressed (and the pattern is not optimised).</summary>
    NoSecondary,
    /// <summary>The p% rule checked on x₁ alone (X − x₁ &lt; p/100 · x₁, a (1,k) dominance rule): the second
    /// contributor's knowledge of its own figure is forgotten.</summary>
    DominanceOnly,
    /// <summary>Earlier releases are ignored: no change rule, no cells fixed by a release of the same cycle.</summary>
    CurrentCycleOnly,
    /// <summary>Each contribution row counts as a contributor of its own.</summary>
    HoldingsIgnored,
}

/// <summary>
/// The sensitivity rules and the protection they require (Handbook on SDC, 2nd ed., §4.2–4.3).
/// <para>A cell's contributors are the nations whose summed figure in it is positive: an empty cell, or one whose
/// every target is zero, is not sensitive (it says no nation plans any, which names no nation's figure).</para>
/// <para>The p% rule guards the largest contributor x₁ against the second, x₂, who knows its own figure: its estimate
/// of x₁ is the cell total less x₂. For the estimate to be at least p% off on both sides, the interval an attacker
/// can work out for the cell total must reach X + PL above and X − PL below, with
/// PL = p/100 · x₁ − (X − x₁ − x₂) (positive exactly when the p% rule fails). Generally, insider m guessing nation k
/// needs PL(m, k) = p/100 · x_k − (X − x_k − x_m); the largest over m ≠ k is the level for target k, and the largest of
/// all is at k = x₁, m = x₂.</para>
/// <para>A cell failing only the threshold rule (fewer than n nations) gets PL(k) = p/100 · x_k for each contributor:
/// too few nations to hide behind, so the rest earns no credit.</para>
/// </summary>
internal static class Sensitivity
{
    /// <summary>The nations of a cell that need protection and the level each needs (the worst insider's).</summary>
    public static List<(string Target, double Level)> Targets(IReadOnlyDictionary<string, long> contributions, DisclosureRules rules, Mutant mutant)
    {
        var positive = contributions.Where(pair => pair.Value > 0).OrderByDescending(pair => pair.Value).ToList();
        var targets = new List<(string, double)>();
        if (positive.Count == 0) return targets;
        double total = positive.Sum(pair => (double)pair.Value);
        var threshold = positive.Count < rules.MinContributors;
        for (var k = 0; k < positive.Count; k++)
        {
            double x = positive[k].Value;
            // The largest other contributor: x₁ for every k but the first, x₂ for the first.
            double other = mutant == Mutant.DominanceOnly ? 0 : k == 0 ? (positive.Count > 1 ? positive[1].Value : 0) : positive[0].Value;
            var level = threshold ? rules.P * x : rules.P * x - (total - x - other);
            if (level > 0) targets.Add((positive[k].Key, level));
        }
        return targets;
    }
}
