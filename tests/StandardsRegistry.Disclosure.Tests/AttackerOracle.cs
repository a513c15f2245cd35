using Google.OrTools.LinearSolver;

namespace StandardsRegistry.Disclosure.Tests;

/// <summary>A table released to the audience, with the targets it came from.</summary>
internal sealed record Release(IReadOnlyList<Contribution> Contributions, PublishedTable Table)
{
    public TableDesign Design => Table.Design;
}

/// <summary>
/// The attacker's linear program, written apart from the engine (it shares only the public records): the unknowns are
/// every (figures, capability, horizon) of every release — releases of a cycle from the same figures share them, a
/// revision gives a cycle other figures and so other unknowns; every published cell of every release is an equality; an
/// insider nation knows its own figures in every cycle, so each unknown is at least the insider's figure. For the
/// attacked table's cells that the handbook's rules call sensitive — their value — and for the change of every cell of
/// every release between the attacked table's figures and every other figures holding its pairs (from the older to the
/// newer), for every nation as insider (and an outsider), the program is maximised and minimised, and the interval must
/// reach the protection level that insider needs (see docs/disclosure.md for the formulas).
/// </summary>
internal static class AttackerOracle
{
    private const string Outsider = "";

    /// <summary>What a breach looks like, for the test's message.</summary>
    public sealed record Breach(string Insider, CellKey Cell, string Kind, double Value, double Level, double Low, double High);

    /// <summary>A sensitive quantity: a cell's value or its change. Current holds each nation's figure in the cell now
    /// (the floor of a change: a nation's change is no lower than minus its earlier figure, reached by dropping to zero).</summary>
    private sealed record Item(CellKey Cell, string Kind, Dictionary<int, double> Objective, double Value, Dictionary<string, double> Contributions, Dictionary<string, double> Current);

    /// <summary>Attacks <paramref name="current"/> with everything released; <paramref name="intervals"/> counts the (insider,
    /// sensitive quantity) intervals worked out.</summary>
    public static List<Breach> Breaches(DisclosureRules rules, IReadOnlyList<Release> earlier, Release current, out int intervals) =>
        Breaches(rules, [.. earlier, current], earlier.Count, out intervals);

