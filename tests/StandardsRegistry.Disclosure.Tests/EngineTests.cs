namespace StandardsRegistry.Disclosure.Tests;

/// <summary>The engine's decisions on small hand-made tables: what is sensitive, holdings, zeros, refusals, stability.</summary>
public sealed class EngineTests
{
    private static readonly DisclosureRules Rules = new(MinContributors: 3, PPercent: 10);

    private static readonly TableDesign Design = new("2025",
        [new("ammo-155mm", "rounds", "fires"), new("gbad-battery", "batteries", "air-defence"), new("radio-vhf", "sets", "c2"), new("radio-hf", "sets", "c2")],
        [2027, 2028]);

    /// <summary>Three or more nations, no dominance: nothing sensitive in these cells.</summary>
    private static List<Contribution> Spread(string capability, int horizon) =>
        [new("DEU", capability, horizon, 100), new("FRA", capability, horizon, 90), new("ITA", capability, horizon, 80), new("POL", capability, horizon, 70)];

    private static List<Contribution> Baseline() =>
        [.. Design.Capabilities.SelectMany(c => Design.Horizons.SelectMany(h => Spread(c.Code, h)))];

    private static CellStatus Status(ProtectedTable table, string row, string column) =>
        table.Cells.Single(c => c.Key == new CellKey(row, column)).Status;

    private static List<Contribution> Replace(List<Contribution> targets, string capability, int horizon, params Contribution[] cell) =>
        [.. targets.Where(t => t.Capability != capability || t.Horizon != horizon), .. cell];

    [Fact]
    public void ATableWithoutSensitiveCellsIsReleasedWhole()
    {
        var table = new DisclosureEngine(Rules).Protect(Design, Baseline(), []);
        Assert.True(table.Releasable);
        Assert.All(table.Cells, cell => Assert.Equal(CellStatus.Published, cell.Status));
        Assert.Equal(0, table.Loss.CellShare);
        Assert.Equal(0, table.Loss.ValueShare);
        // 4 × 2 interior, 4 capability totals, 3 groups × (2 horizons + total), the total.
        Assert.Equal(8 + 4 + 9 + 1, table.Cells.Count);
    }

    [Fact]
    public void ANationsSeveralRowsInACellCountAsOneNation()
    {
        // Two nations, one of them in three rows: fewer than three contributors, however many rows.
        var targets = Replace(Baseline(), "radio-hf", 2027,
            new("DEU", "radio-hf", 2027, 40), new("DEU", "radio-hf", 2027, 30), new("DEU", "radio-hf", 2027, 30), new("FRA", "radio-hf", 2027, 100));
        var table = new DisclosureEngine(Rules).Protect(Design, targets, []);
        Assert.True(table.Releasable);
        Assert.Equal(CellStatus.Primary, Status(table, "radio-hf", "2027"));
        // A lone primary cell is recomputable from its margins: the pattern grows by secondary cells.
        Assert.Contains(table.Cells, cell => cell.Status == CellStatus.Secondary);
    }

    [Theory]
    [InlineData(10, CellStatus.Published)] // X − x₁ − x₂ = 10 = p/100 · x₁: safe
    [InlineData(9, CellStatus.Primary)]    // 9 < 10: the second nation could estimate the first within 10 %
    public void ThePPercentRuleJudgesTheRestAgainstTheLargest(long rest, CellStatus expected)
    {
        var targets = Replace(Baseline(), "ammo-155mm", 2028,
            new("DEU", "ammo-155mm", 2028, 100), new("FRA", "ammo-155mm", 2028, 60), new("ITA", "ammo-155mm", 2028, rest / 2), new("POL", "ammo-155mm", 2028, rest - rest / 2));
        var table = new DisclosureEngine(Rules).Protect(Design, targets, []);
        Assert.Equal(expected, Status(table, "ammo-155mm", "2028"));
    }

