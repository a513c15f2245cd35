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
/// Releases of other cycles are other unknowns: they bind this cycle's cells only through the change rule, whose
/// requirements are among these (moving this cycle's cell by the level moves the change by as much).
/// </summary>
internal static class ReleaseAudit
{
    public static bool Passes(Problem problem, bool[] suppressed, Dictionary<(int Requirement, int Side), double[]> certificates)
    {
        var open = new List<(int Requirement, int Side)>();
        for (var r = 0; r < problem.Requirements.Count; r++)
            foreach (var side in (int[])[1, -1])
                if (problem.Requirements[r].Level(side) > 0
                    && (!certificates.TryGetValue((r, side), out var certificate) || !Verifies(problem, suppressed, problem.Requirements[r], side, certificate)))
                    open.Add((r, side));
        return open.Count == 0 || SolvesAll(problem, suppressed, open);
    }

    private static bool Verifies(Problem problem, bool[] suppressed, Requirement requirement, int side, double[] delta)
    {
        var layout = problem.Layout;
        var level = requirement.Level(side);
        var tolerance = 1e-6 * Math.Max(1, level);
        for (var i = 0; i < delta.Length; i++)
            if (problem.Values[i] + delta[i] < problem.Lower(requirement.Target, i) - tolerance) return false;
        for (var c = 0; c < layout.Count; c++)
            if (!suppressed[c] && Math.Abs(Sum(layout.Members[c], delta)) > tolerance) return false;
        foreach (var sum in problem.Fixed)
            if (Math.Abs(Sum(sum.Members, delta)) > tolerance) return false;
        return side * Sum(problem.Members(requirement.Cell), delta) >= level - tolerance;
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
        var y = new Variable[layout.InteriorCount];
        for (var i = 0; i < y.Length; i++) y[i] = solver.MakeNumVar(0, cap, "");
        for (var c = 0; c < layout.Count; c++)
            if (!suppressed[c]) Equal(solver, layout.Members[c], y, problem.Values[c]);
        foreach (var sum in problem.Fixed) Equal(solver, sum.Members, y, sum.Value);
        var objective = solver.Objective();
        foreach (var (r, side) in open)
        {
            var requirement = problem.Requirements[r];
            objective.Clear();
            foreach (var i in problem.Members(requirement.Cell)) objective.SetCoefficient(y[i], 1);
            if (side > 0) objective.SetMaximization(); else objective.SetMinimization();
            for (var i = 0; i < y.Length; i++) y[i].SetLb(problem.Lower(requirement.Target, i));
            if (Reaches(problem, solver, requirement, side, requirement.Level(side))) continue;
            // The combined insider is stronger than any one nation: check each nation on its own before refusing.
            foreach (var insider in problem.Nations.Where(n => n != requirement.Target).Append(null))
            {
                var level = requirement.LevelFor(insider, side, problem.Rules, problem.Mutant);
                if (level <= 0) continue;
                for (var i = 0; i < y.Length; i++) y[i].SetLb(insider is null ? 0 : problem.Holdings[i].GetValueOrDefault(insider));
                if (!Reaches(problem, solver, requirement, side, level)) return false;
            }
        }
        return true;
    }

    private static bool Reaches(Problem problem, Solver solver, Requirement requirement, int side, double level)
    {
        if (!Glop.SolvesOptimally(solver)) return false;
        var tolerance = 1e-6 * Math.Max(1, level);
        return side * (solver.Objective().Value() - problem.Value(requirement.Cell)) >= level - tolerance;
    }

    private static void Equal(Solver solver, int[] members, Variable[] y, double value)
    {
        var row = solver.MakeConstraint(value, value, "");
        foreach (var i in members) row.SetCoefficient(y[i], 1);
    }
}