    /// <summary>Attacks release <paramref name="target"/> of <paramref name="released"/> (in the order released) with all of
    /// them.</summary>
    public static List<Breach> Breaches(DisclosureRules rules, IReadOnlyList<Release> released, int target, out int intervals)
    {
        var current = released[target];
        // Releases of one cycle computed from the same figures share their unknowns. One computed from other figures (a
        // target revised between them) holds other unknowns, as another cycle's does: its cells are sums of the figures
        // before (or after) the revision, and what links the two is the change.
        var versions = new List<List<int>>();
        var versionOf = new int[released.Count];
        for (var r = 0; r < released.Count; r++)
        {
            var found = versions.FindIndex(members => released[members[0]].Design.Cycle == released[r].Design.Cycle && members.All(m => !Revised(released[m], released[r])));
            if (found < 0)
            {
                found = versions.Count;
                versions.Add([]);
            }
            versions[found].Add(r);
            versionOf[r] = found;
        }
        var mine = versionOf[target];
        string Cycle(int version) => released[versions[version][0]].Design.Cycle;
        string Label(int version) =>
            version == mine || (Cycle(version) != Cycle(mine) && Enumerable.Range(0, versions.Count).First(v => Cycle(v) == Cycle(version)) == version)
                ? Cycle(version) : $"{Cycle(version)} (figures of release {versions[version][0] + 1})";
        // Which of two figures is the newer: the later cycle's, or within a cycle those released later.
        bool Newer(int a, int b) => Cycle(a) == Cycle(b) ? versions[a][0] > versions[b][0]
            : string.CompareOrdinal(Cycle(a).PadLeft(12, '0'), Cycle(b).PadLeft(12, '0')) > 0;

        var unknowns = new Dictionary<(int Version, string Capability, int Horizon), int>();
        for (var r = 0; r < released.Count; r++)
            foreach (var capability in released[r].Design.Capabilities)
                foreach (var horizon in released[r].Design.Horizons)
                    unknowns.TryAdd((versionOf[r], capability.Code, horizon), unknowns.Count);

        // Each nation's figure per unknown (holdings summed), each unknown's from the first release of its figures that
        // holds it (they agree where they overlap).
        var figures = new Dictionary<string, double[]>();
        var filled = new HashSet<int>();
        for (var r = 0; r < released.Count; r++)
        {
            foreach (var row in released[r].Contributions)
            {
                var i = unknowns[(versionOf[r], row.Capability, row.Horizon)];
                if (filled.Contains(i)) continue;
                if (!figures.TryGetValue(row.Nation, out var own)) figures[row.Nation] = own = new double[unknowns.Count];
                own[i] += row.Quantity;
            }
            filled.UnionWith(released[r].Design.Capabilities.SelectMany(c => released[r].Design.Horizons.Select(h => unknowns[(versionOf[r], c.Code, h)])));
        }

        var equalities = new List<(int[] Members, double Value)>();
        for (var r = 0; r < released.Count; r++)
            foreach (var cell in released[r].Table.Cells)
                if (cell.Value is { } value) equalities.Add((Members(released[r].Design, cell.Key).Select(m => unknowns[(versionOf[r], m.Capability, m.Horizon)]).ToArray(), value));

        Dictionary<int, double> Sum(IEnumerable<(string Capability, int Horizon)> pairs, int version, double sign) =>
            pairs.ToDictionary(m => unknowns[(version, m.Capability, m.Horizon)], _ => sign);
        var items = new List<Item>();
        foreach (var cell in current.Table.Cells)
        {
            var objective = Sum(Members(current.Design, cell.Key), mine, 1);
            var perNation = PerNation(objective, figures);
            items.Add(new Item(cell.Key, "value", objective, Evaluate(objective, figures), perNation, perNation));
        }
        // The change of every cell of every release (this table's first), between this table's figures and every other
        // figures whose unknowns hold its pairs, whether or not that release's design has a cell summing them (another
        // grouping): the published cells may still sum them, and the change is then known, though maybe never shown.
        // It runs from the older figures to the newer; a nation's change is no lower than minus its newer figure.
        var judged = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in released.Select((_, r) => r).OrderBy(r => r == target ? 0 : 1))
            foreach (var cell in released[r].Table.Cells)
            {
                var pairs = Members(released[r].Design, cell.Key);
                if (!judged.Add(Signature(pairs)) || !pairs.All(m => unknowns.ContainsKey((mine, m.Capability, m.Horizon)))) continue;
                foreach (var other in Enumerable.Range(0, versions.Count).Where(v => v != mine && pairs.All(m => unknowns.ContainsKey((v, m.Capability, m.Horizon)))))
                {
                    var (newer, older) = Newer(mine, other) ? (mine, other) : (other, mine);
                    var now = Sum(pairs, newer, 1);
                    var change = new Dictionary<int, double>(now);
                    foreach (var (i, coefficient) in Sum(pairs, older, -1)) change[i] = coefficient;
                    var kind = $"change {(newer == mine ? "since" : "until")} {Label(other)}{(r == target ? "" : " (a cell of another table only)")}";
                    items.Add(new Item(cell.Key, kind, change, Evaluate(change, figures),
                        PerNation(change, figures).ToDictionary(p => p.Key, p => Math.Abs(p.Value)), PerNation(now, figures)));
                }
            }