    [Fact]
    public void EmptyAndAllZeroCellsAreNotSensitive()
    {
        var targets = Replace(Replace(Baseline(), "gbad-battery", 2027), "gbad-battery", 2028, new("DEU", "gbad-battery", 2028, 0), new("FRA", "gbad-battery", 2028, 0));
        var table = new DisclosureEngine(Rules).Protect(Design, targets, []);
        Assert.True(table.Releasable);
        Assert.All(table.Cells, cell => Assert.Equal(CellStatus.Published, cell.Status));
        Assert.Equal(0, table.Cells.Single(c => c.Key == new CellKey("gbad-battery", CellKey.Total)).Value);
    }

    [Fact]
    public void SuppressedCellsAreMarkedNotOmitted()
    {
        var targets = Replace(Baseline(), "radio-vhf", 2028, new Contribution("DEU", "radio-vhf", 2028, 500));
        var table = new DisclosureEngine(Rules).Protect(Design, targets, []);
        var released = table.Release();
        Assert.Equal(table.Cells.Count, released.Cells.Count);
        Assert.Null(released.Cells.Single(c => c.Key == new CellKey("radio-vhf", "2028")).Value);
        Assert.Equal(table.Cells.Count(c => c.Status != CellStatus.Published), released.Cells.Count(c => c.Value is null));
        Assert.Equal((double)released.Cells.Count(c => c.Value is null) / released.Cells.Count, table.Loss.CellShare);
        Assert.Equal(table.Cells.Where(c => c.Status != CellStatus.Published).Sum(c => (double)c.Value) / table.Cells.Sum(c => (double)c.Value), table.Loss.ValueShare);
    }

    [Fact]
    public void ANextCycleWithTheSameFiguresKeepsThePattern()
    {
        var targets = Replace(Baseline(), "radio-vhf", 2028, new Contribution("DEU", "radio-vhf", 2028, 500));
        var engine = new DisclosureEngine(Rules);
        var first = engine.Protect(Design, targets, []);
        var second = engine.Protect(Design with { Cycle = "2026" }, targets, [new PriorRelease(first.Release(), targets)]);
        Assert.True(second.Releasable);
        Assert.Equal(first.Cells.Select(c => c.Status != CellStatus.Published), second.Cells.Select(c => c.Status != CellStatus.Published));
    }

    [Fact]
    public void ASingleNationsChangeBetweenCyclesIsProtected()
    {
        var engine = new DisclosureEngine(Rules);
        var first = engine.Protect(Design, Baseline(), []);
        var changed = Replace(Baseline(), "ammo-155mm", 2027, [.. Spread("ammo-155mm", 2027).Select(t => t.Nation == "ITA" ? t with { Quantity = 130 } : t)]);
        var alone = engine.Protect(Design with { Cycle = "2026" }, changed, []);
        Assert.Equal(CellStatus.Published, Status(alone, "ammo-155mm", "2027"));
        var beside = engine.Protect(Design with { Cycle = "2026" }, changed, [new PriorRelease(first.Release(), Baseline())]);
        Assert.True(beside.Releasable);
        Assert.Equal(CellStatus.Primary, Status(beside, "ammo-155mm", "2027"));
    }

    [Fact]
    public void ARepublishedCycleWhoseFiguresChangedIsRefusedWithoutFigures()
    {
        var engine = new DisclosureEngine(Rules);
        var first = engine.Protect(Design, Baseline(), []);
        var revised = Replace(Baseline(), "radio-hf", 2028, [.. Spread("radio-hf", 2028).Select(t => t with { Quantity = t.Quantity + 1 })]);
        var again = engine.Protect(Design, revised, [new PriorRelease(first.Release(), Baseline())]);
        Assert.False(again.Releasable);
        Assert.Equal(DisclosureEngine.ChangedSinceReleaseRefusal, again.RefusalReason);
        Assert.DoesNotMatch("[0-9]", again.RefusalReason!);
        Assert.Throws<InvalidOperationException>(() => again.Release());
    }

