namespace StandardsRegistry.Disclosure.Tests;

/// <summary>
/// One generated case: rules, a first release and the figures of a second. The kind is drawn from the seed, a third each:
/// the existing kinds (another cycle over the same design with some targets changed, or — one in six of these — the same
/// cycle published again under another grouping of the catalogue); the next cycle under another design (capabilities
/// merged into or split out of groups, and/or the horizons rolled forward by a year); and the same cycle published again
/// after targets were revised (one nation's revision, one nation moving a quantity between two cells, or two nations'
/// revisions that cancel in one cell). <see cref="Revised"/> marks the last kind.
/// </summary>
internal sealed record Case(int Seed, DisclosureRules Rules, TableDesign First, List<Contribution> FirstTargets, TableDesign Second, List<Contribution> SecondTargets, string Shape, bool Revised = false)
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
                firstTargets.AddRange(Draw(random, capability.Code, horizon, nations, used));

        // The kind from its own stream, so a seed's first release is the same whatever kind it draws.
        switch (new Random(unchecked(seed * 7919 + 17)).Next(3))
        {
            case 1:
                return NextDesign(seed, random, rules, nations, first, firstTargets, used);
            case 2:
                return Revision(seed, random, rules, nations, first, firstTargets, used);
        }

        if (random.Next(6) == 0)
        {
            // The same figures again, the catalogue regrouped: two linked tables over one cycle.
            var regrouped = capabilities.Select(c => c with { Group = $"h{random.Next(2)}" }).ToList();
            return new Case(seed, rules, first, firstTargets, first with { Capabilities = regrouped }, firstTargets, $"same cycle regrouped; {string.Join(", ", used)}");
        }
        var second = first with { Cycle = "2026" };
        var secondTargets = Carry(random, firstTargets, second, out var changed);
        return new Case(seed, rules, first, firstTargets, second, secondTargets, $"next cycle, {changed} targets changed; {string.Join(", ", used)}");
    }

    /// <summary>
    /// The next cycle under another design: the capabilities regrouped (a group merged into another, or a capability split
    /// out of its group into one of its own), the horizons rolled forward (the first dropped, the year after the last
    /// added, its cells drawn afresh), or both; the targets both designs hold carried over, about a fifth changed.
    /// </summary>
    private static Case NextDesign(int seed, Random random, DisclosureRules rules, string[] nations, TableDesign first, List<Contribution> firstTargets, SortedSet<string> used)
    {
        var variant = random.Next(3);
        var (regroup, roll) = (variant != 1, variant != 0);
        var capabilities = first.Capabilities.ToList();
        var how = new List<string>();
        if (regroup)
        {
            var groups = capabilities.Select(c => c.Group).Distinct().ToList();
            var splittable = capabilities.Where(c => capabilities.Count(o => o.Group == c.Group) > 1).ToList();
            if (groups.Count > 1 && (splittable.Count == 0 || random.Next(2) == 0))
            {
                var from = groups[random.Next(groups.Count)];
                var into = groups.Where(g => g != from).ElementAt(random.Next(groups.Count - 1));
                capabilities = [.. capabilities.Select(c => c.Group == from ? c with { Group = into } : c)];
                how.Add($"group {from} merged into {into}");
            }
            else
            {
                var moved = splittable[random.Next(splittable.Count)];
                capabilities = [.. capabilities.Select(c => c.Code == moved.Code ? c with { Group = "split" } : c)];
                how.Add($"{moved.Code} split out of {moved.Group}");
            }
        }
        var horizons = first.Horizons.ToList();
        if (roll)
        {
            horizons = [.. horizons.Skip(1).Append(horizons[^1] + 1)];
            how.Add($"horizons rolled forward to {horizons[0]}–{horizons[^1]}");
        }
        var second = new TableDesign("2026", capabilities, horizons);
        var secondTargets = Carry(random, firstTargets, second, out var changed);
        foreach (var added in horizons.Except(first.Horizons))
            foreach (var capability in capabilities)
                secondTargets.AddRange(Draw(random, capability.Code, added, nations, used));
        return new Case(seed, rules, first, firstTargets, second, secondTargets, $"next cycle, {string.Join(", ", how)}, {changed} targets changed; {string.Join(", ", used)}");
    }

    /// <summary>
    /// The same cycle published again over the same design after revisions: one nation's target moved by ±d (variant 0);
    /// one nation moving d from one of its targets to another of the same capability or horizon (1: its row or column
    /// total holds); or two nations' revisions, +d and −d, in one capability × horizon (2 and 3: every cell holds).
    /// </summary>
    private static Case Revision(int seed, Random random, DisclosureRules rules, string[] nations, TableDesign first, List<Contribution> firstTargets, SortedSet<string> used)
    {
        var figures = firstTargets.GroupBy(t => (t.Nation, t.Capability, t.Horizon)).ToDictionary(g => g.Key, g => g.Sum(t => t.Quantity));
        var positive = figures.Where(f => f.Value > 0).Select(f => f.Key).OrderBy(k => k).ToList();
        var shape = $"same cycle revised; {string.Join(", ", used)}";
        if (positive.Count == 0) return new Case(seed, rules, first, firstTargets, first, firstTargets, "same cycle, nothing to revise (no positive target); " + string.Join(", ", used));
        var variant = random.Next(4);
        var lowered = positive[random.Next(positive.Count)];
        var d = random.NextInt64(1, figures[lowered] + 1);
        if (variant == 0)
        {
            var up = random.Next(2) == 0;
            figures[lowered] += up ? d : -d;
            shape = $"same cycle, {lowered.Nation} revises {lowered.Capability}/{lowered.Horizon} by {(up ? "+" : "-")}{d}; {string.Join(", ", used)}";
        }
        else if (variant == 1)
        {
            var sameCapability = random.Next(2) == 0;
            var others = sameCapability
                ? first.Horizons.Where(h => h != lowered.Horizon).Select(h => (lowered.Nation, lowered.Capability, h)).ToList()
                : first.Capabilities.Where(c => c.Code != lowered.Capability).Select(c => (lowered.Nation, c.Code, lowered.Horizon)).ToList();
            var raised = others[random.Next(others.Count)];
            figures[lowered] -= d;
            figures[raised] = figures.GetValueOrDefault(raised) + d;
            shape = $"same cycle, {lowered.Nation} moves {d} from {lowered.Capability}/{lowered.Horizon} to {raised.Item2}/{raised.Item3}; {string.Join(", ", used)}";
        }
        else
        {
            var other = nations.Where(n => n != lowered.Nation).ToList();
            var raised = (Nation: other[random.Next(other.Count)], lowered.Capability, lowered.Horizon);
            figures[lowered] -= d;
            figures[raised] = figures.GetValueOrDefault(raised) + d;
            shape = $"same cycle, {raised.Nation} +{d} and {lowered.Nation} -{d} in {lowered.Capability}/{lowered.Horizon}; {string.Join(", ", used)}";
        }
        var secondTargets = figures.OrderBy(f => f.Key).SelectMany(f => Holdings(random, f.Key.Nation, f.Key.Capability, f.Key.Horizon, f.Value)).ToList();
        return new Case(seed, rules, first, firstTargets, first, secondTargets, shape, Revised: true);
    }

    /// <summary>The targets of <paramref name="firstTargets"/> that <paramref name="design"/> holds, about a fifth changed.</summary>
    private static List<Contribution> Carry(Random random, List<Contribution> firstTargets, TableDesign design, out int changed)
    {
        var targets = new List<Contribution>();
        changed = 0;
        foreach (var group in firstTargets.GroupBy(t => (t.Nation, t.Capability, t.Horizon)))
        {
            if (!design.Horizons.Contains(group.Key.Horizon) || !design.Capabilities.Any(c => c.Code == group.Key.Capability)) continue;
            var quantity = group.Sum(t => t.Quantity);
            if (random.Next(5) == 0)
            {
                quantity = Math.Max(0, quantity + random.Next(-40, 41));
                changed++;
            }
            targets.AddRange(Holdings(random, group.Key.Nation, group.Key.Capability, group.Key.Horizon, quantity));
        }
        return targets;
    }

    /// <summary>One interior cell's targets, by a profile drawn at random (recorded in <paramref name="used"/>).</summary>
    private static List<Contribution> Draw(Random random, string capability, int horizon, string[] nations, SortedSet<string> used)
    {
        var profile = Profiles[random.Next(Profiles.Length)];
        used.Add(profile);
        var targets = new List<Contribution>();
        foreach (var (nation, quantity) in Cell(random, profile, nations))
            targets.AddRange(Holdings(random, nation, capability, horizon, quantity));
        return targets;
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
