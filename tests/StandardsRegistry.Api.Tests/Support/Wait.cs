using System.Diagnostics;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// Waiting for a condition to become true (a counter of the test's own load, an entry the service queues, a lease it lets
/// go), never for a time.
/// </summary>
public static class Wait
{
    /// <summary>Polls <paramref name="done"/> every 10 ms; fails naming <paramref name="what"/> when it is not true within <paramref name="within"/>.</summary>
    public static Task UntilAsync(Func<bool> done, TimeSpan within, string what) => UntilAsync(done, within, () => what);

    /// <summary>As <see cref="UntilAsync(Func{bool}, TimeSpan, string)"/>, for a condition that must be asked for (a query).</summary>
    public static Task UntilAsync(Func<Task<bool>> done, TimeSpan within, string what) => UntilAsync(done, within, () => what);

    /// <summary>
    /// As <see cref="UntilAsync(Func{bool}, TimeSpan, string)"/>, with what was waited for told only on failure, so that it
    /// can say what the last poll saw (what is missing, the service's log).
    /// </summary>
    public static Task UntilAsync(Func<bool> done, TimeSpan within, Func<string> what) => UntilAsync(() => Task.FromResult(done()), within, what);

    /// <summary>As <see cref="UntilAsync(Func{bool}, TimeSpan, Func{string})"/>, for a condition that must be asked for (a query).</summary>
    public static async Task UntilAsync(Func<Task<bool>> done, TimeSpan within, Func<string> what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await done())
        {
            if (deadline.Elapsed >= within)
            {
                Assert.Fail($"Not within {within.TotalSeconds:0} s: {what()}");
            }
            await Task.Delay(10);
        }
    }
}
