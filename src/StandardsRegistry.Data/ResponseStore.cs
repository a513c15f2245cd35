using Dapper;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Data;

/// <summary>A national response as stored: one row of a nation's history on one edition.</summary>
public sealed class ResponseRow
{
    /// <summary>The row's identity in the store (never sent: it would count rows the reader may not see).</summary>
    public long Id { get; init; }
    /// <summary>The row's identity as sent: random, so it counts nothing (db/*/0021_feed_subjects.sql).</summary>
    public string PublicId { get; init; } = "";
    public string StandardKey { get; init; } = "";
    public string Designation { get; init; } = "";
    public int Edition { get; init; }
    public string Nation { get; init; } = "";
    public string Response { get; init; } = "";
    public string? Reservation { get; init; }
    public string? IntendedImplementation { get; init; }
    public string? ActualImplementation { get; init; }
    public string? ImplementingDocument { get; init; }
    public Classification Classification { get; init; }
    public long RecordedAt { get; init; }
    public string RecordedBy { get; init; } = "";
}

/// <summary>A release of a national response to an audience.</summary>
public sealed class ResponseReleaseRow
{
    public string Audience { get; init; } = "";
    public string Reason { get; init; } = "";
    public long ReleasedAt { get; init; }
    public string ReleasedBy { get; init; } = "";
    public long? RevokedAt { get; init; }
    public string? RevokedBy { get; init; }
}

/// <summary>
/// Nations' responses to editions (ratification, reservations, implementation). A response is visible to a reader when
/// the edition is (the release rule, <see cref="Visibility"/>) <b>and</b> the response row itself is: within the reader's
/// clearance and, outside NATO, released to the reader's audience; a NATO reader who speaks for a nation sees other
/// nations' rows only once they are released to some audience (<see cref="Predicate"/>). A nation's current response is
/// its latest row the reader may see, so a hidden newer row changes nothing a reader sees.
/// </summary>
public sealed class ResponseStore(Db db, RegistryWrites writes)
{
    public sealed record Filter(string? Nation, ResponseKind? Response, (string Key, int Edition, string Nation)? After, int Limit);

    public static string NoResponse(int edition, string nation) => $"Edition {edition} has no recorded response of {nation}.";

