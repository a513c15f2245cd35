using System.Numerics;
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

    /// <summary>The first three breaches, as a failing test says them, and how many more there are.</summary>
    public static string Describe(IReadOnlyCollection<Breach> breaches) =>
        string.Join("; ", breaches.Take(3).Select(b =>
            $"insider {b.Insider} on {b.Cell.Row}/{b.Cell.Column} ({b.Kind}, value {b.Value}, level {b.Level:F2}, interval [{b.Low:F2}, {b.High:F2}])"))
        + (breaches.Count > 3 ? $" and {breaches.Count - 3} more" : "");

    /// <summary>A sensitive quantity: a cell's value or its change. Current holds each nation's figure in the cell now
    /// (the floor of a change: a nation's change is no lower than minus its earlier figure, reached by dropping to zero).</summary>
    private sealed record Item(CellKey Cell, string Kind, Dictionary<int, int> Objective, double Value, Dictionary<string, double> Contributions, Dictionary<string, double> Current);

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
        var figures = new Dictionary<string, long[]>();
        var filled = new HashSet<int>();
        for (var r = 0; r < released.Count; r++)
        {
            foreach (var row in released[r].Contributions)
            {
                var i = unknowns[(versionOf[r], row.Capability, row.Horizon)];
                if (filled.Contains(i)) continue;
                if (!figures.TryGetValue(row.Nation, out var own)) figures[row.Nation] = own = new long[unknowns.Count];
                own[i] = checked(own[i] + row.Quantity);
            }
            filled.UnionWith(released[r].Design.Capabilities.SelectMany(c => released[r].Design.Horizons.Select(h => unknowns[(versionOf[r], c.Code, h)])));
        }

        var equalities = new List<(int[] Members, long Value)>();
        for (var r = 0; r < released.Count; r++)
            foreach (var cell in released[r].Table.Cells)
                if (cell.Value is { } value) equalities.Add((Members(released[r].Design, cell.Key).Select(m => unknowns[(versionOf[r], m.Capability, m.Horizon)]).ToArray(), value));

        Dictionary<int, int> Sum(IEnumerable<(string Capability, int Horizon)> pairs, int version, int sign) =>
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
                    var change = new Dictionary<int, int>(now);
                    foreach (var (i, coefficient) in Sum(pairs, older, -1)) change[i] = coefficient;
                    var kind = $"change {(newer == mine ? "since" : "until")} {Label(other)}{(r == target ? "" : " (a cell of another table only)")}";
                    items.Add(new Item(cell.Key, kind, change, Evaluate(change, figures),
                        PerNation(change, figures).ToDictionary(p => p.Key, p => Math.Abs(p.Value)), PerNation(now, figures)));
                }
            }

        // The true value of every unknown, exact; every published cell must be the sum of its members' true values (a
        // published figure off the targets would be the engine's error, and the attacker's program below assumes none).
        var truth = new long[unknowns.Count];
        foreach (var own in figures.Values)
            for (var i = 0; i < truth.Length; i++) truth[i] = checked(truth[i] + own[i]);
        foreach (var (members, value) in equalities)
            if (members.Sum(i => truth[i]) != value) throw new InvalidOperationException($"A published cell holds {value}, not the sum of its targets, {members.Sum(i => truth[i])}.");
        var cap = checked(4 * truth.Sum() + 10);
        var breaches = new List<Breach>();
        intervals = 0;
        foreach (var insider in figures.Keys.Append(Outsider))
        {
            var needed = items.Select(item => Level(rules, item.Contributions, insider, null)).ToArray();
            var neededDown = items.Select(item => Level(rules, item.Contributions, insider, item.Current)).ToArray();
            if (needed.All(level => level <= 0)) continue;
            var attack = new Attack(insider == Outsider ? new long[unknowns.Count] : figures[insider], truth, cap, equalities);
            try
            {
                for (var n = 0; n < items.Count; n++)
                {
                    if (needed[n] <= 0) continue;
                    var item = items[n];
                    intervals++;
                    var (upReached, high) = attack.Reaches(item.Objective, 1, needed[n]);
                    var (downReached, low) = attack.Reaches(item.Objective, -1, neededDown[n]);
                    if (!upReached || !downReached)
                        breaches.Add(new Breach(insider == Outsider ? "(outsider)" : insider, item.Cell, item.Kind, item.Value, needed[n], item.Value + low, item.Value + high));
                }
            }
            finally
            {
                attack.Dispose();
            }
        }
        return breaches;
    }

    /// <summary>
    /// One insider's program, in the terms the engine's audit uses since 2026-12-07 but written apart: the unknowns are
    /// the move δ of each (figures, capability, horizon) from its true value, in units of the level being checked, so
    /// that the solver sees neither a figure (up to 10¹² each) nor the level beside it. Its answer is not trusted either
    /// way. The interval reaches the level only if the point GLOP returns, scaled back, verifies against the true figures
    /// (every bound compared with the exact difference of two integers, every published cell's move within the tolerance);
    /// it falls short only if GLOP's dual values, made rational, give a bound below the level computed exactly (weak
    /// duality holds for any multipliers, so a bound computed exactly is a proof whatever the solver's accuracy). Where
    /// neither holds, even from a cold start, the oracle cannot tell and throws: it never passes a table it could not check.
    /// </summary>
    private sealed class Attack : IDisposable
    {
        private readonly long[] own;
        private readonly long[] truth;
        private readonly long cap;
        private readonly List<(int[] Members, long Value)> equalities;
        private readonly Solver solver;
        private readonly Variable[] z;
        private readonly Constraint[] rows;
        /// <summary>Which equalities each unknown is in.</summary>
        private readonly List<int>[] rowsOf;

        public Attack(long[] own, long[] truth, long cap, List<(int[] Members, long Value)> equalities)
        {
            (this.own, this.truth, this.cap, this.equalities) = (own, truth, cap, equalities);
            solver = Solver.CreateSolver("GLOP")!;
            z = Enumerable.Range(0, own.Length).Select(_ => solver.MakeNumVar(0, 0, "")).ToArray();
            rowsOf = [.. Enumerable.Range(0, own.Length).Select(_ => new List<int>())];
            rows = new Constraint[equalities.Count];
            for (var e = 0; e < equalities.Count; e++)
            {
                // The published cell unchanged: its members' moves sum to zero.
                rows[e] = solver.MakeConstraint(0, 0, "");
                foreach (var i in equalities[e].Members)
                {
                    rows[e].SetCoefficient(z[i], 1);
                    rowsOf[i].Add(e);
                }
            }
        }

        public void Dispose() => solver.Dispose();

        private const double Clip = 1e6;

        /// <summary>Whether the objective can move by <paramref name="level"/> on <paramref name="side"/> (+1 up, −1 down),
        /// and the furthest move the solver found (for the message).</summary>
        public (bool Reached, double Move) Reaches(Dictionary<int, int> objective, int side, double level)
        {
            // The true table is a point of the program: a level of zero or less is reached there.
            if (level <= 0) return (true, 0);
            var tolerance = 1e-6 * Math.Max(1, level);
            // Within the box the program allows, and within a million levels of the true value: wider, GLOP's absolute
            // tolerances meet bounds of 10¹³ levels and it can find even the true table infeasible (it did at 10⁶). The
            // clipped box is only the solver's: the point is verified against the program's bounds, and the dual bound
            // is computed over them, so a clip that mattered leaves the oracle unable to decide, never wrong.
            for (var i = 0; i < z.Length; i++)
                z[i].SetBounds(Math.Max(-Clip, (double)(own[i] - truth[i]) / level), Math.Min(Clip, (double)(cap - truth[i]) / level));
            var goal = solver.Objective();
            goal.Clear();
            foreach (var (i, coefficient) in objective) goal.SetCoefficient(z[i], coefficient);
            if (side > 0) goal.SetMaximization(); else goal.SetMinimization();
            var move = double.NaN;
            for (var attempt = 0; attempt < 2; attempt++)
            {
                // GLOP's warm start can stall on a long sequence of programs; the second attempt is from cold.
                if (attempt > 0) solver.Reset();
                if (solver.Solve() != Solver.ResultStatus.OPTIMAL) continue;
                var delta = z.Select(v => v.SolutionValue() * level).ToArray();
                move = Sum(objective, delta);
                if (Verifies(objective, side, level, tolerance, delta)) return (true, move);
                if (BoundedBelow(objective, side, level - tolerance)) return (false, move);
            }
            throw new InvalidOperationException(
                $"The oracle cannot decide whether a move of {level} ({(side > 0 ? "up" : "down")}) is reachable: GLOP's point (a move of {move}) does not verify, and its dual values prove no bound below the level.");
        }

        private static double Sum(Dictionary<int, int> objective, double[] delta) => objective.Sum(term => term.Value * delta[term.Key]);

        /// <summary>Whether <paramref name="delta"/>, shrunk towards the true table until it moves the objective by about
        /// the level (a point between two points of the program is one), is a point of the program reaching the level.</summary>
        private bool Verifies(Dictionary<int, int> objective, int side, double level, double tolerance, double[] delta)
        {
            var reach = side * Sum(objective, delta);
            if (!(reach >= level - tolerance)) return false;
            var shrink = Math.Min(1, level / reach);
            for (var i = 0; i < delta.Length; i++) delta[i] *= shrink;
            for (var i = 0; i < delta.Length; i++)
                if (!(delta[i] >= own[i] - truth[i] - tolerance && delta[i] <= cap - truth[i] + tolerance)) return false;
            foreach (var (members, _) in equalities)
                if (!(Math.Abs(members.Sum(i => delta[i])) <= tolerance)) return false;
            return side * Sum(objective, delta) >= level - tolerance;
        }

        /// <summary>
        /// Whether side·objective is below <paramref name="bound"/> at every point of the program, proven by weak
        /// duality: for any multipliers π of the equalities, side·c·δ = (side·c − Aᵀπ)·δ ≤ Σᵢ max(rᵢ·lᵢ, rᵢ·uᵢ) with
        /// r = side·c − Aᵀπ, lᵢ and uᵢ each unknown's bounds. π is GLOP's dual values, each replaced by a nearby fraction
        /// (either sign convention); the sum is computed exactly over integers.
        /// </summary>
        private bool BoundedBelow(Dictionary<int, int> objective, int side, double bound)
        {
            var duals = rows.Select(row => Rational(row.DualValue())).ToArray();
            var common = duals.Aggregate(BigInteger.One, (d, pi) => d / BigInteger.GreatestCommonDivisor(d, pi.Q) * pi.Q);
            var (boundP, boundQ) = Exact(bound);
            foreach (var sign in (int[])[1, -1])
            {
                var total = BigInteger.Zero;
                for (var i = 0; i < z.Length; i++)
                {
                    var reduced = side * objective.GetValueOrDefault(i) * common;
                    foreach (var e in rowsOf[i]) reduced -= sign * duals[e].P * (common / duals[e].Q);
                    total += reduced * (reduced.Sign > 0 ? cap - truth[i] : own[i] - truth[i]);
                }
                // total / common < boundP / boundQ
                if (total * boundQ < boundP * common) return true;
            }
            return false;
        }

        /// <summary>A fraction near <paramref name="x"/>: its continued fraction's first convergent within 10⁻⁹, with a
        /// denominator up to 2²⁰; else x rounded to a multiple of 2⁻³⁰. Any value serves (see <see cref="BoundedBelow"/>).</summary>
        private static (BigInteger P, BigInteger Q) Rational(double x)
        {
            if (double.IsNaN(x) || double.IsInfinity(x) || Math.Abs(x) > 1e9) return (0, 1);
            var (p0, q0, p1, q1) = (1L, 0L, (long)Math.Floor(x), 1L);
            var rest = x - Math.Floor(x);
            for (var step = 0; Math.Abs((double)p1 / q1 - x) > 1e-9 * Math.Max(1, Math.Abs(x)); step++)
            {
                if (rest < 1e-12 || step == 40) break;
                var a = (long)Math.Floor(1 / rest);
                rest = 1 / rest - a;
                (p0, p1) = (p1, a * p1 + p0);
                (q0, q1) = (q1, a * q1 + q0);
                if (q1 is > 1 << 20 or <= 0) return ((BigInteger)Math.Round(x * (1L << 30)), BigInteger.One << 30);
            }
            return (p1, q1);
        }

        /// <summary>A double's exact value as a fraction.</summary>
        private static (BigInteger P, BigInteger Q) Exact(double x)
        {
            var bits = BitConverter.DoubleToInt64Bits(x);
            var exponent = (int)((bits >> 52) & 0x7FF);
            var mantissa = bits & 0xFFFFFFFFFFFFFL;
            if (exponent == 0) exponent = 1; else mantissa |= 1L << 52;
            exponent -= 1075;
            BigInteger p = mantissa, q = BigInteger.One;
            if (exponent > 0) p <<= exponent; else q <<= -exponent;
            return (bits < 0 ? -p : p, q);
        }
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

    private static double Evaluate(Dictionary<int, int> objective, Dictionary<string, long[]> figures) =>
        figures.Values.Sum(own => objective.Sum(pair => pair.Value * own[pair.Key]));

    private static Dictionary<string, double> PerNation(Dictionary<int, int> objective, Dictionary<string, long[]> figures) =>
        figures.ToDictionary(pair => pair.Key, pair => (double)objective.Sum(term => (long)term.Value * pair.Value[term.Key]));
}
