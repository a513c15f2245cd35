namespace StandardsRegistry.Disclosure;

/// <summary>
/// Statistical disclosure control of one aggregate table of capability targets: primary suppression
/// (<see cref="Sensitivity"/>), the change rule against earlier releases, secondary suppression
/// (<see cref="Suppressor"/>) and the audit before release (<see cref="ReleaseAudit"/>). See docs/disclosure.md.
/// </summary>
public sealed class DisclosureEngine
{
    /// <summary>The cost factor of a cell suppressed in the previous release of another cycle: cheaper, so the
    /// pattern stays where it was when the figures allow.</summary>
    internal const double StableWeight = 0.25;

    /// <summary>What the audience is told when a table fails the audit: nothing about any cell or value.</summary>
    public const string AuditRefusal =
        "The table's suppression pattern does not protect every sensitive figure against what this audience already holds; it was not released.";

    /// <summary>A release of the same cycle was computed from other figures, so the two cannot be audited together.</summary>
    public const string ChangedSinceReleaseRefusal =
        "The targets of this cycle changed since a table of it was released to this audience; release the revised targets as a new cycle.";

    private readonly DisclosureRules rules;

    public DisclosureEngine(DisclosureRules rules)
    {
        rules.Validate();
        this.rules = rules;
    }

    /// <summary>A planted mistake, for the tests that show the attacker's program catches it.</summary>
    internal Mutant Mutant { get; init; }

    /// <summary>
    /// Protects the table of <paramref name="design"/> over <paramref name="contributions"/> (the targets of its cycle)
    /// given every table released earlier to the same audience.
    /// </summary>
    public ProtectedTable Protect(TableDesign design, IReadOnlyList<Contribution> contributions, IReadOnlyList<PriorRelease> priors)
    {
        var layout = new Layout(design);
        var holdings = layout.Holdings(Rows(contributions));
        var perCell = layout.CellContributions(holdings);
        var values = perCell.Select(cell => (double)cell.Values.Sum()).ToArray();
        var weights = values.Select(value => value + 1).ToArray();
        var levels = new Dictionary<(int Cell, string Target), Levels>();
        for (var c = 0; c < layout.Count; c++)
            foreach (var (target, level) in Sensitivity.Targets(perCell[c], rules, Mutant)) Raise(levels, c, target, level, level, new Source(perCell[c], double.PositiveInfinity));

        var fixedSums = new List<FixedSum>();
        var hidden = new Hidden(layout, holdings);
        var hiddenValues = new SortedSet<int>();
        string? refusal = null;
        if (Mutant != Mutant.CurrentCycleOnly)
        {
            // Releases of this cycle first: their published cells are fixed, and their cells this design lacks become
            // hidden cells before any change is judged, so that the change rule judges theirs too (below).
            foreach (var prior in priors.Where(prior => prior.Table.Design.Cycle == design.Cycle))
                refusal ??= FixSums(layout, values, prior, fixedSums, hidden, hiddenValues);
            // So do the cells of earlier cycles' designs that this design lacks: each is judged against every release
            // whose design holds its pairs, not only its own.
            foreach (var prior in priors.Where(prior => prior.Table.Design.Cycle != design.Cycle))
            {
                var priorLayout = new Layout(prior.Table.Design);
                for (var p = 0; p < priorLayout.Count; p++) hidden.Of(priorLayout, p);
            }
            foreach (var prior in refusal is null ? priors : [])
                // Another cycle; or this cycle with a target revised since that release and every published cell still
                // holding (revisions that cancel in them): its cells were sums of the figures before, so the revision is
                // a change like one between cycles, judged by the same rule. Its published cells stay fixed above, so a
                // sensitive change in one of them leaves no certificate and the audit refuses.
                if (prior.Table.Design.Cycle != design.Cycle || Revised(design, contributions, prior))
                    ChangeRule(layout, perCell, prior, levels, weights, hidden);
        }
        // A cell of an earlier release of this cycle that this design lacks is still the attacker's target.
        foreach (var h in hiddenValues)
            foreach (var (target, level) in Sensitivity.Targets(hidden.Contributions(h), rules, Mutant))
                Raise(levels, h, target, level, level, new Source(hidden.Contributions(h), double.PositiveInfinity));

        var problem = new Problem(holdings)
        {
            Layout = layout,
            Values = values,
            Requirements = [.. levels.Select(pair => new Requirement(pair.Key.Cell, pair.Key.Target, pair.Value.Up, pair.Value.Down, pair.Value.Sources))],
            Fixed = fixedSums,
            Hidden = hidden.Sums,
            Rules = rules,
            Mutant = Mutant,
        };
        var primary = new bool[layout.Count];
        foreach (var requirement in problem.Requirements)
            if (requirement.Cell < layout.Count) primary[requirement.Cell] = true;
        var suppressed = (bool[])primary.Clone();
        var certificates = Mutant == Mutant.NoSecondary || refusal is not null
            ? []
            : Suppressor.Run(problem, suppressed, weights);
        if (refusal is null && !ReleaseAudit.Passes(problem, suppressed, certificates)) refusal = AuditRefusal;

        var cells = new TableCell[layout.Count];
        double total = 0, lost = 0;
        for (var c = 0; c < layout.Count; c++)
        {
            var status = !suppressed[c] ? CellStatus.Published : primary[c] ? CellStatus.Primary : CellStatus.Secondary;
            cells[c] = new TableCell(layout.Keys[c], (long)values[c], status);
            total += values[c];
            if (suppressed[c]) lost += values[c];
        }
        var loss = new InformationLoss(layout.Count, suppressed.Count(s => s), total, lost);
        return new ProtectedTable(design, cells, loss, refusal is null, refusal);
    }

