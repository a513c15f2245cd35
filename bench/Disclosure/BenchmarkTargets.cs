using System.Globalization;

namespace StandardsRegistry.Disclosure.Bench;

/// <summary>
/// The benchmark's target set, shared with the test project's long run (which attacks these tables with the oracle).
/// 32 nations of very different sizes; 200 capabilities in 20 groups of 10; horizons 2027–2029. Each nation sets a
/// target for a capability with a probability of its own (10–80 %), quantities scaled by the nation's size and the
/// capability's scale, one in five split over two rows (holdings). Cycle 2026 changes one target in ten by up to
/// ±30 %, drops one in fifty and adds 60. Fixed seed, so every run protects the same tables.
/// </summary>
public sealed record BenchmarkTargets(DisclosureRules Rules, TableDesign First, List<Contribution> FirstTargets, TableDesign Second, List<Contribution> SecondTargets)
{
    public const int DefaultSeed = 16;

    public static BenchmarkTargets Generate(int seed = DefaultSeed)
    {
        var random = new Random(seed);
        var nations = Enumerable.Range(0, 32).Select(n => string.Create(CultureInfo.InvariantCulture, $"N{n:00}")).ToArray();
        var size = nations.ToDictionary(n => n, _ => Math.Exp(random.NextDouble() * 4)); // a 1:55 spread of national sizes
        var capabilities = Enumerable.Range(0, 200)
            .Select(c => new Capability(string.Create(CultureInfo.InvariantCulture, $"cap-{c:000}"), "units", string.Create(CultureInfo.InvariantCulture, $"group-{c / 10:00}")))
            .ToList();
        int[] horizons = [2027, 2028, 2029];
        var first = new TableDesign("2025", capabilities, horizons);

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
        return new BenchmarkTargets(new DisclosureRules(MinContributors: 3, PPercent: 10), first, firstTargets, first with { Cycle = "2026" }, secondTargets);
    }
}
