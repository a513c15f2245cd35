namespace StandardsRegistry.Data;

/// <summary>
/// What an audit entry says was done: the one list of action names, used by the routes that audit a request and by the
/// stores that append an entry in their write's transaction, so an operation's refused and successful entries always
/// share a name. The names are part of the audit trail's contract (docs/audit.md): never rename one.
/// </summary>
public static class AuditActions
{
    public const string StandardCreate = "standard.create";
    public const string DraftCreate = "draft.create";
    public const string DraftUpdate = "draft.update";
    public const string VersionPublish = "version.publish";
    public const string VersionWithdraw = "version.withdraw";
    public const string VersionRead = "version.read";
    public const string VersionReadLatest = "version.read-latest";
    public const string LabelRead = "label.read";
    public const string ReleaseGrant = "release.grant";
    public const string ReleaseRevoke = "release.revoke";

    /// <summary>A release recorded by the registry itself (loading the sample catalogue).</summary>
    public const string ReleaseRecord = "release.record";

    public const string ResponseRecord = "response.record";
    public const string ResponseRelease = "response.release";
    public const string ResponseRevoke = "response.revoke";

    /// <summary>A read of national responses (their reservation texts are content).</summary>
    public const string ResponseRead = "response.read";

    public const string RelationAdd = "relation.add";
    public const string RelationRemove = "relation.remove";
    public const string EquivalentAdd = "equivalent.add";
    public const string EquivalentRemove = "equivalent.remove";
    public const string PreferredMark = "preferred.mark";
    public const string PreferredUnmark = "preferred.unmark";

    public const string TargetRecord = "target.record";

    /// <summary>A read of raw capability targets or a table's preview (NATO only).</summary>
    public const string TargetRead = "target.read";

    public const string TablePublish = "table.publish";
    public const string TableRevoke = "table.revoke";

    /// <summary>A read of published capability tables (their cells are content).</summary>
    public const string TableRead = "table.read";

    public const string FeedRead = "feed.read";
    public const string CatalogueExport = "catalogue.export";

    /// <summary>How far an export got: recorded when its stream ends.</summary>
    public const string CatalogueExportEnd = "catalogue.export-end";

    public const string SubscriptionCreate = "subscription.create";
    public const string SubscriptionPause = "subscription.pause";
    public const string SubscriptionResume = "subscription.resume";
    public const string SubscriptionDelete = "subscription.delete";
    public const string SubscriptionRedeliver = "subscription.redeliver";

    /// <summary>A webhook delivery about to be sent: committed before the POST.</summary>
    public const string WebhookSend = "webhook.send";

    /// <summary>A webhook delivery's outcome, after the POST.</summary>
    public const string WebhookDeliver = "webhook.deliver";

    /// <summary>
    /// A queued webhook delivery not sent because what its event names is above its audience's ceiling now (the ceiling
    /// was lowered after it was queued); committed before the delivery is marked done.
    /// </summary>
    public const string WebhookWithhold = "webhook.withhold";

    public const string AuditQuery = "audit.query";
    public const string AuditVerify = "audit.verify";

    /// <summary>A time the trail could not be written, recorded once it can again.</summary>
    public const string AuditOutage = "audit.outage";

    /// <summary>
    /// The service started with the recording of content reads off (<c>Audit:RecordReads=false</c>, for measuring what
    /// recording costs): the trail itself says from when reads were served without an entry.
    /// </summary>
    public const string AuditReadsOff = "audit.reads-off";
}
