using System.Globalization;

namespace StandardsRegistry.Disclosure;

/// <summary>A capability of the catalogue: its code, the unit its quantities count, and the group its margins sum over.</summary>
public sealed record Capability(string Code, string Unit, string Group);

/// <summary>One nation's target for one capability and horizon year. A nation may hold several rows for one cell
/// (holdings); they are summed before any rule looks at the cell.</summary>
public sealed record Contribution(string Nation, string Capability, int Horizon, long Quantity);

/// <summary>
/// The confidential parameters of the sensitivity rules: a cell with fewer than <paramref name="MinContributors"/>
/// contributing nations, or failing the p% rule (X − x₁ − x₂ &lt; p/100 · x₁), is sensitive. Never published.
/// </summary>
public sealed record DisclosureRules(int MinContributors, double PPercent)
{
    /// <summary>Fraction p/100.</summary>
    internal double P => PPercent / 100.0;

    internal void Validate()
    {
        if (MinContributors < 1) throw new ArgumentOutOfRangeException(nameof(MinContributors), "at least 1");
        if (!(PPercent > 0 && PPercent <= 100)) throw new ArgumentOutOfRangeException(nameof(PPercent), "in (0, 100]");
    }
}

/// <summary>
/// A table design for one cycle (the snapshot of targets it is computed from): capability × horizon cells with the
/// margins listed in <see cref="CellKey"/>. Tables with the same <paramref name="Cycle"/> are taken to be over the same
/// figures; tables of different cycles are different unknowns, linked only through the change of a cell.
/// </summary>
public sealed record TableDesign(string Cycle, IReadOnlyList<Capability> Capabilities, IReadOnlyList<int> Horizons);

/// <summary>
/// A cell of a table. <see cref="Row"/> is a capability code, <c>group:</c> + a group name, or <c>total</c>;
/// <see cref="Column"/> is a horizon year or <c>total</c>. The cells are: capability × horizon, capability × total,
/// group × horizon, group × total, and total × total (no all-capability horizon totals).
/// </summary>
public readonly record struct CellKey(string Row, string Column)
{
    public const string Total = "total";
    public const string GroupPrefix = "group:";

    internal static string HorizonColumn(int horizon) => horizon.ToString(CultureInfo.InvariantCulture);
    internal static string GroupRow(string group) => GroupPrefix + group;
}

/// <summary>Why a cell is suppressed, or that it is published.</summary>
public enum CellStatus
{
    Published,
    /// <summary>Sensitive itself (threshold rule, p% rule, or the change since an earlier released cycle).</summary>
    Primary,
    /// <summary>Suppressed so that the primary cells cannot be recomputed from the rest.</summary>
    Secondary,
}

/// <summary>A cell with its true value and status; only <see cref="ProtectedTable.Release"/> is fit to leave NATO.</summary>
public sealed record TableCell(CellKey Key, long Value, CellStatus Status);

/// <summary>A cell as released: the value, or null where suppressed (marked, not omitted).</summary>
public sealed record PublishedCell(CellKey Key, long? Value);

/// <summary>A table as released to an audience.</summary>
public sealed record PublishedTable(TableDesign Design, IReadOnlyList<PublishedCell> Cells);

/// <summary>A table released earlier to the same audience, with the targets it was computed from (the audit needs
/// them to judge the change between cycles).</summary>
public sealed record PriorRelease(PublishedTable Table, IReadOnlyList<Contribution> Contributions);

/// <summary>Information loss: the share of cells, and of their summed value (margins included, as the optimisation
/// weighs them), that is suppressed.</summary>
public sealed record InformationLoss(int Cells, int SuppressedCells, double Value, double SuppressedValue)
{
    public double CellShare => Cells == 0 ? 0 : (double)SuppressedCells / Cells;
    public double ValueShare => Value == 0 ? 0 : SuppressedValue / Value;
}

/// <summary>
/// The outcome of <see cref="DisclosureEngine.Protect"/>: the pattern, its information loss, and the audit's verdict.
/// A table that is not <see cref="Releasable"/> must not be released; <see cref="RefusalReason"/> says why without
/// naming a cell or a value.
/// </summary>
public sealed record ProtectedTable(
    TableDesign Design,
    IReadOnlyList<TableCell> Cells,
    InformationLoss Loss,
    bool Releasable,
    string? RefusalReason)
{
    /// <summary>The table as the audience sees it. Throws when the audit refused it.</summary>
    public PublishedTable Release() => Releasable
        ? Preview()
        : throw new InvalidOperationException("The table failed the disclosure audit and cannot be released.");

    /// <summary>The pattern as it would be released, whether or not the audit passed it (for planners and tests).</summary>
    public PublishedTable Preview() =>
        new(Design, [.. Cells.Select(cell => new PublishedCell(cell.Key, cell.Status == CellStatus.Published ? cell.Value : null))]);
}
