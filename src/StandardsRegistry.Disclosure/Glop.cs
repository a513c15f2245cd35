using Google.OrTools.LinearSolver;

namespace StandardsRegistry.Disclosure;

/// <summary>The LP solver the engine uses: GLOP, re-solved warm across objectives and bounds.</summary>
internal static class Glop
{
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
