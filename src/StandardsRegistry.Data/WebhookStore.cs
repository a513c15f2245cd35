using StandardsRegistry.Domain;

namespace StandardsRegistry.Data;

public sealed class SubscriptionRow
{
    public string Id { get; init; } = "";
    public string Audience { get; init; } = "";
    public string Url { get; init; } = "";
    public string Secret { get; init; } = "";
    public SubscriptionState State { get; init; }
    public long CreatedAt { get; init; }
    public string CreatedBy { get; init; } = "";
    public long? FailingSince { get; init; }
    public string? LastError { get; init; }
    public long? LastDeliveredAt { get; init; }
    /// <summary>Deliveries not yet made.</summary>
    public long Pending { get; init; }
}

/// <summary>A subscription's state as stored (its text, <see cref="EnumText"/>); a deleted one exists for its history only.</summary>
public enum SubscriptionState
{
    Active,
    Paused,
    Deleted,
}

/// <summary>A live subscription's deliveries not yet made.</summary>
public sealed class BacklogRow
{
    public string SubscriptionId { get; init; } = "";
    public long Pending { get; init; }
}

/// <summary>
/// One delivery waiting in the outbox: the event's position in the view it was queued for (the audience's view at the
/// ceiling the audience had then), and the audience's ceiling now, read with it.
/// </summary>
public sealed class DeliveryRow
{
    public long Id { get; init; }
    public long Seq { get; init; }
    public long Attempts { get; init; }
    public long NextAttemptAt { get; init; }
    /// <summary>
    /// How many times a redelivery has queued the row again: its outcome is recorded only on the generation it was sent
    /// for, so a redelivery asked for while it was in flight sends it again.
    /// </summary>
    public long Generation { get; init; }
    /// <summary>The view the event was queued for: its community (the audience) and level.</summary>
    public string ViewCommunity { get; init; } = "";
    public Classification ViewLevel { get; init; }
    /// <summary>
    /// What the subscription may carry now: the audience's accreditation ceiling as the <c>audiences</c> table says now
    /// (no cache), or, when lower, the clearance of the admin who registered it and chose where it goes.
    /// </summary>
    public Classification Ceiling { get; init; }
    /// <summary>The clearance of the admin who registered the subscription (<c>cleared_to</c>), and the nation it spoke for.</summary>
    public Classification RegistrantLevel { get; init; }
    public string? RegistrantNation { get; init; }

    /// <summary>
    /// What the admin who registered the subscription reads, as a NATO caller: a delivery carries nothing it does not (the
    /// audience's view bounded by <see cref="Ceiling"/>, and a capability table only when that admin reads it, which the
    /// several-nations rule can keep from an admin cleared for the table's marking).
    /// </summary>
    public VisibilityScope Registrant => VisibilityScope.Nato(RegistrantLevel, drafts: false) with { Nation = RegistrantNation };

    /// <summary>
    /// The highest marking a POST of this delivery can carry: the view's level, or the ceiling when that is lower (the
    /// dispatcher then sends only what is marked within it). Kept with the delivery's time or failure, for who may see them.
    /// </summary>
    public Classification Carried => Ceiling < ViewLevel ? Ceiling : ViewLevel;

    /// <summary>
    /// For an event of a capability table, the highest marking among the figures the table was computed from, kept with the
    /// outbox row when it was queued (<c>table_level</c>, 0037).
    /// </summary>
    public Classification? TableFiguresUpTo { get; init; }

    /// <summary>
    /// Who may see that this delivery was made or failed (the subscription's status): an admin cleared to
    /// <see cref="Carried"/>, and for a table, to every figure it was computed from — one cleared to less may be one the
    /// several-nations rule keeps from the table, to whom a delivery no event it reads explains says a table was published.
    /// </summary>
    public Classification StatusLevel => TableFiguresUpTo > Carried ? TableFiguresUpTo.Value : Carried;

    public FeedView View => new(ViewCommunity, ViewLevel, false);
}

/// <summary>
/// Webhook subscriptions and their outbox. Outbox rows are written by <see cref="FeedWriter"/> in the transaction of the
/// change; this store hands them to a dispatcher under a row lease on the subscription, so instances share the work
/// and one subscription's events go out one at a time, in order.
/// </summary>
public sealed class WebhookStore(Db db, RegistryWrites writes)
{
    // Subscription changes go through the write path (RegistryWrites): each commits with its audit entry.
    //
    // An admin manages only subscriptions of audiences whose accreditation ceiling its clearance covers
    // (<paramref name="clearance"/> below): what such a subscription delivers, and its pending count, follow the
    // audience's view at that ceiling. Others do not exist for it.