    /// <summary>
    /// Records <paramref name="nation"/>'s response to an edition as a new row of its history. The same content as the
    /// nation's latest row is answered with that row (<see cref="Outcome.Done"/>), so repeating a request adds nothing.
    /// </summary>
    public Task<Result<ResponseRow>> RecordAsync(VisibilityScope scope, string key, int edition, string nation, ResponseContent content, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.VersionAsync(AuditActions.ResponseRecord, by, now, scope, key, edition, async (w, version) =>
        {
            w.Names(classification: (Classification)Math.Max((int)version.Classification, (int)content.Classification), detail: nation);
            if (Closed<ResponseRow>(version, "takes no new response") is { } closed)
            {
                return closed;
            }
            if (await w.Session.ExecuteScalarAsync<string>(Sql.Nation, new { nation }) is null)
            {
                return Result.Fail<ResponseRow>(Outcome.NotFound, $"There is no nation '{nation}'.");
            }
            var row = new ResponseRow
            {
                StandardKey = key,
                Edition = edition,
                Nation = nation,
                Response = EnumText.Of(content.Response),
                Reservation = content.Reservation,
                IntendedImplementation = ResponseContent.Text(content.IntendedImplementation),
                ActualImplementation = ResponseContent.Text(content.ActualImplementation),
                ImplementingDocument = content.ImplementingDocument,
                Classification = content.Classification,
                RecordedAt = w.At,
                RecordedBy = by.Subject,
                PublicId = Guid.NewGuid().ToString("N"),
            };
            // The row repeated is the nation's current row as the writer reads it, the latest it may see: a newer one it may
            // not (above its clearance, or another nation's unreleased row for a writer speaking for a nation) changes nothing.
            if (await w.Session.QuerySingleOrDefaultAsync<ResponseRow>(Sql.LatestSeen(scope), Bind(scope, w.Now, new { versionId = version.Id, nation })) is { } latest
                && SameContent(latest, row))
            {
                return Result.Done(latest);
            }
            await w.TrackAsync(version.StandardId, () => w.Session.ExecuteAsync(Sql.Insert, new
            {
                versionId = version.Id, row.Nation, row.Response, row.Reservation, row.IntendedImplementation, row.ActualImplementation,
                row.ImplementingDocument, classification = (int)row.Classification, row.RecordedAt, row.RecordedBy, row.PublicId,
            }));
            // Answered as it reads back: the row built here lacks what the statement joins in (the standard's designation).
            return Result.Created(await w.Session.QuerySingleAsync<ResponseRow>(Sql.Latest, new { versionId = version.Id, nation }));
        }, ct);

    /// <summary>
    /// Releases <paramref name="nation"/>'s current response (its latest row) to an audience. A latest row the writer may
    /// not see (above its clearance; another nation's unreleased row for a writer speaking for a nation) is answered as
    /// no response at all.
    /// </summary>
    public Task<Result<ResponseReleaseRow>> ReleaseAsync(VisibilityScope scope, string key, int edition, string nation, Audience audience, string reason, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.VersionAsync(AuditActions.ResponseRelease, by, now, scope, key, edition, async (w, version) =>
        {
            w.Names(detail: $"{nation} audience={audience.Code}");
            if (Closed<ResponseReleaseRow>(version, "has no response released any more") is { } closed)
            {
                return closed;
            }
            // As the edition itself (ReleaseStore): a draft's text may still change, and nothing of it is released yet.
            if (version.Status == VersionStatus.Draft)
            {
                return Result.Fail<ResponseReleaseRow>(Outcome.Conflict, $"Edition {edition} is a draft: its responses are released once it is published.");
            }
            var latest = await w.Session.QuerySingleOrDefaultAsync<ResponseRow>(Sql.LatestSeen(scope), Bind(scope, w.Now, new { versionId = version.Id, nation }));
            if (latest is null)
            {
                return Result.Fail<ResponseReleaseRow>(Outcome.NotFound, NoResponse(edition, nation));
            }
            w.Names(classification: (Classification)Math.Max((int)version.Classification, (int)latest.Classification));
            // The ceiling as the audiences table says now, not as the caller's (cached) audience record said it.
            if (await AudienceDirectory.RefusalAsync<ResponseReleaseRow>(w.Session, audience.Code, latest.Classification, $"The response of {nation}") is { } refused)
            {
                return refused;
            }
            if (await w.Session.QuerySingleOrDefaultAsync<ResponseReleaseRow>(Sql.ActiveRelease, new { latest.Id, audience = audience.Code }) is { } active)
            {
                // Only the same reason repeats the release: another one would be answered a record that does not hold it.
                return active.Reason == reason
                    ? Result.Done(active)
                    : Result.Fail<ResponseReleaseRow>(Outcome.Conflict, $"The response of {nation} is already released to {audience.Code}, for its own reason; revoke it before releasing it on other terms.");
            }
            var row = new ResponseReleaseRow { Audience = audience.Code, Reason = reason, ReleasedAt = w.At, ReleasedBy = by.Subject };
            await w.TrackAsync(version.StandardId, () => w.Session.ExecuteAsync(Sql.InsertRelease, new { latest.Id, row.Audience, row.Reason, row.ReleasedAt, row.ReleasedBy }));
            return Result.Created(row);
        }, ct);

    /// <summary>
    /// The refusal of a response recorded or released on a withdrawn edition: it is no longer in force, so nations no
    /// longer answer it and nothing more of it goes out (as the edition itself is released no more); null otherwise.
    /// What was recorded and released before stays, and its releases may be revoked.
    /// </summary>
    private static Result<T>? Closed<T>(VersionState version, string what) =>
        version.Status == VersionStatus.Withdrawn ? Result.Fail<T>(Outcome.Conflict, $"Edition {version.Edition} is withdrawn: it {what}.") : null;

    /// <summary>Revokes every active release of <paramref name="nation"/>'s responses to an edition to an audience (its older rows' too).</summary>
    public Task<Result<int>> RevokeAsync(VisibilityScope scope, string key, int edition, string nation, string audience, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.VersionAsync(AuditActions.ResponseRevoke, by, now, scope, key, edition, async (w, version) =>
        {
            w.Names(detail: $"{nation} audience={audience}");
            var revoked = await w.TrackAsync(version.StandardId,
                () => w.Session.ExecuteAsync(Sql.Revoke, new { versionId = version.Id, nation, audience, at = w.At, by = by.Subject, scopeLevel = (int)scope.MaxLevel }));
            return revoked == 0
                ? Result.Fail<int>(Outcome.NotFound, $"Edition {edition} has no response of {nation} released to {audience}.")
                : Result.Removed(revoked);
        }, ct);

    /// <summary>The current response of each nation to an edition, as the caller may see them; null when the edition is not visible.</summary>
    public Task<IReadOnlyList<ResponseRow>?> MatrixAsync(VisibilityScope scope, string key, int edition, DateTimeOffset now, CancellationToken ct = default) =>
        OfEditionAsync(scope, key, edition, now, Sql.Matrix(scope), new { }, ct);

    /// <summary>Every row of one nation's history on an edition the caller may see, oldest first; null when the edition is not visible.</summary>
    public Task<IReadOnlyList<ResponseRow>?> HistoryAsync(VisibilityScope scope, string key, int edition, string nation, DateTimeOffset now, CancellationToken ct = default) =>
        OfEditionAsync(scope, key, edition, now, Sql.History(scope), new { nation }, ct);

    private Task<IReadOnlyList<ResponseRow>?> OfEditionAsync(VisibilityScope scope, string key, int edition, DateTimeOffset now, string sql, object parameters, CancellationToken ct) =>
        db.ReadAsync<IReadOnlyList<ResponseRow>?>(async c =>
        {
            if (await Versions.FindAsync(c, scope, key, edition, now) is not { } version)
            {
                return null;
            }
            var bound = Bind(scope, now, parameters);
            bound.Add("versionId", version.Id);
            return await c.QueryAsync<ResponseRow>(sql, bound);
        }, ct).AsTask();

    /// <summary>Current responses across the catalogue, in (standard, edition, nation) order, filtered and paged.</summary>
    public Task<IReadOnlyList<ResponseRow>> ListAsync(VisibilityScope scope, DateTimeOffset now, Filter filter, CancellationToken ct = default)
    {
        var parameters = Bind(scope, now, new
        {
            nation = filter.Nation,
            response = filter.Response is { } kind ? EnumText.Of(kind) : null,
            afterKey = filter.After?.Key,
            afterEdition = filter.After?.Edition,
            afterNation = filter.After?.Nation,
            limit = filter.Limit,
        });
        var sql = Sql.List(db.Dialect, scope, filter.Nation is not null, filter.Response is not null, filter.After is not null);
        return db.ReadAsync<IReadOnlyList<ResponseRow>>(async c => await c.QueryAsync<ResponseRow>(sql, parameters), ct).AsTask();
    }

    /// <summary>The audiences a visible response row is released to, as far as the caller may know: NATO all, others only themselves.</summary>
    public Task<IReadOnlyList<string>> ReleasedToAsync(VisibilityScope scope, long responseId, CancellationToken ct = default) =>
        db.ReadAsync<IReadOnlyList<string>>(async c => await c.QueryAsync<string>(Sql.ReleasedTo(scope), new { responseId, scopeCommunity = scope.Community }), ct).AsTask();

    private static DynamicParameters Bind(VisibilityScope scope, DateTimeOffset now, object parameters)
    {
        var bound = Visibility.Bind(scope, now, parameters);
        bound.Add("scopeNation", scope.Nation);
        return bound;
    }

    private static bool SameContent(ResponseRow a, ResponseRow b) =>
        a.Response == b.Response && a.Reservation == b.Reservation && a.IntendedImplementation == b.IntendedImplementation
        && a.ActualImplementation == b.ActualImplementation && a.ImplementingDocument == b.ImplementingDocument && a.Classification == b.Classification;

    /// <summary>
    /// A response row <paramref name="r"/> as the scope may see it (the edition's visibility is composed separately):
    /// within clearance; outside NATO released to the reader's audience; for a NATO reader speaking for a nation, its
    /// own nation's rows or rows released to any audience.
    /// </summary>
    public static string Predicate(VisibilityScope scope, string r)
    {
        var level = Visibility.WithinLevel(scope, $"{r}.classification");
        var released = $"""
            EXISTS (SELECT 1 FROM response_releases rr_{r} WHERE rr_{r}.response_id = {r}.id AND rr_{r}.revoked_at IS NULL{(scope.Originator ? "" : $" AND rr_{r}.audience = @scopeCommunity")})
            """;
        if (!scope.Originator)
        {
            return $"{level} AND {released}";
        }
        return scope.Nation is null ? level : $"{level} AND ({r}.nation = @scopeNation OR {released})";
    }

    internal static class Sql
    {
        internal const string Columns = """
            r.id AS Id, s.standard_key AS StandardKey, s.designation AS Designation, v.edition AS Edition, r.nation AS Nation, r.response AS Response,
            r.reservation AS Reservation, r.intended_implementation AS IntendedImplementation, r.actual_implementation AS ActualImplementation,
            r.implementing_document AS ImplementingDocument, r.classification AS Classification, r.recorded_at AS RecordedAt, r.recorded_by AS RecordedBy,
            r.public_id AS PublicId
            """;

        internal const string From = "national_responses r JOIN versions v ON v.id = r.version_id JOIN standards s ON s.id = v.standard_id";

        public const string Nation = "SELECT code FROM nations WHERE code = @nation";

        public const string Latest = $"""
            SELECT {Columns} FROM {From}
            WHERE r.id = (SELECT MAX(l.id) FROM national_responses l WHERE l.version_id = @versionId AND l.nation = @nation)
            """;

        /// <summary>
        /// The nation's latest row on the edition among those the scope may see — its current row as the reads show it
        /// (<see cref="Matrix"/>): a newer row it may not see changes nothing, as a newer hidden edition does not.
        /// </summary>
        public static string LatestSeen(VisibilityScope scope) => $"""
            SELECT {Columns} FROM {From}
            WHERE r.id = (SELECT MAX(l.id) FROM national_responses l WHERE l.version_id = @versionId AND l.nation = @nation AND {Predicate(scope, "l")})
            """;

        public const string Insert = """
            INSERT INTO national_responses (version_id, nation, response, reservation, intended_implementation, actual_implementation,
                                            implementing_document, classification, recorded_at, recorded_by, public_id)
            VALUES (@versionId, @Nation, @Response, @Reservation, @IntendedImplementation, @ActualImplementation, @ImplementingDocument,
                    @classification, @RecordedAt, @RecordedBy, @PublicId)
            """;

        private const string ReleaseColumns = """
            rr.audience AS Audience, rr.reason AS Reason, rr.released_at AS ReleasedAt, rr.released_by AS ReleasedBy, rr.revoked_at AS RevokedAt, rr.revoked_by AS RevokedBy
            """;

        public const string ActiveRelease = $"SELECT {ReleaseColumns} FROM response_releases rr WHERE rr.response_id = @Id AND rr.audience = @audience AND rr.revoked_at IS NULL";

        public const string InsertRelease = """
            INSERT INTO response_releases (response_id, audience, reason, released_at, released_by) VALUES (@Id, @Audience, @Reason, @ReleasedAt, @ReleasedBy)
            """;

        /// <summary>Only rows the writer's clearance covers: a revocation never touches (nor counts) a row it may not see.</summary>
        public const string Revoke = """
            UPDATE response_releases SET revoked_at = @at, revoked_by = @by
            WHERE audience = @audience AND revoked_at IS NULL AND response_id IN (
                SELECT r.id FROM national_responses r WHERE r.version_id = @versionId AND r.nation = @nation AND r.classification <= @scopeLevel)
            """;

        /// <summary>No row of the same nation on the same edition that is newer and visible too.</summary>
        private static string LatestVisible(VisibilityScope scope) => $"""
            NOT EXISTS (SELECT 1 FROM national_responses n WHERE n.version_id = r.version_id AND n.nation = r.nation AND n.id > r.id AND {Predicate(scope, "n")})
            """;

        public static string Matrix(VisibilityScope scope) => $"""
            SELECT {Columns} FROM {From}
            WHERE r.version_id = @versionId AND {Predicate(scope, "r")} AND {LatestVisible(scope)}
            ORDER BY r.nation
            """;

        public static string History(VisibilityScope scope) => $"""
            SELECT {Columns} FROM {From}
            WHERE r.version_id = @versionId AND r.nation = @nation AND {Predicate(scope, "r")}
            ORDER BY r.id
            """;

        public static string List(SqlDialect dialect, VisibilityScope scope, bool nation, bool response, bool after)
        {
            var where = new List<string> { Visibility.Predicate(scope, "v"), Predicate(scope, "r"), LatestVisible(scope) };
            if (nation)
            {
                where.Add("r.nation = @nation");
            }
            if (response)
            {
                where.Add("r.response = @response");
            }
            if (after)
            {
                where.Add("""
                    (s.standard_key > @afterKey OR (s.standard_key = @afterKey AND (v.edition > @afterEdition OR (v.edition = @afterEdition AND r.nation > @afterNation))))
                    """);
            }
            return $"""
                SELECT {Columns} FROM {From}
                WHERE {string.Join(" AND ", where)}
                ORDER BY s.standard_key, v.edition, r.nation
                {dialect.Limit("@limit")}
                """;
        }

        public static string ReleasedTo(VisibilityScope scope) => $"""
            SELECT audience FROM response_releases
            WHERE response_id = @responseId AND revoked_at IS NULL{(scope.Originator ? "" : " AND audience = @scopeCommunity")}
            ORDER BY audience
            """;

        public static IEnumerable<string> All(SqlDialect dialect, VisibilityScope scope)
        {
            yield return LatestSeen(scope);
            yield return ReleasedTo(scope);
            yield return Matrix(scope);
            yield return History(scope);
            foreach (var nation in new[] { false, true })
            {
                foreach (var response in new[] { false, true })
                {
                    foreach (var after in new[] { false, true })
                    {
                        yield return List(dialect, scope, nation, response, after);
                    }
                }
            }
        }

        public static IEnumerable<string> All() => [Nation, Latest, Insert, ActiveRelease, InsertRelease, Revoke];
    }
}
