using Dapper;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Data;

/// <summary>
/// Release records: one row per decision, never edited but to mark it revoked, so the history of who
/// released what, to whom, from when, stays.
/// </summary>
public sealed class ReleaseStore(Db db)
{
    private const string Columns = """
        r.audience AS Audience, r.reason AS Reason, r.effective_from AS EffectiveFrom, r.released_at AS ReleasedAt,
        r.released_by AS ReleasedBy, r.revoked_at AS RevokedAt, r.revoked_by AS RevokedBy, r.revocation_reason AS RevocationReason
        """;

    /// <summary>
    /// Releases a version to an audience. Repeating the same release is answered with the existing record;
    /// different terms while one is active is a conflict (revoke first).
    /// </summary>
    public Task<Result<ReleaseRow>> ReleaseAsync(VisibilityScope scope, string key, int edition, Audience audience, string reason, DateTimeOffset effectiveFrom, string by, DateTimeOffset now, CancellationToken ct = default) =>
        db.WriteAsync(async c =>
        {
            var version = await EditorialStore.FindAsync(c, scope, key, edition, now);
            if (version is null)
            {
                return Result.Fail<ReleaseRow>(Outcome.NotFound);
            }
            if (!Lifecycle.IsReleasable(Lifecycle.Parse(version.Status)))
            {
                return Result.Fail<ReleaseRow>(Outcome.Conflict, $"Edition {edition} is {version.Status}; only published or superseded editions can be released.");
            }
            var classification = (Classification)version.Classification;
            if (classification > audience.MaxClassification)
            {
                return Result.Fail<ReleaseRow>(Outcome.Unprocessable,
                    $"Edition {edition} is {Markings.Of(classification).NatoMarking}; {audience.Code} is accredited up to {Markings.Of(audience.MaxClassification).NatoMarking} only.");
            }

            var active = await c.QuerySingleOrDefaultAsync<ReleaseRow>(
                $"SELECT {Columns} FROM releases r WHERE r.version_id = @Id AND r.audience = @audience AND r.revoked_at IS NULL",
                new { version.Id, audience = audience.Code });
            if (active is not null)
            {
                return active.EffectiveFrom == effectiveFrom.ToUnixTimeMilliseconds()
                    ? Result.Done(active)
                    : Result.Fail<ReleaseRow>(Outcome.Conflict,
                        $"Edition {edition} already has an active release to {audience.Code} effective from {DateTimeOffset.FromUnixTimeMilliseconds(active.EffectiveFrom):O}; revoke it before releasing on other terms.");
            }

            var row = new ReleaseRow
            {
                Audience = audience.Code,
                Reason = reason,
                EffectiveFrom = effectiveFrom.ToUnixTimeMilliseconds(),
                ReleasedAt = now.ToUnixTimeMilliseconds(),
                ReleasedBy = by,
            };
            await c.ExecuteAsync(
                """
                INSERT INTO releases (version_id, audience, reason, effective_from, released_at, released_by)
                VALUES (@versionId, @Audience, @Reason, @EffectiveFrom, @ReleasedAt, @ReleasedBy)
                """,
                new { versionId = version.Id, row.Audience, row.Reason, row.EffectiveFrom, row.ReleasedAt, row.ReleasedBy });
            return Result.Created(row);
        }, ct).AsTask();

    /// <summary>Marks the active release of a version to an audience revoked, with who, when and why.</summary>
    public Task<Result<ReleaseRow>> RevokeAsync(VisibilityScope scope, string key, int edition, string audience, string? reason, string by, DateTimeOffset now, CancellationToken ct = default) =>
        db.WriteAsync(async c =>
        {
            var version = await EditorialStore.FindAsync(c, scope, key, edition, now);
            if (version is null)
            {
                return Result.Fail<ReleaseRow>(Outcome.NotFound);
            }
            var at = now.ToUnixTimeMilliseconds();
            var revoked = await c.ExecuteAsync(
                "UPDATE releases SET revoked_at = @at, revoked_by = @by, revocation_reason = @reason WHERE version_id = @Id AND audience = @audience AND revoked_at IS NULL",
                new { at, by, reason, version.Id, audience });
            if (revoked == 0)
            {
                return Result.Fail<ReleaseRow>(Outcome.NotFound, $"Edition {edition} has no active release to {audience}.");
            }
            var row = await c.QuerySingleAsync<ReleaseRow>(
                $"SELECT {Columns} FROM releases r WHERE r.version_id = @Id AND r.audience = @audience AND r.revoked_at = @at",
                new { version.Id, audience, at });
            return Result.Done(row);
        }, ct).AsTask();

    /// <summary>Every release record of a version, oldest first; null when the version is not visible to the caller.</summary>
    public Task<IReadOnlyList<ReleaseRow>?> HistoryAsync(VisibilityScope scope, string key, int edition, DateTimeOffset now, CancellationToken ct = default) =>
        db.ReadAsync<IReadOnlyList<ReleaseRow>?>(async c =>
        {
            var sql = $"""
                SELECT {Columns} FROM releases r
                WHERE r.version_id = (SELECT v.id FROM versions v JOIN standards s ON s.id = v.standard_id
                                      WHERE s.standard_key = @key AND v.edition = @edition AND {Visibility.Predicate(scope, "v")})
                ORDER BY r.released_at, r.id
                """;
            var exists = $"SELECT COUNT(*) FROM versions v JOIN standards s ON s.id = v.standard_id WHERE s.standard_key = @key AND v.edition = @edition AND {Visibility.Predicate(scope, "v")}";
            var parameters = Visibility.Bind(scope, now, new { key, edition });
            if (await c.ExecuteScalarAsync<int>(exists, parameters) == 0)
            {
                return null;
            }
            return await c.QueryAsync<ReleaseRow>(sql, parameters);
        }, ct).AsTask();

    /// <summary>Inserts a release record as given, for loading history (the sample catalogue); no checks.</summary>
    public Task<Result<bool>> RecordAsync(string key, int edition, ReleaseRow row, CancellationToken ct = default) =>
        db.WriteAsync(async c =>
        {
            await c.ExecuteAsync(
                """
                INSERT INTO releases (version_id, audience, reason, effective_from, released_at, released_by, revoked_at, revoked_by, revocation_reason)
                SELECT v.id, @Audience, @Reason, @EffectiveFrom, @ReleasedAt, @ReleasedBy, @RevokedAt, @RevokedBy, @RevocationReason
                FROM versions v JOIN standards s ON s.id = v.standard_id WHERE s.standard_key = @key AND v.edition = @edition
                """,
                new { key, edition, row.Audience, row.Reason, row.EffectiveFrom, row.ReleasedAt, row.ReleasedBy, row.RevokedAt, row.RevokedBy, row.RevocationReason });
            return Result.Done(true);
        }, ct).AsTask();
}
