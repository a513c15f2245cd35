using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Data.Tests;

/// <summary>
/// Write transactions (<see cref="Db.WriteAsync{T}"/>) on connections that outlive them: on SQLite a pool of open
/// connections keeps each statement prepared from one write to the next. Every write sees exactly what the writes before
/// it committed; one that reports a failure, or throws in the middle, leaves nothing, and the connection it used goes on
/// serving the next write with the same statements.
/// </summary>
public abstract class WriteTransactionTests(TestProvider provider) : DatabaseSuite(provider, migrated: false)
{
    private const string Insert = "INSERT INTO notes (id, text) VALUES (@id, @text)";

    private const string Count = "SELECT COUNT(*) FROM notes";

    [Fact]
    public async Task EachWriteSeesWhatWasCommittedBeforeItAndNothingOfAWriteThatFailed()
    {
        var ct = TestContext.Current.CancellationToken;
        await Db.WriteAsync(async s =>
        {
            await s.ExecuteAsync("CREATE TABLE notes (id INTEGER NOT NULL PRIMARY KEY, text VARCHAR(20) NOT NULL UNIQUE)");
            return Result.Done(0);
        }, ct);

        var committed = new List<long>();
        var id = 0L;
        for (var round = 0; round < 20; round++)
        {
            // Committed: the statements it runs are the ones every later write runs again.
            var kept = ++id;
            var seen = await Db.WriteAsync(async s =>
            {
                await s.ExecuteAsync(Insert, new { id = kept, text = $"kept {kept}" });
                return Result.Done(await s.ExecuteScalarAsync<long>(Count));
            }, ct);
            committed.Add(kept);
            Assert.Equal(committed.Count, seen.Value);

            // Reported a failure after writing: rolled back.
            var refused = ++id;
            var failed = await Db.WriteAsync(async s =>
            {
                await s.ExecuteAsync(Insert, new { id = refused, text = $"refused {refused}" });
                Assert.Equal(committed.Count + 1, await s.ExecuteScalarAsync<long>(Count));
                return Result.Fail<long>(Outcome.Conflict);
            }, ct);
            Assert.False(failed.Succeeded);

            // Threw in the middle (its second row breaks the unique text): rolled back, the first row with it.
            var broken = ++id;
            var thrown = await Record.ExceptionAsync(async () => await Db.WriteAsync(async s =>
            {
                await s.ExecuteAsync(Insert, new { id = broken, text = $"broken {broken}" });
                await s.ExecuteAsync(Insert, new { id = ++id, text = $"kept {kept}" });
                return Result.Done(0);
            }, ct));
            Assert.True(thrown is not null && Db.Dialect.IsUniqueViolation(thrown), $"expected a unique violation, got {thrown}");
        }

        Assert.Equal(committed, await Db.ReadAsync(async s => (await s.QueryAsync<long>("SELECT id FROM notes ORDER BY id")).ToList(), ct));
        var last = await Db.WriteAsync(async s => Result.Done(await s.ExecuteScalarAsync<long>(Count)), ct);
        Assert.Equal(committed.Count, last.Value);
    }
}
