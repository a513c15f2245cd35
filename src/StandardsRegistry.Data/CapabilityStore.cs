using System.Text.Json;
using Dapper;
using StandardsRegistry.Disclosure;
using StandardsRegistry.Domain;
using PreviewInputs = (System.Collections.Generic.IReadOnlyList<StandardsRegistry.Data.TargetRow> Targets,
    System.Collections.Generic.IReadOnlyList<StandardsRegistry.Disclosure.PriorRelease> Priors);

namespace StandardsRegistry.Data;

/// <summary>A capability of the catalogue (data, like audiences and nations).</summary>
public sealed class CapabilityRow
{
    public string Code { get; init; } = "";
    public string Name { get; init; } = "";
    public string Unit { get; init; } = "";
    public string CapabilityGroup { get; init; } = "";
}

/// <summary>A nation's capability target as stored: one row of its history.</summary>
public sealed class TargetRow
{
    public long Id { get; init; }
    public int Cycle { get; init; }
    public string Nation { get; init; } = "";
    public string Capability { get; init; } = "";
    public int Horizon { get; init; }
    public long Quantity { get; init; }
    public Classification Classification { get; init; }
    public long RecordedAt { get; init; }
    public string RecordedBy { get; init; } = "";
}

/// <summary>A published capability table (its cells apart).</summary>
public sealed class TableRow
{
    public long Id { get; init; }
    /// <summary>The table's identity as sent: random, so it counts nothing (db/*/0021_feed_subjects.sql).</summary>
    public string PublicId { get; init; } = "";
    public int Cycle { get; init; }
    public string Audience { get; init; } = "";
    public Classification Classification { get; init; }
    public string Design { get; init; } = "";
    public long TargetSnapshot { get; init; }
    public long PublishedAt { get; init; }
    public string PublishedBy { get; init; } = "";
    public long? RevokedAt { get; init; }
    public string? RevokedBy { get; init; }
}

/// <summary>A cell as released: the value, or null where suppressed.</summary>
public sealed class TableCellRow
{
    public long TableId { get; init; }
    public int Position { get; init; }
    public string RowKey { get; init; } = "";
    public string ColumnKey { get; init; } = "";
    public long? Value { get; init; }
}

/// <summary>A published table with its cells, in the design's order.</summary>
public sealed record PublishedTableRecord(TableRow Table, IReadOnlyList<TableCellRow> Cells);

