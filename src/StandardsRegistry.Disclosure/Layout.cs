namespace StandardsRegistry.Disclosure;

/// <summary>
/// The cells of a design as sums of interior (capability × horizon) cells. Interior cell i = capability index × H +
/// horizon index, and cells 0..I−1 are the interior cells themselves, followed by the margins.
/// </summary>
internal sealed class Layout
{
    public TableDesign Design { get; }
    public int InteriorCount { get; }
    public CellKey[] Keys { get; }
    /// <summary>The interior cells each cell sums.</summary>
    public int[][] Members { get; }
    private readonly Dictionary<(string Capability, int Horizon), int> interior = [];
    private readonly Dictionary<CellKey, int> cells = [];

    public Layout(TableDesign design)
    {
        Design = design;
        var caps = design.Capabilities;
        var horizons = design.Horizons;
        if (caps.Count == 0 || horizons.Count == 0) throw new ArgumentException("A table needs capabilities and horizons.");
        if (horizons.Distinct().Count() != horizons.Count) throw new ArgumentException("Horizons repeat.");
        var keys = new List<CellKey>();
        var members = new List<int[]>();
        for (var c = 0; c < caps.Count; c++)
        {
            var code = caps[c].Code;
            if (string.IsNullOrEmpty(code) || code == CellKey.Total || code.StartsWith(CellKey.GroupPrefix, StringComparison.Ordinal))
                throw new ArgumentException($"Capability code '{code}' is reserved or empty.");
            for (var h = 0; h < horizons.Count; h++)
            {
                if (!interior.TryAdd((code, horizons[h]), keys.Count)) throw new ArgumentException($"Capability '{code}' repeats.");
                keys.Add(new CellKey(code, CellKey.HorizonColumn(horizons[h])));
                members.Add([keys.Count - 1]);
            }
        }
        InteriorCount = keys.Count;
        var h0 = horizons.Count;
        for (var c = 0; c < caps.Count; c++)
        {
            keys.Add(new CellKey(caps[c].Code, CellKey.Total));
            members.Add([.. Enumerable.Range(c * h0, h0)]);
        }
        var groups = caps.Select(cap => cap.Group).Distinct(StringComparer.Ordinal).ToArray();
        foreach (var group in groups)
        {
            var inGroup = Enumerable.Range(0, caps.Count).Where(c => caps[c].Group == group).ToArray();
            for (var h = 0; h < h0; h++)
            {
                keys.Add(new CellKey(CellKey.GroupRow(group), CellKey.HorizonColumn(horizons[h])));
                members.Add([.. inGroup.Select(c => c * h0 + h)]);
            }
            keys.Add(new CellKey(CellKey.GroupRow(group), CellKey.Total));
            members.Add([.. inGroup.SelectMany(c => Enumerable.Range(c * h0, h0))]);
        }
        keys.Add(new CellKey(CellKey.Total, CellKey.Total));
        members.Add([.. Enumerable.Range(0, InteriorCount)]);
        Keys = [.. keys];
        Members = [.. members];
        for (var i = 0; i < Keys.Length; i++) cells[Keys[i]] = i;
    }

    public int Count => Keys.Length;

    public bool TryInterior(string capability, int horizon, out int index) => interior.TryGetValue((capability, horizon), out index);

    public bool TryCell(CellKey key, out int index) => cells.TryGetValue(key, out index);

    /// <summary>The (capability, horizon) pairs a cell sums, as a comparable text: equal signatures are the same sum.</summary>
    public string Signature(int cell) =>
        string.Join('\u001e', Members[cell].Select(i => Keys[i].Row + '\u001f' + Keys[i].Column).Order(StringComparer.Ordinal));

    /// <summary>Each interior cell's holdings: nation → summed quantity (a nation's several rows count as one).</summary>
    public Dictionary<string, long>[] Holdings(IEnumerable<Contribution> contributions)
    {
        var holdings = new Dictionary<string, long>[InteriorCount];
        for (var i = 0; i < holdings.Length; i++) holdings[i] = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var row in contributions)
        {
            if (string.IsNullOrEmpty(row.Nation)) throw new ArgumentException("A contribution names no nation.");
            if (row.Quantity < 0) throw new ArgumentException("A quantity is negative.");
            if (!TryInterior(row.Capability, row.Horizon, out var i))
                throw new ArgumentException($"A contribution is outside the design ({row.Capability}, {row.Horizon}).");
            holdings[i][row.Nation] = checked(holdings[i].GetValueOrDefault(row.Nation) + row.Quantity);
        }
        return holdings;
    }

    /// <summary>Per cell, each nation's summed contribution.</summary>
    public Dictionary<string, long>[] CellContributions(Dictionary<string, long>[] holdings)
    {
        var result = new Dictionary<string, long>[Count];
        for (var c = 0; c < Count; c++)
        {
            var sum = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var i in Members[c])
                foreach (var (nation, quantity) in holdings[i])
                    sum[nation] = checked(sum.GetValueOrDefault(nation) + quantity);
            result[c] = sum;
        }
        return result;
    }
}
