using StandardsRegistry.Domain;

namespace StandardsRegistry.Data;

// Rows as the stores read them; the API turns them into DTOs for the caller. Times are Unix milliseconds.
// Nullable numbers are long?: Dapper reads a whole result set with the column types of its first row, and a
// NULL aggregate there must not make a later integer unreadable.

public sealed class StandardRow
{
    public long Id { get; init; }
    public string StandardKey { get; init; } = "";
    public string Designation { get; init; } = "";
    public string Category { get; init; } = "";
    public string Title { get; init; } = "";
    /// <summary>Latest visible published or superseded edition.</summary>
    public long? LatestEdition { get; init; }
    /// <summary>Number of versions visible to the caller.</summary>
    public int VersionCount { get; init; }
}

public sealed class VersionRow
{
    public long Id { get; init; }
    public string StandardKey { get; init; } = "";
    public string Designation { get; init; } = "";
    public string Category { get; init; } = "";
    public int Edition { get; init; }
    public string Title { get; init; } = "";
    public string Summary { get; init; } = "";
    public string? Body { get; init; }
    public string? Attributes { get; init; }
    /// <summary>Stored as its text (<see cref="EnumText"/>); Dapper parses it.</summary>
    public VersionStatus Status { get; init; }
    public Classification Classification { get; init; }
    public long? PublishedAt { get; init; }
    public long? WithdrawnAt { get; init; }
    public string? WithdrawalReason { get; init; }
    public long RowVersion { get; init; }
    /// <summary>The next later edition the caller can see that has been published; null when none is visible.</summary>
    public long? SupersededBy { get; init; }
}

public sealed class ReleaseRow
{
    public string Audience { get; init; } = "";
    public string Reason { get; init; } = "";
    public long EffectiveFrom { get; init; }
    public long ReleasedAt { get; init; }
    public string ReleasedBy { get; init; } = "";
    public long? RevokedAt { get; init; }
    public string? RevokedBy { get; init; }
    public string? RevocationReason { get; init; }
}

public sealed class AudienceRow
{
    public string Code { get; init; } = "";
    public string Name { get; init; } = "";
    public int MaxClassification { get; init; }
    public string MarkingScheme { get; init; } = "";
}
