namespace StandardsRegistry.Disclosure.Tests;

/// <summary>One release of a generated case: the design, the targets of its cycle as they stand then, and what it is.</summary>
internal sealed record Step(TableDesign Design, List<Contribution> Targets, string Shape);

/// <summary>
/// One generated case: rules and three releases, each after the one before. The first is cycle 2025. The second's kind
/// is drawn from the seed, a third each: the next cycle over the same design with some targets changed (or, one in six
/// of these, the same cycle published again under another grouping of the catalogue); the next cycle under another
/// design (capabilities merged into or split out of groups, and/or the horizons rolled forward by a year); or the same
/// cycle published again after targets were revised (one nation's revision, one nation moving a quantity between two
/// cells, or two nations' revisions that cancel in one cell). The third follows the second (its cycle and its targets as
/// they stand then, whether or not the second was released): after a next cycle regrouped, four times in five, its
/// figures grouped again as the first's were; otherwise a fifth each: the next cycle over the same design; the next cycle
/// under another design; the same cycle revised; the same cycle regrouped; or the same table again, to another audience.
/// A quarter of the cases are calm (most cells many small nations), three in four of those whose second release is under
/// another design. Each stream of draws is the seed's own, so a seed's first two releases are the same whatever follows
/// them.
/// </summary>
internal sealed record Case(int Seed, DisclosureRules Rules, IReadOnlyList<Step> Steps, string Profiles)
{
    public string Shape => $"{string.Join("; then ", Steps.Skip(1).Select(step => step.Shape))}; {Profiles}";

    /// <summary>The cell profiles the generator draws from, by name (the shape lists the ones a case used).</summary>
    private static readonly string[] ProfileNames = ["empty", "single", "dominant", "two-big", "many-small", "zeros"];

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
        // The second release's kind, from its own stream, a third each (below).
        var kind = new Random(unchecked(seed * 7919 + 17)).Next(3);
        // One case in four is a calm table: nine cells in ten drawn as many small nations (a table that publishes much,
        // so that differencing has the most to work with), from a stream of its own; three in four of those whose next
        // cycle comes under another design, whose reallocations are read off published cells.
        var calm = new Random(unchecked(seed * 48271 + 11)) is var stream && stream.Next(4) < (kind == 1 ? 3 : 1) ? stream : null;
        if (calm is not null) used.Add("calm");
        var firstTargets = new List<Contribution>();
        foreach (var capability in capabilities)
            foreach (var horizon in horizons)
                firstTargets.AddRange(Draw(random, capability.Code, horizon, nations, used, calm));
        var steps = new List<Step> { new(first, firstTargets, "2025") };

        var moves = new Random(unchecked(seed * 104729 + 3));
        steps.Add(kind switch
        {
            1 => NextDesign(random, moves, rules, nations, steps[^1], used, calm),
            2 => Revision(random, nations, steps[^1]),
            _ => random.Next(6) == 0 ? Regrouped(random, steps[^1]) : NextCycle(random, steps[^1]),
        });

