using StandardsRegistry.Domain;

namespace StandardsRegistry.Data;

/// <summary>
/// Release records: one row per decision, never edited but to mark it revoked, so the history of who
/// released what, to whom, from when, stays. A release in effect at once is announced to the change feed in its own
/// transaction; a future one when it takes effect (<see cref="FeedWriter.AnnounceDueAsync"/>).
/// </summary>
public sealed class ReleaseStore(Db db, RegistryWrites writes)
{
    /// <summary>
    /// Releases a version to an audience, from <paramref name="effectiveFrom"/> when that is in the future, else now,
    /// within the audience's ceiling as the <c>audiences</c> table says in the write's transaction.
    /// Repeating a release is answered with the existing record (a release "now" repeats one already in effect; a
    /// future release one with the same time; either with the same reason); other terms while a release is active are a
    /// conflict (revoke first). A time further in the past than the clock skew (<see cref="Limits.ClockSkew"/>) only repeats
    /// a release on record with the same terms (a client retrying after a lost answer, once the time it asked has passed);
    /// otherwise it is a backdated release, refused as <see cref="Outcome.Invalid"/>.
    /// </summary>
    public Task<Result<ReleaseRow>> ReleaseAsync(VisibilityScope scope, string key, int edition, Audience audience, string reason, DateTimeOffset? effectiveFrom, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.VersionAsync(AuditActions.ReleaseGrant, by, now, scope, key, edition, async (w, version) =>
        {
            if (!Lifecycle.IsReleasable(version.Status))
            {
                return Result.Fail<ReleaseRow>(Outcome.Conflict, $"Edition {edition} is {EnumText.Of(version.Status)}; only published or superseded editions can be released.");
            }
            // The ceiling as the audiences table says now, not as the caller's (cached) audience record said it.
            if (await AudienceDirectory.RefusalAsync<ReleaseRow>(w.Session, audience.Code, version.Classification, $"Edition {edition}") is { } refused)
            {
                return refused;
            }
            w.Names(detail: audience.Code);

            // Kept in milliseconds: a future time at the first millisecond not before it, so a release never takes effect
            // early (cut down, a time asked for T + 0.5 ms took effect at T).
            var effective = effectiveFrom is { } requested && requested > now ? MillisecondNotBefore(requested) : now.ToUnixTimeMilliseconds();
            var backdated = effectiveFrom is { } asked && asked < now - Limits.ClockSkew;
            var active = await w.Session.QuerySingleOrDefaultAsync<ReleaseRow>(Sql.Active, new { version.Id, audience = audience.Code });
            if (active is not null)
            {
                // The reason is a term too: answered the record with another reason, a client believed its own was on record.
                var same = (backdated ? Repeats(active, effectiveFrom!.Value)
                    : effective == w.At ? active.EffectiveFrom <= w.At : active.EffectiveFrom == effective) && active.Reason == reason;
                return same
                    ? Result.Done(active)
                    : backdated ? Result.Fail<ReleaseRow>(Outcome.Invalid, Backdated)
                    : Result.Fail<ReleaseRow>(Outcome.Conflict,
                        $"Edition {edition} already has an active release to {audience.Code} effective from {DateTimeOffset.FromUnixTimeMilliseconds(active.EffectiveFrom):O}, for its own reason; revoke it before releasing on other terms.");
            }

            if (backdated)
            {
                return Result.Fail<ReleaseRow>(Outcome.Invalid, Backdated);
            }

            var row = new ReleaseRow
            {
                Audience = audience.Code,
                Reason = reason,
                EffectiveFrom = effective,
                ReleasedAt = w.At,
                ReleasedBy = by.Subject,
            };
            await InsertAsync(w, version, row);
            return Result.Created(row);
        }, ct);

    /// <summary>Marks the active release of a version to an audience revoked, with who, when and why.</summary>
    public Task<Result<ReleaseRow>> RevokeAsync(VisibilityScope scope, string key, int edition, string audience, string? reason, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.VersionAsync(AuditActions.ReleaseRevoke, by, now, scope, key, edition, async (w, version) =>
        {
            w.Names(detail: audience);
            if (await w.TrackAsync(version.StandardId, () => w.Session.ExecuteAsync(Sql.Revoke, new { at = w.At, by = by.Subject, reason, version.Id, audience })) == 0)
            {
                return Result.Fail<ReleaseRow>(Outcome.NotFound, $"Edition {edition} has no active release to {audience}.");
            }
            return Result.Done(await w.Session.QuerySingleAsync<ReleaseRow>(Sql.RevokedAt, new { version.Id, audience, at = w.At }));
        }, ct);

    /// <summary>Every release record of a version, oldest first; null when the version is not visible to the caller.</summary>
    public Task<IReadOnlyList<ReleaseRow>?> HistoryAsync(VisibilityScope scope, string key, int edition, DateTimeOffset now, CancellationToken ct = default) =>
        db.ReadAsync<IReadOnlyList<ReleaseRow>?>(async c =>
        {
            var version = await Versions.FindAsync(c, scope, key, edition, now);
            return version is null ? null : await c.QueryAsync<ReleaseRow>(Sql.History, new { version.Id });
        }, ct).AsTask();

    /// <summary>
    /// Inserts a release record as given, for loading history (the sample catalogue); no checks but that the version
    /// exists. In effect by <paramref name="now"/> (even if revoked since), it counts as announced then.
    /// </summary>
    public Task<Result<bool>> RecordAsync(string key, int edition, ReleaseRow row, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.VersionAsync(AuditActions.ReleaseRecord, by, now, null, key, edition, async (w, version) =>
        {
            w.Names(detail: row.Audience);
            await InsertAsync(w, version, row);
            return Result.Created(true);
        }, ct);

    /// <summary>A release record, tracked into the feed; one in effect by the write's time counts as announced then.</summary>
    private static Task InsertAsync(Write w, VersionState version, ReleaseRow row)
    {
        var announcedAt = row.EffectiveFrom <= w.At ? (long?)w.At : null;
        return w.TrackAsync(version.StandardId, () => w.Session.ExecuteAsync(Sql.Insert, new
        {
            versionId = version.Id, standardId = version.StandardId, row.Audience, row.Reason, row.EffectiveFrom, row.ReleasedAt, row.ReleasedBy, row.RevokedAt, row.RevokedBy, row.RevocationReason, announcedAt,
        }));
    }

    /// <summary>Why a release from a time past the clock skew that repeats none on record is refused.</summary>
    public const string Backdated = "'effectiveFrom' must not be in the past: releases are not backdated.";

    /// <summary>
    /// Whether a request for <paramref name="asked"/>, made when <paramref name="active"/> was recorded, would have made it:
    /// a time then in the future is kept as its first whole millisecond; a time then past (by at most the clock skew)
    /// made the release take effect when it was recorded.
    /// </summary>
    private static bool Repeats(ReleaseRow active, DateTimeOffset asked) =>
        active.EffectiveFrom == MillisecondNotBefore(asked)
        || (active.EffectiveFrom == active.ReleasedAt
            && asked < DateTimeOffset.FromUnixTimeMilliseconds(active.ReleasedAt + 1)
            && asked >= DateTimeOffset.FromUnixTimeMilliseconds(active.ReleasedAt) - Limits.ClockSkew);

    /// <summary>The first whole millisecond (Unix) at or after <paramref name="time"/>.</summary>
    private static long MillisecondNotBefore(DateTimeOffset time)
    {
        var floor = time.ToUnixTimeMilliseconds();
        return DateTimeOffset.FromUnixTimeMilliseconds(floor) < time ? floor + 1 : floor;
    }

    internal static class Sql
    {
        private const string Columns = """
            r.audience AS Audience, r.reason AS Reason, r.effective_from AS EffectiveFrom, r.released_at AS ReleasedAt,
            r.released_by AS ReleasedBy, r.revoked_at AS RevokedAt, r.revoked_by AS RevokedBy, r.revocation_reason AS RevocationReason
            """;

        public const string Active = $"SELECT {Columns} FROM releases r WHERE r.version_id = @Id AND r.audience = @audience AND r.revoked_at IS NULL";

        public const string Insert = """
            INSERT INTO releases (version_id, standard_id, audience, reason, effective_from, released_at, released_by, revoked_at, revoked_by, revocation_reason, announced_at)
            VALUES (@versionId, @standardId, @Audience, @Reason, @EffectiveFrom, @ReleasedAt, @ReleasedBy, @RevokedAt, @RevokedBy, @RevocationReason, @announcedAt)
            """;

        public const string Revoke =
            "UPDATE releases SET revoked_at = @at, revoked_by = @by, revocation_reason = @reason WHERE version_id = @Id AND audience = @audience AND revoked_at IS NULL";

        // The record just revoked: the latest one revoked at that instant (an earlier release may have been revoked in the same millisecond).
        public const string RevokedAt = $"""
            SELECT {Columns} FROM releases r
            WHERE r.id = (SELECT MAX(l.id) FROM releases l WHERE l.version_id = @Id AND l.audience = @audience AND l.revoked_at = @at)
            """;

        public const string History = $"SELECT {Columns} FROM releases r WHERE r.version_id = @Id ORDER BY r.released_at, r.id";

        public static IEnumerable<string> All() => [Active, Insert, Revoke, RevokedAt, History];
    }
}
