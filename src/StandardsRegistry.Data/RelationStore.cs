using Dapper;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Data;

/// <summary>An edge as a caller sees it from one standard: its kind, its direction, and the standard at the other end.</summary>
public sealed class EdgeRow
{
    public string Kind { get; init; } = "";
    /// <summary>1: from this standard to <see cref="StandardKey"/>; 0: from <see cref="StandardKey"/> to this one.</summary>
    public long Outgoing { get; init; }
    public string StandardKey { get; init; } = "";
    public string Designation { get; init; } = "";
    public string Title { get; init; } = "";
}

public sealed class EquivalentRow
{
    public string Source { get; init; } = "";
    public string Identifier { get; init; } = "";
}

public sealed class PreferredRow
{
    public string Category { get; init; } = "";
    public string Rationale { get; init; } = "";
}

/// <summary>What a caller sees around one standard: edges whose far end it can see, equivalents, the preferred mark.</summary>
public sealed record RelationsView(IReadOnlyList<EdgeRow> Edges, IReadOnlyList<EquivalentRow> Equivalents, PreferredRow? Preferred);

/// <summary>
/// Relations between documents. An edge between two standards exists for a caller only when the caller can see both
/// ends (<see cref="Visibility.StandardExists"/> on each): it never tells that a hidden end exists — not by a row, an
/// order or a count. Equivalents and the preferred mark belong to their standard and are seen with it. A writer changes
/// relations only between standards it may write to (visible and covered by its clearance); any other end is answered
/// as absent.
/// <para>
/// A category's preferred mark is a history of rows, each a mark of a standard (with why) or an unmark of one. A caller
/// sees, for the category, the latest row whose standard exists for it (<see cref="Sql.Latest"/>): a mark there makes its
/// standard the preferred one, an unmark (or no row) makes none. Marking a standard the caller does not see adds a row it
/// never reads, so what it sees — and how a write answers it — is the same as if that mark had never been made.
/// </para>
/// </summary>
public sealed class RelationStore(Db db, RegistryWrites writes)
{
    /// <summary>The longest chain of supersessions followed to the current document (a cycle stops where it closes).</summary>
    public const int MaxChain = 32;

