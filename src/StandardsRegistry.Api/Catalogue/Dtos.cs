using System.Text.Json.Nodes;
using StandardsRegistry.Api.Http;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Catalogue;

/// <summary>A standard as the caller sees it: the edition and count come from the versions visible to the caller.</summary>
public sealed record StandardDto(string Key, string Designation, string Category, string Title, int? LatestEdition, int VersionCount)
{
    public static StandardDto From(StandardRow row) =>
        new(row.StandardKey, row.Designation, row.Category, row.Title, checked((int?)row.LatestEdition), row.VersionCount);
}

/// <summary>One edition in a standard's list of versions.</summary>
public sealed record VersionSummaryDto(
    int Edition,
    string Title,
    string Summary,
    string Status,
    string Classification,
    string Marking,
    string? EquivalentMarking,
    DateTimeOffset? PublishedAt,
    int? SupersededBy,
    DateTimeOffset? WithdrawnAt)
{
    public static VersionSummaryDto From(VersionRow row, VisibilityScope scope)
    {
        var marking = MarkingDto.For(row.Classification, scope.Scheme);
        return new(row.Edition, row.Title, row.Summary, StatusOf(row), marking.Classification, marking.Marking, marking.EquivalentMarking,
            Time(row.PublishedAt), SupersededByOf(row), Time(row.WithdrawnAt));
    }

    internal static string StatusOf(VersionRow row) => EnumText.Of(Lifecycle.Displayed(row.Status, checked((int?)row.SupersededBy)));

    /// <summary>Only a superseded edition names its successor, and only a successor the caller can see.</summary>
    internal static int? SupersededByOf(VersionRow row) => row.Status == VersionStatus.Superseded ? checked((int?)row.SupersededBy) : null;

    internal static DateTimeOffset? Time(long? unixMilliseconds) => unixMilliseconds is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}

/// <summary>A version with its full content.</summary>
public sealed record VersionDto(
    string Key,
    string Designation,
    string Category,
    int Edition,
    string Title,
    string Summary,
    string Body,
    StoredJsonObject Attributes,
    string Status,
    string Classification,
    string Marking,
    string? EquivalentMarking,
    DateTimeOffset? PublishedAt,
    int? SupersededBy,
    DateTimeOffset? WithdrawnAt,
    string? WithdrawalReason)
{
    public static VersionDto From(VersionRow row, VisibilityScope scope) => From(row, MarkingDto.For(row.Classification, scope.Scheme));

    /// <summary>The version with its marking already worked out for the caller (a served version also puts it in headers).</summary>
    public static VersionDto From(VersionRow row, MarkingDto marking) =>
        new(row.StandardKey, row.Designation, row.Category, row.Edition, row.Title, row.Summary, row.Body ?? "",
            new StoredJsonObject(row.Attributes ?? "{}"), VersionSummaryDto.StatusOf(row), marking.Classification, marking.Marking,
            marking.EquivalentMarking, VersionSummaryDto.Time(row.PublishedAt), VersionSummaryDto.SupersededByOf(row),
            VersionSummaryDto.Time(row.WithdrawnAt), row.WithdrawalReason);
}

/// <summary>
/// A marking for a caller: the abbreviation, the NATO marking, and for callers who read the EU scheme the
/// EU equivalent beside it (NU has none).
/// </summary>
public sealed record MarkingDto(string Classification, string Marking, string? EquivalentMarking)
{
    public static MarkingDto For(Classification classification, MarkingScheme scheme)
    {
        var level = Markings.Of(classification);
        return new(classification.ToString(), level.NatoMarking, scheme == MarkingScheme.Eu ? level.EuMarking : null);
    }
}

