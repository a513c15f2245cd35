using Google.OrTools.LinearSolver;

namespace StandardsRegistry.Disclosure;

/// <summary>
/// The audit before release: for every requirement and side, the attacker — the combined insider against the
/// requirement's target (see <see cref="Problem"/>), holding every published cell of this table and every sum fixed by
/// an earlier release of this cycle — must not be able to rule out the cell's value moved by the level.
/// First the suppression's certificate is verified (a feasible point of the attacker's program reaching the level
/// proves the interval reaches it: O(cells) work, no solver); where none verifies, the combined insider's LP is solved,
/// and where that falls short, each nation's own LP (and an outsider's) with the level that nation needs — so a table is
/// refused only if some single nation could narrow a figure.
/// <para>Every LP is solved in the same terms as the certificate: the move δ away from the true table, in units of the
/// level, so the solver never sees a figure (up to 10¹² each) beside a level (as small as a fraction of one). Its
/// optimum is not trusted: the point it returns, scaled back, must verify as a certificate against the true figures,
/// in their own units, or the check falls short. So the solver's tolerances can refuse a table, never pass one.</para>
/// Releases of other cycles are other unknowns: they bind this cycle's cells only through the change rule, whose
/// requirements are among these (moving this cycle's cell by the level moves the change by as much).
/// </summary>
internal static class ReleaseAudit
{
    public static bool Passes(Problem problem, bool[] suppressed, Dictionary<(int Requirement, int Side), double[]> certificates)
    {
        var open = new List<(int Requirement, int Side)>();
        for (var r = 0; r < problem.Requirements.Count; r++)
        {
            var requirement = problem.Requirements[r];
            foreach (var side in (int[])[1, -1])
                if (requirement.Level(side) > 0
                    && (!certificates.TryGetValue((r, side), out var certificate)
                        || !Verifies(problem, suppressed, requirement.Cell, i => problem.Lower(requirement.Target, i), side, requirement.Level(side), certificate)))
                    open.Add((r, side));
        }
        return open.Count == 0 || SolvesAll(problem, suppressed, open);
    }

    /// <summary>Whether <paramref name="delta"/> is a point of the attacker's program (every interior value at least
    /// <paramref name="lower"/>, every published cell and fixed sum unchanged) moving <paramref name="cell"/> by the
    /// level. Within a tolerance relative to the level; each bound is compared with the difference of the two integers,
    /// exact, never with a figure plus δ, which rounds by more than the tolerance once figures are large.</summary>
    private static bool Verifies(Problem problem, bool[] suppressed, int cell, Func<int, double> lower, int side, double level, double[] delta)
    {
        var layout = problem.Layout;
        var tolerance = 1e-6 * Math.Max(1, level);
        for (var i = 0; i < delta.Length; i++)
            if (!(delta[i] >= lower(i) - problem.Values[i] - tolerance)) return false;
        for (var c = 0; c < layout.Count; c++)
            if (!suppressed[c] && !(Math.Abs(Sum(layout.Members[c], delta)) <= tolerance)) return false;
        foreach (var sum in problem.Fixed)
            if (!(Math.Abs(Sum(sum.Members, delta)) <= tolerance)) return false;
        return side * Sum(problem.Members(cell), delta) >= level - tolerance;
    }

    private static double Sum(int[] members, double[] delta)
    {
        var sum = 0.0;
        foreach (var i in members) sum += delta[i];
        return sum;
    }

    private static bool SolvesAll(Problem problem, bool[] suppressed, List<(int Requirement, int Side)> open)
    {
        var layout = problem.Layout;
        using var solver = Glop.Create();
        var cap = problem.Cap;
        // z = δ / level: the move of each interior value from the true table, in units of the level being checked.
        var z = new Variable[layout.InteriorCount];
        for (var i = 0; i < z.Length; i++) z[i] = solver.MakeNumVar(0, 0, "");
        for (var c = 0; c < layout.Count; c++)
            if (!suppressed[c]) Unchanged(solver, layout.Members[c], z);
        foreach (var sum in problem.Fixed) Unchanged(solver, sum.Members, z);
        var objective = solver.Objective();
        foreach (var (r, side) in open)
        {
            var requirement = problem.Requirements[r];
            objective.Clear();
            foreach (var i in problem.Members(requirement.Cell)) objective.SetCoefficient(z[i], 1);
            if (side > 0) objective.SetMaximization(); else objective.SetMinimization();
            if (Reaches(problem, suppressed, solver, z, cap, requirement.Cell, i => problem.Lower(requirement.Target, i), side, requirement.Level(side))) continue;
            // The combined insider is stronger than any one nation: check each nation on its own before refusing.
            foreach (var insider in problem.Nations.Where(n => n != requirement.Target).Append(null))
            {
                var level = requirement.LevelFor(insider, side, problem.Rules, problem.Mutant);
                if (level <= 0) continue;
                Func<int, double> lower = insider is null ? _ => 0 : i => problem.Holdings[i].GetValueOrDefault(insider);
                if (!Reaches(problem, suppressed, solver, z, cap, requirement.Cell, lower, side, level)) return false;
            }
        }
        return true;
    }

    /// <summary>Solves for the furthest move of <paramref name="cell"/> on <paramref name="side"/> (the objective is
    /// set) with interior values between <paramref name="lower"/> and the cap, and verifies the point found.</summary>
    private static bool Reaches(Problem problem, bool[] suppressed, Solver solver, Variable[] z, double cap, int cell, Func<int, double> lower, int side, double level)
    {
        for (var i = 0; i < z.Length; i++)
            z[i].SetBounds(Glop.InLevels(lower(i) - problem.Values[i], level), Glop.InLevels(cap - problem.Values[i], level));
        if (!Glop.SolvesOptimally(solver)) return false;
        var delta = new double[z.Length];
        for (var i = 0; i < z.Length; i++) delta[i] = z[i].SolutionValue() * level;
        return Verifies(problem, suppressed, cell, lower, side, level, delta);
    }

    private static void Unchanged(Solver solver, int[] members, Variable[] z)
    {
        var row = solver.MakeConstraint(0, 0, "");
        foreach (var i in members) row.SetCoefficient(z[i], 1);
    }
}