    public Task<Result<bool>> RelateAsync(VisibilityScope scope, string key, RelationKind kind, string target, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.CatalogueAsync(AuditActions.RelationAdd, by, now, key, async w =>
        {
            w.Names(detail: $"{EnumText.Of(kind)} {target}");
            if (await EndsAsync(w, scope, key, target) is not var (from, to))
            {
                return Result.Fail<bool>(Outcome.NotFound);
            }
            if (from.Id == to.Id)
            {
                return Result.Fail<bool>(Outcome.Unprocessable, "A standard does not relate to itself.");
            }
            var parameters = new { from = from.Id, to = to.Id, kind = EnumText.Of(kind), at = w.At, by = by.Subject };
            await w.LockStandardAsync(to.Id);
            if (await w.Session.ExecuteScalarAsync<long?>(Sql.Edge, parameters) is not null)
            {
                return Result.Done(false);
            }
            await w.TrackAsync(from.Id, () => w.Session.ExecuteAsync(Sql.InsertEdge, parameters), related: true);
            return Result.Created(true);
        }, ct);

    public Task<Result<bool>> UnrelateAsync(VisibilityScope scope, string key, RelationKind kind, string target, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.CatalogueAsync(AuditActions.RelationRemove, by, now, key, async w =>
        {
            w.Names(detail: $"{EnumText.Of(kind)} {target}");
            if (await EndsAsync(w, scope, key, target) is not var (from, to))
            {
                return Result.Fail<bool>(Outcome.NotFound);
            }
            await w.LockStandardAsync(to.Id);
            return await w.TrackAsync(from.Id, () => w.Session.ExecuteAsync(Sql.DeleteEdge, new { from = from.Id, to = to.Id, kind = EnumText.Of(kind) }), related: true) > 0
                ? Result.Removed(true)
                : Result.Fail<bool>(Outcome.NotFound);
        }, ct);

    public Task<Result<bool>> AddEquivalentAsync(VisibilityScope scope, string key, string source, string identifier, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.CatalogueAsync(AuditActions.EquivalentAdd, by, now, key, async w =>
        {
            w.Names(detail: $"{source} {identifier}");
            if (await WritableAsync(w, scope) is not { } standard)
            {
                return Result.Fail<bool>(Outcome.NotFound);
            }
            var parameters = new { id = standard.Id, source, identifier, at = w.At, by = by.Subject };
            if (await w.Session.ExecuteScalarAsync<long?>(Sql.Equivalent, parameters) is not null)
            {
                return Result.Done(false);
            }
            // One civil standard is recorded once per standard as a reader reads it (docs/design.md §1.8): the writer
            // sees every equivalent of a standard it may write, so naming the one on record tells it nothing hidden.
            var identity = Designations.Identity(identifier);
            if ((await w.Session.QueryAsync<string>(Sql.EquivalentsOfSource, parameters)).FirstOrDefault(e => Designations.Identity(e) == identity) is { } recorded)
            {
                return Result.Fail<bool>(Outcome.Conflict, $"{source} '{recorded}' is already an equivalent of this standard; remove it before recording it otherwise.");
            }
            await w.TrackAsync(standard.Id, () => w.Session.ExecuteAsync(Sql.InsertEquivalent, parameters));
            return Result.Created(true);
        }, ct);

    public Task<Result<bool>> RemoveEquivalentAsync(VisibilityScope scope, string key, string source, string identifier, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.CatalogueAsync(AuditActions.EquivalentRemove, by, now, key, async w =>
        {
            w.Names(detail: $"{source} {identifier}");
            return await WritableAsync(w, scope) is { } standard
                && await w.TrackAsync(standard.Id, () => w.Session.ExecuteAsync(Sql.DeleteEquivalent, new { id = standard.Id, source, identifier })) > 0
                ? Result.Removed(true)
                : Result.Fail<bool>(Outcome.NotFound);
        }, ct);

    /// <summary>
    /// Marks the standard the preferred one of its category, with why: a mark row added to the category's history. The
    /// answer is 200 when the writer saw a preferred standard in the category (any, this one included), 201 when it saw
    /// none — decided, like every reader's mark, by the rows whose standards the writer sees, never by a hidden one.
    /// </summary>
    public Task<Result<bool>> MarkPreferredAsync(VisibilityScope scope, string key, string rationale, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.CatalogueAsync(AuditActions.PreferredMark, by, now, key, async w =>
        {
            if (await WritableAsync(w, scope) is not { } standard)
            {
                return Result.Fail<bool>(Outcome.NotFound);
            }
            w.Names(detail: standard.Category);
            // A standard in force for no reader is no one's to prefer: a mark on it would read as if not made (Latest). The
            // writer covers every edition (Writable), so in force for it means in force at all, and this says nothing hidden.
            if (await w.Session.ExecuteScalarAsync<int?>(Sql.NotInForce(scope), Visibility.Bind(scope, w.Now, new { id = standard.Id })) is not null)
            {
                return Result.Fail<bool>(Outcome.Conflict, "Every edition of the standard is withdrawn: a withdrawn standard is not marked preferred.");
            }
            var mark = new { standard.Category, id = standard.Id, rationale, at = w.At, by = by.Subject };
            // Read under the relations lock (TrackAsync takes it first), which every change of a mark takes.
            var held = await w.TrackAsync(standard.Id, async () =>
            {
                var seen = await w.Session.ExecuteScalarAsync<string?>(Sql.SeenInCategory(scope), Visibility.Bind(scope, w.Now, new { standard.Category }));
                await w.Session.ExecuteAsync(Sql.InsertMark, mark);
                return seen == "mark";
            }, related: true);
            return held ? Result.Done(true) : Result.Created(true);
        }, ct);

    /// <summary>
    /// Unmarks the standard: an unmark row added to its category's history, when the writer sees it as the category's
    /// preferred standard (204); otherwise nothing is written (404).
    /// </summary>
    public Task<Result<bool>> UnmarkPreferredAsync(VisibilityScope scope, string key, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.CatalogueAsync(AuditActions.PreferredUnmark, by, now, key, async w =>
        {
            if (await WritableAsync(w, scope) is not { } standard)
            {
                return Result.Fail<bool>(Outcome.NotFound);
            }
            w.Names(detail: standard.Category);
            return await w.TrackAsync(standard.Id, async () =>
                await w.Session.QuerySingleOrDefaultAsync<PreferredRow>(Sql.Preferred(scope), Visibility.Bind(scope, w.Now, new { id = standard.Id })) is not null
                && await w.Session.ExecuteAsync(Sql.InsertUnmark, new { standard.Category, id = standard.Id, at = w.At, by = by.Subject }) > 0, related: true)
                ? Result.Removed(true)
                : Result.Fail<bool>(Outcome.NotFound);
        }, ct);

    /// <summary>What the caller sees around the standard; null when the standard does not exist for the caller.</summary>
    public Task<RelationsView?> RelationsAsync(VisibilityScope scope, string key, DateTimeOffset now, CancellationToken ct = default) =>
        db.ReadAsync<RelationsView?>(async c =>
        {
            var parameters = Visibility.Bind(scope, now, new { key });
            if (await c.QuerySingleOrDefaultAsync<long?>(CatalogueQueries.Sql.StandardId(scope), parameters) is not { } id)
            {
                return null;
            }
            parameters.Add("id", id);
            return new RelationsView(
                await c.QueryAsync<EdgeRow>(Sql.Edges(scope), parameters),
                await c.QueryAsync<EquivalentRow>(Sql.Equivalents, parameters),
                await c.QuerySingleOrDefaultAsync<PreferredRow>(Sql.Preferred(scope), parameters));
        }, ct).AsTask();

    /// <summary>
    /// The current applicable document: from the standard, along <c>supersedes</c> edges to a successor the caller can
    /// see (the most recently recorded one when several), until there is none. The keys of the chain, the standard's own
    /// first, and the standard it ends at; null when the standard does not exist for the caller. Read in one snapshot:
    /// the walk is a statement per step, and a release revoked, an edition withdrawn or a supersession recorded between
    /// them (or before the standard at the end is read) answered a chain no one state of the catalogue has, or none.
    /// </summary>
    public Task<(IReadOnlyList<string> Chain, StandardRow Current)?> CurrentAsync(VisibilityScope scope, string key, DateTimeOffset now, CancellationToken ct = default) =>
        db.SnapshotReadAsync<(IReadOnlyList<string>, StandardRow)?>(async c =>
        {
            var parameters = Visibility.Bind(scope, now, new { key });
            if (await c.QuerySingleOrDefaultAsync<long?>(CatalogueQueries.Sql.StandardId(scope), parameters) is not { } id)
            {
                return null;
            }
            var chain = new List<string> { key };
            var seen = new HashSet<long> { id };
            parameters.Add("id", id);
            while (chain.Count < MaxChain && await c.QuerySingleOrDefaultAsync<Successor>(Sql.Successor(db.Dialect, scope), parameters) is { } next && seen.Add(next.Id))
            {
                chain.Add(next.StandardKey);
                parameters.Add("id", next.Id);
            }
            return await CatalogueQueries.GetStandardAsync(c, scope, now, chain[^1]) is { } current ? (chain, current) : null;
        }, ct).AsTask();

    private sealed class Successor
    {
        public long Id { get; init; }
        public string StandardKey { get; init; } = "";
    }

    private sealed class Standard
    {
        public long Id { get; init; }
        public string Category { get; init; } = "";
    }

    /// <summary>
    /// The written standard and the target, both as the writer may write them; null when either is not. Both are locked
    /// first, in the order of their ids whichever end is written, as every write that locks two standards takes them:
    /// two writers relating the same two standards from either end (A to B beside B to A) each locked its own end first
    /// and waited for the other's, until the database's deadlock detection failed one. Only standards the writer may
    /// write are locked, so a hidden one makes no write wait.
    /// </summary>
    private async Task<(Standard From, Standard To)?> EndsAsync(Write w, VisibilityScope scope, string key, string target)
    {
        foreach (var id in await w.Session.QueryAsync<long>(Sql.WritableEnds(scope), Visibility.Bind(scope, w.Now, new { key, target })))
        {
            await w.LockStandardAsync(id);
        }
        return await WritableAsync(w, scope) is { } from
            && await w.Session.QuerySingleOrDefaultAsync<Standard>(Sql.Writable(scope), Visibility.Bind(scope, w.Now, new { key = target })) is { } to
                ? (from, to)
                : null;
    }

    /// <summary>The standard being written, locked, if the writer may write to it.</summary>
    private static Task<Standard?> WritableAsync(Write w, VisibilityScope scope) =>
        w.LockedAsync<Standard>(Sql.Writable(scope), Visibility.Bind(scope, w.Now));

    internal static class Sql
    {
        public static string Writable(VisibilityScope scope) => $"""
            SELECT s.id AS Id, s.category AS Category FROM standards s
            WHERE s.standard_key = @key AND {Visibility.StandardExists(scope, "s")} AND {Visibility.WholeStandardCovered("s")}
            """;

        /// <summary>The ids of standards <c>@key</c> and <c>@target</c> the writer may write, in the order they are locked.</summary>
        public static string WritableEnds(VisibilityScope scope) => $"""
            SELECT s.id FROM standards s
            WHERE (s.standard_key = @key OR s.standard_key = @target) AND {Visibility.StandardExists(scope, "s")} AND {Visibility.WholeStandardCovered("s")}
            ORDER BY s.id
            """;

        public const string Edge = "SELECT id FROM relations WHERE from_standard_id = @from AND kind = @kind AND to_standard_id = @to";

        public const string InsertEdge = """
            INSERT INTO relations (kind, from_standard_id, to_standard_id, created_at, created_by) VALUES (@kind, @from, @to, @at, @by)
            """;

        public const string DeleteEdge = "DELETE FROM relations WHERE from_standard_id = @from AND kind = @kind AND to_standard_id = @to";

        public const string Equivalent = "SELECT id FROM equivalents WHERE standard_id = @id AND source = @source AND identifier = @identifier";

        public const string EquivalentsOfSource = "SELECT identifier FROM equivalents WHERE standard_id = @id AND source = @source";

        public const string InsertEquivalent = """
            INSERT INTO equivalents (standard_id, source, identifier, created_at, created_by) VALUES (@id, @source, @identifier, @at, @by)
            """;

        public const string DeleteEquivalent = "DELETE FROM equivalents WHERE standard_id = @id AND source = @source AND identifier = @identifier";

        /// <summary>A row when standard <c>@id</c> is not in force for the caller (<see cref="Visibility.StandardInForce"/>).</summary>
        public static string NotInForce(VisibilityScope scope) =>
            $"SELECT 1 FROM standards s WHERE s.id = @id AND NOT {Visibility.StandardInForce(scope, "s")}";

        public const string InsertMark = """
            INSERT INTO preferred_marks (category, standard_id, kind, rationale, marked_at, marked_by) VALUES (@Category, @id, 'mark', @rationale, @at, @by)
            """;

        public const string InsertUnmark = """
            INSERT INTO preferred_marks (category, standard_id, kind, rationale, marked_at, marked_by) VALUES (@Category, @id, 'unmark', NULL, @at, @by)
            """;

        /// <summary>
        /// The id of the latest row of category <paramref name="category"/>'s preferred-mark history whose standard is in
        /// force for the caller (null: none): the row that decides the caller's preferred standard of the category. A row
        /// of a standard the caller does not see, or whose editions it sees are all withdrawn, is one it never reads.
        /// </summary>
        public static string Latest(VisibilityScope scope, string category, bool asAnnounced = false) => $"""
            (SELECT MAX(lp.id) FROM preferred_marks lp JOIN standards ls ON ls.id = lp.standard_id
             WHERE lp.category = {category} AND {Visibility.StandardInForce(scope, "ls", asAnnounced)})
            """;

        /// <summary>The edges of standard <c>@id</c> whose far end exists for the caller, in (kind, direction, key) order.</summary>
        public static string Edges(VisibilityScope scope) => $"""
            SELECT e.Kind, e.Outgoing, e.StandardKey, e.Designation, e.Title FROM (
                SELECT r.kind AS Kind, 1 AS Outgoing, t.standard_key AS StandardKey, t.designation AS Designation, t.title AS Title
                FROM relations r JOIN standards t ON t.id = r.to_standard_id
                WHERE r.from_standard_id = @id AND {Visibility.StandardExists(scope, "t")}
                UNION ALL
                SELECT r.kind AS Kind, 0 AS Outgoing, f.standard_key AS StandardKey, f.designation AS Designation, f.title AS Title
                FROM relations r JOIN standards f ON f.id = r.from_standard_id
                WHERE r.to_standard_id = @id AND {Visibility.StandardExists(scope, "f")}
            ) e
            ORDER BY e.Kind, e.Outgoing DESC, e.StandardKey
            """;

        public const string Equivalents = "SELECT source AS Source, identifier AS Identifier FROM equivalents WHERE standard_id = @id ORDER BY source, identifier";

        /// <summary>
        /// Row <paramref name="alias"/> of <c>preferred_marks</c> is the caller's preferred mark of its category: a mark,
        /// and the latest row whose standard exists for the caller (<see cref="Latest"/>). The relations routes and the
        /// feed (<paramref name="asAnnounced"/>: releases as the feed has announced them) judge a mark by this one rule.
        /// </summary>
        public static string Shown(VisibilityScope scope, string alias, bool asAnnounced = false) =>
            $"{alias}.kind = 'mark' AND {alias}.id = {Latest(scope, $"{alias}.category", asAnnounced)}";

        /// <summary>Standard <c>@id</c>'s mark, when it is the caller's preferred standard of its category (<see cref="Shown"/>).</summary>
        public static string Preferred(VisibilityScope scope) => $"""
            SELECT p.category AS Category, p.rationale AS Rationale FROM preferred_marks p
            WHERE p.standard_id = @id AND {Shown(scope, "p")}
            """;

        /// <summary>The kind of the row of category <c>@Category</c>'s history the caller sees (none: no row).</summary>
        public static string SeenInCategory(VisibilityScope scope) => $"""
            SELECT p.kind FROM preferred_marks p WHERE p.id = {Latest(scope, "@Category")}
            """;

        /// <summary>The most recently recorded successor of standard <c>@id</c> (a standard that supersedes it) the caller can see.</summary>
        public static string Successor(SqlDialect dialect, VisibilityScope scope) => $"""
            SELECT n.id AS Id, n.standard_key AS StandardKey
            FROM relations r JOIN standards n ON n.id = r.from_standard_id
            WHERE r.to_standard_id = @id AND r.kind = 'supersedes' AND {Visibility.StandardExists(scope, "n")}
            ORDER BY r.id DESC
            {dialect.Limit("1")}
            """;

        public static IEnumerable<string> All(SqlDialect dialect, VisibilityScope scope) => [Writable(scope), WritableEnds(scope), NotInForce(scope), Edges(scope), Successor(dialect, scope), Preferred(scope), SeenInCategory(scope)];

        public static IEnumerable<string> All() =>
            [Edge, InsertEdge, DeleteEdge, Equivalent, EquivalentsOfSource, InsertEquivalent, DeleteEquivalent, InsertMark, InsertUnmark, Equivalents];
    }
}
