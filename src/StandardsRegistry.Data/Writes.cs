using Dapper;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Data;

/// <summary>
/// The status an outcome is answered with. The API owns the map (no HTTP status is decided in Data); the write path
/// uses it for the audit entry of a write, so the entry and the response say the same.
/// </summary>
public delegate int AnsweredStatus(Outcome outcome);

/// <summary>
/// The one path every audited write takes. It announces the releases due (catalogue writes), opens the transaction,
/// hands the store a <see cref="Write"/> to decide and change things with — lock the standard, find the version in the
/// writer's scope, track the change into the feed — and, when the store's decision succeeded, appends the audit
/// entry in the same transaction, so the change and its record commit (or roll back) together. A store keeps only its
/// decision and its SQL: adding a write is one method in one store.
/// </summary>
public sealed class RegistryWrites(Db db, FeedWriter feed, AnsweredStatus answered)
{
    /// <summary>
    /// A write to the catalogue, audited as <paramref name="action"/> on the standard <paramref name="key"/>. Releases due
    /// by <paramref name="now"/> are announced first, so the feed keeps the order in which things became true.
    /// </summary>
    public async Task<Result<T>> CatalogueAsync<T>(string action, AuditActor by, DateTimeOffset now, string? key, Func<Write, Task<Result<T>>> decide, CancellationToken ct)
    {
        await feed.AnnounceDueAsync(now, ct);
        return await RunAsync(action, by, now, key, decide, ct);
    }

    /// <summary>
    /// A write to one version of a standard: the standard locked, the version found as <paramref name="scope"/> sees it
    /// for writing (<see cref="Write.FindVersionAsync"/>; any version when null, for loading history), and
    /// <paramref name="decide"/> run on it. A version not found is <see cref="Outcome.NotFound"/>.
    /// </summary>
    public Task<Result<T>> VersionAsync<T>(string action, AuditActor by, DateTimeOffset now, VisibilityScope? scope, string key, int edition,
        Func<Write, VersionState, Task<Result<T>>> decide, CancellationToken ct) =>
        CatalogueAsync(action, by, now, key, async w =>
            await w.FindVersionAsync(scope, edition) is { } version ? await decide(w, version) : Result.Fail<T>(Outcome.NotFound), ct);

    /// <summary>A write outside the catalogue (a webhook subscription), audited as <paramref name="action"/>.</summary>
    public Task<Result<T>> RunAsync<T>(string action, AuditActor by, DateTimeOffset now, string? key, Func<Write, Task<Result<T>>> decide, CancellationToken ct) =>
        db.WriteAsync(async c =>
        {
            var write = new Write(c, feed, now, key);
            var result = await decide(write);
            if (result.Succeeded)
            {
                await AuditLog.AppendAsync(c, [by.Entry(action, answered(result.Outcome), now, key, write.Edition, write.Classification, write.Detail)]);
            }
            return result;
        }, ct).AsTask();
}

/// <summary>
/// One write in its transaction: what every store needs to make its change, and what the audit entry names (the
/// version found, or what the store names with <see cref="Names"/>).
/// </summary>
public sealed class Write
{
    private readonly FeedWriter _feed;
    private readonly string? _key;

    internal Write(DbSession session, FeedWriter feed, DateTimeOffset now, string? key)
    {
        Session = session;
        _feed = feed;
        _key = key;
        Now = now;
    }

    public DbSession Session { get; }

    public DateTimeOffset Now { get; }

    /// <summary>The write's time as stored (Unix milliseconds).</summary>
    public long At => Now.ToUnixTimeMilliseconds();

    internal int? Edition { get; private set; }
    internal Classification? Classification { get; private set; }
    internal string? Detail { get; private set; }

    /// <summary>What the audit entry names beyond the standard: the edition, its marking, a detail.</summary>
    public void Names(int? edition = null, Classification? classification = null, string? detail = null)
    {
        Edition = edition ?? Edition;
        Classification = classification ?? Classification;
        Detail = detail ?? Detail;
    }

    /// <summary>
    /// Takes the standard's row lock for the rest of the transaction (a no-op update; every provider locks on it), so
    /// concurrent writers to one standard queue rather than collide, and runs <paramref name="query"/> under it, in one
    /// command: one round trip. The query binds the standard's key as <c>@key</c>, with <paramref name="parameters"/>.
    /// </summary>
    public Task<T?> LockedAsync<T>(string query, DynamicParameters parameters)
    {
        parameters.Add("key", _key);
        return Session.QuerySingleOrDefaultAsync<T>($"{Versions.Sql.LockStandard};\n{query}", parameters);
    }