/// <summary>
/// Capability targets and the aggregate tables published from them (docs/disclosure.md). Raw targets are
/// read inside NATO only (the API answers the standard 404 to everyone else before calling here). A published table is
/// immutable: only its revocation is recorded, and a revoked table stays among the priors of every later publication
/// (what was published stays known). The priors are every table ever published, whatever its audience: NATO reads every
/// audience's tables, so one NATO reader holds them all together. Publications are serialised by a lock row of their
/// own (<see cref="Sql.LockPublications"/>) inside the one write path's transaction, so two tables are never audited
/// against the same priors concurrently.
/// Records of a nation's targets are serialised on the nation's row, and a publication locks every nation's row, so the
/// targets it reads are exactly those up to the snapshot it records (ids are drawn before commit).
/// </summary>
public sealed class CapabilityStore(Db db, RegistryWrites writes)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string NoTargets(int cycle) => $"Cycle {cycle} has no capability targets.";

    /// <summary>
    /// The conflict of a cycle whose current targets include quantities stored outside
    /// <see cref="CapabilityTargetRules.InRange"/> (before the bound existed): they cannot be summed into a table, so the
    /// cycle is neither previewed nor published until each is recorded again. Decided only once the caller may compute
    /// over the cycle (every target within its clearance), so it never names a target the caller may not read. Null when
    /// every quantity is in range.
    /// </summary>
    private static Result<T>? OutOfRange<T>(int cycle, IReadOnlyList<TargetRow> targets)
    {
        var outside = targets.Where(t => !CapabilityTargetRules.InRange(t.Quantity)).ToList();
        return outside.Count == 0
            ? null
            : Result.Fail<T>(Outcome.Conflict, $"Cycle {cycle} has targets whose stored quantity is outside 0 to {CapabilityTargetRules.MaxQuantity}, "
                + $"recorded before that bound: {string.Join("; ", outside.Select(t => $"{t.Nation} {t.Capability} {t.Horizon}"))}. "
                + "No table can be computed from them; record each again.");
    }

    /// <summary>What a target is recorded with (valid: the API checked it).</summary>
    public sealed record TargetContent(int Cycle, string Nation, string Capability, int Horizon, long Quantity, Classification Classification);

    public Task<IReadOnlyList<CapabilityRow>> CapabilitiesAsync(CancellationToken ct = default) =>
        db.ReadAsync<IReadOnlyList<CapabilityRow>>(async c => await c.QueryAsync<CapabilityRow>(Sql.Capabilities), ct).AsTask();

    /// <summary>
    /// Records a target as a new row of its cell's history. The same quantity and marking as the current row is answered
    /// with that row (<see cref="Outcome.Done"/>); a current row above the writer's clearance is not found (the writer
    /// may not revise what it may not read).
    /// </summary>
    public Task<Result<TargetRow>> RecordAsync(VisibilityScope scope, TargetContent content, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.RunAsync(AuditActions.TargetRecord, by, now, null, async w =>
        {
            w.Names(classification: content.Classification, detail: $"cycle={content.Cycle} {content.Nation} {content.Capability} {content.Horizon}");
            // The nation's row lock, held to commit and taken before anything is read or an id drawn: records of the
            // nation's targets queue, each deciding on the row the one before wrote (two at once both found none and both
            // inserted), and a publication or revocation (which lock every nation) never reads past a target id still in flight.
            await w.Session.ExecuteAsync(Sql.LockNation, new { nation = content.Nation });
            // Then the rows of the cycle's tables, if it has any: records of the cycle's targets queue, since together
            // two of them (of two nations) can bring a reader's clearance to cover several nations' targets where each
            // alone does not, and each, not seeing the other's, would find no table hidden from that reader.
            await w.Session.ExecuteAsync(Sql.LockCycleTables, new { cycle = content.Cycle });
            if (await w.Session.ExecuteScalarAsync<string>(ResponseStore.Sql.Nation, new { nation = content.Nation }) is null)
            {
                return Result.Fail<TargetRow>(Outcome.NotFound, $"There is no nation '{content.Nation}'.");
            }
            if (await w.Session.ExecuteScalarAsync<string>(Sql.Capability, new { capability = content.Capability }) is null)
            {
                return Result.Fail<TargetRow>(Outcome.NotFound, $"There is no capability '{content.Capability}'.");
            }
            var latest = await w.Session.QuerySingleOrDefaultAsync<TargetRow>(Sql.Latest, new { content.Cycle, content.Nation, content.Capability, content.Horizon });
            if (latest is not null && latest.Classification > scope.MaxLevel)
            {
                return Result.Fail<TargetRow>(Outcome.NotFound);
            }
            if (latest is not null && latest.Quantity == content.Quantity && latest.Classification == content.Classification)
            {
                return Result.Done(latest);
            }
            var row = new TargetRow
            {
                Cycle = content.Cycle, Nation = content.Nation, Capability = content.Capability, Horizon = content.Horizon,
                Quantity = content.Quantity, Classification = content.Classification, RecordedAt = w.At, RecordedBy = by.Subject,
            };
            // A target is no event of any feed, but it may bring a NATO reader's clearance to cover several nations'
            // targets of the cycle: the tables it then may not read go from its feed as tombstones.
            await w.TrackCycleTablesAsync(row.Cycle, () => w.Session.ExecuteAsync(Sql.InsertTarget, new
            {
                row.Cycle, row.Nation, row.Capability, row.Horizon, row.Quantity, classification = (int)row.Classification, row.RecordedAt, row.RecordedBy,
            }));
            return latest is null ? Result.Created(row) : Result.Done(row);
        }, ct);

    /// <summary>
    /// Whether <paramref name="scope"/> (a NATO caller's) may read <paramref name="target"/>: its marking within the
    /// clearance and, for a caller speaking for a nation, that nation's own. A nation's target is between that nation and
    /// NATO's staff: every other nation is an insider the disclosure audit protects it against, so a national delegate
    /// meets another nation's target as it meets one above its clearance — and may compute over nothing it sums.
    /// </summary>
    public static bool MayRead(VisibilityScope scope, TargetRow target) =>
        target.Classification <= scope.MaxLevel && (scope.Nation is null || scope.Nation == target.Nation);

    /// <summary>
    /// The targets of a cycle as the scope reads them (for NATO callers only): of each cell, the latest row its clearance
    /// covers (<see cref="Sql.Current"/>), of the nations it may read (<see cref="MayRead"/>). A revision above the
    /// clearance is to the reader as one never made, as a hidden edition or national response is: taking the latest row
    /// first and judging it after dropped the cell from the list, which told of the revision.
    /// </summary>
    public Task<IReadOnlyList<TargetRow>> CurrentAsync(VisibilityScope scope, int cycle, CancellationToken ct = default) =>
        db.ReadAsync<IReadOnlyList<TargetRow>>(async c =>
            [.. (await c.QueryAsync<TargetRow>(Sql.Current, CurrentOf(cycle, level: scope.MaxLevel))).Where(t => MayRead(scope, t))], ct).AsTask();

    /// <summary>
    /// The parameters of <see cref="Sql.Current"/>: the cycle's rows up to <paramref name="snapshot"/> and marked at most
    /// <paramref name="level"/>, neither bounded unless given.
    /// </summary>
    private static object CurrentOf(int cycle, long snapshot = long.MaxValue, Classification level = Classification.CTS) =>
        new { cycle, snapshot, scopeLevel = (int)level };

    /// <summary>
    /// Publishes the table of <paramref name="cycle"/> to <paramref name="audience"/>: under the publications' lock, the
    /// cycle's current targets and every table ever published, to any audience (revoked ones included), go to
    /// <paramref name="protect"/>; a table it refuses is not stored (<see cref="Outcome.Unprocessable"/> with its
    /// reason, which names no cell or value). A target the writer may not read (<see cref="MayRead"/>: above its
    /// clearance, or another nation's when it speaks for one) makes the cycle not found, and so does a table (of any
    /// audience) marked above its clearance or computed from such a target.
    /// </summary>
    public Task<Result<PublishedTableRecord>> PublishAsync(VisibilityScope scope, int cycle, Audience audience, Classification classification,
        Func<IReadOnlyList<TargetRow>, IReadOnlyList<PriorRelease>, ProtectedTable> protect, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.CatalogueAsync(AuditActions.TablePublish, by, now, null, async w =>
        {
            w.Names(classification: classification, detail: $"cycle={cycle} audience={audience.Code}");
            // Publications queue on a lock of their own, each audited against every table published before it, whatever
            // its audience; then the audience's row, which a revocation of its tables takes too. Not every audience's row:
            // a catalogue write reads them (queueing webhook deliveries) while it holds the feed views' locks, which this
            // publication takes next, and on SQL Server such a read waits for the row locks (db/*/0026).
            await w.Session.ExecuteAsync(Sql.LockPublications);
            await w.Session.ExecuteAsync(Sql.LockAudience, new { audience = audience.Code });
            // The ceiling as the audiences table says now (the API checked it against its 30-second cache, which an
            // operator's lowering of it has not reached yet for a while).
            if (await AudienceDirectory.RefusalAsync<PublishedTableRecord>(w.Session, audience.Code, classification) is { } refused)
            {
                return refused;
            }
            // Every nation's row: target records in flight end first, and later ones draw larger ids, so the targets read
            // here are exactly those up to the snapshot recorded below (ids are drawn before commit: without the lock a
            // revision drawn earlier but committed after the read fell inside the snapshot, and the priors of later
            // audits named figures this table was not computed from).
            await w.Session.ExecuteAsync(Sql.LockNations);
            var targets = await w.Session.QueryAsync<TargetRow>(Sql.Current, CurrentOf(cycle));
            if (targets.Count == 0 || targets.Any(t => !MayRead(scope, t)))
            {
                return Result.Fail<PublishedTableRecord>(Outcome.NotFound, NoTargets(cycle));
            }
            // Every table ever published, to this audience or another: NATO reads them all (within its clearance), so an
            // audit against the audience's own tables alone let one NATO reader difference two audiences' tables of a
            // cycle. The conflict and the audit below depend on them and the targets each came from: one the writer may
            // not read answers as targets it may not read do, never as a conflict or a refusal.
            var tables = await w.Session.QueryAsync<TableRow>(Sql.AllTables);
            if (await PriorsAsync(w.Session, tables, scope) is not { } priors)
            {
                return Result.Fail<PublishedTableRecord>(Outcome.NotFound, NoTargets(cycle));
            }
            if (tables.Any(t => t.Cycle == cycle && t.Audience == audience.Code && t.RevokedAt is null))
            {
                return Result.Fail<PublishedTableRecord>(Outcome.Conflict, $"A table of cycle {cycle} is published to {audience.Code}; revoke it before publishing the cycle again.");
            }
            if (OutOfRange<PublishedTableRecord>(cycle, targets) is { } outOfRange)
            {
                return outOfRange;
            }
            var protectedTable = protect(targets, priors);
            if (!protectedTable.Releasable)
            {
                return Result.Fail<PublishedTableRecord>(Outcome.Unprocessable, protectedTable.RefusalReason);
            }
            var released = protectedTable.Release();
            var row = new TableRow
            {
                Cycle = cycle, Audience = audience.Code, Classification = classification, Design = JsonSerializer.Serialize(released.Design, Json),
                TargetSnapshot = targets.Max(t => t.Id), PublishedAt = w.At, PublishedBy = by.Subject, PublicId = Guid.NewGuid().ToString("N"),
            };
            var (id, cellRows) = await w.TrackTablesAsync(audience.Code, async () =>
            {
                var tableId = await w.Session.QuerySingleAsync<long>(Sql.InsertTable(db.Dialect), new
                {
                    row.Cycle, row.Audience, classification = (int)row.Classification, row.Design, row.TargetSnapshot, row.PublishedAt, row.PublishedBy, row.PublicId,
                });
                var cells = released.Cells.Select((c, i) => new TableCellRow { TableId = tableId, Position = i, RowKey = c.Key.Row, ColumnKey = c.Key.Column, Value = c.Value }).ToList();
                await w.Session.InsertRowsAsync(cells, Sql.InsertCells, static (c, p, i) =>
                {
                    p.Add($"p{i}", c.Position);
                    p.Add($"r{i}", c.RowKey);
                    p.Add($"k{i}", c.ColumnKey);
                    p.Add($"v{i}", c.Value);
                }, new { tableId });
                return (tableId, cells);
            });
            return Result.Created(new PublishedTableRecord(new TableRow
            {
                Id = id, Cycle = row.Cycle, Audience = row.Audience, Classification = row.Classification, Design = row.Design,
                TargetSnapshot = row.TargetSnapshot, PublishedAt = row.PublishedAt, PublishedBy = row.PublishedBy, PublicId = row.PublicId,
            }, cellRows));
        }, ct);

    /// <summary>
    /// What a preview of <paramref name="cycle"/> is computed from: its current targets and, for an audience, every table
    /// ever published (to any audience, as a publication to it is audited; read without the lock: a preview decides
    /// nothing). Not found (with no problem of
    /// its own) when there is nothing the <paramref name="scope"/> may compute over: no targets, a target it may not read
    /// (<see cref="MayRead"/>), or a table marked above its clearance (or a target it was computed from
    /// that it may not read) — all answered alike, as a cycle with no targets; then a conflict when a target's stored
    /// quantity is out of range (<see cref="OutOfRange"/>).
    /// </summary>
    public Task<Result<PreviewInputs>> PreviewInputsAsync(int cycle, string? audience, VisibilityScope scope, CancellationToken ct = default) =>
        db.ReadAsync(async c =>
        {
            var targets = await c.QueryAsync<TargetRow>(Sql.Current, CurrentOf(cycle));
            if (targets.Count == 0 || targets.Any(t => !MayRead(scope, t)))
            {
                return Result.Fail<PreviewInputs>(Outcome.NotFound);
            }
            var priors = audience is null ? [] : await PriorsAsync(c, await c.QueryAsync<TableRow>(Sql.AllTables), scope);
            if (priors is null)
            {
                return Result.Fail<PreviewInputs>(Outcome.NotFound);
            }
            return OutOfRange<PreviewInputs>(cycle, targets) ?? Result.Done<PreviewInputs>((targets, priors));
        }, ct).AsTask();

    /// <summary>
    /// Every table in <paramref name="tables"/> as released, with the targets it was computed from; null when a table is
    /// marked above the <paramref name="scope"/>'s clearance or one of its targets is one the scope may not read
    /// (<see cref="MayRead"/>): what is computed from them would tell of it.
    /// </summary>
    private static async Task<IReadOnlyList<PriorRelease>?> PriorsAsync(DbSession session, IReadOnlyList<TableRow> tables, VisibilityScope scope)
    {
        if (tables.Any(t => t.Classification > scope.MaxLevel))
        {
            return null;
        }
        var priors = new List<PriorRelease>();
        foreach (var table in tables)
        {
            var cells = await session.QueryAsync<TableCellRow>(Sql.Cells, new { tableId = table.Id });
            var used = await session.QueryAsync<TargetRow>(Sql.Current, CurrentOf(table.Cycle, table.TargetSnapshot));
            if (used.Any(t => !MayRead(scope, t)))
            {
                return null;
            }
            var design = DesignOf(table);
            priors.Add(new PriorRelease(new PublishedTable(design, [.. cells.Select(c => new PublishedCell(new CellKey(c.RowKey, c.ColumnKey), c.Value))]),
                Contributions(used, design)));
        }
        return priors;
    }

    /// <summary>Revokes the published table of a cycle to an audience, when the writer reads it (<see cref="Sql.Readable"/>);
    /// the record stays (and stays a prior).</summary>
    public Task<Result<int>> RevokeAsync(VisibilityScope scope, int cycle, string audience, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.CatalogueAsync(AuditActions.TableRevoke, by, now, null, async w =>
        {
            w.Names(detail: $"cycle={cycle} audience={audience}");
            // The publications' lock, the audience's, then every nation's, in a publication's order: no target is recorded
            // between the feed's reads of the tables before and after, so the events it appends are the revocation's alone.
            await w.Session.ExecuteAsync(Sql.LockPublications);
            await w.Session.ExecuteAsync(Sql.LockAudience, new { audience });
            await w.Session.ExecuteAsync(Sql.LockNations);
            var parameters = Bind(scope, cycle, audience);
            parameters.Add("at", w.At);
            parameters.Add("by", by.Subject);
            var revoked = await w.TrackTablesAsync(audience, () => w.Session.ExecuteAsync(Sql.Revoke(scope), parameters));
            return revoked == 0 ? Result.Fail<int>(Outcome.NotFound) : Result.Removed(revoked);
        }, ct);

    /// <summary>The tables the scope may read: inside NATO every table within its clearance (revoked ones too);
    /// elsewhere the unrevoked tables published to its audience within its level.</summary>
    public Task<IReadOnlyList<TableRow>> TablesAsync(VisibilityScope scope, CancellationToken ct = default) =>
        db.ReadAsync<IReadOnlyList<TableRow>>(async c => await c.QueryAsync<TableRow>(Sql.Tables(scope), Bind(scope, null, null)), ct).AsTask();

    /// <summary>The latest table of a cycle published to an audience, as the scope may read it; null when it may not.</summary>
    public Task<PublishedTableRecord?> TableAsync(VisibilityScope scope, int cycle, string audience, CancellationToken ct = default) =>
        db.ReadAsync<PublishedTableRecord?>(async c =>
        {
            if (await c.QuerySingleOrDefaultAsync<TableRow>(Sql.Table(db.Dialect, scope), Bind(scope, cycle, audience)) is not { } table)
            {
                return null;
            }
            return new PublishedTableRecord(table, await c.QueryAsync<TableCellRow>(Sql.Cells, new { tableId = table.Id }));
        }, ct).AsTask();

    public static TableDesign DesignOf(TableRow table) =>
        JsonSerializer.Deserialize<TableDesign>(table.Design, Json) ?? throw new InvalidOperationException("A stored table has no design.");

    /// <summary>The targets as the engine takes them, those outside the design left out.</summary>
    public static IReadOnlyList<Contribution> Contributions(IEnumerable<TargetRow> targets, TableDesign design)
    {
        var capabilities = design.Capabilities.Select(c => c.Code).ToHashSet(StringComparer.Ordinal);
        var horizons = design.Horizons.ToHashSet();
        return [.. targets.Where(t => capabilities.Contains(t.Capability) && horizons.Contains(t.Horizon)).Select(Contribution)];
    }

    private static Contribution Contribution(TargetRow t) => new(t.Nation, t.Capability, t.Horizon, t.Quantity);

    private static DynamicParameters Bind(VisibilityScope scope, int? cycle, string? audience)
    {
        var parameters = new DynamicParameters(new { scopeLevel = (int)scope.MaxLevel, scopeCommunity = scope.Community });
        parameters.Add("cycle", cycle);
        parameters.Add("audience", audience);
        return parameters;
    }

    internal static class Sql
    {
        public const string Capabilities = "SELECT code AS Code, name AS Name, unit AS Unit, capability_group AS CapabilityGroup FROM capabilities ORDER BY code";

        public const string Capability = "SELECT code FROM capabilities WHERE code = @capability";

        private const string TargetColumns = """
            t.id AS Id, t.cycle AS Cycle, t.nation AS Nation, t.capability AS Capability, t.horizon AS Horizon, t.quantity AS Quantity,
            t.classification AS Classification, t.recorded_at AS RecordedAt, t.recorded_by AS RecordedBy
            """;

        public const string Latest = $"""
            SELECT {TargetColumns} FROM capability_targets t
            WHERE t.id = (SELECT MAX(l.id) FROM capability_targets l
                          WHERE l.cycle = @Cycle AND l.nation = @Nation AND l.capability = @Capability AND l.horizon = @Horizon)
            """;

        /// <summary>
        /// The latest row of each cell of a cycle among the rows up to <c>@snapshot</c> marked at most <c>@scopeLevel</c>
        /// (<see cref="CurrentOf"/>; the current ones: no bound on either).
        /// </summary>
        public const string Current = $"""
            SELECT {TargetColumns} FROM capability_targets t
            WHERE t.cycle = @cycle AND t.id <= @snapshot AND t.classification <= @scopeLevel AND NOT EXISTS (
                SELECT 1 FROM capability_targets n
                WHERE n.cycle = t.cycle AND n.nation = t.nation AND n.capability = t.capability AND n.horizon = t.horizon AND n.id > t.id
                  AND n.id <= @snapshot AND n.classification <= @scopeLevel)
            ORDER BY t.capability, t.horizon, t.nation
            """;

        public const string InsertTarget = """
            INSERT INTO capability_targets (cycle, nation, capability, horizon, quantity, classification, recorded_at, recorded_by)
            VALUES (@Cycle, @Nation, @Capability, @Horizon, @Quantity, @classification, @RecordedAt, @RecordedBy)
            """;

        /// <summary>The audience's row lock (a no-op update; every provider locks on it): a revocation and publications queue.</summary>
        public const string LockAudience = "UPDATE audiences SET name = name WHERE code = @audience";

        /// <summary>The publications' lock (a no-op update of its row): publications queue, each audited against every table before it.</summary>
        public const string LockPublications = "UPDATE feed_locks SET name = name WHERE name = 'publications'";

        /// <summary>The nation's row lock (a no-op update): records of its targets queue.</summary>
        public const string LockNation = "UPDATE nations SET name = name WHERE code = @nation";

        /// <summary>The row locks of the cycle's tables (a no-op update; none while it has no table): records of its targets queue.</summary>
        public const string LockCycleTables = "UPDATE capability_tables SET cycle = cycle WHERE cycle = @cycle";

        /// <summary>Every nation's row lock: a publication or revocation waits for the target records in flight.</summary>
        public const string LockNations = "UPDATE nations SET name = name";

        internal const string TableColumns = """
            ct.id AS Id, ct.cycle AS Cycle, ct.audience AS Audience, ct.classification AS Classification, ct.design AS Design,
            ct.target_snapshot AS TargetSnapshot, ct.published_at AS PublishedAt, ct.published_by AS PublishedBy, ct.revoked_at AS RevokedAt, ct.revoked_by AS RevokedBy,
            ct.public_id AS PublicId
            """;

        /// <summary>Every table ever published, to any audience, revoked ones included: the priors of an audit.</summary>
        public const string AllTables = $"SELECT {TableColumns} FROM capability_tables ct ORDER BY ct.id";

        public const string Cells = """
            SELECT table_id AS TableId, position AS Position, row_key AS RowKey, column_key AS ColumnKey, value AS Value
            FROM capability_table_cells WHERE table_id = @tableId ORDER BY position
            """;

        public static string InsertTable(SqlDialect dialect) => dialect.InsertReturning("capability_tables",
            "cycle, audience, classification, design, target_snapshot, published_at, published_by, public_id",
            "@Cycle, @Audience, @classification, @Design, @TargetSnapshot, @PublishedAt, @PublishedBy, @PublicId", "id");

        public static string InsertCells(int rows) =>
            "INSERT INTO capability_table_cells (table_id, position, row_key, column_key, value) VALUES "
            + string.Join(", ", Enumerable.Range(0, rows).Select(i => $"(@tableId, @p{i}, @r{i}, @k{i}, @v{i})"));

        /// <summary>
        /// Revokes the active table of a cycle to an audience that the scope reads (<see cref="Readable"/>): one it does not
        /// read is to it an absent one, for revoking it too (marked above its clearance, or computed from a figure above
        /// it while its clearance covers several nations' targets of the cycle).
        /// </summary>
        public static string Revoke(VisibilityScope scope) => $"""
            UPDATE capability_tables SET revoked_at = @at, revoked_by = @by
            WHERE id IN (SELECT ct.id FROM capability_tables ct
                         WHERE ct.cycle = @cycle AND ct.audience = @audience AND ct.revoked_at IS NULL AND {Readable(scope)})
            """;

        /// <summary>
        /// The tables the scope reads: outside NATO its audience's active ones within its level; inside NATO every one within
        /// its clearance, but for a reader speaking for no nation whose clearance covers targets of the table's cycle of
        /// several nations and not every figure the table was computed from (<see cref="PartlyKnown"/>).
        /// </summary>
        internal static string Readable(VisibilityScope scope) => !scope.Originator
            ? $"{Visibility.WithinLevel(scope, "ct.classification")} AND ct.audience = @scopeCommunity AND ct.revoked_at IS NULL"
            // A reader cleared to the top of the scale knows every figure: the check would scan the cycle's rows for nothing.
            : scope.Nation is null && scope.MaxLevel < Classification.CTS ? $"{Visibility.WithinLevel(scope, "ct.classification")} AND NOT {PartlyKnown}"
            : Visibility.WithinLevel(scope, "ct.classification");

        /// <summary>
        /// Whether a NATO reader cleared <c>@scopeLevel</c> reads targets of the table's cycle of more than one nation (any
        /// row within its clearance, older or later ones too: what it once read it still knows) while a figure the table
        /// was computed from (a cell's latest row up to its snapshot) is above its clearance. Such a reader is a coalition
        /// of nations, which the audit does not protect against: a published cell less the figures it knows is the hidden
        /// one. A reader speaking for a nation reads its own nation's targets only, an insider the audit protects against.
        /// </summary>
        private const string PartlyKnown = $"""
            (EXISTS (SELECT 1 FROM {TableFigures} AND th.classification > @scopeLevel)
             AND (SELECT COUNT(DISTINCT tk.nation) FROM capability_targets tk WHERE tk.cycle = ct.cycle AND tk.classification <= @scopeLevel) > 1)
            """;

        /// <summary>
        /// The figures table <c>ct</c> was computed from, as rows <c>th</c> (a FROM and WHERE to go on with <c>AND</c>):
        /// each cell's latest row up to the table's snapshot. Read by the several-nations rule here and by the feed's
        /// facts of a table (<c>FeedWriter.Sql</c>), which must agree with it.
        /// </summary>
        internal const string TableFigures = """
            capability_targets th
            WHERE th.cycle = ct.cycle AND th.id <= ct.target_snapshot AND NOT EXISTS (
                SELECT 1 FROM capability_targets tn
                WHERE tn.cycle = th.cycle AND tn.nation = th.nation AND tn.capability = th.capability AND tn.horizon = th.horizon
                  AND tn.id > th.id AND tn.id <= ct.target_snapshot)
            """;

        /// <summary>The highest marking among the figures table <c>ct</c> was computed from (<see cref="TableFigures"/>), as a scalar subquery.</summary>
        internal const string FiguresUpTo = $"(SELECT MAX(th.classification) FROM {TableFigures})";

        public static string Tables(VisibilityScope scope) =>
            $"SELECT {TableColumns} FROM capability_tables ct WHERE {Readable(scope)} ORDER BY ct.cycle, ct.audience, ct.id";

        public static string Table(SqlDialect dialect, VisibilityScope scope) => $"""
            SELECT {TableColumns} FROM capability_tables ct
            WHERE ct.cycle = @cycle AND ct.audience = @audience AND {Readable(scope)}
            ORDER BY ct.id DESC
            {dialect.Limit("1")}
            """;

        public static IEnumerable<string> All(SqlDialect dialect, VisibilityScope scope) => [Tables(scope), Table(dialect, scope), Revoke(scope)];

        public static IEnumerable<string> All(SqlDialect dialect) =>
        [
            Capabilities, Capability, Latest, Current, InsertTarget, LockAudience, LockPublications, LockNation, LockCycleTables, LockNations, AllTables, Cells,
            InsertTable(dialect), $"{ResponseStore.Sql.Nation}",
            .. Enumerable.Range(0, 6).Select(i => InsertCells(1 << i)),
        ];
    }
}
