using Google.OrTools.LinearSolver;

namespace StandardsRegistry.Disclosure;

/// <summary>The LP solver the engine uses: GLOP, re-solved warm across objectives and bounds.</summary>
internal static class Glop
{
    /// <summary>How far, in units of the level, an LP may move an interior value: its bounds are clipped to ±Box. Beside
    /// a small level (a nation's single digits) the true bounds reach 10¹¹ levels and more (figures up to 10¹² each), and
    /// against GLOP's absolute tolerances (10⁻⁸ on a row's activity) they left it ABNORMAL: from figures of about 10⁹ a
    /// table with a small sensitive cell got no certificate and its audit failed, so it was refused. No certificate needs
    /// such moves (the sensitive cell moves by one level; the cells that balance it by about as much), and the clipped box
    /// only narrows the program: every point is still verified against the true figures.</summary>
    public const double Box = 1e6;

    /// <summary>A move of <paramref name="difference"/> (a bound less the true value, exact) in units of
    /// <paramref name="level"/>, clipped to the box: how every program states a variable's bounds.</summary>
    public static double InLevels(double difference, double level) => Math.Clamp(difference / level, -Box, Box);

    public static Solver Create() => Solver.CreateSolver("GLOP") ?? throw new InvalidOperationException("The GLOP solver is unavailable.");

    /// <summary>Solves to optimality; a warm start that ends anywhere else is retried once from cold (Reset drops the
    /// basis, not the model).</summary>
    public static bool SolvesOptimally(Solver solver)
    {
        if (solver.Solve() == Solver.ResultStatus.OPTIMAL) return true;
        solver.Reset();
        return solver.Solve() == Solver.ResultStatus.OPTIMAL;
    }
}
