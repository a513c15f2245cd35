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
    /// <summary>The change rule does not judge an earlier release's cell that this design lacks (a group merged, a
    /// capability split out of it).</summary>
    EarlierCellsUnjudged,
    /// <summary>The change rule judges, of the earlier designs' cells this design lacks, only those of the release it
    /// compares with: not those of an earlier table of this cycle, nor of another release.</summary>
    OwnCellsOnly,
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
        var positive = contributions.Where(pair => pair.Value > 0).OrderByDescending(pair => pair.Value).Select(pair => pair.Key).ToList();
        var targets = new List<(string, double)>();
        for (var k = 0; k < positive.Count; k++)
        {
            // The worst insider is the largest other contributor: x₁ for every k but the first, x₂ for the first.
            var insider = k > 0 ? positive[0] : positive.Count > 1 ? positive[1] : null;
            var level = LevelFor(contributions, positive[k], insider, rules, mutant);
            if (level > 0) targets.Add((positive[k], level));
        }
        return targets;
    }

    /// <summary>The level insider <paramref name="insider"/> (null: an outsider) needs against <paramref name="target"/>:
    /// PL(m, k) as above; the largest over m ≠ k is what <see cref="Targets"/> gives.</summary>
    public static double LevelFor(IReadOnlyDictionary<string, long> contributions, string target, string? insider, DisclosureRules rules, Mutant mutant)
    {
        double x = contributions.GetValueOrDefault(target);
        if (insider == target || x <= 0) return 0;
        var positive = contributions.Values.Where(value => value > 0).ToList();
        double total = positive.Sum(value => (double)value);
        double own = insider is null || mutant == Mutant.DominanceOnly ? 0 : Math.Max(0, contributions.GetValueOrDefault(insider));
        return positive.Count < rules.MinContributors ? rules.P * x : rules.P * x - (total - x - own);
    }
}