    /// <summary>
    /// The same cycle republished after a capability was added to a group (or the catalogue regrouped): a cell of the
    /// earlier design that the new one lacks (here the group of two capabilities one nation alone plans) was protected
    /// when it was released and must stay protected, though the new table need not publish it.
    /// </summary>
    [Fact]
    public void ARepublishedCycleKeepsTheEarlierDesignsSensitiveCellsProtected()
    {
        var first = new TableDesign("2025", [new("ammo-155mm", "rounds", "fires"), new("ammo-120mm", "rounds", "fires"), new("radio-hf", "sets", "c2")], [2027]);
        List<Contribution> targets =
        [
            new("DEU", "ammo-155mm", 2027, 100), new("DEU", "ammo-120mm", 2027, 100), .. Spread("radio-hf", 2027),
        ];
        var engine = new DisclosureEngine(Rules);
        var released = new Release(targets, engine.Protect(first, targets, []).Release());
        Assert.Equal(CellStatus.Primary, Status(engine.Protect(first, targets, []), "group:fires", "2027"));
        Assert.Empty(AttackerOracle.Breaches(Rules, [], released, out _));

        // Revoked, targets recorded for a new capability of the group, and the cycle published again.
        var second = first with { Capabilities = [.. first.Capabilities, new("ammo-81mm", "rounds", "fires")] };
        List<Contribution> revised = [.. targets, .. Spread("ammo-81mm", 2027)];
        var again = engine.Protect(second, revised, [new PriorRelease(released.Table, targets)]);
        Assert.True(again.Releasable);
        var republished = new Release(revised, again.Release());
        // The earlier table attacked with everything published since: DEU's fires target must not be pinned.
        var breaches = AttackerOracle.Breaches(Rules, [republished], released, out _);
        Assert.True(breaches.Count == 0, AttackerOracle.Describe(breaches));
    }

    /// <summary>
    /// The next cycle's design adds a capability to a group: the earlier group cell is no cell of the new table, yet its
    /// change is worked out from the capabilities' cells of both tables. Here each capability's change is spread over
    /// three nations, but FRA and ITA move between the two capabilities, so over the group only DEU and POL changed.
    /// </summary>
    [Fact]
    public void TheChangeOfAnEarlierDesignsCellIsProtectedWhenTheNextDesignLacksIt()
    {
        var first = new TableDesign("2025", [new("ammo-155mm", "rounds", "fires"), new("ammo-120mm", "rounds", "fires"), new("radio-hf", "sets", "c2")], [2027]);
        List<Contribution> targets = [.. Spread("ammo-155mm", 2027), .. Spread("ammo-120mm", 2027), .. Spread("radio-hf", 2027)];
        var engine = new DisclosureEngine(Rules);
        var released = new Release(targets, engine.Protect(first, targets, []).Release());

        var second = first with { Cycle = "2026", Capabilities = [.. first.Capabilities, new("ammo-81mm", "rounds", "fires")] };
        List<Contribution> next =
        [
            .. Spread("ammo-155mm", 2027).Select(t => t.Nation == "POL" ? t : t with { Quantity = t.Quantity + 50 }),
            .. Spread("ammo-120mm", 2027).Select(t => t.Nation switch { "FRA" or "ITA" => t with { Quantity = t.Quantity - 50 }, "POL" => t with { Quantity = t.Quantity + 50 }, _ => t }),
            .. Spread("radio-hf", 2027), .. Spread("ammo-81mm", 2027),
        ];
        var again = engine.Protect(second, next, [new PriorRelease(released.Table, targets)]);
        Assert.True(again.Releasable);
        // The earlier design over the new cycle, every cell suppressed: no equation of its own, only the earlier cells'
        // changes for the attacker to aim at (their values in the new cycle are no cell of any table of it).
        var earlierCells = new Release(next, new PublishedTable(first with { Cycle = "2026" }, [.. released.Table.Cells.Select(c => c with { Value = null })]));
        var breaches = AttackerOracle.Breaches(Rules, [released, new Release(next, again.Release())], earlierCells, out _).Where(b => b.Kind != "value").ToList();
        Assert.True(breaches.Count == 0, AttackerOracle.Describe(breaches));
    }