        // The third from streams of its own, so the first two are as they would be without it.
        // After a next cycle regrouped, four times in five, its figures again grouped as the first cycle's were.
        var later = new Random(unchecked(seed * 6007 + 29));
        var laterMoves = new Random(unchecked(seed * 130363 + 7));
        var regrouped = steps[1].Design.Cycle != steps[0].Design.Cycle
            && steps[1].Design.Capabilities.Any(c => steps[0].Design.Capabilities.Any(o => o.Code == c.Code && o.Group != c.Group));
        steps.Add(regrouped && later.Next(5) < 4 ? GroupedAs(steps[^1], steps[0].Design) : later.Next(5) switch
        {
            0 => NextCycle(later, steps[^1]),
            1 => NextDesign(later, laterMoves, rules, nations, steps[^1], used, calm),
            2 => Revision(later, nations, steps[^1]),
            3 => Regrouped(later, steps[^1]),
            _ => steps[^1] with { Shape = $"{steps[^1].Design.Cycle} again to another audience" },
        });
        return new Case(seed, rules, steps, string.Join(", ", used));
    }

    /// <summary>
    /// This case at scale: every target of a nation multiplied by its factor, <paramref name="magnitude"/>, or a
    /// thousandth less for every other nation (so that no one factor runs through the table, while two nations' revisions
    /// that cancel in a cell still cancel in about half the cases), at most what keeps every target row
    /// within 10¹² (CapabilityTargets.MaxQuantity); one nation, drawn from the seed, keeps its figures, so its cells of one
    /// (single to hundreds) stand beside giants. Each nation's targets scale alike in every release, so that a figure the
    /// same in two releases stays so, and one nation's reallocation stays one.
    /// </summary>
    public Case Scaled(long magnitude)
    {
        if (magnitude == 1) return this;
        var largest = Steps.SelectMany(step => step.Targets).Max(t => Math.Max(1, t.Quantity));
        var top = Math.Min(magnitude, 1_000_000_000_000 / largest);
        var nations = Steps.SelectMany(step => step.Targets).Select(t => t.Nation).Distinct().Order(StringComparer.Ordinal).ToList();
        var kept = nations[Seed % nations.Count];
        var factors = nations.Select((nation, n) => (nation, factor: nation == kept ? 1 : n % 2 == 0 ? top : top - top / 997)).ToDictionary(p => p.nation, p => p.factor);
        return this with
        {
            Steps = [.. Steps.Select(step => step with { Targets = [.. step.Targets.Select(t => t with { Quantity = checked(t.Quantity * factors[t.Nation]) })] })],
            Profiles = $"{Profiles}; at scale {top:E2}, {kept} kept",
        };
    }

    private static string Next(TableDesign design) => (int.Parse(design.Cycle, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The next cycle over the same design, about a fifth of the targets changed.</summary>
    private static Step NextCycle(Random random, Step before)
    {
        var design = before.Design with { Cycle = Next(before.Design) };
        var targets = Carry(random, before.Targets, design, out var changed);
        return new Step(design, targets, $"{design.Cycle}, {changed} targets changed");
    }

    /// <summary>The same figures again, the catalogue regrouped: two linked tables over one cycle.</summary>
    private static Step Regrouped(Random random, Step before)
    {
        var regrouped = before.Design.Capabilities.Select(c => c with { Group = $"h{random.Next(2)}" }).ToList();
        return new Step(before.Design with { Capabilities = regrouped }, before.Targets, $"{before.Design.Cycle} regrouped");
    }

    /// <summary>The same figures again, grouped as <paramref name="earlier"/> was (a configuration changed for a cycle,
    /// then changed back, or kept for another audience).</summary>
    private static Step GroupedAs(Step before, TableDesign earlier)
    {
        var back = earlier.Capabilities.ToDictionary(c => c.Code, c => c.Group);
        return new Step(before.Design with { Capabilities = [.. before.Design.Capabilities.Select(c => c with { Group = back.GetValueOrDefault(c.Code, c.Group) })] },
            before.Targets, $"{before.Design.Cycle} again grouped as {earlier.Cycle} was");
    }

    /// <summary>
    /// The next cycle under another design: the capabilities regrouped (a group merged into another, three times in four
    /// where a capability could also be split out of its group into one of its own), the horizons rolled forward (the
    /// first dropped, the year after the last added, its cells drawn afresh), or both; the targets both designs hold
    /// carried over, about a fifth changed — or, three regrouped cases in four, none changed but a reallocation
    /// (<see cref="Reallocate"/>).
    /// </summary>
    private static Step NextDesign(Random random, Random moves, DisclosureRules rules, string[] nations, Step before, SortedSet<string> used, Random? calm)
    {
        var first = before.Design;
        var variant = random.Next(3);
        var (regroup, roll) = (variant != 1, variant != 0);
        var capabilities = first.Capabilities.ToList();
        var how = new List<string>();
        if (regroup)
        {
            var groups = capabilities.Select(c => c.Group).Distinct().ToList();
            var splittable = capabilities.Where(c => capabilities.Count(o => o.Group == c.Group) > 1).ToList();
            if (groups.Count > 1 && (splittable.Count == 0 || random.Next(4) < 3))
            {
                var from = groups[random.Next(groups.Count)];
                var into = groups.Where(g => g != from).ElementAt(random.Next(groups.Count - 1));
                capabilities = [.. capabilities.Select(c => c.Group == from ? c with { Group = into } : c)];
                how.Add($"group {from} merged into {into}");
            }
            else
            {
                var moved = splittable[random.Next(splittable.Count)];
                var split = groups.Contains("split") ? "split2" : "split";
                capabilities = [.. capabilities.Select(c => c.Code == moved.Code ? c with { Group = split } : c)];
                how.Add($"{moved.Code} split out of {moved.Group}");
            }
        }
        var horizons = first.Horizons.ToList();
        if (roll)
        {
            horizons = [.. horizons.Skip(1).Append(horizons[^1] + 1)];
            how.Add($"horizons rolled forward to {horizons[0]}–{horizons[^1]}");
        }
        var second = new TableDesign(Next(first), capabilities, horizons);
        // Three regrouped cases in four, the only changes are nations moving quantities between two capabilities of a group
        // the new design lacks (drawn from a stream of their own, so the rest of the case is as it would be without).
        var reallocate = regroup && moves.Next(4) < 3;
        var secondTargets = Carry(random, before.Targets, second, out var changed, keep: reallocate);
        foreach (var added in horizons.Except(first.Horizons))
            foreach (var capability in capabilities)
                secondTargets.AddRange(Draw(random, capability.Code, added, nations, used, calm));
        if (!reallocate) how.Add($"{changed} targets changed");
        if (reallocate && Reallocate(moves, rules, before, second, nations, secondTargets) is { } reallocated) how.Add(reallocated);
        return new Step(second, secondTargets, $"{second.Cycle}, {string.Join(", ", how)}");
    }

    /// <summary>
    /// Within a group of one design that the other has no cell for (merged, or a capability split out), two to four
    /// nations each move a quantity between two of its capabilities in one horizon both designs hold, two others change
    /// one of the two each, and two raise a target outside those cells (of other capabilities where there are any). Null
    /// where no such group, horizon or four nations exist.
    /// </summary>
    private static string? Reallocate(Random random, DisclosureRules rules, Step before, TableDesign second, string[] nations, List<Contribution> targets)
    {
        var first = before.Design;
        static string Members(IEnumerable<Capability> group) => string.Join(',', group.Select(c => c.Code).Order(StringComparer.Ordinal));
        IEnumerable<IGrouping<string, Capability>> Lacked(TableDesign design, TableDesign other)
        {
            var kept = other.Capabilities.GroupBy(c => c.Group).Select(Members).ToHashSet(StringComparer.Ordinal);
            return design.Capabilities.GroupBy(c => c.Group).Where(g => g.Count() > 1 && !kept.Contains(Members(g)));
        }
        // A group either design has and the other lacks: an earlier one (its change worked out from the capabilities'
        // cells), or a new one over earlier capabilities (merged; what a split leaves), whose earlier value the earlier
        // cells sum.
        var sides = new[] { (Other: second, Groups: Lacked(first, second).ToList()), (Other: first, Groups: Lacked(second, first).ToList()) }
            .Where(side => side.Groups.Count > 0).ToList();
        var horizons = first.Horizons.Intersect(second.Horizons).ToList();
        if (sides.Count == 0 || horizons.Count == 0 || nations.Length < 4) return null;
        // Where both have one, the new design's three times in four.
        var (otherDesign, lacked) = sides[random.Next(4) == 0 ? 0 : sides.Count - 1];
        // The group and horizon where most nations plan each capability (the cells a table is likeliest to publish).
        int Planners(IEnumerable<string> codes, int year) =>
            targets.Where(t => t.Horizon == year && codes.Contains(t.Capability) && t.Quantity > 0).Select(t => t.Nation).Distinct().Count();
        var (group, horizon) = lacked.SelectMany(g => horizons.Select(h => (Group: g.Select(c => c.Code).ToList(), Horizon: h)))
            .OrderBy(_ => random.Next()).MaxBy(choice => choice.Group.Sum(code => Planners([code], choice.Horizon)));
        // Its two capabilities in different groups of the other design where it has such (a merged group's: each earlier
        // group's change then involves the movers), and otherwise those with the most such nations.
        var other = otherDesign.Capabilities.ToDictionary(c => c.Code, c => c.Group);
        var (a, b) = group.OrderBy(_ => random.Next()).SelectMany(x => group.Where(y => y != x).Select(y => (x, y)))
            .MaxBy(p => (other[p.x] != other[p.y] ? 1 : 0, Planners([p.x], horizon) + Planners([p.y], horizon)));
        // The group's cells in that horizon as they were (other changes there undone), so the moves are their only change.
        targets.RemoveAll(t => t.Horizon == horizon && group.Contains(t.Capability));
        targets.AddRange(before.Targets.Where(t => t.Horizon == horizon && group.Contains(t.Capability)));
        long Figure(string nation, string capability) => targets.Where(t => t.Nation == nation && t.Capability == capability && t.Horizon == horizon).Sum(t => t.Quantity);
        // Movers among the nations with a figure to move, as many as the threshold rule could ask for; two left over,
        // each changing one of the two capabilities alone: over the group, theirs are the only changes.
        var shuffled = nations.OrderBy(_ => random.Next()).OrderBy(n => Figure(n, a) + Figure(n, b) > 0 ? 0 : 1).ToList();
        var done = new List<string>();
        foreach (var mover in shuffled.Take(Math.Min(random.Next(Math.Max(2, rules.MinContributors - 1), 5), nations.Length - 2)))
        {
            var (from, to) = Figure(mover, a) >= Figure(mover, b) ? (a, b) : (b, a);
            var d = Math.Min(Figure(mover, from) / 2, random.Next(20, 41));
            if (d == 0) continue;
            Adjust(targets, mover, from, horizon, -d);
            Adjust(targets, mover, to, horizon, d);
            done.Add($"{mover} moves {d} from {from} to {to}");
        }
        foreach (var (lone, capability) in new[] { (shuffled[^1], a), (shuffled[^2], b) })
        {
            var e = random.Next(20, 41);
            var down = random.Next(2) == 0 && Figure(lone, capability) >= e;
            Adjust(targets, lone, capability, horizon, down ? -e : e);
            done.Add($"{lone} {(down ? "-" : "+")}{e} in {capability}");
        }
        // And two other nations each raise a target outside those cells, so that no total's change is the two's alone: of a
        // capability outside the group where the design has one, else in another horizon (a raise is one nation's change,
        // sensitive, and the cells that protect it would otherwise often be the group's own, hiding what is to be read).
        var cells = second.Capabilities.SelectMany(c => second.Horizons.Select(h => (Capability: c.Code, Horizon: h))).ToList();
        var outside = cells.Where(cell => !group.Contains(cell.Capability)).ToList();
        if (outside.Count == 0) outside = [.. cells.Where(cell => cell.Horizon != horizon)];
        foreach (var nation in shuffled.Skip(Math.Max(0, shuffled.Count - 4)).Take(2))
        {
            var (capability, year) = outside[random.Next(outside.Count)];
            var e = random.Next(20, 41);
            Adjust(targets, nation, capability, year, e);
            done.Add($"{nation} +{e} in {capability}/{year}");
        }
        return $"in {horizon} {string.Join(", ", done)}";
    }

    /// <summary>Moves one nation's figure in a cell by <paramref name="delta"/>: a row added, or its rows lowered.</summary>
    private static void Adjust(List<Contribution> targets, string nation, string capability, int horizon, long delta)
    {
        if (delta >= 0)
        {
            targets.Add(new Contribution(nation, capability, horizon, delta));
            return;
        }
        for (var i = targets.Count - 1; i >= 0 && delta < 0; i--)
        {
            var row = targets[i];
            if (row.Nation != nation || row.Capability != capability || row.Horizon != horizon) continue;
            var taken = Math.Min(row.Quantity, -delta);
            targets[i] = row with { Quantity = row.Quantity - taken };
            delta += taken;
        }
        if (delta < 0) throw new InvalidOperationException("lowered below zero");
    }

    /// <summary>
    /// The same cycle published again over the same design after revisions: one nation's target moved by ±d (variant 0);
    /// one nation moving d from one of its targets to another of the same capability or horizon (1: its row or column
    /// total holds); or two nations' revisions, +d and −d, in one capability × horizon (2 and 3: every cell holds).
    /// </summary>
    private static Step Revision(Random random, string[] nations, Step before)
    {
        var (first, cycle) = (before.Design, before.Design.Cycle);
        var figures = before.Targets.GroupBy(t => (t.Nation, t.Capability, t.Horizon)).ToDictionary(g => g.Key, g => g.Sum(t => t.Quantity));
        var positive = figures.Where(f => f.Value > 0).Select(f => f.Key).OrderBy(k => k).ToList();
        var shape = $"{cycle} revised";
        if (positive.Count == 0) return before with { Shape = $"{cycle} again, nothing to revise (no positive target)" };
        var variant = random.Next(4);
        var lowered = positive[random.Next(positive.Count)];
        var d = random.NextInt64(1, figures[lowered] + 1);
        if (variant == 0)
        {
            var up = random.Next(2) == 0;
            figures[lowered] += up ? d : -d;
            shape = $"{cycle} revised, {lowered.Nation} revises {lowered.Capability}/{lowered.Horizon} by {(up ? "+" : "-")}{d}";
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
            shape = $"{cycle} revised, {lowered.Nation} moves {d} from {lowered.Capability}/{lowered.Horizon} to {raised.Item2}/{raised.Item3}";
        }
        else
        {
            var other = nations.Where(n => n != lowered.Nation).ToList();
            var raised = (Nation: other[random.Next(other.Count)], lowered.Capability, lowered.Horizon);
            figures[lowered] -= d;
            figures[raised] = figures.GetValueOrDefault(raised) + d;
            shape = $"{cycle} revised, {raised.Nation} +{d} and {lowered.Nation} -{d} in {lowered.Capability}/{lowered.Horizon}";
        }
        var secondTargets = figures.OrderBy(f => f.Key).SelectMany(f => Holdings(random, f.Key.Nation, f.Key.Capability, f.Key.Horizon, f.Value)).ToList();
        return new Step(first, secondTargets, shape);
    }

    /// <summary>The targets of <paramref name="firstTargets"/> that <paramref name="design"/> holds, about a fifth changed
    /// (none if <paramref name="keep"/>, the random draws being the same).</summary>
    private static List<Contribution> Carry(Random random, List<Contribution> firstTargets, TableDesign design, out int changed, bool keep = false)
    {
        var targets = new List<Contribution>();
        changed = 0;
        foreach (var group in firstTargets.GroupBy(t => (t.Nation, t.Capability, t.Horizon)))
        {
            if (!design.Horizons.Contains(group.Key.Horizon) || !design.Capabilities.Any(c => c.Code == group.Key.Capability)) continue;
            var quantity = group.Sum(t => t.Quantity);
            if (random.Next(5) == 0 && random.Next(-40, 41) is var change && !keep)
            {
                quantity = Math.Max(0, quantity + change);
                changed++;
            }
            targets.AddRange(Holdings(random, group.Key.Nation, group.Key.Capability, group.Key.Horizon, quantity));
        }
        return targets;
    }

    /// <summary>One interior cell's targets, by a profile drawn at random (recorded in <paramref name="used"/>).</summary>
    private static List<Contribution> Draw(Random random, string capability, int horizon, string[] nations, SortedSet<string> used, Random? calm)
    {
        var profile = ProfileNames[random.Next(ProfileNames.Length)];
        if (calm?.Next(10) < 9) profile = "many-small";
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