    /// <summary>
    /// Registers a subscription of an audience whose ceiling <paramref name="clearance"/> covers, as the <c>audiences</c>
    /// table says in the write's transaction — the ceiling its deliveries will be read at, and that decides who sees it
    /// afterwards (never the API's 30-second audience cache, which let an admin register an audience just raised above
    /// its clearance). Otherwise nothing is written: <see cref="Outcome.Forbidden"/> (above the clearance; the problem
    /// names the ceiling), or <see cref="Outcome.Unprocessable"/> (the audience is gone since the request was checked).
    /// </summary>
    public Task<Result<SubscriptionRow>> CreateAsync(string audience, Classification clearance, string? nation, string url, string secret, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.RunAsync(AuditActions.SubscriptionCreate, by, now, null, async w =>
        {
            if (await AudienceDirectory.CeilingAsync(w.Session, audience) is not { } ceiling)
            {
                return Result.Fail<SubscriptionRow>(Outcome.Unprocessable, AudienceDirectory.NoSuchAudience(audience));
            }
            if (ceiling > clearance)
            {
                return Result.Fail<SubscriptionRow>(Outcome.Forbidden,
                    $"A subscription for {audience} delivers up to {Markings.Of(ceiling).NatoMarking}; registering it needs a clearance that covers that.");
            }
            // The mirror registers, then exports (docs/consuming.md): every write is then in the export or queued for
            // the subscription. A write queues its events for the subscriptions its INSERT sees, then commits; one that had
            // queued them before this registration committed, and commits after an export's snapshot, was in neither
            // (PostgreSQL). So the registration takes the row lock of the view it reads, which every append to that view
            // holds until it commits: it waits for the appends in flight, and later ones wait for it and see it.
            if (await w.Session.ExecuteAsync(Sql.LockView, new { audience, level = (int)ceiling }) == 0)
            {
                // No write has made the view yet (an audience added since the last write): make it, as the first append
                // would. One making it meanwhile holds its key until it commits; the registration then fails on the key
                // and runs again (a unique violation is retried whole), and finds the row to lock.
                await w.Session.ExecuteAsync(FeedWriter.Sql.InsertView, new { Community = audience, level = (int)ceiling, drafts = 0 });
            }
            var id = Guid.NewGuid().ToString();
            await w.Session.ExecuteAsync(Sql.Insert, new { id, audience, url, secret, state = EnumText.Of(SubscriptionState.Active), clearedTo = (int)clearance, nation, at = w.At, by = by.Subject });
            w.Names(detail: $"subscription {id}: {audience} to {url}");
            return Result.Created((await w.Session.QuerySingleOrDefaultAsync<SubscriptionRow>(Sql.GetAny, new { id }))!);
        }, ct);

    public Task<IReadOnlyList<SubscriptionRow>> ListAsync(Classification clearance, CancellationToken ct = default) =>
        db.ReadAsync<IReadOnlyList<SubscriptionRow>>(async c => await c.QueryAsync<SubscriptionRow>(Sql.List, new { clearance = (int)clearance }), ct).AsTask();

    public Task<SubscriptionRow?> GetAsync(string id, Classification clearance, CancellationToken ct = default) =>
        db.ReadAsync(c => c.QuerySingleOrDefaultAsync<SubscriptionRow>(Sql.Get, new { id, clearance = (int)clearance }), ct).AsTask();

    /// <summary>
    /// Pauses, resumes or deletes (answered as <see cref="Outcome.Removed"/>) a subscription that is not deleted. A
    /// deleted one's outbox rows go with the delete: nothing delivers, redelivers or counts them again, and kept they
    /// were a store that only grew.
    /// </summary>
    public Task<Result<SubscriptionRow>> SetStateAsync(string id, Classification clearance, SubscriptionState state, string action, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.RunAsync(action, by, now, null, async w =>
        {
            if (state == SubscriptionState.Deleted)
            {
                // The row lock of the view the subscription reads, as a registration takes it: a write appending to the
                // view, which queued its rows for the subscription before the delete and commits after it, is waited
                // for, so its rows are among those deleted below (they were left, never to be sent nor removed); later
                // appends wait for the delete and see it.
                await w.Session.ExecuteAsync(Sql.LockViewOf, new { id });
            }
            if (await w.Session.ExecuteAsync(Sql.SetState, new { id, state = EnumText.Of(state), clearance = (int)clearance }) == 0)
            {
                return Result.Fail<SubscriptionRow>(Outcome.NotFound);
            }
            var row = (await w.Session.QuerySingleOrDefaultAsync<SubscriptionRow>(Sql.GetAnyCovered, new { id, clearance = (int)clearance }))!;
            if (state == SubscriptionState.Deleted)
            {
                await w.Session.ExecuteAsync(Sql.DeleteOutbox, new { id });
            }
            w.Names(detail: $"subscription {id}: {row.Audience} to {row.Url}");
            return state == SubscriptionState.Deleted ? Result.Removed(row) : Result.Done(row);
        }, ct);

    /// <summary>
    /// Queues again every event of the subscription from <paramref name="fromSequence"/> on (delivered or not) in the view
    /// it reads now (its audience's at the ceiling now, whose sequence numbers its latest deliveries carry); how many.
    /// </summary>
    public Task<Result<int>> RedeliverAsync(string id, Classification clearance, long fromSequence, AuditActor by, DateTimeOffset now, CancellationToken ct = default) =>
        writes.RunAsync(AuditActions.SubscriptionRedeliver, by, now, null, async w =>
        {
            // Checked by taking the subscription's row lock, held to the commit, not by a plain read: a delete committing
            // between that read and the UPDATE below answered 204 first, and the redelivery then answered 200 (on record)
            // with events queued for a subscription deleted before it. Now one waits for the other.
            if (await w.Session.ExecuteAsync(Sql.LockLive, new { id, clearance = (int)clearance }) == 0)
            {
                return Result.Fail<int>(Outcome.NotFound);
            }
            var queued = await w.Session.ExecuteAsync(Sql.Redeliver, new { id, from = fromSequence, at = w.At });
            w.Names(detail: $"subscription {id}: {queued} event(s) from sequence {fromSequence}");
            return Result.Done(queued);
        }, ct);

    // The lease statements write: they run as write transactions, so on SQLite they queue with the process's other
    // writers (Db.WriteGate) instead of meeting the file's lock.

    /// <summary>Leases active subscriptions with a delivery due, for <paramref name="owner"/> until <paramref name="until"/>.</summary>
    public async Task<IReadOnlyList<SubscriptionRow>> LeaseAsync(string owner, DateTimeOffset now, DateTimeOffset until, CancellationToken ct = default) =>
        (await db.WriteAsync(async c =>
        {
            var untilMs = until.ToUnixTimeMilliseconds();
            await c.ExecuteAsync(Sql.Lease, new { owner, now = now.ToUnixTimeMilliseconds(), until = untilMs });
            return Result.Done<IReadOnlyList<SubscriptionRow>>(await c.QueryAsync<SubscriptionRow>(Sql.Leased, new { owner, until = untilMs }));
        }, ct)).Value!;

    /// <summary>
    /// Extends the lease while <paramref name="owner"/> still holds it and the subscription is active; false when it has
    /// lost it or the subscription was paused or deleted since it was leased.
    /// </summary>
    public Task<bool> RenewLeaseAsync(string id, string owner, DateTimeOffset until, CancellationToken ct = default) =>
        ExtendLeaseAsync(Sql.RenewLease, id, owner, until, ct);

    /// <summary>
    /// Extends the lease while <paramref name="owner"/> still holds it, whatever the subscription's state (a delivery in
    /// flight completes, its retries included); false when another instance has it.
    /// </summary>
    public Task<bool> KeepLeaseAsync(string id, string owner, DateTimeOffset until, CancellationToken ct = default) =>
        ExtendLeaseAsync(Sql.KeepLease, id, owner, until, ct);

    private async Task<bool> ExtendLeaseAsync(string sql, string id, string owner, DateTimeOffset until, CancellationToken ct) =>
        (await db.WriteAsync(async c => Result.Done(await c.ExecuteAsync(sql, new { id, owner, until = until.ToUnixTimeMilliseconds() })), ct)).Value == 1;

    public Task ReleaseLeaseAsync(string id, string owner, CancellationToken ct = default) =>
        db.WriteAsync(async c => Result.Done(await c.ExecuteAsync(Sql.ReleaseLease, new { id, owner })), ct).AsTask();

    /// <summary>The subscription's undelivered events, in the order they were queued (by sequence within a view).</summary>
    public Task<IReadOnlyList<DeliveryRow>> PendingAsync(string id, int limit, CancellationToken ct = default) =>
        db.ReadAsync<IReadOnlyList<DeliveryRow>>(async c => await c.QueryAsync<DeliveryRow>(Sql.Pending(db.Dialect), new { id, limit }), ct).AsTask();

    /// <summary>
    /// A delivery acknowledged: marked delivered unless a redelivery queued it again while it was in flight, and the
    /// subscription healthy, its last delivery's time kept with the highest marking the delivery could carry
    /// (<see cref="DeliveryRow.Carried"/>: who may see that time).
    /// </summary>
    public Task DeliveredAsync(string subscriptionId, DeliveryRow delivery, DateTimeOffset now, CancellationToken ct = default) =>
        db.WriteAsync(async c =>
        {
            var at = now.ToUnixTimeMilliseconds();
            // The subscription's row before its outbox row, the order a delete and a redelivery lock them in (and a write
            // queueing for it): taken the other way round, an outcome beside a delete deadlocked on PostgreSQL.
            await c.ExecuteAsync(Sql.Healthy, new { id = subscriptionId, at, level = (int)delivery.StatusLevel });
            await c.ExecuteAsync(Sql.Delivered, new { id = delivery.Id, generation = delivery.Generation, at });
            return Result.Done(true);
        }, ct).AsTask();

    /// <summary>
    /// A waiting delivery done without a POST (withheld, or its record no longer the audience's): marked delivered, and the
    /// subscription's health and last delivery time stay as the last POST left them.
    /// </summary>
    public Task SkippedAsync(DeliveryRow delivery, DateTimeOffset now, CancellationToken ct = default) =>
        db.WriteAsync(async c => Result.Done(await c.ExecuteAsync(Sql.Delivered, new { id = delivery.Id, generation = delivery.Generation, at = now.ToUnixTimeMilliseconds() })), ct).AsTask();

    /// <summary>
    /// A delivery that failed: tried again after <paramref name="retryAt"/> (unless a redelivery queued it again while
    /// it was in flight: then it is due at once, as queued), and the subscription failing, the failure kept with the
    /// highest marking the delivery could carry (<see cref="DeliveryRow.StatusLevel"/>: who may see the failure).
    /// </summary>
    public Task FailedAsync(string subscriptionId, DeliveryRow delivery, string error, DateTimeOffset now, DateTimeOffset retryAt, CancellationToken ct = default) =>
        db.WriteAsync(async c =>
        {
            var at = now.ToUnixTimeMilliseconds();
            // The subscription's row first, as in DeliveredAsync.
            await c.ExecuteAsync(Sql.Failing, new { id = subscriptionId, at, error = error.Length > 500 ? error[..500] : error, level = (int)delivery.StatusLevel });
            await c.ExecuteAsync(Sql.Failed, new { id = delivery.Id, generation = delivery.Generation, next = retryAt.ToUnixTimeMilliseconds() });
            return Result.Done(true);
        }, ct).AsTask();

    /// <summary>Every live subscription's pending deliveries, whatever its audience (for the operator's metrics only).</summary>
    public Task<IReadOnlyList<BacklogRow>> BacklogAsync(CancellationToken ct = default) =>
        db.ReadAsync<IReadOnlyList<BacklogRow>>(async c => await c.QueryAsync<BacklogRow>(Sql.Backlog), ct).AsTask();

    /// <summary>The ids of the subscriptions not deleted (the dispatcher drops what it kept for the others).</summary>
    public Task<IReadOnlyList<string>> LiveIdsAsync(CancellationToken ct = default) =>
        db.ReadAsync<IReadOnlyList<string>>(async c => await c.QueryAsync<string>(Sql.LiveIds), ct).AsTask();

    internal static class Sql
    {
        public const string LiveIds = "SELECT id FROM subscriptions WHERE state <> 'deleted'";


        public const string Backlog = """
            SELECT s.id AS SubscriptionId, (SELECT COUNT(*) FROM webhook_outbox o WHERE o.subscription_id = s.id AND o.delivered_at IS NULL) AS Pending
            FROM subscriptions s WHERE s.state <> 'deleted'
            """;

        private const string Columns = """
            s.id AS Id, s.audience AS Audience, s.url AS Url, s.secret AS Secret, s.state AS State, s.created_at AS CreatedAt, s.created_by AS CreatedBy
            """;

        private const string AllPending = $"""
            {Columns},
            s.failing_since AS FailingSince, s.last_error AS LastError, s.last_delivered_at AS LastDeliveredAt,
            (SELECT COUNT(*) FROM webhook_outbox o WHERE o.subscription_id = s.id AND o.delivered_at IS NULL) AS Pending
            """;

        // What an admin is shown: the deliveries waiting in views within its clearance. After the audience's ceiling was
        // lowered, rows queued in the view of the old ceiling wait until the dispatcher sends or withholds them; an admin
        // cleared only to the new ceiling manages the subscription, and their count would tell it how many events a view
        // above its clearance made.
        // So is the delivery status: the last delivery's time, and a failure's start and error, each shown only when the
        // delivery behind it carried nothing above the admin's clearance (after a lowered ceiling, they may be an NS
        // edition's; 0029 keeps the level with each).
        private const string CoveredPending = $"""
            {Columns},
            CASE WHEN s.failing_level <= @clearance THEN s.failing_since END AS FailingSince,
            CASE WHEN s.failing_level <= @clearance THEN s.last_error END AS LastError,
            CASE WHEN s.last_delivered_level <= @clearance THEN s.last_delivered_at END AS LastDeliveredAt,
            (SELECT COUNT(*) FROM webhook_outbox o JOIN feed_views ov ON ov.id = o.view_id
             WHERE o.subscription_id = s.id AND o.delivered_at IS NULL AND ov.level <= @clearance
               AND COALESCE(o.table_level, 0) <= @clearance) AS Pending
            """;

        public const string Insert = """
            INSERT INTO subscriptions (id, audience, url, secret, state, cleared_to, registrant_nation, created_at, created_by)
            VALUES (@id, @audience, @url, @secret, @state, @clearedTo, @nation, @at, @by)
            """;

        /// <summary>The row lock of the view a subscription of <c>@audience</c> reads at ceiling <c>@level</c> (a no-op update).</summary>
        public const string LockView = "UPDATE feed_views SET last_seq = last_seq WHERE community = @audience AND level = @level AND drafts = 0";

        /// <summary>The row lock of the view subscription <c>@id</c> reads now (its audience's at the ceiling now), as <see cref="LockView"/>.</summary>
        public const string LockViewOf = """
            UPDATE feed_views SET last_seq = last_seq
            WHERE drafts = 0 AND id IN (SELECT fv.id FROM subscriptions s JOIN audiences a ON a.code = s.audience
                                        JOIN feed_views fv ON fv.community = s.audience AND fv.level = a.max_classification
                                        WHERE s.id = @id)
            """;

        public const string DeleteOutbox = "DELETE FROM webhook_outbox WHERE subscription_id = @id";

        /// <summary>The subscription's audience is accredited no higher than <c>@clearance</c>.</summary>
        private const string Covered = "s.audience IN (SELECT a.code FROM audiences a WHERE a.max_classification <= @clearance)";

        public const string Get = $"SELECT {CoveredPending} FROM subscriptions s WHERE s.id = @id AND s.state <> 'deleted' AND {Covered}";

        public const string GetAny = $"SELECT {AllPending} FROM subscriptions s WHERE s.id = @id";

        /// <summary>A subscription whatever its state, its pending count as <see cref="Get"/> gives it.</summary>
        public const string GetAnyCovered = $"SELECT {CoveredPending} FROM subscriptions s WHERE s.id = @id";

        public const string List = $"SELECT {CoveredPending} FROM subscriptions s WHERE s.state <> 'deleted' AND {Covered} ORDER BY s.created_at, s.id";

        /// <summary>The row lock of a live subscription the admin manages (a no-op update); none when there is no such subscription.</summary>
        public const string LockLive = """
            UPDATE subscriptions SET state = state
            WHERE id = @id AND state <> 'deleted' AND audience IN (SELECT a.code FROM audiences a WHERE a.max_classification <= @clearance)
            """;

        public const string SetState = """
            UPDATE subscriptions SET state = @state
            WHERE id = @id AND state <> 'deleted' AND audience IN (SELECT a.code FROM audiences a WHERE a.max_classification <= @clearance)
            """;

        // Sequence numbers are a view's own: the number given is one of the view the subscription reads now (its
        // audience's at the ceiling now), and only that view's rows are queued again. Rows of a view it read before the
        // ceiling changed hold another count: matching them sent old events again ahead of those asked for, and counted
        // events of a higher view to an admin cleared only to the ceiling now.
        public const string Redeliver = """
            UPDATE webhook_outbox SET delivered_at = NULL, attempts = 0, next_attempt_at = @at, generation = generation + 1
            WHERE subscription_id = @id AND seq >= @from
              AND view_id = (SELECT fv.id FROM subscriptions s JOIN audiences a ON a.code = s.audience
                             JOIN feed_views fv ON fv.community = s.audience AND fv.level = a.max_classification AND fv.drafts = 0
                             WHERE s.id = @id)
            """;

        // The lease condition is repeated on the updated row itself, so two instances racing for a subscription cannot
        // both win it (PostgreSQL re-checks the outer condition on a row a concurrent writer changed).
        public const string Lease = """
            UPDATE subscriptions SET lease_owner = @owner, lease_until = @until
            WHERE state = 'active' AND (lease_until IS NULL OR lease_until < @now)
              AND id IN (SELECT o.subscription_id FROM webhook_outbox o WHERE o.delivered_at IS NULL AND o.next_attempt_at <= @now)
            """;

        public const string Leased = $"SELECT {AllPending} FROM subscriptions s WHERE s.lease_owner = @owner AND s.lease_until = @until";

        // Renewed before each delivery, and only while the subscription is active: one paused or deleted meanwhile gets
        // nothing more than the delivery in flight when it changed.
        public const string RenewLease = "UPDATE subscriptions SET lease_until = @until WHERE id = @id AND lease_owner = @owner AND state = 'active'";

        // Before each attempt of a POST: the attempt is made only while this instance holds the lease.
        public const string KeepLease = "UPDATE subscriptions SET lease_until = @until WHERE id = @id AND lease_owner = @owner";

        public const string ReleaseLease = "UPDATE subscriptions SET lease_owner = NULL, lease_until = NULL WHERE id = @id AND lease_owner = @owner";

        // In the order queued (ix_webhook_outbox_pending): by sequence within a view, and the rows of a view the
        // subscription read before its audience's ceiling changed before those of the view it reads since (sequence
        // numbers of two views are not comparable). With each row, its view and what the subscription may carry now: the
        // audience's ceiling, or the clearance of the admin who registered it (cleared_to) when that is lower.
        public static string Pending(SqlDialect dialect) => $"""
            SELECT o.id AS Id, o.seq AS Seq, o.attempts AS Attempts, o.next_attempt_at AS NextAttemptAt, o.generation AS Generation,
                   fv.community AS ViewCommunity, fv.level AS ViewLevel,
                   CASE WHEN s.cleared_to < a.max_classification THEN s.cleared_to ELSE a.max_classification END AS Ceiling,
                   COALESCE(s.cleared_to, a.max_classification) AS RegistrantLevel, s.registrant_nation AS RegistrantNation,
                   o.table_level AS TableFiguresUpTo
            FROM webhook_outbox o JOIN feed_views fv ON fv.id = o.view_id
            JOIN subscriptions s ON s.id = o.subscription_id JOIN audiences a ON a.code = s.audience
            WHERE o.subscription_id = @id AND o.delivered_at IS NULL
            ORDER BY o.id
            {dialect.Limit("@limit")}
            """;

        // An outcome is the generation's it was sent for: a row a redelivery queued again while it was in flight stays queued.
        public const string Delivered = "UPDATE webhook_outbox SET delivered_at = @at, attempts = attempts + 1 WHERE id = @id AND generation = @generation";

        public const string Healthy = "UPDATE subscriptions SET failing_since = NULL, last_error = NULL, failing_level = NULL, last_delivered_at = @at, last_delivered_level = @level WHERE id = @id";

        public const string Failed = "UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt_at = @next WHERE id = @id AND generation = @generation";

        // A failure's start is kept from the first failure on, so its level is the highest of every failure since.
        public const string Failing = """
            UPDATE subscriptions SET failing_since = COALESCE(failing_since, @at), last_error = @error,
                   failing_level = CASE WHEN failing_level IS NULL OR failing_level < @level THEN @level ELSE failing_level END
            WHERE id = @id
            """;

        public static IEnumerable<string> All(SqlDialect dialect) =>
            [LockView, LockViewOf, DeleteOutbox, LockLive, Insert, Get, GetAny, GetAnyCovered, List, SetState, Redeliver, Lease, Leased, RenewLease, KeepLease, ReleaseLease, Pending(dialect), Delivered, Healthy, Failed, Failing];
    }
}