    [Fact]
    public void TheChangeOfACellTheEarlierDesignLacksButItsCellsSumIsProtected()
    {
        // 2025: each ammunition in a group of its own, every cell published (four nations, no dominance).
        var first = new TableDesign("2025", [new("ammo-155mm", "rounds", "fires"), new("ammo-120mm", "rounds", "mortars"), new("radio-hf", "sets", "c2")], [2027]);
        List<Contribution> targets = [.. Spread("ammo-155mm", 2027), .. Spread("ammo-120mm", 2027), .. Spread("radio-hf", 2027)];
        var engine = new DisclosureEngine(Rules);
        var released = new Release(targets, engine.Protect(first, targets, []).Release());
        Assert.All(released.Table.Cells, cell => Assert.NotNull(cell.Value));

        // 2026: the catalogue puts both ammunitions in one group; DEU alone changes its 155 mm target (+50). The new
        // group:fires cell (155 mm + 120 mm) is no cell of the 2025 design, but 2025's two published ammunition cells sum
        // it: were group:fires/2027 published, its change (DEU's +50 alone) would be the difference.
        var second = first with { Cycle = "2026", Capabilities = [new("ammo-155mm", "rounds", "fires"), new("ammo-120mm", "rounds", "fires"), new("radio-hf", "sets", "c2")] };
        List<Contribution> next = [.. targets.Select(t => t.Nation == "DEU" && t.Capability == "ammo-155mm" ? t with { Quantity = t.Quantity + 50 } : t)];
        var again = engine.Protect(second, next, [new PriorRelease(released.Table, targets)]);
        Assert.True(again.Releasable);
        var breaches = AttackerOracle.Breaches(Rules, [released], new Release(next, again.Release()), out _);
        Assert.True(breaches.Count == 0, AttackerOracle.Describe(breaches));
    }

    [Fact]
    public void TheChangeOfACapabilityTotalIsProtectedWhenTheHorizonsRollForward()
    {
        // 2025 over 2026–2028, every cell published; 2026 over 2027–2028 (the configured horizons roll forward), and DEU
        // alone raises its 155 mm target for 2027 (+50). The 2026 capability total sums 2027 and 2028, no cell of 2025's
        // design, but 2025's published 2027 and 2028 cells sum it: published, its change would be DEU's.
        var first = Design with { Horizons = [2026, 2027, 2028] };
        var targets = first.Capabilities.SelectMany(c => first.Horizons.SelectMany(h => Spread(c.Code, h))).ToList();
        var engine = new DisclosureEngine(Rules);
        var released = new Release(targets, engine.Protect(first, targets, []).Release());
        Assert.All(released.Table.Cells, cell => Assert.NotNull(cell.Value));

        var second = Design with { Cycle = "2026", Horizons = [2027, 2028] };
        List<Contribution> next = [.. targets.Where(t => t.Horizon != 2026)
            .Select(t => t is { Nation: "DEU", Capability: "ammo-155mm", Horizon: 2027 } ? t with { Quantity = t.Quantity + 50 } : t)];
        var again = engine.Protect(second, next, [new PriorRelease(released.Table, targets)]);
        Assert.True(again.Releasable);
        var breaches = AttackerOracle.Breaches(Rules, [released], new Release(next, again.Release()), out _);
        Assert.True(breaches.Count == 0, AttackerOracle.Describe(breaches));
    }

