using System.Net;
using Dapper;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// Connection pools: on PostgreSQL the requests' pool is as large as <c>Database:MaxPoolSize</c> says, and streams (the
/// export, the audit verification) take their connections from a pool of their own, so long streams cannot take the
/// connections reads need. The server sees the two pools under their application names. On SQLite the streams' pool is
/// capped by <c>Database:StreamPoolSize</c> too, and a full one answered as a server's.
/// </summary>
public sealed class ConnectionPoolTests
{
    private const int RequestPool = 3;

    [Fact]
    public async Task RequestsStayWithinTheirPoolAndStreamsUseAnotherOne()
    {
        await using var app = new RegistryApp(provider: TestProvider.Postgres, settings: new Dictionary<string, string>(RegistryApp.UnlimitedRate)
        {
            ["Database:MaxPoolSize"] = RequestPool.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Database:StreamPoolSize"] = "2",
        });
        app.Start();
        var editor = app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("stanag-1");
        await editor.PublishAsync("stanag-1", await editor.CreateDraftAsync("stanag-1", "NR"));
        var reader = app.As(TestCaller.Admin());

        var reads = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => reader.GetAsync("/v1/standards/stanag-1/versions/latest")));
        var export = await reader.GetAsync("/v1/export");
        var verify = await reader.GetAsync("/v1/audit/verify");

        Assert.All(reads, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (export.StatusCode, verify.StatusCode));
        // Npgsql keeps idle connections open for minutes: the server still lists every connection each pool opened.
        var store = new AuditStore(app.Provider, app.ConnectionString);
        var names = await store.Db.ReadAsync(c => c.QueryAsync<string>(
            "SELECT application_name FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'standards-registry%'"));
        Assert.InRange(names.Count(n => n == "standards-registry (requests)"), 1, RequestPool);
        Assert.InRange(names.Count(n => n == "standards-registry (streams)"), 1, 2);
    }

    /// <summary>
    /// One consumer opening more exports than the streams' pool has connections, and reading none of them (as a client
    /// reading each just above Kestrel's minimum data rate, which never drops it), held every connection of the pool: each
    /// export keeps its snapshot's connection for as long as it streams, and an export has no request timeout. Every
    /// other caller's export then waited for a connection until the database pipeline gave up (503, ten seconds later).
    /// A caller now streams at most <c>RateLimiting:ConcurrentStreams</c> exports at once (429 beyond it), fewer than the
    /// pool holds, so one caller cannot take the pool.
    /// </summary>
    [Fact]
    public async Task OneCallerHoldingUnreadExportsCannotTakeTheStreamsPoolFromOthers()
    {
        const int streamPool = 3;
        await using var app = new RegistryApp(provider: TestProvider.Postgres, settings: new Dictionary<string, string>(RegistryApp.UnlimitedRate)
        {
            ["Database:StreamPoolSize"] = streamPool.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        app.Start();
        await ReleaseALargeExportToTheEuAsync(app);

        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var abuser = app.As(new TestCaller("hoarder@eu", "EU", "NU", "consumer"));
        var held = new List<HttpResponseMessage>();
        try
        {
            // As many exports as the pool has connections, each answered (headers) once its snapshot is open, none read.
            for (var i = 0; i < streamPool; i++)
            {
                held.Add(await abuser.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/export"), HttpCompletionOption.ResponseHeadersRead, bound.Token));
            }

            // Another consumer's export is served, whole.
            var other = await app.As(TestCaller.Eu("NU")).GetAsync("/v1/export", bound.Token);
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
            Assert.EndsWith("\"versions\":8,\"records\":0}\n", await other.Content.ReadAsStringAsync(bound.Token), StringComparison.Ordinal);

            // The hoarder streams fewer exports at once than the pool holds; the rest are refused at once, with when to retry.
            var admitted = held.Count(r => r.StatusCode == HttpStatusCode.OK);
            Assert.InRange(admitted, 1, streamPool - 1);
            foreach (var refused in held.Where(r => r.StatusCode != HttpStatusCode.OK))
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
                Assert.NotNull(refused.Headers.RetryAfter);
            }
        }
        finally
        {
            foreach (var response in held)
            {
                response.Dispose();
            }
        }
    }

    /// <summary>
    /// Exports waiting for a connection of a full streams' pool (many consumers exporting at once, each within its own
    /// limit) fail with Npgsql's "pool exhausted", which the driver reports with a <see cref="TimeoutException"/> inside,
    /// as it reports a server that cannot be reached. Until 2026-12-07 the one circuit breaker of the database pipeline
    /// counted it as the database failing: four dozen such exports opened it on a quiet instance, and every other
    /// caller's read (and write) answered 503 while the database served well. A full pool is now that caller's 503 alone.
    /// </summary>
    [Fact]
    public Task ExportsWaitingForAFullStreamsPoolDoNotOpenTheBreakerForEveryoneElse() =>
        // A waiter for a pooled connection gives up after a second (the default is five): the test stays short.
        ExportsBeyondAFullStreamsPoolAreAnswered503AloneAsync(TestProvider.Postgres, ";Timeout=1");

    /// <summary>
    /// On SQLite as on PostgreSQL: until 2026-12-07 each stream opened a connection of its own there, beyond any cap
    /// (<c>Database:StreamPoolSize</c> did nothing), so exports of many consumers at once, each within its own limit,
    /// opened as many connections (file handles, page caches) as they were; they now share a capped pool of their own,
    /// and those beyond it wait the connection string's <c>Default Timeout</c>, then are answered 503, alone.
    /// </summary>
    [Fact]
    public Task ExportsBeyondAFullStreamsPoolAreAnswered503AloneOnSqliteToo() => ExportsBeyondAFullStreamsPoolAreAnswered503AloneAsync(TestProvider.Sqlite, ";Default Timeout=1");

    private static async Task ExportsBeyondAFullStreamsPoolAreAnswered503AloneAsync(TestProvider provider, string waitOneSecond)
    {
        const int streamPool = 2;
        await using var app = new RegistryApp(provider: provider, settings: new Dictionary<string, string>(RegistryApp.UnlimitedRate)
        {
            ["Database:StreamPoolSize"] = streamPool.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        app.With("ConnectionStrings:Registry", app.ConnectionString + waitOneSecond).Start();
        await ReleaseALargeExportToTheEuAsync(app);

        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var held = new List<HttpResponseMessage>();
        try
        {
            // The pool taken by exports of different consumers, none read.
            for (var i = 0; i < streamPool; i++)
            {
                var holder = app.As(new TestCaller($"holder-{i}@eu", "EU", "NU", "consumer"));
                held.Add(await holder.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/export"), HttpCompletionOption.ResponseHeadersRead, bound.Token));
                Assert.Equal(HttpStatusCode.OK, held[^1].StatusCode);
            }

            // More consumers export, each once: no connection is free for them.
            var late = Enumerable.Range(0, 48)
                .Select(i => app.As(new TestCaller($"late-{i}@eu", "EU", "NU", "consumer")).GetAsync("/v1/export", bound.Token))
                .ToList();
            var all = Task.WhenAll(late);

            // Meanwhile another consumer reads, now and then: the database serves it.
            var reader = app.As(TestCaller.Eu("NU"));
            var reads = new List<HttpStatusCode>();
            while (!all.IsCompleted)
            {
                using var read = await reader.GetAsync("/v1/standards/stanag-0/versions/latest", bound.Token);
                reads.Add(read.StatusCode);
                await Task.WhenAny(all, Task.Delay(250, bound.Token));
            }

            Assert.All(await all, r => Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode));
            Assert.NotEmpty(reads);
            Assert.All(reads, status => Assert.Equal(HttpStatusCode.OK, status));
            // Right after them (an open breaker refuses for three seconds after the last failure it counted).
            using var after = await reader.GetAsync("/v1/standards/stanag-0/versions/latest", bound.Token);
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        }
        finally
        {
            foreach (var response in held)
            {
                response.Dispose();
            }
        }
    }

    /// <summary>
    /// Exports cut short by their clients (each read a little, then dropped), and exports asked for by HEAD (the snapshot
    /// opened, no line read), many times over a streams' pool of two on SQLite: each gives its pooled connection back,
    /// its snapshot closed, so the pool still serves a whole export afterwards (a slot kept by any of them would answer
    /// every later export 503 once two were lost).
    /// </summary>
    [Fact]
    public async Task ExportsCutShortByTheirClientsGiveTheirStreamsConnectionsBackOnSqlite()
    {
        const int streamPool = 2;
        await using var app = new RegistryApp(provider: TestProvider.Sqlite, settings: new Dictionary<string, string>(RegistryApp.UnlimitedRate)
        {
            ["Database:StreamPoolSize"] = streamPool.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        app.With("ConnectionStrings:Registry", app.ConnectionString + ";Default Timeout=1").Start();
        await ReleaseALargeExportToTheEuAsync(app);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        for (var i = 0; i < streamPool * 6; i++)
        {
            var consumer = app.As(new TestCaller($"cut-{i}@eu", "EU", "NU", "consumer"));
            using (var response = await consumer.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/v1/export"), HttpCompletionOption.ResponseHeadersRead, bound.Token))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                await using var body = await response.Content.ReadAsStreamAsync(bound.Token);
                var buffer = new byte[4096];
                Assert.True(await body.ReadAsync(buffer, bound.Token) > 0);
            }
            using var head = await consumer.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/v1/export"), bound.Token);
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        }

        // A cut export's connection is given back once its request has unwound on the server: waited for, never assumed.
        var reader = app.As(TestCaller.Eu("NU"));
        string? last = null;
        await Wait.UntilAsync(async () =>
        {
            using var whole = await reader.GetAsync("/v1/export", bound.Token);
            last = $"{(int)whole.StatusCode}";
            return whole.StatusCode == HttpStatusCode.OK && (await whole.Content.ReadAsStringAsync(bound.Token)).Contains("\"end\"", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30), () => $"a whole export after the cut ones (last answered {last})");
    }

    /// <summary>
    /// An export of about 1.2 MB for the EU, far more than the in-process response pipe holds (64 KiB): an export whose
    /// body is not read stops at its first pages and keeps its snapshot, and its connection, open.
    /// </summary>
    private static async Task ReleaseALargeExportToTheEuAsync(RegistryApp app)
    {
        var editor = app.As(TestCaller.Editor());
        var authority = app.As(TestCaller.ReleaseAuthority());
        var body = new string('x', 150_000);
        for (var i = 0; i < 8; i++)
        {
            var key = $"stanag-{i}";
            await editor.CreateStandardAsync(key);
            var edition = await editor.CreateDraftAsync(key, "NU", body: body);
            await editor.PublishAsync(key, edition);
            await authority.ReleaseAsync(key, edition, "EU");
        }
    }
}
