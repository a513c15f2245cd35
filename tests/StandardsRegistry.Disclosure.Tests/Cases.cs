namespace StandardsRegistry.Disclosure.Tests;

/// <summary>
/// One generated case: rules, a first release and the figures of a second (another cycle with some targets changed,
/// or — one case in six — the same cycle published again under another grouping of the catalogue).
/// </summary>
internal sealed record Case(int Seed, DisclosureRules Rules, TableDesign First, List<Contribution> FirstTargets, TableDesign Second, List<Contribution> SecondTargets, string Shape)
{
    public bool SameCycle => First.Cycle == Second.Cycle;

    /// <summary>The cell profiles the generator draws from, by name (the shape lists the ones a case used).</summary>
    private static readonly string[] Profiles = ["empty", "single", "dominant", "two-big", "many-small", "zeros"];

    public static Case Generate(int seed)
    {
        var random = new Random(seed);
        var rules = new DisclosureRules(random.Next(2, 5), new[] { 10.0, 15.0, 25.0 }[random.Next(3)]);
        var nations = Enumerable.Range(0, random.Next(2, 8)).Select(n => $"N{n}").ToArray();
        var groupCount = random.Next(1, 4);
        var capabilities = Enumerable.Range(0, random.Next(2, 6))
            .Select(c => new Capability($"cap-{c}", "units", $"g{random.Next(groupCount)}")).ToList();
        int[] horizons = random.Next(2) == 0 ? [2027, 2028] : [2027, 2028, 2029];
        var first = new TableDesign("2025", capabilities, horizons);
        var used = new SortedSet<string>(StringComparer.Ordinal);
        var firstTargets = new List<Contribution>();
        foreach (var capability in capabilities)
            foreach (var horizon in horizons)
            {
                var profile = Profiles[random.Next(Profiles.Length)];
                used.Add(profile);
                foreach (var (nation, quantity) in Cell(random, profile, nations))
                    firstTargets.AddRange(Holdings(random, nation, capability.Code, horizon, quantity));
            }

        if (random.Next(6) == 0)
        {
            // The same figures again, the catalogue regrouped: two linked tables over one cycle.
            var regrouped = capabilities.Select(c => c with { Group = $"h{random.Next(2)}" }).ToList();
            return new Case(seed, rules, first, firstTargets, first with { Capabilities = regrouped }, firstTargets, $"same cycle regrouped; {string.Join(", ", used)}");
        }
        var second = first with { Cycle = "2026" };
        var secondTargets = new List<Contribution>();
        var changed = 0;
        foreach (var group in firstTargets.GroupBy(t => (t.Nation, t.Capability, t.Horizon)))
        {
            var quantity = group.Sum(t => t.Quantity);
            if (random.Next(5) == 0)
            {
                quantity = Math.Max(0, quantity + random.Next(-40, 41));
                changed++;
            }
            secondTargets.AddRange(Holdings(random, group.Key.Nation, group.Key.Capability, group.Key.Horizon, quantity));
        }
        return new Case(seed, rules, first, firstTargets, second, secondTargets, $"next cycle, {changed} targets changed; {string.Join(", ", used)}");
    }

    private static IEnumerable<(string Nation, long Quantity)> Cell(Random random, string profile, string[] nations)
    {
        var shuffled = nations.OrderBy(_ => random.Next()).ToArray();
        switch (profile)
        {
            case "single":
                yield return (shuffled[0], random.Next(1, 500));
                break;
            case "dominant":
                yield return (shuffled[0], random.Next(300, 1000));
                foreach (var nation in shuffled.Skip(1).Take(random.Next(0, nations.Length))) yield return (nation, random.Next(1, 20));
                break;
            case "two-big":
                var big = random.Next(100, 400);
                yield return (shuffled[0], big);
                if (shuffled.Length > 1) yield return (shuffled[1], big - random.Next(0, 30));
                foreach (var nation in shuffled.Skip(2).Take(random.Next(0, 3))) yield return (nation, random.Next(1, 8));
                break;
            case "many-small":
                foreach (var nation in shuffled) yield return (nation, random.Next(20, 60));
                break;
            case "zeros":
                foreach (var nation in shuffled.Take(random.Next(1, nations.Length + 1))) yield return (nation, random.Next(3) == 0 ? random.Next(1, 50) : 0);
                break;
        }
    }

    /// <summary>A nation's figure as one row, or split over two or three rows (holdings) one time in three.</summary>
    private static IEnumerable<Contribution> Holdings(Random random, string nation, string capability, int horizon, long quantity)
    {
        var parts = quantity > 2 && random.Next(3) == 0 ? random.Next(2, 4) : 1;
        var left = quantity;
        for (var part = 1; part < parts; part++)
        {
            var share = random.NextInt64(0, left + 1) / 2;
            yield return new Contribution(nation, capability, horizon, share);
            left -= share;
        }
        yield return new Contribution(nation, capability, horizon, left);
    }
}