    /// <summary>
    /// Targets revised after their cycle's table was published, and the cycle published again (a second table of the
    /// same cycle): a nation's revision is a change like one between cycles and must not be read off the two tables.
    /// Where the revision moves a cell the first table published, the second is refused (its equations no longer hold).
    /// Where revisions cancel in every such cell — two nations in one cell, or one nation within cells the first table
    /// suppressed — every published cell still holds and nothing is refused for that.
    /// </summary>
    [Fact]
    public void ARevisionWithinACyclePublishedBeforeIsNotReadAsTheDifferenceOfItsTables()
    {
        var engine = new DisclosureEngine(Rules);
        var whole = new Release(Baseline(), engine.Protect(Design, Baseline(), []).Release());
        Assert.All(whole.Table.Cells, cell => Assert.NotNull(cell.Value));
        List<Contribution> Revise(List<Contribution> targets, params (string Nation, string Capability, int Horizon, long Change)[] moves) =>
            [.. targets.Select(t => moves.Where(m => (m.Nation, m.Capability, m.Horizon) == (t.Nation, t.Capability, t.Horizon)).Sum(m => m.Change) is var change and not 0
                ? t with { Quantity = t.Quantity + change } : t)];

        // DEU alone raises its 155 mm target for 2027 by 50: the first table's cell no longer holds, so no second table.
        var alone = engine.Protect(Design, Revise(Baseline(), ("DEU", "ammo-155mm", 2027, 50)), [new PriorRelease(whole.Table, Baseline())]);
        Assert.Equal(DisclosureEngine.ChangedSinceReleaseRefusal, alone.RefusalReason);

        // DEU raises it by 50 and FRA lowers its own by 50: every cell holds, so a second table would be the first again,
        // and FRA, seeing the cell unchanged, would read DEU's revision (+50, the cell's only other change) exactly —
        // until 2026-12-06 it was released, and the oracle's interval for the change was [0, 0] against a level of 5.
        // The change rule now judges the revision; the cell is fixed by the first table, so nothing can protect it.
        var both = Revise(Baseline(), ("DEU", "ammo-155mm", 2027, 50), ("FRA", "ammo-155mm", 2027, -50));
        var again = engine.Protect(Design, both, [new PriorRelease(whole.Table, Baseline())]);
        if (again.Releasable)
        {
            var breaches = AttackerOracle.Breaches(Rules, [whole], new Release(both, again.Release()), out _);
            Assert.True(breaches.Count == 0, AttackerOracle.Describe(breaches));
        }
        Assert.Equal(DisclosureEngine.AuditRefusal, again.RefusalReason);

        // FRA and ITA alone nearly make radio-vhf/2028 (DEU's 4 is too little for the p% rule): it and its partners are
        // suppressed. DEU then moves 50 within those cells, so every published cell of the first table still holds (and
        // radio-vhf/2028, now 100 + 95 + 54, is no longer sensitive itself).
        var targets = Replace(Baseline(), "radio-vhf", 2028, new("FRA", "radio-vhf", 2028, 100), new("ITA", "radio-vhf", 2028, 95), new("DEU", "radio-vhf", 2028, 4));
        var first = new Release(targets, engine.Protect(Design, targets, []).Release());
        (string Nation, string Capability, int Horizon, long Change)[] moves =
            [("DEU", "radio-vhf", 2028, 50), ("DEU", "radio-vhf", 2027, -50), ("DEU", "radio-hf", 2028, -50), ("DEU", "radio-hf", 2027, 50)];
        Assert.All(moves, move => Assert.Null(first.Table.Cells.Single(c => c.Key == new CellKey(move.Capability, $"{move.Horizon}")).Value));
        var revised = Revise(targets, moves);
        var within = engine.Protect(Design, revised, [new PriorRelease(first.Table, targets)]);
        Assert.True(within.Releasable);
        var withinBreaches = AttackerOracle.Breaches(Rules, [first], new Release(revised, within.Release()), out _);
        Assert.True(withinBreaches.Count == 0, AttackerOracle.Describe(withinBreaches));
    }

