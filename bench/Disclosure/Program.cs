using System.Diagnostics;
using System.Globalization;
using StandardsRegistry.Disclosure;
using StandardsRegistry.Disclosure.Bench;

// Protects the benchmark's two cycles (BenchmarkTargets) and reports time, memory and information loss.
var seed = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : BenchmarkTargets.DefaultSeed;
var targets = BenchmarkTargets.Generate(seed);
var engine = new DisclosureEngine(targets.Rules);
Console.WriteLine($"seed {seed}; {targets.FirstTargets.Select(t => t.Nation).Distinct().Count()} nations × {targets.First.Capabilities.Count} capabilities × " +
                  $"{targets.First.Horizons.Count} horizons; {targets.FirstTargets.Count} + {targets.SecondTargets.Count} target rows; " +
                  $"n = {targets.Rules.MinContributors}, p = {targets.Rules.PPercent} %");
var total = Stopwatch.StartNew();
var watch = Stopwatch.StartNew();
var table1 = engine.Protect(targets.First, targets.FirstTargets, []);
Report("cycle 2025", table1, watch.Elapsed);
watch.Restart();
var table2 = engine.Protect(targets.Second, targets.SecondTargets, [new PriorRelease(table1.Release(), targets.FirstTargets)]);
Report("cycle 2026 beside 2025", table2, watch.Elapsed);
var kept = table1.Cells.Zip(table2.Cells).Count(pair => pair.First.Status != CellStatus.Published && pair.Second.Status != CellStatus.Published);
Console.WriteLine($"cells suppressed in both cycles: {kept}");
Console.WriteLine($"total {total.Elapsed.TotalSeconds:F1} s; peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024):F0} MiB");
return table1.Releasable && table2.Releasable ? 0 : 1;

static void Report(string name, ProtectedTable table, TimeSpan elapsed)
{
    var primary = table.Cells.Count(c => c.Status == CellStatus.Primary);
    var secondary = table.Cells.Count(c => c.Status == CellStatus.Secondary);
    Console.WriteLine($"{name}: {elapsed.TotalSeconds:F1} s (suppression + audit); {table.Loss.Cells} cells, {primary} primary, " +
                      $"{secondary} secondary; suppressed {table.Loss.CellShare:P1} of cells, {table.Loss.ValueShare:P1} of value; " +
                      (table.Releasable ? "released" : $"refused: {table.RefusalReason}"));
}
