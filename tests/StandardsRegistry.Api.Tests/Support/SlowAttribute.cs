using Xunit.v3;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// A test (or every test of a class) that takes seconds by design: a crawl, a random history, a load or fault run, a
/// real process, a browser. Its trait is <c>Speed=Slow</c>, so <c>dotnet test --filter "Speed!=Slow"</c> is the quick
/// inner loop; CI runs everything.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, Inherited = true)]
public sealed class SlowAttribute : Attribute, ITraitAttribute
{
    public const string Trait = "Speed";

    public IReadOnlyCollection<KeyValuePair<string, string>> GetTraits() => [new(Trait, "Slow")];
}