    private IEnumerable<Contribution> Rows(IEnumerable<Contribution> contributions) => Mutant == Mutant.HoldingsIgnored
        ? contributions.Select((row, index) => row with { Nation = $"{row.Nation}#{index}" })
        : contributions;

    private sealed record Levels(double Up, double Down, List<Source> Sources);

    private static void Raise(Dictionary<(int, string), Levels> levels, int cell, string target, double up, double down, Source source)
    {
        levels[(cell, target)] = levels.TryGetValue((cell, target), out var held)
            ? new Levels(Math.Max(held.Up, up), Math.Max(held.Down, down), [.. held.Sources, source])
            : new Levels(up, down, [source]);
    }

    /// <summary>A release of the same cycle: its published cells are sums the attacker holds. Its cells must lie in
    /// this design and agree with these figures. Its cells that are no cell of this design (another grouping, a
    /// capability added to a group) go to <paramref name="hiddenValues"/>: they were protected when released and must
    /// stay so, though this table does not show them.</summary>
    private static string? FixSums(Layout layout, double[] values, PriorRelease prior, List<FixedSum> fixedSums, Hidden hidden, SortedSet<int> hiddenValues)
    {
        var priorLayout = new Layout(prior.Table.Design);
        foreach (var cell in prior.Table.Cells)
        {
            if (!priorLayout.TryCell(cell.Key, out var p)) throw new ArgumentException("An earlier release names a cell its design lacks.");
            if (hidden.Of(priorLayout, p) is { } h) hiddenValues.Add(h);
            if (cell.Value is not { } value) continue;
            if (Interior(layout, priorLayout, p) is not { } members || members.Sum(i => values[i]) != value) return ChangedSinceReleaseRefusal;
            fixedSums.Add(new FixedSum(members, value));
        }
        return null;
    }

    /// <summary>Whether a target of a (capability, horizon) both designs hold has another figure in
    /// <paramref name="prior"/> than in <paramref name="contributions"/> (figures outside either design are no revision).</summary>
    private static bool Revised(TableDesign design, IReadOnlyList<Contribution> contributions, PriorRelease prior)
    {
        static bool Holds(TableDesign d, Contribution t) => d.Horizons.Contains(t.Horizon) && d.Capabilities.Any(c => c.Code == t.Capability);
        Dictionary<(string, string, int), long> Sums(IEnumerable<Contribution> rows) => rows
            .Where(t => Holds(design, t) && Holds(prior.Table.Design, t))
            .GroupBy(t => (t.Nation, t.Capability, t.Horizon)).ToDictionary(g => g.Key, g => g.Sum(t => t.Quantity));
        var (before, now) = (Sums(prior.Contributions), Sums(contributions));
        return before.Keys.Union(now.Keys).Any(key => before.GetValueOrDefault(key) != now.GetValueOrDefault(key));
    }

    /// <summary>The interior cells of <paramref name="layout"/> that cell <paramref name="p"/> of another design
    /// (<paramref name="priorLayout"/>, mostly an earlier one) sums; null if one of them is outside <paramref name="layout"/>.</summary>
    private static int[]? Interior(Layout layout, Layout priorLayout, int p)
    {
        var members = new int[priorLayout.Members[p].Length];
        for (var m = 0; m < members.Length; m++)
        {
            var key = priorLayout.Keys[priorLayout.Members[p][m]];
            if (!layout.TryInterior(key.Row, int.Parse(key.Column, System.Globalization.CultureInfo.InvariantCulture), out members[m])) return null;
        }
        return members;
    }

    /// <summary>
    /// Cells of earlier designs that are no cell of this one (another grouping, a capability added to a group), over
    /// this design's interior cells, each once: requirement cell <see cref="Layout.Count"/> + h is <see cref="Sums"/>[h].
    /// They are never published; the attacker can still aim at them (their value over an earlier release of this cycle,
    /// their change since one of another cycle). A cell reaching outside this design is not among them.
    /// </summary>
    private sealed class Hidden(Layout layout, Dictionary<string, long>[] holdings)
    {
        private readonly HashSet<string> cells = [.. Enumerable.Range(0, layout.Count).Select(layout.Signature)];
        private readonly Dictionary<string, int> index = new(StringComparer.Ordinal);
        private readonly List<Dictionary<string, long>> contributions = [];
        public List<int[]> Sums { get; } = [];

