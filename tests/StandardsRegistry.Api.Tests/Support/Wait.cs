using System.Diagnostics;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>Waiting for a condition the test's own tasks make true (counters of a load), never for a time.</summary>
public static class Wait
{
    /// <summary>Polls <paramref name="done"/> every 10 ms; fails naming <paramref name="what"/> when it is not true within <paramref name="within"/>.</summary>
    public static Task UntilAsync(Func<bool> done, TimeSpan within, string what) => UntilAsync(() => Task.FromResult(done()), within, what);

    /// <summary>As <see cref="UntilAsync(Func{bool}, TimeSpan, string)"/>, for a condition that must be asked for (a query).</summary>
    public static async Task UntilAsync(Func<Task<bool>> done, TimeSpan within, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await done())
        {
            Assert.True(deadline.Elapsed < within, $"Not within {within.TotalSeconds:0} s: {what}");
            await Task.Delay(10);
        }
    }
}