/// <summary>A release record. <c>state</c> is <c>active</c>, <c>pending</c> (effective in the future) or <c>revoked</c>.</summary>
public sealed record ReleaseDto(
    string Audience,
    string State,
    string Reason,
    DateTimeOffset EffectiveFrom,
    DateTimeOffset ReleasedAt,
    string ReleasedBy,
    DateTimeOffset? RevokedAt,
    string? RevokedBy,
    string? RevocationReason)
{
    public static ReleaseDto From(ReleaseRow row, DateTimeOffset now) => new(
        row.Audience,
        row.RevokedAt is not null ? "revoked" : row.EffectiveFrom > now.ToUnixTimeMilliseconds() ? "pending" : "active",
        row.Reason,
        DateTimeOffset.FromUnixTimeMilliseconds(row.EffectiveFrom),
        DateTimeOffset.FromUnixTimeMilliseconds(row.ReleasedAt),
        row.ReleasedBy,
        VersionSummaryDto.Time(row.RevokedAt),
        row.RevokedBy,
        row.RevocationReason);
}

public sealed record CreateStandardRequest(string? Key, string? Designation, string? Category, string? Title) : IValidatable
{
    void IValidatable.Validate(ValidationErrors errors, Caller caller) => Validate(errors);

    public void Validate(ValidationErrors errors)
    {
        if (!StandardKey.IsValid(Key))
        {
            errors.Add("key", $"'key' must be 1 to {Limits.KeyLength} lowercase letters, digits and single hyphens, e.g. 'stanag-4172'.");
        }
        errors.Required("designation", Designation, Limits.DesignationLength);
        errors.Required("title", Title, Limits.TitleLength);
        if (!Categories.IsKnown(Category))
        {
            errors.Add("category", Categories.UnknownMessage(Category));
        }
    }
}

public sealed record DraftRequest(string? Title, string? Summary, string? Body, string? Classification, JsonObject? Attributes)
{
    /// <summary>Checks the draft against its standard's category; the content to store when valid.</summary>
    public DraftContent? Validate(string category, out ValidationErrors errors)
    {
        errors = new ValidationErrors();
        errors.Required("title", Title, Limits.TitleLength);
        errors.Optional("summary", Summary, Limits.SummaryLength, multiLine: true);
        errors.Optional("body", Body, Limits.BodyLength, multiLine: true);
        var classification = errors.Classification("classification", Classification);
        Categories.Validate(category, Attributes, errors);
        return errors.IsEmpty
            ? new DraftContent(Title!, Summary ?? "", Body ?? "", classification!.Value, Attributes!.ToJsonString())
            : null;
    }
}

public sealed record WithdrawRequest(string? Reason) : IValidatable
{
    public void Validate(ValidationErrors errors, Caller caller) => errors.Required("reason", Reason, Limits.ReasonLength, multiLine: true);
}

/// <param name="EffectiveFrom">With its offset (<see cref="Http.TimeWithOffsetConverter"/>): a time without one is refused, not read in the host's time zone.</param>
public sealed record ReleaseRequest(string? Reason, [property: System.Text.Json.Serialization.JsonConverter(typeof(Http.TimeWithOffsetConverter))] DateTimeOffset? EffectiveFrom) : IValidatable
{
    /// <summary>
    /// The last whole millisecond a time can hold. A release takes effect at the first whole millisecond not before the
    /// time asked (ReleaseStore), and a time after this one has none.
    /// </summary>
    internal static readonly DateTimeOffset LastWholeMillisecond = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.MaxValue.ToUnixTimeMilliseconds());

    public void Validate(ValidationErrors errors, Caller caller)
    {
        errors.Required("reason", Reason, Limits.ReasonLength, multiLine: true);
        if (EffectiveFrom is { } from && from < caller.Now - Limits.ClockSkew)
        {
            // A past time may still repeat a release on record with the same terms (a retry after a lost answer): the
            // store decides that (ReleaseStore.ReleaseAsync). A request wrong otherwise repeats nothing: it hears of its time too.
            if (!errors.IsEmpty)
            {
                errors.Add("effectiveFrom", ReleaseStore.Backdated);
            }
        }
        else if (EffectiveFrom > LastWholeMillisecond)
        {
            errors.Add("effectiveFrom", $"'effectiveFrom' must not be later than {LastWholeMillisecond.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture)}: a release takes effect at a whole millisecond.");
        }
    }
}
