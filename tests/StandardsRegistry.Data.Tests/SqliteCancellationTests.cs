using System.Diagnostics;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Data.Tests;

/// <summary>
/// SQLite runs a statement synchronously and Microsoft.Data.Sqlite does not stop one for a cancellation token once it
/// runs: an operation cancelled (the request's timeout) must interrupt the statement it is running, answer cancelled as
/// PostgreSQL's does, and leave its connection sound or closed, never a running statement holding it.
/// </summary>
public sealed class SqliteCancellationTests : DatabaseSuite
{
    public SqliteCancellationTests() : base(TestProvider.Sqlite, migrated: false)
    {
    }

    /// <summary>Counts to ten billion: minutes, even on a fast machine, unless interrupted.</summary>
    private const string Endless = """
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000000)
        SELECT COUNT(*) FROM n
        """;

    public static TheoryData<string> Operations => ["read", "snapshot read", "write"];

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task ACancelledOperationsRunningStatementIsInterruptedAndAnsweredAsCancelled(string operation)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<long> Count(DbSession s)
        {
            started.TrySetResult();
            return s.ExecuteScalarAsync<long>(Endless);
        }
        var run = Task.Run(() => operation switch
        {
            "read" => Db.ReadAsync(Count, cancel.Token).AsTask(),
            "snapshot read" => Db.SnapshotReadAsync(Count, cancel.Token).AsTask(),
            _ => Written(),
        });
        async Task<long> Written() => (await Db.WriteAsync(async s => Result.Done(await Count(s)), cancel.Token)).Value;
        await started.Task;
        // Cancelled whenever it lands, the operation must end at once; a moment after the statement began (it begins
        // microseconds after the work starts), it lands while the statement runs, which is what is tested.
        var clock = Stopwatch.StartNew();
        cancel.CancelAfter(TimeSpan.FromMilliseconds(500));

        // Generous: interrupted, the statement stops within milliseconds; uninterrupted, it runs for minutes.
        var ended = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.True(ended == run, $"The cancelled {operation} was still running its statement after {clock.Elapsed}.");
        var thrown = await Record.ExceptionAsync(() => run);
        Assert.True(thrown is OperationCanceledException, $"expected the {operation} cancelled, got {thrown}");

        // The pool's connections serve the next operations, reads and writes alike.
        Assert.Equal(3L, await Db.ReadAsync(s => s.ExecuteScalarAsync<long>("SELECT 1 + 2"), TestContext.Current.CancellationToken));
        Assert.Equal(3L, (await Db.WriteAsync(async s => Result.Done(await s.ExecuteScalarAsync<long>("SELECT 1 + 2")), TestContext.Current.CancellationToken)).Value);
        Assert.Equal(3L, await Db.SnapshotReadAsync(s => s.ExecuteScalarAsync<long>("SELECT 1 + 2"), TestContext.Current.CancellationToken));
    }
}
