using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Data.Tests;

/// <summary>
/// Appends to one chain from several writers at once: the batched writers of two instances (each an
/// <see cref="AuditLog"/> with its kept connection; on PostgreSQL each chains on from the head it last wrote, in one
/// statement, and must notice when another writer moved it) and editorial writes appending in their own transactions.
/// Every entry is stored exactly once, the sequences have no gap, and the chain verifies.
/// </summary>
public abstract class AuditAppendTests(TestProvider provider) : DatabaseSuite(provider, migrated: true)
{
    [Fact]
    public async Task BatchesFromTwoInstancesAndEditorialWritesInterleavedAreEachChainedOnceInOneOrder()
    {
        using var first = new AuditLog(Db);
        using var second = new AuditLog(Db);
        var random = new Random(17);
        var expected = new List<string>();
        // In turns chosen at random, so each writer's kept head is often stale.
        for (var i = 0; i < 60; i++)
        {
            var batch = Batch($"turn-{i}", random.Next(1, 6));
            switch (random.Next(3))
            {
                case 0:
                    first.AppendBatch(batch);
                    break;
                case 1:
                    second.AppendBatch(batch);
                    break;
                default:
                    await Db.WriteAsync(async session =>
                    {
                        await AuditLog.AppendAsync(session, batch);
                        return Result.Done(true);
                    });
                    break;
            }
            expected.AddRange(batch.Select(e => e.RequestId!));
        }
        await AssertChainedOnce(first, expected);
    }

    [Fact]
    public async Task BatchesFromTwoInstancesAtOnceAreEachChainedOnceInOneOrder()
    {
        using var first = new AuditLog(Db);
        using var second = new AuditLog(Db);
        var writers = new[] { first, second }.Select((log, w) => Task.Run(() =>
        {
            var written = new List<string>();
            for (var i = 0; i < 150; i++)
            {
                var batch = Batch($"writer-{w}-{i}", 1 + i % 4);
                log.AppendBatch(batch);
                written.AddRange(batch.Select(e => e.RequestId!));
            }
            return written;
        })).ToList();
        var expected = (await Task.WhenAll(writers)).SelectMany(w => w).ToList();
        await AssertChainedOnce(first, expected);
    }

    /// <summary>
    /// The audit route's <c>subject=</c> finds the entries of that subject exactly, on every provider. A token may not
    /// claim a subject the registry records its own actors under (anonymous, sample-catalogue, subscription:&lt;id&gt;), but
    /// a token's <c>Anonymous</c>, <c>anonymous </c> or <c>ＡＮＯＮＹＭＯＵＳ</c> is no reserved subject; on SQL Server the
    /// column's default collation (case-, width- and trailing-space-insensitive) matched them all for <c>anonymous</c>,
    /// so a person's entries were listed as an anonymous caller's or a webhook delivery's, and the other way round.
    /// </summary>
    [Fact]
    public async Task TheSubjectFilterMatchesOnlyThatSubjectExactly()
    {
        using var log = new AuditLog(Db);
        string[] subjects = ["anonymous", "Anonymous", "anonymous ", "ＡＮＯＮＹＭＯＵＳ", "subscription:abc", "SUBSCRIPTION:ABC", "subscription:abc "];
        log.AppendBatch([.. subjects.Select((subject, i) =>
            new AuditEntry(1_764_000_000_000 + i, "version.read", 200, subject, "NATO", "", null, null, null, null, null, $"subject-{i}"))]);

        foreach (var subject in subjects)
        {
            var found = await log.QueryAsync(new AuditLog.Filter(subject, null, null, null, null, 100));
            Assert.Equal([subject], found.Select(r => r.Subject));
        }
    }

    private static async Task AssertChainedOnce(AuditLog log, List<string> expected)
    {
        var stored = await log.QueryAsync(new AuditLog.Filter(null, null, null, null, null, 100_000));
        Assert.Equal(Enumerable.Range(1, expected.Count).Select(i => (long)i), stored.Select(r => r.Sequence));
        Assert.Equal(expected.Order(StringComparer.Ordinal), stored.Select(r => r.RequestId!).Order(StringComparer.Ordinal));
        var verification = await log.VerifyFullAsync();
        Assert.True(verification.Complete, verification.Problem);
        Assert.Equal(expected.Count, verification.HeadSequence);
    }

    private static List<AuditEntry> Batch(string name, int count) =>
        Enumerable.Range(0, count).Select(j => new AuditEntry(1_764_000_000_000 + j, "version.read", 200, "reader@eu", "EU", "consumer",
            "STD-" + name, j % 2 == 0 ? j : null, j % 3 == 0 ? null : Domain.Classification.NR, j % 2 == 0 ? null : "détail", "127.0.0.1",
            $"{name}-{j}")).ToList();
}
