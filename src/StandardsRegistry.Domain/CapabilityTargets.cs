namespace StandardsRegistry.Domain;

/// <summary>The ranges a capability target's cycle, horizon and quantity must lie in.</summary>
public static class CapabilityTargetRules
{
    public const int FirstYear = 1900;
    public const int LastYear = 9999;

    /// <summary>
    /// The largest quantity a target may have: a table sums every nation's targets per cell, group and total (in 64-bit
    /// integers, checked), so unbounded quantities overflowed and made every preview and publication of the cycle a 500.
    /// A trillion units each, millions of targets still sum without overflow. A target stored above it before the bound
    /// existed is not summed: the cycle's preview and publication are a conflict naming it (CapabilityStore).
    /// </summary>
    public const long MaxQuantity = 1_000_000_000_000;

    /// <summary>Whether a quantity is one a target may have (0 to <see cref="MaxQuantity"/>).</summary>
    public static bool InRange(long quantity) => quantity is >= 0 and <= MaxQuantity;
}