        /// <summary>The requirement cell of an earlier design's cell <paramref name="p"/>; null where this design has it,
        /// or it reaches outside this design.</summary>
        public int? Of(Layout priorLayout, int p)
        {
            var signature = priorLayout.Signature(p);
            if (cells.Contains(signature)) return null;
            if (index.TryGetValue(signature, out var h)) return layout.Count + h;
            if (Interior(layout, priorLayout, p) is not { } members) return null;
            var sum = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var i in members)
                foreach (var (nation, quantity) in holdings[i]) sum[nation] = checked(sum.GetValueOrDefault(nation) + quantity);
            index[signature] = Sums.Count;
            Sums.Add(members);
            contributions.Add(sum);
            return layout.Count + Sums.Count - 1;
        }

        /// <summary>Each nation's figure in requirement cell <paramref name="cell"/> (this cycle).</summary>
        public Dictionary<string, long> Contributions(int cell) => contributions[cell - layout.Count];
    }

    /// <summary>
    /// A release of another cycle: for each cell summing the same (capability, horizon) pairs in both, the change is a
    /// cell of its own whose contributions are the nations' changes (as magnitudes), sensitive by the same rules; if it
    /// is, this cycle's cell must move by the change's level (the attacker's interval for the change is at least as wide
    /// as this cycle's interval shifted by the earlier value, whether or not that value was published) — downwards at
    /// most by the target's current figure (its change cannot be below minus its earlier figure). A cell the
    /// earlier release suppressed is cheaper to suppress again. A cell of an earlier design that this design lacks (a
    /// capability added to its group, another grouping) — of this release's design, or of any other release's, of this
    /// cycle or another — is judged the same way, as a hidden cell over this design's interior cells, wherever its pairs
    /// all lie in this release's design; so is a cell of this design the earlier one lacks but whose pairs all lie
    /// within it (another grouping: its earlier value is a sum of the earlier interior cells, which the earlier table
    /// may publish).
    /// </summary>
    private void ChangeRule(Layout layout, Dictionary<string, long>[] perCell, PriorRelease prior, Dictionary<(int, string), Levels> levels, double[] weights, Hidden hidden)
    {
        var priorLayout = new Layout(prior.Table.Design);
        var priorHoldings = priorLayout.Holdings(Rows(prior.Contributions));
        var priorCells = priorLayout.CellContributions(priorHoldings);
        var suppressedBefore = prior.Table.Cells.Where(cell => cell.Value is null).Select(cell => cell.Key).ToHashSet();
        var bySignature = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var p = 0; p < priorLayout.Count; p++) bySignature[priorLayout.Signature(p)] = p;
        var judged = new List<(int Cell, Dictionary<string, long> Before, Dictionary<string, long> Now)>();
        for (var c = 0; c < layout.Count; c++)
        {
            if (bySignature.TryGetValue(layout.Signature(c), out var p))
            {
                if (suppressedBefore.Contains(priorLayout.Keys[p])) weights[c] *= StableWeight;
                judged.Add((c, priorCells[p], perCell[c]));
            }
            // A cell of this design the earlier one lacks (another grouping): its earlier value is still a sum of the
            // earlier design's interior cells, which that table's published cells may give, and then so is its change.
            else if (Interior(priorLayout, layout, c) is { } members)
            {
                var before = new Dictionary<string, long>(StringComparer.Ordinal);
                foreach (var i in members)
                    foreach (var (nation, quantity) in priorHoldings[i]) before[nation] = checked(before.GetValueOrDefault(nation) + quantity);
                judged.Add((c, before, perCell[c]));
            }
        }
        // The cells of earlier designs this design lacks (this release's, another release's of either cycle), wherever
        // their pairs all lie in this release's design: their change is still worked out from the cells of the tables.
        var own = Mutant == Mutant.OwnCellsOnly ? Enumerable.Range(0, priorLayout.Count).Select(p => hidden.Of(priorLayout, p)).OfType<int>().ToHashSet() : null;
        for (var h = 0; h < hidden.Sums.Count && Mutant != Mutant.EarlierCellsUnjudged; h++)
        {
            if (own?.Contains(layout.Count + h) == false) continue;
            var before = new Dictionary<string, long>(StringComparer.Ordinal);
            var within = true;
            foreach (var i in hidden.Sums[h])
            {
                var key = layout.Keys[i];
                if (!(within = priorLayout.TryInterior(key.Row, int.Parse(key.Column, System.Globalization.CultureInfo.InvariantCulture), out var j))) break;
                foreach (var (nation, quantity) in priorHoldings[j]) before[nation] = checked(before.GetValueOrDefault(nation) + quantity);
            }
            if (within) judged.Add((layout.Count + h, before, hidden.Contributions(layout.Count + h)));
        }
        foreach (var (c, before, now) in judged)
        {
            var change = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var nation in now.Keys.Union(before.Keys))
                change[nation] = Math.Abs(now.GetValueOrDefault(nation) - before.GetValueOrDefault(nation));
            foreach (var (target, level) in Sensitivity.Targets(change, rules, Mutant))
            {
                var floor = now.GetValueOrDefault(target);
                Raise(levels, c, target, level, Math.Min(level, floor), new Source(change, floor));
            }
        }
    }
}