        var cap = 4 * figures.Values.Sum(f => f.Sum()) + 10;
        var breaches = new List<Breach>();
        intervals = 0;
        foreach (var insider in figures.Keys.Append(Outsider))
        {
            var needed = items.Select(item => Level(rules, item.Contributions, insider, null)).ToArray();
            var neededDown = items.Select(item => Level(rules, item.Contributions, insider, item.Current)).ToArray();
            if (needed.All(level => level <= 0)) continue;
            var own = insider == Outsider ? new double[unknowns.Count] : figures[insider];
            var (solver, y) = Model(own, cap, equalities);
            try
            {
                for (var n = 0; n < items.Count; n++)
                {
                    if (needed[n] <= 0) continue;
                    var item = items[n];
                    intervals++;
                    var (low, high) = Interval(solver, y, item.Objective);
                    if (double.IsNaN(low) || double.IsNaN(high))
                    {
                        // GLOP's warm start can stall on a long sequence of objectives; the same program from cold.
                        var (fresh, freshY) = Model(own, cap, equalities);
                        using (fresh) (low, high) = Interval(fresh, freshY, item.Objective);
                    }
                    var tolerance = 1e-5 * Math.Max(1, needed[n]);
                    if (!(high >= item.Value + needed[n] - tolerance && low <= item.Value - neededDown[n] + tolerance))
                        breaches.Add(new Breach(insider == Outsider ? "(outsider)" : insider, item.Cell, item.Kind, item.Value, needed[n], low, high));
                }
            }
            finally
            {
                solver.Dispose();
            }
        }
        return breaches;
    }

    private static (Solver Solver, Variable[] Unknowns) Model(double[] own, double cap, List<(int[] Members, double Value)> equalities)
    {
        var solver = Solver.CreateSolver("GLOP")!;
        var y = Enumerable.Range(0, own.Length).Select(i => solver.MakeNumVar(own[i], cap, "")).ToArray();
        foreach (var (members, value) in equalities)
        {
            var row = solver.MakeConstraint(value, value, "");
            foreach (var i in members) row.SetCoefficient(y[i], 1);
        }
        return (solver, y);
    }

    /// <summary>The objective's minimum and maximum (NaN where the solver gives no optimum).</summary>
    private static (double Low, double High) Interval(Solver solver, Variable[] y, Dictionary<int, double> objective)
    {
        var goal = solver.Objective();
        goal.Clear();
        foreach (var (i, coefficient) in objective) goal.SetCoefficient(y[i], coefficient);
        goal.SetMaximization();
        var high = solver.Solve() == Solver.ResultStatus.OPTIMAL ? goal.Value() : double.NaN;
        goal.SetMinimization();
        var low = solver.Solve() == Solver.ResultStatus.OPTIMAL ? goal.Value() : double.NaN;
        return (low, high);
    }

    /// <summary>
    /// The level insider m needs: the largest over targets k ≠ m of p/100·x_k − (X − x_k − x_m), or p/100·x_k where the
    /// cell has fewer than n contributors (those with a positive figure). Downwards (<paramref name="floor"/> given), each
    /// target's level is capped at its figure in the cell now.
    /// </summary>
    public static double Level(DisclosureRules rules, Dictionary<string, double> contributions, string insider, Dictionary<string, double>? floor)
    {
        var positive = contributions.Where(p => p.Value > 0).ToList();
        if (positive.Count == 0) return 0;
        var total = positive.Sum(p => p.Value);
        var mine = contributions.GetValueOrDefault(insider);
        var p = rules.PPercent / 100;
        var level = 0.0;
        foreach (var (nation, x) in positive)
        {
            if (nation == insider) continue;
            var needed = positive.Count < rules.MinContributors ? p * x : p * x - (total - x - mine);
            if (floor is not null) needed = Math.Min(needed, floor.GetValueOrDefault(nation));
            level = Math.Max(level, needed);
        }
        return level;
    }

    /// <summary>The (capability, horizon) figures a cell sums, by the design's definition of rows and columns.</summary>
    public static List<(string Capability, int Horizon)> Members(TableDesign design, CellKey key)
    {
        var capabilities = key.Row == "total" ? design.Capabilities
            : key.Row.StartsWith("group:", StringComparison.Ordinal) ? design.Capabilities.Where(c => "group:" + c.Group == key.Row).ToList()
            : design.Capabilities.Where(c => c.Code == key.Row).ToList();
        var horizons = key.Column == "total" ? design.Horizons : design.Horizons.Where(h => h.ToString(System.Globalization.CultureInfo.InvariantCulture) == key.Column).ToList();
        return [.. capabilities.SelectMany(c => horizons.Select(h => (c.Code, h)))];
    }

    /// <summary>Whether a target in both releases' designs has another figure in <paramref name="release"/> than in
    /// <paramref name="current"/> (figures for a capability only one design has are no revision).</summary>
    public static bool Revised(Release release, Release current)
    {
        static Dictionary<(string, string, int), long> Sums(Release r) => r.Contributions.GroupBy(t => (t.Nation, t.Capability, t.Horizon)).ToDictionary(g => g.Key, g => g.Sum(t => t.Quantity));
        bool Shared((string Nation, string Capability, int Horizon) key) =>
            new[] { release, current }.All(r => r.Design.Capabilities.Any(c => c.Code == key.Capability) && r.Design.Horizons.Contains(key.Horizon));
        var (before, now) = (Sums(release), Sums(current));
        return before.Keys.Union(now.Keys).Where(Shared).Any(key => before.GetValueOrDefault(key) != now.GetValueOrDefault(key));
    }

    private static string Signature(IEnumerable<(string Capability, int Horizon)> pairs) =>
        string.Join(';', pairs.Select(m => $"{m.Capability}@{m.Horizon}").Order(StringComparer.Ordinal));

    private static double Evaluate(Dictionary<int, double> objective, Dictionary<string, double[]> figures) =>
        figures.Values.Sum(own => objective.Sum(pair => pair.Value * own[pair.Key]));

    private static Dictionary<string, double> PerNation(Dictionary<int, double> objective, Dictionary<string, double[]> figures) =>
        figures.ToDictionary(pair => pair.Key, pair => objective.Sum(term => term.Value * pair.Value[term.Key]));
}
