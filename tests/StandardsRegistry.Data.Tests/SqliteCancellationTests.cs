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

    /// <summary>
    /// A write interrupted in a writing statement (SQLite then rolls its transaction back itself) after an earlier one
    /// wrote: answered cancelled, nothing of it left, the write gate free for the next writer.
    /// </summary>
    [Fact]
    public async Task AWriteInterruptedInAWritingStatementLeavesNothingWritten()
    {
        var ct = TestContext.Current.CancellationToken;
        await Db.WriteAsync(async s => Result.Done(await s.ExecuteAsync("CREATE TABLE scratch (x INTEGER NOT NULL)")), ct);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = Task.Run(async () => await Db.WriteAsync(async s =>
        {
            await s.ExecuteAsync("INSERT INTO scratch (x) VALUES (-1)");
            started.TrySetResult();
            return Result.Done(await s.ExecuteAsync($"INSERT INTO scratch (x) SELECT i FROM ({Endless.Replace("SELECT COUNT(*) FROM n", "SELECT i FROM n")})"));
        }, cancel.Token), ct);
        await started.Task;
        cancel.CancelAfter(TimeSpan.FromMilliseconds(300));
        var ended = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30), ct));
        Assert.True(ended == run, "The cancelled write was still running its statement.");
        var thrown = await Record.ExceptionAsync(() => run);
        Assert.True(thrown is OperationCanceledException, $"expected the write cancelled, got {thrown}");

        Assert.Equal(0L, await Db.ReadAsync(s => s.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM scratch"), ct));
        Assert.Equal(1, (await Db.WriteAsync(async s => Result.Done(await s.ExecuteAsync("INSERT INTO scratch (x) VALUES (1)")), ct)).Value);
        Assert.Equal(1L, await Db.ReadAsync(s => s.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM scratch"), ct));
    }

    /// <summary>
    /// Cancelled once its statements ran, before its commit (the interrupt lands on a connection running nothing): the
    /// write commits whole, and the interrupt stops no later statement, neither the commit nor the next operation's.
    /// </summary>
    [Fact]
    public async Task AWriteCancelledAfterItsStatementsCommitsAndInterruptsNothingLater()
    {
        var ct = TestContext.Current.CancellationToken;
        await Db.WriteAsync(async s => Result.Done(await s.ExecuteAsync("CREATE TABLE scratch (x INTEGER NOT NULL)")), ct);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var written = await Db.WriteAsync(async s =>
        {
            var rows = await s.ExecuteAsync("INSERT INTO scratch (x) VALUES (1), (2)");
            cancel.Cancel();
            return Result.Done(rows);
        }, cancel.Token);
        Assert.Equal(2, written.Value);
        Assert.Equal(2L, await Db.ReadAsync(s => s.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM scratch"), ct));
        Assert.Equal(1, (await Db.WriteAsync(async s => Result.Done(await s.ExecuteAsync("INSERT INTO scratch (x) VALUES (3)")), ct)).Value);
        Assert.Equal(3L, await Db.SnapshotReadAsync(s => s.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM scratch"), ct));
    }
}