    /// <summary>
    /// Locks the standard, then reads the version as the writer's scope sees it, provided the writer's clearance
    /// covers every edition of the standard (<see cref="Visibility.WholeStandardCovered"/>); hidden is not found. With
    /// no scope, the version whatever it is (loading history, not a caller's write). The version found is what the
    /// audit entry names.
    /// </summary>
    internal async Task<VersionState?> FindVersionAsync(VisibilityScope? scope, int edition) =>
        Named(scope is null
            ? await LockedAsync<VersionState>(Versions.Sql.FindAny, new DynamicParameters(new { edition }))
            : await LockedAsync<VersionState>(Versions.Sql.FindForWrite(scope), Visibility.Bind(scope, Now, new { edition })));

    private VersionState? Named(VersionState? version)
    {
        if (version is not null)
        {
            Names(version.Edition, version.Classification);
        }
        return version;
    }

    /// <summary>
    /// Runs <paramref name="change"/> to the standard (whose lock the write holds) and appends to every view of the
    /// change feed the events it made there, as of <paramref name="at"/> (the write's time unless given).
    /// <paramref name="related"/>: the change spans two standards (an edge, a preferred mark); the far end, if any, is
    /// locked already.
    /// </summary>
    public Task<T> TrackAsync<T>(long standardId, Func<Task<T>> change, long? at = null, bool related = false) =>
        _feed.TrackAsync(Session, standardId, at ?? At, change, related);

    /// <summary>
    /// Runs <paramref name="change"/> to the tables published to <paramref name="audience"/> (whose lock the write
    /// holds) and appends to every view of the change feed the events it made there.
    /// </summary>
    public Task<T> TrackTablesAsync<T>(string audience, Func<Task<T>> change) =>
        _feed.TrackTablesAsync(Session, audience, At, change);

    /// <summary>
    /// Runs <paramref name="change"/>, a target recorded in <paramref name="cycle"/> (the write holds the nation's lock
    /// and the cycle's tables'), and appends to every view of the change feed the events it made to the cycle's tables.
    /// </summary>
    public Task<T> TrackCycleTablesAsync<T>(int cycle, Func<Task<T>> change) =>
        _feed.TrackCycleTablesAsync(Session, cycle, At, change);

    /// <summary>Takes another standard's row lock for the rest of the transaction (the far end of an edge).</summary>
    public Task LockStandardAsync(long standardId) => Session.ExecuteAsync(FeedWriter.Sql.LockStandard, new { standardId });
}

/// <summary>A version's identity and the state a write decides on.</summary>
public sealed class VersionState
{
    public long Id { get; init; }
    public long StandardId { get; init; }
    public int Edition { get; init; }
    public VersionStatus Status { get; init; }
    public Classification Classification { get; init; }

    /// <summary>Bumped by every change of the row: what an If-Match the writer sent is held to.</summary>
    public long RowVersion { get; init; }
}

/// <summary>Finding a version by key and edition, as a scope sees it.</summary>
internal static class Versions
{
    /// <summary>The version as the caller's scope sees it (hidden is not found), outside a write.</summary>
    public static Task<VersionState?> FindAsync(DbSession c, VisibilityScope scope, string key, int edition, DateTimeOffset now) =>
        c.QuerySingleOrDefaultAsync<VersionState>(Sql.Find(scope), Visibility.Bind(scope, now, new { key, edition }));

    internal static class Sql
    {
        public const string LockStandard = "UPDATE standards SET title = title WHERE standard_key = @key";

        private const string Columns = "v.id AS Id, v.standard_id AS StandardId, v.edition AS Edition, v.status AS Status, v.classification AS Classification, v.row_version AS RowVersion";

        public static string Find(VisibilityScope scope) => $"""
            SELECT {Columns}
            FROM versions v JOIN standards s ON {Visibility.JoinStandardAfterVersion}
            WHERE v.standard_id = {Visibility.KeyedStandardId} AND v.edition = @edition AND {Visibility.Predicate(scope, "v")}
            """;

        public static string FindForWrite(VisibilityScope scope) => $"{Find(scope)} AND {Visibility.WholeStandardCovered("s")}";

        public const string FindAny = $"""
            SELECT {Columns}
            FROM versions v JOIN standards s ON s.id = v.standard_id WHERE s.standard_key = @key AND v.edition = @edition
            """;

        public static IEnumerable<string> All(VisibilityScope scope) =>
            [LockStandard, Find(scope), FindForWrite(scope), FindAny, $"{LockStandard};\n{FindForWrite(scope)}", $"{LockStandard};\n{FindAny}"];
    }
}
