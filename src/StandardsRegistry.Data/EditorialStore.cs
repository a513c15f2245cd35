using Dapper;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Data;

/// <summary>What an editor writes into a draft (validated by the caller).</summary>
public sealed record DraftContent(string Title, string Summary, string Body, Classification Classification, string Attributes);

/// <summary>
/// Editorial writes. Each is one transaction that first locks the standard's row (so concurrent writers to one
/// standard queue rather than collide, on every provider), then checks the state it needs before it writes
/// anything; edition numbers come from that transaction and a unique constraint, draft edits from a row version.
/// Each change to a version is tracked into the change feed (<see cref="FeedLog"/>) in the same transaction.
/// </summary>
public sealed class EditorialStore(Db db, FeedLog feed)
{
    public Task<Result<string>> CreateStandardAsync(string key, string designation, string category, string title, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        feed.WriteAsync(now, async c =>
        {
            if (await c.ExecuteScalarAsync<int>(Sql.CountStandards, new { key }) > 0)
            {
                return Result.Fail<string>(Outcome.Conflict, $"A standard with key '{key}' already exists.");
            }
            await c.ExecuteAsync(Sql.InsertStandard, new { key, designation, category, title, now = now.ToUnixTimeMilliseconds(), by = by.Subject });
            return await AuditedAsync(c, by, AuditActions.StandardCreate, Result.Created(key), now, key);
        }, ct);

    /// <summary>Adds a draft with the next edition number of a standard the editor can see.</summary>
    public Task<Result<int>> CreateDraftAsync(VisibilityScope scope, string key, DraftContent content, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        feed.WriteAsync(now, async c =>
        {
            await LockAsync(c, key);
            var standardId = await c.QuerySingleOrDefaultAsync<long?>(Sql.StandardForWrite(scope), Visibility.Bind(scope, now, new { key }));
            if (standardId is null)
            {
                return Result.Fail<int>(Outcome.NotFound);
            }
            var edition = await FeedLog.TrackAsync(c, standardId.Value, now.ToUnixTimeMilliseconds(),
                () => c.QuerySingleAsync<int>(Sql.InsertDraft(db.Dialect), DraftParameters(content, by.Subject, now, new { standardId })));
            return await AuditedAsync(c, by, AuditActions.DraftCreate, Result.Created(edition), now, key, edition, content.Classification);
        }, ct);

    /// <summary>
    /// The category of a standard the writer may write to (<see cref="Visibility.WholeStandardCovered"/>), or null: a
    /// handler asks before it validates a draft against its category, so a standard the writer may not write to is
    /// answered as an absent one whatever the body says.
    /// </summary>
    public Task<string?> WritableCategoryAsync(VisibilityScope scope, string key, DateTimeOffset now, CancellationToken ct = default) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<string?>(Sql.CategoryForWrite(scope), Visibility.Bind(scope, now, new { key })), ct).AsTask();

    /// <summary>Replaces a draft's content if it is still at <paramref name="expectedRowVersion"/>.</summary>
    public Task<Result<int>> UpdateDraftAsync(VisibilityScope scope, string key, int edition, long expectedRowVersion, DraftContent content, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        feed.WriteAsync(now, async c =>
        {
            var version = await FindForWriteAsync(c, scope, key, edition, now);
            if (version is null)
            {
                return Result.Fail<int>(Outcome.NotFound);
            }
            if (version.Status != VersionStatus.Draft)
            {
                return Result.Fail<int>(Outcome.Conflict, $"Edition {edition} is {Lifecycle.ToText(version.Status)}: published versions are immutable; create a new edition instead.");
            }
            var updated = await FeedLog.TrackAsync(c, version.StandardId, now.ToUnixTimeMilliseconds(),
                () => c.ExecuteAsync(Sql.UpdateDraft, DraftParameters(content, by.Subject, now, new { id = version.Id, expectedRowVersion })));
            return updated == 1
                ? await AuditedAsync(c, by, AuditActions.DraftUpdate, Result.Done(edition), now, key, edition, content.Classification)
                : Result.Fail<int>(Outcome.PreconditionFailed, "The draft has changed since you read it: fetch it again and reapply your change.");
        }, ct);

    /// <summary>Publishes a draft; the standard's current edition, if any, becomes superseded.</summary>
    public Task<Result<int>> PublishAsync(VisibilityScope scope, string key, int edition, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        feed.WriteAsync(now, async c =>
        {
            var version = await FindForWriteAsync(c, scope, key, edition, now);
            if (version is null)
            {
                return Result.Fail<int>(Outcome.NotFound);
            }
            if (version.Status != VersionStatus.Draft)
            {
                return Result.Fail<int>(Outcome.Conflict, $"Edition {edition} is already {Lifecycle.ToText(version.Status)}; only drafts can be published.");
            }
            if (await c.ExecuteScalarAsync<int>(Sql.CountLaterPublished, version) > 0)
            {
                return Result.Fail<int>(Outcome.Conflict, $"A later edition than {edition} has been published; publish this content as a new edition instead.");
            }
            var at = now.ToUnixTimeMilliseconds();
            var published = await FeedLog.TrackAsync(c, version.StandardId, at, async () =>
            {
                await c.ExecuteAsync(Sql.SupersedeCurrent, new { version.StandardId, at, by = by.Subject });
                return await c.ExecuteAsync(Sql.Publish, new { version.Id, at, by = by.Subject });
            });
            return published == 1
                ? await AuditedAsync(c, by, AuditActions.VersionPublish, Result.Done(edition), now, key, edition, version.Classification)
                : Result.Fail<int>(Outcome.Conflict, $"Edition {edition} is no longer a draft.");
        }, ct);

    /// <summary>Withdraws a published or superseded edition, with the reason on record.</summary>
    public Task<Result<int>> WithdrawAsync(VisibilityScope scope, string key, int edition, string reason, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        feed.WriteAsync(now, async c =>
        {
            var version = await FindForWriteAsync(c, scope, key, edition, now);
            if (version is null)
            {
                return Result.Fail<int>(Outcome.NotFound);
            }
            if (!Lifecycle.IsReleasable(version.Status))
            {
                return Result.Fail<int>(Outcome.Conflict, $"Edition {edition} is {Lifecycle.ToText(version.Status)}; only published or superseded editions can be withdrawn.");
            }
            var at = now.ToUnixTimeMilliseconds();
            await FeedLog.TrackAsync(c, version.StandardId, at, () => c.ExecuteAsync(Sql.Withdraw, new { version.Id, at, by = by.Subject, reason }));
            return await AuditedAsync(c, by, AuditActions.VersionWithdraw, Result.Done(edition), now, key, edition, version.Classification);
        }, ct);

    /// <summary>
    /// Appends the audit entry of a successful write in the write's own transaction, so the change and its record
    /// commit (or roll back) together. The status is the HTTP status the write is answered with.
    /// </summary>
    internal static async Task<Result<T>> AuditedAsync<T>(DbSession c, AuditActor by, string action, Result<T> result, DateTimeOffset now,
        string? key, int? edition = null, Classification? classification = null, string? detail = null, int? answered = null)
    {
        var status = answered ?? (result.Outcome == Outcome.Created ? 201 : 200);
        await AuditLog.AppendAsync(c, [by.Entry(action, status, now, key, edition, classification, detail)]);
        return result;
    }

    /// <summary>A draft's content and who wrote it when, as the draft statements bind them, plus <paramref name="more"/>.</summary>
    private static DynamicParameters DraftParameters(DraftContent content, string by, DateTimeOffset now, object more)
    {
        var parameters = new DynamicParameters(more);
        parameters.AddDynamicParams(new
        {
            content.Title,
            content.Summary,
            content.Body,
            content.Attributes,
            classification = (int)content.Classification,
            now = now.ToUnixTimeMilliseconds(),
            by,
        });
        return parameters;
    }

    internal sealed class VersionState
    {
        public long Id { get; init; }
        public long StandardId { get; init; }
        public int Edition { get; init; }
        public VersionStatus Status { get; init; }
        public Classification Classification { get; init; }
    }

    /// <summary>The version as the caller's scope sees it (hidden is not found).</summary>
    internal static Task<VersionState?> FindAsync(DbSession c, VisibilityScope scope, string key, int edition, DateTimeOffset now) =>
        c.QuerySingleOrDefaultAsync<VersionState>(Sql.FindVersion(scope), Visibility.Bind(scope, now, new { key, edition }));

    /// <summary>
    /// In a write transaction: locks the standard, then reads the version as the writer's scope sees it, provided the
    /// writer's clearance covers every edition of the standard (<see cref="Visibility.WholeStandardCovered"/>).
    /// </summary>
    internal static async Task<VersionState?> FindForWriteAsync(DbSession c, VisibilityScope scope, string key, int edition, DateTimeOffset now)
    {
        await LockAsync(c, key);
        return await c.QuerySingleOrDefaultAsync<VersionState>(Sql.FindVersionForWrite(scope), Visibility.Bind(scope, now, new { key, edition }));
    }

    /// <summary>Takes the standard's row lock for the rest of the transaction (a no-op update; every provider locks on it).</summary>
    private static Task LockAsync(DbSession c, string key) => c.ExecuteAsync(Sql.LockStandard, new { key });

    internal static class Sql
    {
        public const string CountStandards = "SELECT COUNT(*) FROM standards WHERE standard_key = @key";

        public const string LockStandard = "UPDATE standards SET title = title WHERE standard_key = @key";

        public const string InsertStandard =
            "INSERT INTO standards (standard_key, designation, category, title, created_at, created_by) VALUES (@key, @designation, @category, @title, @now, @by)";

        public static string InsertDraft(SqlDialect dialect) => dialect.InsertReturning(
            "versions",
            "standard_id, edition, title, summary, body, attributes, status, classification, row_version, created_at, created_by, updated_at, updated_by",
            "@standardId, (SELECT COALESCE(MAX(e.edition), 0) + 1 FROM versions e WHERE e.standard_id = @standardId), @Title, @Summary, @Body, @Attributes, 'draft', @classification, 1, @now, @by, @now, @by",
            "edition");

        public const string UpdateDraft = """
            UPDATE versions SET title = @Title, summary = @Summary, body = @Body, attributes = @Attributes, classification = @classification,
                   row_version = row_version + 1, updated_at = @now, updated_by = @by
            WHERE id = @id AND status = 'draft' AND row_version = @expectedRowVersion
            """;

        public const string CountLaterPublished =
            "SELECT COUNT(*) FROM versions WHERE standard_id = @StandardId AND edition > @Edition AND published_at IS NOT NULL";

        public const string SupersedeCurrent =
            "UPDATE versions SET status = 'superseded', row_version = row_version + 1, updated_at = @at, updated_by = @by WHERE standard_id = @StandardId AND status = 'published'";

        public const string Publish = """
            UPDATE versions SET status = 'published', published_at = @at, published_by = @by, row_version = row_version + 1, updated_at = @at, updated_by = @by
            WHERE id = @Id AND status = 'draft'
            """;

        public const string Withdraw = """
            UPDATE versions SET status = 'withdrawn', withdrawn_at = @at, withdrawn_by = @by, withdrawal_reason = @reason,
                   row_version = row_version + 1, updated_at = @at, updated_by = @by
            WHERE id = @Id
            """;

        public static string FindVersion(VisibilityScope scope) => $"""
            SELECT v.id AS Id, v.standard_id AS StandardId, v.edition AS Edition, v.status AS Status, v.classification AS Classification
            FROM versions v JOIN standards s ON {Visibility.JoinStandardAfterVersion}
            WHERE v.standard_id = {Visibility.KeyedStandardId} AND v.edition = @edition AND {Visibility.Predicate(scope, "v")}
            """;

        public static string CategoryForWrite(VisibilityScope scope) =>
            $"SELECT s.category FROM standards s WHERE s.standard_key = @key AND {Visibility.StandardExists(scope, "s")} AND {Visibility.WholeStandardCovered("s")}";

        public static string FindVersionForWrite(VisibilityScope scope) => $"{FindVersion(scope)} AND {Visibility.WholeStandardCovered("s")}";

        /// <summary>The standard an editor may add a draft to: it exists for the editor, and every edition is within its clearance.</summary>
        public static string StandardForWrite(VisibilityScope scope) => $"{CatalogueQueries.Sql.StandardId(scope)} AND {Visibility.WholeStandardCovered("s")}";

        public static IEnumerable<string> All(SqlDialect dialect, VisibilityScope scope) =>
            [CountStandards, LockStandard, InsertStandard, InsertDraft(dialect), UpdateDraft, CountLaterPublished, SupersedeCurrent, Publish, Withdraw, FindVersion(scope),
             FindVersionForWrite(scope), StandardForWrite(scope), CategoryForWrite(scope)];
    }
}