    /// <summary>
    /// A cycle published under one design and then again under another (a second audience, the catalogue regrouped
    /// back): the first table's cells the second lacks are no cell of it, yet their change since the earlier cycle is
    /// still worked out from the second table's cells and the earlier cycle's. Here 2026 groups both ammunitions as
    /// fires, and over that group only DEU and POL changed (FRA and ITA moved 50 from 120 mm to 155 mm); its table
    /// suppresses the group. (DEU, FRA and ITA raise their radios too, so no total's change is one or two nations'.) The
    /// same 2026 figures are then published with the ammunitions in groups of their own again: each ammunition's change
    /// is spread over three nations, so that table showed both, as the 2025 table did.
    /// </summary>
    [Fact]
    public void TheChangeOfACellOfAnEarlierTableOfThisCycleIsProtectedWhenTheNextDesignLacksIt()
    {
        var design = new TableDesign("2025", [new("ammo-155mm", "rounds", "fires"), new("ammo-120mm", "rounds", "mortars"), new("radio-hf", "sets", "c2")], [2027]);
        List<Contribution> targets = [.. Spread("ammo-155mm", 2027), .. Spread("ammo-120mm", 2027), .. Spread("radio-hf", 2027)];
        var engine = new DisclosureEngine(Rules);
        var first = new Release(targets, engine.Protect(design, targets, []).Release());
        Assert.All(first.Table.Cells, cell => Assert.NotNull(cell.Value));

        var merged = design with { Cycle = "2026", Capabilities = [new("ammo-155mm", "rounds", "fires"), new("ammo-120mm", "rounds", "fires"), new("radio-hf", "sets", "c2")] };
        List<Contribution> next =
        [
            .. Spread("ammo-155mm", 2027).Select(t => t.Nation == "POL" ? t : t with { Quantity = t.Quantity + 50 }),
            .. Spread("ammo-120mm", 2027).Select(t => t.Nation switch { "FRA" or "ITA" => t with { Quantity = t.Quantity - 50 }, "POL" => t with { Quantity = t.Quantity + 50 }, _ => t }),
            .. Spread("radio-hf", 2027).Select(t => t.Nation == "POL" ? t : t with { Quantity = t.Quantity + 50 }),
        ];
        var second = engine.Protect(merged, next, [new PriorRelease(first.Table, targets)]);
        Assert.True(second.Releasable);
        Assert.Equal(CellStatus.Primary, Status(second, "group:fires", "2027"));
        var grouped = new Release(next, second.Release());

        // The same figures again, each ammunition in a group of its own (as in 2025).
        var third = engine.Protect(design with { Cycle = "2026" }, next, [new PriorRelease(first.Table, targets), new PriorRelease(grouped.Table, next)]);
        Assert.True(third.Releasable);
        // Until 2026-12-06 it published both ammunitions, and every nation read the group's change (+100) exactly.
        Assert.Contains(third.Cells, cell => cell.Key.Row.StartsWith("ammo-", StringComparison.Ordinal) && cell.Status != CellStatus.Published);
        var again = new Release(next, third.Release());
        // The 2026 table that grouped them, attacked with everything published since: the fires group's change (DEU's
        // and POL's +50 each) must not be pinned.
        var breaches = AttackerOracle.Breaches(Rules, [first, grouped, again], 1, out _);
        Assert.True(breaches.Count == 0, AttackerOracle.Describe(breaches));
    }

    /// <summary>
    /// The threshold rule counts nations with a positive figure against n: n of them pass (where the p% rule does), fewer
    /// do not, and a nation with a zero target is no contributor. With n = 3 every cell the p% rule passes has three
    /// nations or more, so the rule is shown at n = 4, where three nations pass the p% rule (80 ≥ 10) but not it.
    /// </summary>
    [Theory]
    [InlineData(4, false, CellStatus.Published)]
    [InlineData(3, false, CellStatus.Primary)]
    [InlineData(3, true, CellStatus.Primary)]
    public void TheThresholdRuleCountsTheNationsWithAPositiveFigureAgainstN(int nations, bool withAZero, CellStatus expected)
    {
        List<Contribution> cell = [.. Spread("ammo-155mm", 2028).Take(nations), .. withAZero ? [new Contribution("ESP", "ammo-155mm", 2028, 0)] : Array.Empty<Contribution>()];
        var table = new DisclosureEngine(Rules with { MinContributors = 4 }).Protect(Design, Replace(Baseline(), "ammo-155mm", 2028, [.. cell]), []);
        Assert.True(table.Releasable);
        Assert.Equal(expected, Status(table, "ammo-155mm", "2028"));
    }

