using Google.OrTools.LinearSolver;

namespace StandardsRegistry.Disclosure;

/// <summary>
/// Secondary suppression, one requirement and side at a time, by linear programming (the classic single-cell LP
/// heuristic of Kelly, Golden and Assad, as in τ-ARGUS's network and sdcTable's SIMPLEHEURISTIC family):
/// find a perturbation δ of the interior cells that moves the sensitive cell by ±level, keeps every sum fixed by an
/// earlier release of this cycle, keeps each interior value at or above what the combined insider knows it to be, and
/// changes the cheapest cells; every cell it changes is suppressed. A cell already suppressed costs nothing; another
/// costs (its value + 1) per unit of change, divided by the level, less for cells suppressed in the previous cycle
/// (stable patterns). δ itself is kept as the certificate the audit verifies: the table value + δ agrees with every
/// published cell and every earlier release, so the attacker cannot rule it out.
/// Suppressing more later never invalidates an earlier certificate (it only removes constraints).
/// <para>Each LP is solved in units of its level (δ / level, the sensitive cell moving by 1) with the costs divided by
/// the largest weight, so that neither the figures (up to 10¹² each) nor the level reach the solver: GLOP's final
/// check of its solution is absolute (a reduced cost within 10⁻⁶), and costs of (value + 1) / level ≈ 10⁹ left
/// rounding errors above it, so from figures of about 10⁸ every LP came back IMPRECISE, no secondary was found and the
/// audit refused the table. The certificate is scaled back and verified in the figures' own units.</para>
/// </summary>
internal static class Suppressor
{
    public static Dictionary<(int Requirement, int Side), double[]> Run(Problem problem, bool[] suppressed, double[] weights)
    {
        var layout = problem.Layout;
        var certificates = new Dictionary<(int, int), double[]>();
        using var solver = Glop.Create();
        var d = new Variable[layout.InteriorCount];
        for (var i = 0; i < d.Length; i++) d[i] = solver.MakeNumVar(0, double.PositiveInfinity, "");
        var up = new Variable[problem.CellCount];
        var down = new Variable[problem.CellCount];
        for (var c = 0; c < problem.CellCount; c++)
        {
            up[c] = solver.MakeNumVar(0, double.PositiveInfinity, "");
            down[c] = solver.MakeNumVar(0, double.PositiveInfinity, "");
            var row = solver.MakeConstraint(0, 0, "");
            foreach (var i in problem.Members(c)) row.SetCoefficient(d[i], 1);
            row.SetCoefficient(up[c], -1);
            row.SetCoefficient(down[c], 1);
        }
        foreach (var sum in problem.Fixed)
        {
            var row = solver.MakeConstraint(0, 0, "");
            foreach (var i in sum.Members) row.SetCoefficient(d[i], 1);
        }
        var objective = solver.Objective();
        objective.SetMinimization();
        var unit = weights.Max();

        var order = Enumerable.Range(0, problem.Requirements.Count).OrderByDescending(r => problem.Requirements[r].Up);
        foreach (var r in order)
        {
            var requirement = problem.Requirements[r];
            foreach (var side in (int[])[1, -1])
            {
                var level = requirement.Level(side);
                if (level <= 0) continue;
                // In units of the level: the sensitive cell moves by 1; an interior cell falls at most to what the
                // combined insider knows (the difference of two integers, exact before it is divided).
                for (var i = 0; i < d.Length; i++)
                    d[i].SetLb(Glop.InLevels(problem.Lower(requirement.Target, i) - problem.Values[i], level));
                // (value + 1) / level per unit of change is (value + 1) per unit of these; divided by the largest
                // weight, the objective is the same up to a constant factor.
                for (var c = 0; c < layout.Count; c++)
                {
                    var cost = suppressed[c] ? 0 : weights[c] / unit;
                    objective.SetCoefficient(up[c], cost);
                    objective.SetCoefficient(down[c], cost);
                }
                var (moved, held) = side > 0 ? (up, down) : (down, up);
                moved[requirement.Cell].SetLb(1);
                held[requirement.Cell].SetUb(0);
                if (Glop.SolvesOptimally(solver)) // otherwise no certificate: the audit decides
                {
                    var certificate = new double[d.Length];
                    for (var i = 0; i < d.Length; i++) certificate[i] = d[i].SolutionValue() * level;
                    for (var c = 0; c < layout.Count; c++)
                        if (!suppressed[c] && Math.Abs(up[c].SolutionValue() - down[c].SolutionValue()) > 1e-7) suppressed[c] = true;
                    certificates[(r, side)] = certificate;
                }
                moved[requirement.Cell].SetLb(0);
                held[requirement.Cell].SetUb(double.PositiveInfinity);
            }
        }
        return certificates;
    }
}
