using System.Diagnostics;
using System.Globalization;
using StandardsRegistry.Disclosure;

// Figures: 32 nations of very different sizes; 200 capabilities in 20 groups of 10; horizons 2027–2029. Each nation
// sets a target for a capability with a probability of its own (10–80 %), quantities scaled by the nation's size and
// the capability's scale, one in five split over two rows (holdings). Cycle 2026 changes one target in ten by up to
// ±30 %, drops one in fifty and adds a few. Fixed seed, so every run protects the same tables.
var seed = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 16;
var random = new Random(seed);
var rules = new DisclosureRules(MinContributors: 3, PPercent: 10);
var nations = Enumerable.Range(0, 32).Select(n => $"N{n:00}").ToArray();
var size = nations.ToDictionary(n => n, _ => Math.Exp(random.NextDouble() * 4)); // a 1:55 spread of national sizes
var capabilities = Enumerable.Range(0, 200).Select(c => new Capability($"cap-{c:000}", "units", $"group-{c / 10:00}")).ToList();
int[] horizons = [2027, 2028, 2029];
var first = new TableDesign("2025", capabilities, horizons);
var second = first with { Cycle = "2026" };

var firstTargets = new List<Contribution>();
foreach (var capability in capabilities)
{
    var participation = 0.1 + random.NextDouble() * 0.7;
    var scale = Math.Pow(10, random.Next(0, 5));
    foreach (var nation in nations)
    {
        if (random.NextDouble() > participation) continue;
        foreach (var horizon in horizons)
        {
            var quantity = (long)Math.Round(scale * size[nation] * (0.5 + random.NextDouble()));
            if (random.Next(5) == 0 && quantity > 1)
            {
                firstTargets.Add(new Contribution(nation, capability.Code, horizon, quantity / 2));
                firstTargets.Add(new Contribution(nation, capability.Code, horizon, quantity - quantity / 2));
            }
            else firstTargets.Add(new Contribution(nation, capability.Code, horizon, quantity));
        }
    }
}
var secondTargets = new List<Contribution>();
foreach (var target in firstTargets)
{
    var roll = random.Next(50);
    if (roll == 0) continue; // dropped
    secondTargets.Add(roll <= 5 ? target with { Quantity = (long)(target.Quantity * (0.7 + random.NextDouble() * 0.6)) } : target);
}
for (var added = 0; added < 60; added++)
    secondTargets.Add(new Contribution(nations[random.Next(32)], capabilities[random.Next(200)].Code, horizons[random.Next(3)], random.Next(1, 1000)));

var engine = new DisclosureEngine(rules);
Console.WriteLine($"seed {seed}; {nations.Length} nations × {capabilities.Count} capabilities × {horizons.Length} horizons; " +
                  $"{firstTargets.Count} + {secondTargets.Count} target rows; n = {rules.MinContributors}, p = {rules.PPercent} %");
var total = Stopwatch.StartNew();
var watch = Stopwatch.StartNew();
var table1 = engine.Protect(first, firstTargets, []);
Report("cycle 2025", table1, watch.Elapsed);
watch.Restart();
var table2 = engine.Protect(second, secondTargets, [new PriorRelease(table1.Release(), firstTargets)]);
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
