using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace StandardsRegistry.Benchmarks;

// Not top-level statements: the referenced API project has its own global Program class.
public static class BenchmarkProgram
{
    /// <summary>
    /// BenchmarkDotNet's command line (e.g. <c>--filter '*'</c>, <c>--job dry</c>). Artifacts go to a temp directory
    /// unless <c>--artifacts</c> names one, so a run leaves nothing in the repository.
    /// </summary>
    public static int Main(string[] args)
    {
        var config = DefaultConfig.Instance.WithArtifactsPath(Path.Combine(Path.GetTempPath(), "standards-registry-benchmarks"));
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args, config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
