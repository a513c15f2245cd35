using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// Relations between documents under the release rule: a generated catalogue (standards of every visibility, some with
/// no edition at all, so absent to all but editors) with generated edges of every kind — to visible, hidden and absent
/// ends, in cycles and chains of supersession — civil equivalents and a preferred mark; then every reader reads every
/// standard's relations and current document, and each answer must be exactly what an oracle written here computes.
/// An edge is shown only when the reader sees both ends; a standard the reader may not see answers byte for byte as one
/// that does not exist; no answer names a standard the reader may not see.
/// </summary>
public abstract class RelationTests(TestProvider provider) : IAsyncDisposable
{
    private readonly RegistryApp _app = new(provider: provider, settings: RegistryApp.UnlimitedRate);

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static readonly string[] Kinds = ["covers", "references", "supersedes"];

    private sealed record Edge(string Kind, string From, string To, int Order);

    [Slow]
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task EveryReaderSeesExactlyTheEdgesWhoseEndsItSeesAndHiddenAnswersAsAbsent(int seed)
    {
        var random = new Random(seed);
        var prefix = $"rel-{seed}";
        var editions = await GeneratedEditions.GenerateAsync(_app, random, prefix, 8, empty: true);
        var keys = Enumerable.Range(0, 8).Select(i => $"{prefix}-{i}").ToList();
        var editor = _app.As(TestCaller.Editor());

        var edges = new List<Edge>();
        for (var i = 0; i < 24; i++)
        {
            var (kind, from, to) = (Kinds[random.Next(3)], keys[random.Next(8)], keys[random.Next(8)]);
            if (from == to || edges.Any(e => e.Kind == kind && e.From == from && e.To == to))
            {
                continue;
            }
            await RegistryClient.Expect(await editor.PutAsync($"/v1/standards/{from}/relations/{kind}/{to}", null), HttpStatusCode.Created);
            edges.Add(new Edge(kind, from, to, i));
        }
        foreach (var edge in edges.Where(_ => random.Next(5) == 0).ToList())
        {
            await RegistryClient.Expect(await editor.DeleteAsync($"/v1/standards/{edge.From}/relations/{edge.Kind}/{edge.To}"), HttpStatusCode.NoContent);
            edges.Remove(edge);
        }
        var equivalents = keys.Where(_ => random.Next(2) == 0).ToDictionary(k => k, k => $"9001:2015-{k}");
        foreach (var (key, identifier) in equivalents)
        {
            await RegistryClient.Expect(await editor.PutAsync($"/v1/standards/{key}/equivalents/ISO/{Uri.EscapeDataString(identifier)}", null), HttpStatusCode.Created);
        }
        // Every generated standard is a caliber: the category's mark history, marked on one standard, then on another.
        // A reader's preferred standard is the latest mark whose standard it sees (docs/design.md §1.8).
        var preferred = keys[random.Next(8)];
        var first = keys[(keys.IndexOf(preferred) + 1) % 8];
        var marks = new List<(string Key, string Rationale)> { (first, $"RATIONALE-{first}"), (preferred, $"RATIONALE-{preferred}") };
        await RegistryClient.Expect(await editor.PutAsJsonAsync($"/v1/standards/{first}/preferred", new { rationale = $"RATIONALE-{first}" }), HttpStatusCode.Created);
        await RegistryClient.Expect(await editor.PutAsJsonAsync($"/v1/standards/{preferred}/preferred", new { rationale = $"RATIONALE-{preferred}" }), HttpStatusCode.OK);

        Assert.Contains(edges, e => keys.Any(k => k == e.To) && editions.All(v => v.Key != e.To));
        var failures = new List<string>();
        var requests = 0;
        foreach (var who in GeneratedEditions.Readers())
        {
            var client = who.Client(_app);
            bool Sees(string key) => GeneratedEditions.SeesStandard(who, key, editions);
            var hidden = keys.Where(k => !Sees(k)).ToList();
            var absentRelations = await client.GetAsync("/v1/standards/never-was/relations");
            var absentCurrent = await client.GetAsync("/v1/standards/never-was/current");
            foreach (var key in keys)
            {
                var relations = await client.GetAsync($"/v1/standards/{key}/relations");
                var current = await client.GetAsync($"/v1/standards/{key}/current");
                requests += 2;
                var (relationsBody, currentBody) = (await relations.Content.ReadAsStringAsync(), await current.Content.ReadAsStringAsync());
                if (!Sees(key))
                {
                    if (relations.StatusCode != HttpStatusCode.NotFound || relationsBody != await absentRelations.Content.ReadAsStringAsync()
                        || current.StatusCode != HttpStatusCode.NotFound || currentBody != await absentCurrent.Content.ReadAsStringAsync())
                    {
                        failures.Add($"{who.Name}: {key} is hidden, yet answers {(int)relations.StatusCode} {relationsBody} / {(int)current.StatusCode} {currentBody}");
                    }
                    continue;
                }
                foreach (var name in hidden.Where(h => relationsBody.Contains($"\"{h}\"", StringComparison.Ordinal) || currentBody.Contains($"\"{h}\"", StringComparison.Ordinal)))
                {
                    failures.Add($"{who.Name}: {key}'s answers name the hidden {name}");
                }
                var json = JsonNode.Parse(relationsBody)!;
                Expect(failures, who, $"{key} outgoing", json["outgoing"]!,
                    edges.Where(e => e.From == key && Sees(e.To)).OrderBy(e => e.Kind, StringComparer.Ordinal).ThenBy(e => e.To, StringComparer.Ordinal).Select(e => $"{e.Kind} {e.To}"));
                Expect(failures, who, $"{key} incoming", json["incoming"]!,
                    edges.Where(e => e.To == key && Sees(e.From)).OrderBy(e => e.Kind, StringComparer.Ordinal).ThenBy(e => e.From, StringComparer.Ordinal).Select(e => $"{e.Kind} {e.From}"));
                var equivalent = json["equivalents"]!.AsArray().Select(e => $"{e!["source"]} {e["identifier"]}").ToList();
                if (!equivalent.SequenceEqual(equivalents.TryGetValue(key, out var id) ? [$"ISO {id}"] : []))
                {
                    failures.Add($"{who.Name}: {key} equivalents {string.Join(", ", equivalent)}");
                }
                var seenMark = marks.LastOrDefault(m => Sees(m.Key));
                if (json["preferred"]?["rationale"]?.GetValue<string>() != (seenMark.Key == key ? seenMark.Rationale : null))
                {
                    failures.Add($"{who.Name}: {key} preferred {json["preferred"]?.ToJsonString()}");
                }
                var chain = JsonNode.Parse(currentBody)!["chain"]!.AsArray().Select(k => k!.GetValue<string>()).ToList();
                var expected = Chain(key, edges, Sees);
                if (!chain.SequenceEqual(expected))
                {
                    failures.Add($"{who.Name}: {key} current chain [{string.Join(", ", chain)}], the oracle says [{string.Join(", ", expected)}]");
                }
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {requests} answers broke the oracle:\n{string.Join('\n', failures.Take(30))}");
        _app.AssertNoServerErrorsOrContractViolations();
    }

    private static void Expect(List<string> failures, Reader who, string what, JsonNode answer, IEnumerable<string> expected)
    {
        var got = answer.AsArray().Select(e => $"{e!["kind"]} {e["key"]}").ToList();
        if (!got.SequenceEqual(expected))
        {
            failures.Add($"{who.Name}: {what} [{string.Join(", ", got)}], the oracle says [{string.Join(", ", expected)}]");
        }
    }

    /// <summary>From the key along its most recently recorded visible successor, until none (or a cycle closes).</summary>
    private static List<string> Chain(string key, List<Edge> edges, Func<string, bool> sees)
    {
        var chain = new List<string> { key };
        while (edges.Where(e => e.Kind == "supersedes" && e.To == chain[^1] && sees(e.From)).MaxBy(e => e.Order) is { } next && !chain.Contains(next.From))
        {
            chain.Add(next.From);
        }
        return chain;
    }

    /// <summary>
    /// Two editors relate the same two standards at once, one from each end (A covers B, B references A). Each write
    /// locked the standard it writes, then the other end: each held one lock and waited for the other's, until
    /// PostgreSQL's deadlock detection (a second later, <c>deadlock_timeout</c>) failed one, which the database pipeline
    /// ran again — a second's wait, and a failure counted by the circuit breaker every caller shares. Both ends are now
    /// locked in the order of their ids, whichever end is written. (Each write is stalled right after its first lock, by a
    /// trigger on the lock's no-op update waiting for an advisory lock the test holds, so the two interleave.)
    /// </summary>
    [Fact]
    public async Task EdgesWrittenFromEitherEndAtOnceDoNotDeadlock()
    {
        Assert.SkipWhen(provider != TestProvider.Postgres, "writes that lock rows in the database and wait for each other: PostgreSQL (SQLite queues its writers)");
        var ct = TestContext.Current.CancellationToken;
        var logs = new CapturedLogs();
        _app.WithServices(s => s.AddSingleton<ILoggerProvider>(logs));
        var editor = _app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("rel-both-a");
        await editor.CreateStandardAsync("rel-both-b");

        await using var stall = new NpgsqlConnection(_app.ConnectionString);
        await stall.OpenAsync(ct);
        async Task ExecuteAsync(string sql)
        {
            await using var command = new NpgsqlCommand(sql, stall);
            await command.ExecuteNonQueryAsync(ct);
        }
        await ExecuteAsync("SELECT pg_advisory_lock(5233)");
        await ExecuteAsync("""
            CREATE FUNCTION stall_standard_lock() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock_shared(5233); RETURN NULL; END $$;
            CREATE TRIGGER stall_standard_lock AFTER UPDATE ON standards FOR EACH STATEMENT EXECUTE FUNCTION stall_standard_lock();
            """);
        var forward = editor.PutAsync("/v1/standards/rel-both-a/relations/covers/rel-both-b", null, ct);
        var backward = editor.PutAsync("/v1/standards/rel-both-b/relations/references/rel-both-a", null, ct);
        var both = Task.WhenAll(forward, backward);
        await PostgresLocks.UntilWaitingAsync(_app.ConnectionString, 2, "both writes waiting, each after its first lock or for the other's", done: both);
        await ExecuteAsync("SELECT pg_advisory_unlock(5233)");

        await RegistryClient.Expect(await forward, HttpStatusCode.Created);
        await RegistryClient.Expect(await backward, HttpStatusCode.Created);
        var deadlocks = logs.Lines.Where(l => l.Exception?.Contains("40P01", StringComparison.Ordinal) == true).ToList();
        Assert.True(deadlocks.Count == 0, $"the two writes deadlocked:\n{string.Join('\n', deadlocks.Select(l => l.Text))}");
        await ExecuteAsync("DROP TRIGGER stall_standard_lock ON standards; DROP FUNCTION stall_standard_lock();");
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// A civil equivalent is recorded once per standard as a reader reads it: the same source's identifier in another
    /// case, with other spaces, full-width digits or another dash (compared as <c>Designations.Identity</c> folds
    /// designations, docs/design.md §1.8) is a 409 naming the identifier on record, and nothing is written. Until
    /// 2026-12-07 "EN 300 113" and "en 300 113" were two equivalents of one standard, listed side by side.
    /// </summary>
    [Fact]
    public async Task AnEquivalentAReaderTakesForOneOnRecordIsAConflictNamingIt()
    {
        var editor = _app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("rel-civil");
        await RegistryClient.Expect(await editor.PutAsync("/v1/standards/rel-civil/equivalents/ETSI/EN%20300%20113", null), HttpStatusCode.Created);

        foreach (var lookAlike in new[] { "en 300 113", "EN  300 113", "EN\u00A0300 113", "EN 300 \uFF11\uFF11\uFF13", "En 300 113" })
        {
            var response = await editor.PutAsync($"/v1/standards/rel-civil/equivalents/ETSI/{Uri.EscapeDataString(lookAlike)}", null);
            await ProblemAssertions.ProblemAsync(response, HttpStatusCode.Conflict, "'EN 300 113'");
        }
        // The same text again is the repeat it always was; another source's, or another number, is another equivalent.
        await RegistryClient.Expect(await editor.PutAsync("/v1/standards/rel-civil/equivalents/ETSI/EN%20300%20113", null), HttpStatusCode.OK);
        await RegistryClient.Expect(await editor.PutAsync("/v1/standards/rel-civil/equivalents/EN/300%20113", null), HttpStatusCode.Created);
        await RegistryClient.Expect(await editor.PutAsync("/v1/standards/rel-civil/equivalents/ETSI/EN%20300%20114", null), HttpStatusCode.Created);

        var equivalents = (await editor.GetJsonAsync("/v1/standards/rel-civil/relations"))["equivalents"]!.AsArray()
            .Select(e => $"{e!["source"]!.GetValue<string>()} {e["identifier"]!.GetValue<string>()}");
        Assert.Equal(["EN 300 113", "ETSI EN 300 113", "ETSI EN 300 114"], equivalents);
    }

    [Fact]
    public async Task WritesNeedBothEndsAndSayWhatIsWrong()
    {
        var editor = _app.As(TestCaller.Editor());
        var authority = _app.As(TestCaller.ReleaseAuthority());
        await editor.CreateStandardAsync("rel-stanag");
        await editor.CreateDraftAsync("rel-stanag", "NU");
        await editor.CreateStandardAsync("rel-ap");
        await editor.CreateDraftAsync("rel-ap", "NS");
        await editor.PublishAsync("rel-stanag", 1);
        await editor.PublishAsync("rel-ap", 1);
        await authority.ReleaseAsync("rel-stanag", 1, "EU");

        await RegistryClient.Expect(await editor.PutAsync("/v1/standards/rel-stanag/relations/covers/rel-ap", null), HttpStatusCode.Created);
        await RegistryClient.Expect(await editor.PutAsync("/v1/standards/rel-stanag/relations/covers/rel-ap", null), HttpStatusCode.OK);
        await RegistryClient.Expect(await editor.PutAsync("/v1/standards/rel-stanag/relations/covers/rel-stanag", null), HttpStatusCode.UnprocessableEntity);
        await RegistryClient.Expect(await editor.PutAsync("/v1/standards/rel-stanag/relations/obeys/rel-ap", null), HttpStatusCode.BadRequest);
        await RegistryClient.Expect(await editor.PutAsync("/v1/standards/rel-stanag/relations/covers/never-was", null), HttpStatusCode.NotFound);
        // An editor below the covered document's marking cannot reach it: answered as absent.
        var low = _app.As(TestCaller.Editor("NR"));
        var hidden = await low.PutAsync("/v1/standards/rel-stanag/relations/references/rel-ap", null);
        var absent = await low.PutAsync("/v1/standards/rel-stanag/relations/references/never-was", null);
        await RegistryClient.Expect(hidden, HttpStatusCode.NotFound);
        Assert.Equal(await absent.Content.ReadAsStringAsync(), await hidden.Content.ReadAsStringAsync());
        // Nor a standard it sees only in part (a NATO SECRET draft beside the NATO RESTRICTED edition it reads): its
        // clearance must cover the whole standard, so relating to it, from it or giving it an equivalent answers as for
        // an absent standard.
        await editor.CreateStandardAsync("rel-partial");
        await editor.CreateDraftAsync("rel-partial", "NR");
        await editor.PublishAsync("rel-partial", 1);
        await editor.CreateDraftAsync("rel-partial", "NS");
        await RegistryClient.Expect(await low.GetAsync("/v1/standards/rel-partial"), HttpStatusCode.OK);
        foreach (var (url, absentUrl) in new[]
        {
            ("/v1/standards/rel-stanag/relations/references/rel-partial", "/v1/standards/rel-stanag/relations/references/never-was"),
            ("/v1/standards/rel-partial/relations/references/rel-stanag", "/v1/standards/never-was/relations/references/rel-stanag"),
            ("/v1/standards/rel-partial/equivalents/EN/16341", "/v1/standards/never-was/equivalents/EN/16341"),
        })
        {
            var partial = await low.PutAsync(url, null);
            var none = await low.PutAsync(absentUrl, null);
            await RegistryClient.Expect(partial, HttpStatusCode.NotFound);
            Assert.Equal(await none.Content.ReadAsStringAsync(), await partial.Content.ReadAsStringAsync());
        }

        var bad = await editor.PutAsync("/v1/standards/rel-stanag/equivalents/DIN/%209001", null);
        await RegistryClient.Expect(bad, HttpStatusCode.BadRequest);
        var errors = (await bad.JsonAsync())["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("source") && errors.ContainsKey("identifier"), errors.ToJsonString());
        await RegistryClient.Expect(await editor.PutAsync("/v1/standards/rel-stanag/equivalents/EN/16341", null), HttpStatusCode.Created);
        await RegistryClient.Expect(await editor.PutAsJsonAsync("/v1/standards/rel-stanag/preferred", new { }), HttpStatusCode.BadRequest);
        await RegistryClient.Expect(await authority.PutAsync("/v1/standards/rel-stanag/equivalents/EN/16341", null), HttpStatusCode.Forbidden);

        // The EU consumer sees the STANAG and its civil equivalent, not the covered NATO SECRET publication.
        var eu = await _app.As(TestCaller.Eu("CTS")).GetJsonAsync("/v1/standards/rel-stanag/relations");
        Assert.Empty(eu["outgoing"]!.AsArray());
        Assert.Equal("16341", eu["equivalents"]![0]!["identifier"]!.GetValue<string>());
        var nato = await _app.As(TestCaller.NatoReader("NS")).GetJsonAsync("/v1/standards/rel-stanag/relations");
        Assert.Equal("rel-ap", nato["outgoing"]![0]!["key"]!.GetValue<string>());

        await RegistryClient.Expect(await editor.DeleteAsync("/v1/standards/rel-stanag/relations/covers/rel-ap"), HttpStatusCode.NoContent);
        await RegistryClient.Expect(await editor.DeleteAsync("/v1/standards/rel-stanag/relations/covers/rel-ap"), HttpStatusCode.NotFound);
        await RegistryClient.Expect(await editor.DeleteAsync("/v1/standards/rel-stanag/equivalents/EN/16341"), HttpStatusCode.NoContent);
        await RegistryClient.Expect(await editor.DeleteAsync("/v1/standards/rel-stanag/preferred"), HttpStatusCode.NotFound);

        // An identifier with a slash (ISO/IEC/IEEE 8802-3) is sent with the slash escaped, and stored and answered as the
        // text it is, not as its escape; either case of the escape names it.
        const string Slashed = "IEC/IEEE 8802-3:2021";
        await RegistryClient.Expect(await editor.PutAsync($"/v1/standards/rel-stanag/equivalents/ISO/{Uri.EscapeDataString(Slashed)}", null), HttpStatusCode.Created);
        var stored = await editor.GetJsonAsync("/v1/standards/rel-stanag/relations");
        Assert.Equal(Slashed, Assert.Single(stored["equivalents"]!.AsArray())!["identifier"]!.GetValue<string>());
        await RegistryClient.Expect(await editor.PutAsync("/v1/standards/rel-stanag/equivalents/ISO/IEC%2fIEEE%208802-3%3A2021", null), HttpStatusCode.OK);
        await RegistryClient.Expect(await editor.DeleteAsync("/v1/standards/rel-stanag/equivalents/ISO/IEC%2fIEEE%208802-3:2021"), HttpStatusCode.NoContent);
        Assert.Empty((await editor.GetJsonAsync("/v1/standards/rel-stanag/relations"))["equivalents"]!.AsArray());
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// An editor may make supersession into any graph: a standard superseding itself is refused (422), two that supersede
    /// each other and a ring longer than the walk are stored, and the current document is still answered, bounded: a
    /// cycle ends the chain where it closes, and no chain is followed beyond <c>RelationStore.MaxChain</c> standards.
    /// </summary>
    [Fact]
    public async Task SupersessionCyclesAndRingsLongerThanTheWalkAnswerABoundedChain()
    {
        const int Ring = 40;
        const int MaxChain = 32;
        var editor = _app.As(TestCaller.Editor());
        var keys = Enumerable.Range(0, Ring).Select(i => $"ring-{i:D2}").ToList();
        foreach (var key in keys)
        {
            await editor.CreateStandardAsync(key);
            await editor.PublishAsync(key, await editor.CreateDraftAsync(key, "NU"));
        }
        await RegistryClient.Expect(await editor.PutAsync($"/v1/standards/{keys[0]}/relations/supersedes/{keys[0]}", null), HttpStatusCode.UnprocessableEntity);
        // Each standard supersedes the one before it, and the first the last: a ring of 40.
        for (var i = 0; i < Ring; i++)
        {
            await RegistryClient.Expect(await editor.PutAsync($"/v1/standards/{keys[(i + 1) % Ring]}/relations/supersedes/{keys[i]}", null), HttpStatusCode.Created);
        }
        // And a pair that supersede each other.
        await editor.CreateStandardAsync("pair-a");
        await editor.PublishAsync("pair-a", await editor.CreateDraftAsync("pair-a", "NU"));
        await editor.CreateStandardAsync("pair-b");
        await editor.PublishAsync("pair-b", await editor.CreateDraftAsync("pair-b", "NU"));
        await RegistryClient.Expect(await editor.PutAsync("/v1/standards/pair-a/relations/supersedes/pair-b", null), HttpStatusCode.Created);
        await RegistryClient.Expect(await editor.PutAsync("/v1/standards/pair-b/relations/supersedes/pair-a", null), HttpStatusCode.Created);

        var reader = _app.As(TestCaller.NatoReader("NU"));
        foreach (var start in new[] { 0, 17, Ring - 1 })
        {
            var current = await reader.GetJsonAsync($"/v1/standards/{keys[start]}/current");
            var expected = Enumerable.Range(0, MaxChain).Select(i => keys[(start + i) % Ring]).ToList();
            Assert.Equal(expected, current["chain"]!.AsArray().Select(k => k!.GetValue<string>()));
            Assert.Equal(expected[^1], current["current"]!["key"]!.GetValue<string>());
        }
        var pair = await reader.GetJsonAsync("/v1/standards/pair-b/current");
        Assert.Equal(["pair-b", "pair-a"], pair["chain"]!.AsArray().Select(k => k!.GetValue<string>()));
        Assert.Equal("pair-a", pair["current"]!["key"]!.GetValue<string>());
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// The current document is read as one view of the catalogue: the walk along 'supersedes' and the standard it ends at
    /// are read in one snapshot. Until 2026-12-07 they were separate reads outside any transaction (the walk itself a
    /// statement per step), so a revocation, withdrawal or supersession committed between them answered 404, or a chain
    /// that did not end at the standard returned, to a request whose one time saw the standard in force. Shown by the
    /// request's own database spans (each operation is one, on the registry's ActivitySource): exactly one, a snapshot.
    /// </summary>
    [Fact]
    public async Task TheCurrentDocumentIsReadInOneSnapshot()
    {
        var editor = _app.As(TestCaller.Editor());
        foreach (var key in new[] { "snap-old", "snap-new" })
        {
            await editor.CreateStandardAsync(key);
            await editor.PublishAsync(key, await editor.CreateDraftAsync(key, "NU"));
        }
        await RegistryClient.Expect(await editor.PutAsync("/v1/standards/snap-new/relations/supersedes/snap-old", null), HttpStatusCode.Created);
        var spans = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            // ASP.NET Core's source too, so that the request has an activity, parented on the trace sent below, under
            // which the database spans are started.
            ShouldListenTo = source => source.Name is Data.RegistryMetrics.Name or "Microsoft.AspNetCore",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        var trace = System.Diagnostics.ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/standards/snap-old/current");
        request.Headers.Add("traceparent", $"00-{trace}-{System.Diagnostics.ActivitySpanId.CreateRandom()}-01");

        var response = await _app.As(TestCaller.NatoReader("NU")).SendAsync(request);

        await RegistryClient.Expect(response, HttpStatusCode.OK);
        Assert.Equal(["snap-old", "snap-new"], (await response.JsonAsync())["chain"]!.AsArray().Select(k => k!.GetValue<string>()));
        var reads = spans.Where(s => s.TraceId == trace && s.Source.Name == Data.RegistryMetrics.Name && s.OperationName is "db.read" or "db.snapshot")
            .Select(s => s.OperationName).ToList();
        Assert.Equal(["db.snapshot"], reads);
        _app.AssertNoServerErrorsOrContractViolations();
    }

    [Fact]
    public async Task AStandardWhoseEditionsAreAllWithdrawnIsNotMarkedPreferred()
    {
        // A cancelled standard is no one's to prefer: until 2026-12-07 the mark was made (201) and NATO readers, who see
        // withdrawn editions, were shown it as the category's preferred standard.
        var editor = _app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("pref-cancelled");
        await editor.PublishAsync("pref-cancelled", await editor.CreateDraftAsync("pref-cancelled", "NU"));
        await editor.WithdrawAsync("pref-cancelled", 1);
        var nato = _app.As(TestCaller.NatoReader("CTS"));
        var before = await nato.GetStringAsync("/v1/standards/pref-cancelled/relations");

        var refused = await editor.PutAsJsonAsync("/v1/standards/pref-cancelled/preferred", new { rationale = "Civil-aligned." });

        await ProblemAssertions.ProblemAsync(refused, HttpStatusCode.Conflict, "withdrawn");
        Assert.Equal(before, await nato.GetStringAsync("/v1/standards/pref-cancelled/relations"));
        // A new edition in force makes it a standard to prefer again.
        await editor.PublishAsync("pref-cancelled", await editor.CreateDraftAsync("pref-cancelled", "NU"));
        await RegistryClient.Expect(await editor.PutAsJsonAsync("/v1/standards/pref-cancelled/preferred", new { rationale = "Civil-aligned." }), HttpStatusCode.Created);
        _app.AssertNoServerErrorsOrContractViolations();
    }

    [Fact]
    public async Task AMarkOnAStandardWithNoEditionInForceIsAsIfNotMade()
    {
        // Withdrawing the last edition in force of the marked standard: until 2026-12-07 NATO readers, who see withdrawn
        // editions, kept seeing it as the category's preferred one, while readers who never saw its editions saw the
        // mark before it. Now every reader reads the mark as if not made and falls back to the one before.
        var editor = _app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("pref-kept");
        await editor.PublishAsync("pref-kept", await editor.CreateDraftAsync("pref-kept", "NU"));
        await editor.CreateStandardAsync("pref-gone");
        await editor.PublishAsync("pref-gone", await editor.CreateDraftAsync("pref-gone", "NU"));
        await RegistryClient.Expect(await editor.PutAsJsonAsync("/v1/standards/pref-kept/preferred", new { rationale = "Kept." }), HttpStatusCode.Created);
        await RegistryClient.Expect(await editor.PutAsJsonAsync("/v1/standards/pref-gone/preferred", new { rationale = "Gone." }), HttpStatusCode.OK);
        var nato = _app.As(TestCaller.NatoReader("CTS"));
        var follower = new FeedFollower(nato);
        await follower.FollowAsync();
        Assert.Contains(follower.Records.Keys, k => k.StartsWith("preferred ", StringComparison.Ordinal) && k.EndsWith(" pref-gone", StringComparison.Ordinal));

        await editor.WithdrawAsync("pref-gone", 1);

        async Task<string?> RationaleAsync(string key) =>
            JsonNode.Parse(await nato.GetStringAsync($"/v1/standards/{key}/relations"))!["preferred"]?["rationale"]?.GetValue<string>();
        Assert.Null(await RationaleAsync("pref-gone"));
        Assert.Equal("Kept.", await RationaleAsync("pref-kept"));
        await follower.FollowAsync();
        Assert.Equal(["pref-kept"], follower.Records.Keys.Where(k => k.StartsWith("preferred ", StringComparison.Ordinal)).Select(k => k.Split(' ')[^1]));
        // The editor is answered by the same rule: the withdrawn standard is not the preferred one to unmark.
        await RegistryClient.Expect(await editor.DeleteAsync("/v1/standards/pref-gone/preferred"), HttpStatusCode.NotFound);
        await RegistryClient.Expect(await editor.DeleteAsync("/v1/standards/pref-kept/preferred"), HttpStatusCode.NoContent);
        _app.AssertNoServerErrorsOrContractViolations();
    }

    [Fact]
    public async Task MarkingAStandardPreferredAnswersAlikeWhetherTheMarkMovesFromAHiddenStandardOrFromNone()
    {
        var editor = _app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("pref-secret");
        await editor.CreateDraftAsync("pref-secret", "NS");
        await editor.PublishAsync("pref-secret", 1);
        await editor.CreateStandardAsync("pref-open");
        await editor.CreateDraftAsync("pref-open", "NU");
        await editor.PublishAsync("pref-open", 1);
        await editor.CreateStandardAsync("pref-band", "radio-band");
        await editor.CreateDraftAsync("pref-band", "NU", category: "radio-band");
        await editor.PublishAsync("pref-band", 1);
        await RegistryClient.Expect(await editor.PutAsJsonAsync("/v1/standards/pref-secret/preferred", new { rationale = "The NATO SECRET caliber." }), HttpStatusCode.Created);

        // For an editor cleared NATO RESTRICTED the NATO SECRET standard does not exist: the caliber mark moving from it
        // to a standard it sees answers as the radio-band mark, which no standard held, does.
        var low = _app.As(TestCaller.Editor("NR"));
        await ProblemAssertions.ProblemAsync(await low.GetAsync("/v1/standards/pref-secret/relations"), HttpStatusCode.NotFound);
        await RegistryClient.Expect(await low.PutAsJsonAsync("/v1/standards/pref-band/preferred", new { rationale = "Open." }), HttpStatusCode.Created);
        await RegistryClient.Expect(await low.PutAsJsonAsync("/v1/standards/pref-open/preferred", new { rationale = "Open." }), HttpStatusCode.Created);
        // Marking again, or moving a mark the editor sees, is a 200 as before.
        await RegistryClient.Expect(await low.PutAsJsonAsync("/v1/standards/pref-open/preferred", new { rationale = "Open, again." }), HttpStatusCode.OK);
        await RegistryClient.Expect(await editor.PutAsJsonAsync("/v1/standards/pref-secret/preferred", new { rationale = "Back." }), HttpStatusCode.OK);
        _app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// Non-interference for the preferred mark: two registries with the same history as these readers see it, B also
    /// marking a caliber standard they may not see (NATO SECRET, released to no one) preferred. The marks are a history
    /// and each reader sees the latest one whose standard it sees, so in B the NATO UNCLASSIFIED caliber every reader sees
    /// keeps <c>preferred</c> for them: they do not learn that a hidden standard of the category was marked, nor when.
    /// Every reader's answers about the visible standard must be equal in A and B (status, headers but Date, body).
    /// </summary>
    [Fact]
    public async Task AMarkMovedToAHiddenStandardLeavesEveryReaderSeeingTheStandardThatHadIt()
    {
        await using var hidden = new RegistryApp(provider: provider, settings: RegistryApp.UnlimitedRate).Start();
        // One instant for both (the fake clocks move for neither): every timestamp either writes is then the same.
        var now = hidden.Clock.GetUtcNow() > _app.Clock.GetUtcNow() ? hidden.Clock.GetUtcNow() : _app.Clock.GetUtcNow();
        _app.Clock.SetUtcNow(now);
        hidden.Clock.SetUtcNow(now);
        foreach (var app in new[] { _app, hidden })
        {
            var editor = app.As(TestCaller.Editor());
            var authority = app.As(TestCaller.ReleaseAuthority());
            await editor.CreateStandardAsync("pref-seen");
            await editor.PublishAsync("pref-seen", await editor.CreateDraftAsync("pref-seen", "NU"));
            await authority.ReleaseAsync("pref-seen", 1, "EU");
            await authority.ReleaseAsync("pref-seen", 1, "PUBLIC");
            await editor.CreateStandardAsync("pref-secret");
            await editor.PublishAsync("pref-secret", await editor.CreateDraftAsync("pref-secret", "NS"));
            await RegistryClient.Expect(await editor.PutAsJsonAsync("/v1/standards/pref-seen/preferred", new { rationale = "Civil-aligned." }), HttpStatusCode.Created);
        }
        // Only B: the hidden standard takes the category's mark.
        await RegistryClient.Expect(await hidden.As(TestCaller.Editor()).PutAsJsonAsync("/v1/standards/pref-secret/preferred", new { rationale = "Hidden." }), HttpStatusCode.OK);

        var readers = new (string Name, Func<RegistryApp, HttpClient> Client)[]
        {
            ("anonymous", a => a.Anonymous()),
            ("PUBLIC", a => a.As(TestCaller.Public())),
            ("NATO reader NU", a => a.As(TestCaller.NatoReader("NU"))),
            ("NATO reader NC", a => a.As(TestCaller.NatoReader("NC"))),
            ("NATO editor NR", a => a.As(TestCaller.Editor("NR"))),
            ("EU CTS", a => a.As(TestCaller.Eu("CTS"))),
        };
        var failures = new List<string>();
        foreach (var (name, client) in readers)
        {
            foreach (var url in new[] { "/v1/standards/pref-seen/relations", "/v1/standards/pref-seen/current", "/v1/standards/pref-seen", "/v1/standards?category=caliber", "/v1/export", "/v1/feed" })
            {
                var (inA, inB) = (await Answer(client(_app), url), await Answer(client(hidden), url));
                if (inA != inB)
                {
                    failures.Add($"{name}: GET {url}\n    A: {inA}\n    B: {inB}");
                }
            }
        }
        Assert.True(failures.Count == 0, $"hidden activity changed {failures.Count} answers:\n{string.Join('\n', failures)}");

        static async Task<string> Answer(HttpClient client, string url)
        {
            using var response = await client.GetAsync(url);
            var headers = ResponseHeaders.Comparable(response)
                // The feed's ETag hashes its body, random event ids included: it must differ, and is left out there.
                .Where(h => !(h.Key == "ETag" && url == "/v1/feed"))
                .OrderBy(h => h.Key, StringComparer.Ordinal)
                .Select(h => $"{h.Key}: {FeedCursors.WithoutMarks(string.Join(",", h.Value))}");
            // A feed event's id is random in each registry, and so is the mark a cursor makes from it; everything else,
            // sequence numbers and cursors' positions too, must be equal.
            var body = System.Text.RegularExpressions.Regex.Replace(FeedCursors.WithoutMarks(await response.Content.ReadAsStringAsync()), "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>");
            return $"{(int)response.StatusCode} [{string.Join("; ", headers)}] {body}";
        }
    }
}