    /// <summary>
    /// A nation that records no target for the next cycle where it had one has changed it to nothing: its change is the
    /// whole of its earlier figure. Here FRA records no 155 mm target for 2027 in 2026, and the cell, DEU's, ITA's and
    /// POL's alone, is safe as a value; but its change is FRA's −90 alone, and published beside the 2025 table's cell
    /// (every cell of which was published) it would be FRA's 2025 figure, exactly.
    /// </summary>
    [Fact]
    public void ANationThatRecordsNoTargetInTheNextCycleHasItsChangeProtected()
    {
        var engine = new DisclosureEngine(Rules);
        var first = new Release(Baseline(), engine.Protect(Design, Baseline(), []).Release());
        Assert.All(first.Table.Cells, cell => Assert.NotNull(cell.Value));
        List<Contribution> next = [.. Baseline().Where(t => t is not { Nation: "FRA", Capability: "ammo-155mm", Horizon: 2027 })];
        var second = engine.Protect(Design with { Cycle = "2026" }, next, [new PriorRelease(first.Table, Baseline())]);
        Assert.True(second.Releasable);
        Assert.Equal(CellStatus.Primary, Status(second, "ammo-155mm", "2027"));
        var breaches = AttackerOracle.Breaches(Rules, [first], new Release(next, second.Release()), out _);
        Assert.True(breaches.Count == 0, AttackerOracle.Describe(breaches));
    }

    /// <summary>
    /// A cell sensitive both for its value and for its change keeps the larger level on each side. Here DEU alone holds
    /// x/2027 (a level of 10 either way) and alone raised it from 90 to 100 (a change's level of 1); y/2028 fell from
    /// four nations' 20 each to FRA's 20, ITA's 3 and POL's 2, so an insider who knows FRA's 20 knows it can fall by 5 at
    /// most. The four interior cells suppressed protect DEU upwards but only by 5 downwards, and the pattern needs more
    /// (the capability totals). Had the change's level replaced the value's downwards, the four alone were released and
    /// FRA read DEU's figure within 5 below.
    /// </summary>
    [Fact]
    public void ACellSensitiveForItsValueAndItsChangeIsProtectedByTheLargerLevelOnEachSide()
    {
        var design = new TableDesign("2025", [new("x", "u", "g"), new("y", "u", "g")], [2027, 2028]);
        static List<Contribution> Cells(long deu, long change, Contribution[] corner) =>
        [
            new("DEU", "x", 2027, deu),
            new("FRA", "x", 2028, 100 + change), new("ITA", "x", 2028, 90 + change), new("POL", "x", 2028, 80 + change), new("ESP", "x", 2028, 70),
            new("FRA", "y", 2027, 100 + change), new("ITA", "y", 2027, 90 + change), new("POL", "y", 2027, 80 + change), new("ESP", "y", 2027, 70),
            .. corner,
        ];
        var before = Cells(90, 0, [new("FRA", "y", 2028, 20), new("ITA", "y", 2028, 20), new("POL", "y", 2028, 20), new("ESP", "y", 2028, 20)]);
        var next = Cells(100, 10, [new("FRA", "y", 2028, 20), new("ITA", "y", 2028, 3), new("POL", "y", 2028, 2)]);
        var engine = new DisclosureEngine(Rules);
        var first = new Release(before, engine.Protect(design, before, []).Release());
        var second = engine.Protect(design with { Cycle = "2026" }, next, [new PriorRelease(first.Table, before)]);
        Assert.True(second.Releasable);
        var breaches = AttackerOracle.Breaches(Rules, [first], new Release(next, second.Release()), out _);
        Assert.True(breaches.Count == 0, AttackerOracle.Describe(breaches));
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(3, 0)]
    [InlineData(3, 101)]
    public void RulesOutOfRangeAreRejected(int n, double p) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new DisclosureEngine(new DisclosureRules(n, p)));

    [Fact]
    public void TargetsOutsideTheDesignOrNegativeAreRejected()
    {
        var engine = new DisclosureEngine(Rules);
        Assert.Throws<ArgumentException>(() => engine.Protect(Design, [new("DEU", "tank-mbt", 2027, 1)], []));
        Assert.Throws<ArgumentException>(() => engine.Protect(Design, [new("DEU", "radio-hf", 2031, 1)], []));
        Assert.Throws<ArgumentException>(() => engine.Protect(Design, [new("DEU", "radio-hf", 2027, -1)], []));
    }
}
