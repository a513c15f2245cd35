namespace StandardsRegistry.Domain;

public static class Roles
{
    public const string Editor = "editor";
    public const string ReleaseAuthority = "release-authority";
    public const string Consumer = "consumer";
    public const string Admin = "admin";

    /// <summary>A national delegate: records its own nation's responses to editions (needs the <c>nation</c> claim).</summary>
    public const string Delegate = "delegate";

    /// <summary>A NATO capability planner: enters and revises nations' capability targets (docs/disclosure.md).</summary>
    public const string Planner = "planner";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Editor, ReleaseAuthority, Consumer, Admin, Delegate, Planner };
}

public static class Communities
{
    /// <summary>The originating community: sees by clearance, not by release.</summary>
    public const string Nato = "NATO";

    /// <summary>Anonymous callers.</summary>
    public const string Public = "PUBLIC";
}

/// <summary>
/// An audience versions can be released to. Audiences are data (a table), not code: the accreditation
/// ceiling and the marking scheme its members read in come with it.
/// </summary>
public sealed record Audience(string Code, string Name, Classification MaxClassification, MarkingScheme Scheme);

/// <summary>
/// Who asks. Anonymous callers are <see cref="Anonymous"/>: community PUBLIC, no clearance, no roles. A NATO caller
/// with a <paramref name="Nation"/> speaks for that nation (a national delegate): it sees its own nation's responses to
/// editions by clearance, other nations' only once released (docs/design.md, national responses).
/// </summary>
public sealed record Principal(string Subject, string Community, Classification? Clearance, IReadOnlySet<string> Roles, string? Nation = null)
{
    public static Principal Anonymous { get; } = new(Subjects.Anonymous, Communities.Public, null, new HashSet<string>());

    public bool IsNato => Community == Communities.Nato;

    public bool HasRole(string role) => Roles.Contains(role);
}

/// <summary>
/// The subjects the registry records its own actors under in the audit trail: no token may claim one, so an entry's
/// subject always says whether a person's token, an anonymous caller, a webhook delivery, the sample catalogue or the trail
/// itself acted.
/// </summary>
public static class Subjects
{
    /// <summary>A caller without a token (or whose token failed validation, on the entry of its refusal).</summary>
    public const string Anonymous = "anonymous";

    /// <summary>The sample catalogue's writes (<c>Registry:SeedSampleCatalogue</c>).</summary>
    public const string SampleCatalogue = "sample-catalogue";

    /// <summary>The audit trail itself, on what it records of its own state (an outage, reads left unrecorded).</summary>
    public const string AuditTrail = "audit-trail";

    /// <summary>A webhook delivery: <c>subscription:</c> and the subscription's id.</summary>
    public static string Subscription(object id) => $"{SubscriptionPrefix}{id}";

    private const string SubscriptionPrefix = "subscription:";

    /// <summary>Whether <paramref name="subject"/> is one of the registry's own (compared exactly, as the trail's filter does).</summary>
    public static bool IsReserved(string subject) =>
        subject is Anonymous or SampleCatalogue or AuditTrail || subject.StartsWith(SubscriptionPrefix, StringComparison.Ordinal);
}
