using Dapper;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Data;

/// <summary>What an editor writes into a draft (validated by the caller).</summary>
public sealed record DraftContent(string Title, string Summary, string Body, Classification Classification, string Attributes);

/// <summary>
/// Editorial writes, each one method on the write path (<see cref="RegistryWrites"/>): the path locks, finds, tracks
/// the feed and audits; a method here decides on the state it finds and changes it. Edition numbers come from the
/// write's transaction and a unique constraint, draft edits from a row version.
/// </summary>
public sealed class EditorialStore(Db db, RegistryWrites writes)
{
    /// <summary>
    /// Creates a standard whose key and designation are its own: a designation a reader would take for an existing
    /// standard's (<see cref="Designations.Identity"/>) is a conflict naming that standard's key when
    /// <paramref name="scope"/> sees it, and nothing of it otherwise (the designation being taken is all the editor learns,
    /// as of a key).
    /// </summary>
    /// <remarks>
    /// The identity is stored with the standard and unique by index (db/*/0032, 0033), so the one holder is found by
    /// that index, and two creations at once of one key or identity cannot both commit: the later one's INSERT fails on
    /// the index, and the write path runs it again (a unique violation is retried), which then finds the holder and
    /// answers as above. No lock is needed, and creations of different designations go on side by side.
    /// </remarks>
    public Task<Result<string>> CreateStandardAsync(VisibilityScope scope, string key, string designation, string category, string title, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.CatalogueAsync(AuditActions.StandardCreate, by, now, key, async w =>
        {
            if (await w.Session.ExecuteScalarAsync<int>(Sql.CountStandards, new { key }) > 0)
            {
                return Result.Fail<string>(Outcome.Conflict, $"A standard with key '{key}' already exists.");
            }
            var identity = Designations.Identity(designation);
            if (await w.Session.QuerySingleOrDefaultAsync<string?>(Sql.DesignationHolder, new { identity }) is { } holder)
            {
                var seen = await w.Session.ExecuteScalarAsync<int>(Sql.Seen(scope), Visibility.Bind(scope, now, new { key = holder })) != 0;
                return Result.Fail<string>(Outcome.Conflict, seen ? $"{DesignationTaken}: '{holder}'." : $"{DesignationTaken}.");
            }
            await w.Session.ExecuteAsync(Sql.InsertStandard, new { key, designation, identity, category, title, now = w.At, by = by.Subject });
            return Result.Created(key);
        }, ct);

    /// <summary>Adds a draft with the next edition number of a standard the editor can see.</summary>
    public Task<Result<VersionRow>> CreateDraftAsync(VisibilityScope scope, string key, DraftContent content, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.CatalogueAsync(AuditActions.DraftCreate, by, now, key, async w =>
        {
            var standardId = await w.LockedAsync<long?>(Sql.StandardForWrite(scope), Visibility.Bind(scope, now, null));
            if (standardId is null)
            {
                return Result.Fail<VersionRow>(Outcome.NotFound);
            }
            var edition = await w.TrackAsync(standardId.Value,
                () => w.Session.QuerySingleAsync<int>(Sql.InsertDraft(db.Dialect), DraftParameters(content, by.Subject, w.At, new { standardId })));
            var versionId = await w.Session.QuerySingleAsync<long>(Sql.VersionId, new { standardId, edition });
            await AttributeIndex.WriteAsync(w.Session, versionId, content.Attributes);
            w.Names(edition, content.Classification);
            return Result.Created(await WrittenAsync(w, scope, key, edition));
        }, ct);

    /// <summary>
    /// The category of a standard the writer may write to (<see cref="Visibility.WholeStandardCovered"/>), or null: a
    /// handler asks before it validates a draft against its category, so a standard the writer may not write to is
    /// answered as an absent one whatever the body says.
    /// </summary>
    public Task<string?> WritableCategoryAsync(VisibilityScope scope, string key, DateTimeOffset now, CancellationToken ct = default) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<string?>(Sql.CategoryForWrite(scope), Visibility.Bind(scope, now, new { key })), ct).AsTask();

    /// <summary>Replaces a draft's content if it is still at <paramref name="expectedRowVersion"/>.</summary>
    public Task<Result<VersionRow>> UpdateDraftAsync(VisibilityScope scope, string key, int edition, long expectedRowVersion, DraftContent content, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.VersionAsync(AuditActions.DraftUpdate, by, now, scope, key, edition, async (w, version) =>
        {
            if (version.Status != VersionStatus.Draft)
            {
                return Result.Fail<VersionRow>(Outcome.Conflict, NotADraft(edition, version.Status));
            }
            var updated = await w.TrackAsync(version.StandardId,
                () => w.Session.ExecuteAsync(Sql.UpdateDraft, DraftParameters(content, by.Subject, w.At, new { id = version.Id, expectedRowVersion })));
            // The entry names the marking the draft now has.
            w.Names(classification: content.Classification);
            if (updated != 1)
            {
                return Result.Fail<VersionRow>(Outcome.PreconditionFailed, DraftChanged);
            }
            await AttributeIndex.WriteAsync(w.Session, version.Id, content.Attributes);
            return Result.Done(await WrittenAsync(w, scope, key, edition));
        }, ct);

    /// <summary>Publishes a draft; the standard's current edition, if any, becomes superseded.</summary>
    /// <param name="expectedRowVersion">The row version the writer read (its If-Match), or null: no condition.</param>
    public Task<Result<VersionRow>> PublishAsync(VisibilityScope scope, string key, int edition, long? expectedRowVersion, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.VersionAsync(AuditActions.VersionPublish, by, now, scope, key, edition, async (w, version) =>
        {
            if (ChangedSinceRead(version, expectedRowVersion) is { } changed)
            {
                return changed;
            }
            if (version.Status != VersionStatus.Draft)
            {
                return Result.Fail<VersionRow>(Outcome.Conflict, $"Edition {edition} is already {EnumText.Of(version.Status)}; only drafts can be published.");
            }
            if (await w.Session.ExecuteScalarAsync<int>(Sql.CountLaterPublished, version) > 0)
            {
                return Result.Fail<VersionRow>(Outcome.Conflict, $"A later edition than {edition} has been published; publish this content as a new edition instead.");
            }
            var published = await w.TrackAsync(version.StandardId, async () =>
            {
                await w.Session.ExecuteAsync(Sql.SupersedeCurrent, new { version.StandardId, at = w.At, by = by.Subject });
                return await w.Session.ExecuteAsync(Sql.Publish, new { version.Id, at = w.At, by = by.Subject });
            });
            return published == 1 ? Result.Done(await WrittenAsync(w, scope, key, edition)) : Result.Fail<VersionRow>(Outcome.Conflict, $"Edition {edition} is no longer a draft.");
        }, ct);

    /// <summary>Withdraws a published or superseded edition, with the reason on record.</summary>
    /// <param name="expectedRowVersion">The row version the writer read (its If-Match), or null: no condition.</param>
    public Task<Result<VersionRow>> WithdrawAsync(VisibilityScope scope, string key, int edition, string reason, long? expectedRowVersion, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.VersionAsync(AuditActions.VersionWithdraw, by, now, scope, key, edition, async (w, version) =>
        {
            if (ChangedSinceRead(version, expectedRowVersion) is { } changed)
            {
                return changed;
            }
            if (!Lifecycle.IsReleasable(version.Status))
            {
                return Result.Fail<VersionRow>(Outcome.Conflict, $"Edition {edition} is {EnumText.Of(version.Status)}; only published or superseded editions can be withdrawn.");
            }
            await w.TrackAsync(version.StandardId, () => w.Session.ExecuteAsync(Sql.Withdraw, new { version.Id, at = w.At, by = by.Subject, reason }));
            return Result.Done(await WrittenAsync(w, scope, key, edition));
        }, ct);

    /// <summary>
    /// The version as its writer now sees it, read in the write's own transaction, for the answer and its ETag: exactly
    /// what this write made. Read after the commit, another editor's change in between was answered as this write's
    /// (its content and ETag, so the next If-Match would overwrite it unseen), or, had it raised the draft's marking
    /// above this writer's clearance, nothing was found and a committed write was answered 500.
    /// </summary>
    private static async Task<VersionRow> WrittenAsync(Write w, VisibilityScope scope, string key, int edition) =>
        await CatalogueQueries.GetVersionAsync(w.Session, scope, w.Now, key, edition)
            ?? throw new InvalidOperationException($"{key} edition {edition} is not visible to its writer inside the write.");

    /// <summary>Why an edition that is no longer a draft cannot be replaced (the handler's early check and the write's say the same).</summary>
    public static string NotADraft(int edition, VersionStatus status) =>
        $"Edition {edition} is {EnumText.Of(status)}: published versions are immutable; create a new edition instead.";

    /// <summary>Why an edition changed since the writer read it is neither published nor withdrawn on its If-Match.</summary>
    public const string EditionChanged = "The edition has changed since you read it: fetch it again and check it before you repeat the request.";

    /// <summary>
    /// The refusal of a conditional publish or withdrawal (its If-Match, as <paramref name="expectedRowVersion"/>) whose
    /// edition, found under the standard's lock, is no longer at the row version the writer read; null when it still is,
    /// or when the write is unconditional.
    /// </summary>
    private static Result<VersionRow>? ChangedSinceRead(VersionState version, long? expectedRowVersion) =>
        expectedRowVersion is { } expected && version.RowVersion != expected ? Result.Fail<VersionRow>(Outcome.PreconditionFailed, EditionChanged) : null;

    /// <summary>Why a draft changed since the writer read it cannot be replaced (the handler's ETag check and the write's row version).</summary>
    public const string DraftChanged = "The draft has changed since you read it: fetch it again and reapply your change.";

    /// <summary>A draft's content and who wrote it when, as the draft statements bind them, plus <paramref name="more"/>.</summary>
    private static DynamicParameters DraftParameters(DraftContent content, string by, long now, object more)
    {
        var parameters = new DynamicParameters(more);
        parameters.AddDynamicParams(new
        {
            content.Title,
            content.Summary,
            content.Body,
            content.Attributes,
            classification = (int)content.Classification,
            now,
            by,
        });
        return parameters;
    }

    private const string DesignationTaken = "A standard with this designation, or one a reader would take for it, already exists";

    internal static class Sql
    {
        /// <summary>The key of the standard holding the designation identity <c>@identity</c>, if any (its unique index).</summary>
        public const string DesignationHolder = "SELECT s.standard_key FROM standards s WHERE s.designation_identity = @identity";

        /// <summary>Whether the writer sees the standard <c>@key</c> (1) or not (0).</summary>
        public static string Seen(VisibilityScope scope) =>
            $"SELECT CASE WHEN {Visibility.StandardExists(scope, "s")} THEN 1 ELSE 0 END FROM standards s WHERE s.standard_key = @key";

        public const string CountStandards = "SELECT COUNT(*) FROM standards WHERE standard_key = @key";

        public const string InsertStandard =
            "INSERT INTO standards (standard_key, designation, designation_identity, category, title, created_at, created_by) VALUES (@key, @designation, @identity, @category, @title, @now, @by)";

        public static string InsertDraft(SqlDialect dialect) => dialect.InsertReturning(
            "versions",
            "standard_id, edition, title, summary, body, attributes, status, classification, row_version, created_at, created_by, updated_at, updated_by",
            "@standardId, (SELECT COALESCE(MAX(e.edition), 0) + 1 FROM versions e WHERE e.standard_id = @standardId), @Title, @Summary, @Body, @Attributes, 'draft', @classification, 1, @now, @by, @now, @by",
            "edition");

        public const string VersionId = "SELECT id FROM versions WHERE standard_id = @standardId AND edition = @edition";

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

        public static string CategoryForWrite(VisibilityScope scope) =>
            $"SELECT s.category FROM standards s WHERE s.standard_key = @key AND {Visibility.StandardExists(scope, "s")} AND {Visibility.WholeStandardCovered("s")}";

        /// <summary>The standard an editor may add a draft to: it exists for the editor, and every edition is within its clearance.</summary>
        public static string StandardForWrite(VisibilityScope scope) => $"{CatalogueQueries.Sql.StandardId(scope)} AND {Visibility.WholeStandardCovered("s")}";

        public static IEnumerable<string> All(SqlDialect dialect, VisibilityScope scope) =>
            [CountStandards, DesignationHolder, Seen(scope), InsertStandard, InsertDraft(dialect), VersionId, UpdateDraft, CountLaterPublished, SupersedeCurrent, Publish, Withdraw,
             StandardForWrite(scope), CategoryForWrite(scope), .. Versions.Sql.All(scope)];
    }
}
