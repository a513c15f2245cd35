namespace StandardsRegistry.Domain;

/// <summary>draft → published → (superseded when a later edition is published | withdrawn).</summary>
public enum VersionStatus
{
    Draft,
    Published,
    Superseded,
    Withdrawn,
}

public static class Lifecycle
{
    /// <summary>
    /// The status a caller is shown. A version is superseded only as far as the caller can see a later
    /// published edition: when every successor is hidden, it is the current edition for that caller.
    /// </summary>
    public static VersionStatus Displayed(VersionStatus stored, int? visibleSuccessor) =>
        stored == VersionStatus.Superseded && visibleSuccessor is null ? VersionStatus.Published : stored;

    /// <summary>Only published and superseded editions may be released.</summary>
    public static bool IsReleasable(VersionStatus status) => status is VersionStatus.Published or VersionStatus.Superseded;
}
