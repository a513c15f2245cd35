namespace StandardsRegistry.Disclosure;

/// <summary>A cell that needs protection: the cell, the nation whose figure is at stake, and the levels (the largest
/// any insider needs, see <see cref="Sensitivity"/>). Value rules and the change rule give requirements of one form:
/// the cell's total in this cycle must be able to rise by Up and fall by Down. Down is Up capped at the target's own
/// current figure in the cell: no attacker needs telling that a figure cannot fall below zero (the handbook caps the
/// lower protection at the cell value; for a change, the natural floor is the target dropping to zero). For a value
/// cell the cap never binds (the p% level never exceeds x_k).</summary>
internal sealed record Requirement(int Cell, string Target, double Up, double Down, IReadOnlyList<Source> Sources)
{
    public double Level(int side) => side > 0 ? Up : Down;

    /// <summary>The level one insider (null: an outsider) needs on one side: the largest over the sources.</summary>
    public double LevelFor(string? insider, int side, DisclosureRules rules, Mutant mutant) =>
        Sources.Max(source =>
        {
            var level = Sensitivity.LevelFor(source.Contributions, Target, insider, rules, mutant);
            return side > 0 ? level : Math.Min(level, source.Floor);
        });
}

/// <summary>Where a requirement comes from: the contributions (figures, or changes as magnitudes) of the sensitive
/// quantity, and how far the target's figure can fall (its current figure for a change; no cap for a value).</summary>
internal sealed record Source(IReadOnlyDictionary<string, long> Contributions, double Floor);

/// <summary>An equality an attacker already holds from a release of the same cycle: these interior cells sum to Value.</summary>
internal sealed record FixedSum(int[] Members, double Value);

/// <summary>
/// What suppression and the audit share: the layout, the true values, the requirements, the sums fixed by earlier
/// releases of this cycle, and the insiders' knowledge as lower bounds.
/// <para>The combined insider: against target k, the attacker knows, in every interior cell, the largest figure of
/// any nation other than k. Any single insider m ≠ k knows less (its own figure, which is no larger), so its feasible
/// region contains the combined one, and the level it needs is no larger than the one used here (the largest over
/// m ≠ k). Protecting against the combined insider therefore protects against each nation on its own — one check per
/// cell, target and side instead of one per cell, side and nation.</para>
/// </summary>
internal sealed class Problem
{
    public required Layout Layout { get; init; }
    /// <summary>Cell totals, interior cells first.</summary>
    public required double[] Values { get; init; }
    public required List<Requirement> Requirements { get; init; }
    public required List<FixedSum> Fixed { get; init; }
    /// <summary>Cells of earlier designs that this design lacks, as sums of its interior cells (their value over an
    /// earlier release of this cycle, or their change since one of another cycle, is a requirement): requirement cell
    /// <see cref="Layout"/>.Count + h is <c>Hidden[h]</c>. Never published, so never a cost.</summary>
    public IReadOnlyList<int[]> Hidden { get; init; } = [];
    /// <summary>The table's cells, then the hidden ones.</summary>
    public int CellCount => Layout.Count + Hidden.Count;
    public int[] Members(int cell) => cell < Layout.Count ? Layout.Members[cell] : Hidden[cell - Layout.Count];
    public double Value(int cell) => cell < Layout.Count ? Values[cell] : Hidden[cell - Layout.Count].Sum(i => Values[i]);
    public required DisclosureRules Rules { get; init; }
    public required Mutant Mutant { get; init; }
    /// <summary>Each interior cell's figures by nation (holdings summed), for the per-nation check.</summary>
    public Dictionary<string, long>[] Holdings { get; }
    /// <summary>Every nation with a figure in this cycle.</summary>
    public IReadOnlyList<string> Nations { get; }
    private readonly string?[] top1Nation;
    private readonly double[] top1;
    private readonly double[] top2;

    public Problem(Dictionary<string, long>[] holdings)
    {
        Holdings = holdings;
        Nations = [.. holdings.SelectMany(cell => cell.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        top1Nation = new string?[holdings.Length];
        top1 = new double[holdings.Length];
        top2 = new double[holdings.Length];
        for (var i = 0; i < holdings.Length; i++)
            foreach (var (nation, quantity) in holdings[i])
            {
                if (quantity > top1[i]) (top2[i], top1[i], top1Nation[i]) = (top1[i], quantity, nation);
                else if (quantity > top2[i]) top2[i] = quantity;
            }
    }

    /// <summary>What the combined insider against <paramref name="target"/> knows interior cell i is at least.</summary>
    public double Lower(string target, int i) => top1Nation[i] == target ? top2[i] : top1[i];

    /// <summary>A bound on any interior value that keeps the attacker's programs finite without cutting off any level
    /// to be checked: every cell could exceed its value by every level at once and still be below it.</summary>
    public double Cap => Values[^1] + Requirements.Sum(r => r.Up) + 1;
}
