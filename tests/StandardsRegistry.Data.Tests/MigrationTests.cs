using Dapper;
using DbUp.Engine;
using Microsoft.Extensions.Logging.Abstractions;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Data.Tests;

public abstract class MigrationTests(TestProvider provider) : DatabaseSuite(provider, migrated: false)
{
    [Fact]
    public void ASecondRunAppliesNothing()
    {
        var migrator = new DatabaseMigrator(Db, NullLogger<DatabaseMigrator>.Instance);

        var first = migrator.Migrate();
        var second = migrator.Migrate();

        Assert.NotEmpty(first);
        Assert.Empty(second);
        Assert.Null(migrator.SchemaProblem());
    }

    [Fact]
    public async Task AFailingScriptLeavesTheJournalAndTheSchemaAsTheyWere()
    {
        MigrateRest();
        var journalBefore = await JournalAsync();
        var broken = new SqlScript("db.test/9999_broken.sql", "CREATE TABLE half_done (id INT NOT NULL); INSERT INTO no_such_table VALUES (1);");

        var result = Db.Dialect.MigrationEngine(Db.ConnectionString, new DbUp.Engine.Output.NoOpUpgradeLog(), broken).PerformUpgrade();

        Assert.False(result.Successful);
        Assert.Equal("db.test/9999_broken.sql", result.ErrorScript.Name);
        Assert.Equal(journalBefore, await JournalAsync());
        Assert.False(await TableExistsAsync("half_done"));
    }

    [Fact]
    public async Task ADatabaseMigratedByANewerVersionIsRefusedNamingWhatItLacks()
    {
        var migrator = new DatabaseMigrator(Db, NullLogger<DatabaseMigrator>.Instance);
        migrator.Migrate();
        // What a later release's first script leaves in the journal: this build cannot know what it changed (a column
        // made NOT NULL, a table its writes would have to fill), so writing to that schema could fail or lose data.
        var newer = $"db.{Provider.Name}/9999_from_a_newer_version.sql";
        using (var connection = OpenConnection())
        {
            await connection.ExecuteAsync("INSERT INTO schemaversions (scriptname, applied) VALUES (@newer, CURRENT_TIMESTAMP)", new { newer });
        }
        var journalBefore = await JournalAsync();

        var refused = Assert.Throws<InvalidOperationException>(() => migrator.Migrate());

        Assert.Contains("newer version", refused.Message, StringComparison.Ordinal);
        Assert.Contains(newer, refused.Message, StringComparison.Ordinal);
        Assert.Equal(journalBefore, await JournalAsync());
    }

    /// <summary>
    /// A PostgreSQL database created in another encoding than UTF8 (LATIN1, say, the default of a cluster initialised
    /// under such a locale) stores only the characters of that encoding. The registry accepts any Unicode text — titles,
    /// attributes, and the audit trail records a requested key or a token's subject as sent — so such a database refuses
    /// the first entry holding another (an anonymous <c>GET /v1/standards/€</c>) and the trail is unwritable: every
    /// audited route answers 503. The registry does not start on it; nothing is applied.
    /// </summary>
    [Fact]
    public async Task APostgresDatabaseNotInUtf8IsRefusedBeforeAnythingIsApplied()
    {
        Assert.SkipWhen(Provider != TestProvider.Postgres, "the encoding of a database is PostgreSQL's");
        var cluster = await TestDatabase.SharedPostgres.Value;
        var name = "latin1_" + Guid.NewGuid().ToString("N");
        await using (var admin = new Npgsql.NpgsqlConnection(cluster.ConnectionString()))
        {
            await admin.ExecuteAsync($"CREATE DATABASE \"{name}\" ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
        }
        try
        {
            using var latin1 = TestDb.Open(Provider, cluster.ConnectionString(name));

            var refused = Assert.Throws<InvalidOperationException>(() => new DatabaseMigrator(latin1, NullLogger<DatabaseMigrator>.Instance).Migrate());

            Assert.Contains("LATIN1", refused.Message, StringComparison.Ordinal);
            Assert.Contains("UTF8", refused.Message, StringComparison.Ordinal);
            await using var check = new Npgsql.NpgsqlConnection(cluster.ConnectionString(name));
            Assert.Equal(0, await check.ExecuteScalarAsync<long>("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"));
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await using var admin = new Npgsql.NpgsqlConnection(cluster.ConnectionString());
            await admin.ExecuteAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
        }
    }

    /// <summary>
    /// docs/design.md §9: migrations may run from several instances at once. Two instances starting together on a database
    /// one script behind (an upgrade) both read the journal, find the script missing and run it: the second ran it again
    /// once the first had committed ("column already exists") and did not start. The script's table is held here until
    /// both are waiting, so they are inside the migration together however they are scheduled.
    /// </summary>
    [Fact]
    public async Task TwoInstancesMigratingAtOnceBothSucceedAndApplyEachScriptOnce()
    {
        Assert.SkipWhen(Provider != TestProvider.Postgres, "PostgreSQL is the server database the suite can run several instances on here");
        MigrateBefore("0033");
        Task<IReadOnlyList<string>>[] instances;
        using (var hold = OpenConnection())
        {
            using var held = hold.BeginTransaction();
            await hold.ExecuteAsync("LOCK TABLE standards IN ACCESS EXCLUSIVE MODE", transaction: held);
            instances = [Task.Run(MigrateRest), Task.Run(MigrateRest)];
            var waiting = System.Diagnostics.Stopwatch.StartNew();
            using var watch = OpenConnection();
            while (await watch.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") < 2
                && !instances.Any(i => i.IsCompleted))
            {
                Assert.True(waiting.Elapsed < TimeSpan.FromSeconds(30), "both instances waiting inside the migration");
                await Task.Delay(10);
            }
            held.Rollback();
        }

        var applied = await Task.WhenAll(instances).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal([[$"db.{Provider.Name}/0033_designation_identity_index.sql", $"db.{Provider.Name}/0034_outbox_of_deleted_subscriptions.sql", $"db.{Provider.Name}/0035_feed_others_numbered.sql", $"db.{Provider.Name}/0036_subscription_registrant_nation.sql", $"db.{Provider.Name}/0037_outbox_table_level.sql"], []], applied.Select(a => a.ToList()).OrderByDescending(a => a.Count));
        var journal = await JournalAsync();
        Assert.Equal(journal.Distinct(), journal);
        Assert.Null(new DatabaseMigrator(Db, NullLogger<DatabaseMigrator>.Instance).SchemaProblem());
    }

    /// <summary>
    /// 0030 and 0031 on a database with data: entries chained before 0030 have no issuer and hash as they always did, so
    /// the trail verifies from its first entry after it and goes on, an entry with an issuer after them; an outbox row
    /// waiting before 0031 is of generation 0, and its delivery's outcome, recorded on that generation, marks it delivered.
    /// </summary>
    [Fact]
    public async Task ATrailAndAWaitingDeliveryFromBefore0030StillVerifyAndDeliverAfterIt()
    {
        MigrateBefore("0030");
        using (var connection = OpenConnection())
        {
            var previous = AuditLog.Genesis;
            for (var sequence = 1L; sequence <= 3; sequence++)
            {
                var entry = new AuditEntry(sequence * 10, AuditActions.StandardCreate, 201, "editor@nato", "NATO", "editor", $"stanag-{sequence}", null, null,
                    null, "192.0.2.1", $"request-{sequence}");
                var hash = HashBefore0030(sequence, entry, previous);
                await connection.ExecuteAsync("""
                    INSERT INTO audit_log (sequence, at, action, status, subject, community, roles, standard_key, edition, classification, detail, client_address, request_id, previous_hash, hash)
                    VALUES (@sequence, @At, @Action, @Status, @Subject, @Community, @Roles, @Key, NULL, NULL, NULL, @ClientAddress, @RequestId, @previous, @hash);
                    UPDATE audit_chain_head SET sequence = @sequence, hash = @hash WHERE id = 1;
                    """, new { sequence, entry.At, entry.Action, entry.Status, entry.Subject, entry.Community, entry.Roles, entry.Key, entry.ClientAddress, entry.RequestId, previous, hash });
                previous = hash;
            }
            await connection.ExecuteAsync("""
                INSERT INTO feed_views (community, level, drafts, last_seq) VALUES ('EU', 4, 0, 1);
                INSERT INTO feed_events (view_id, seq, event_id, type, occurred_at, subject, subject_ref)
                    SELECT id, 1, 'e-1', 'visible', 1, 'relation', 'a|covers|b' FROM feed_views WHERE community = 'EU';
                INSERT INTO subscriptions (id, audience, url, secret, state, created_at, created_by, cleared_to)
                    VALUES ('sub-1', 'EU', 'https://receiver.example/hook', 'secret', 'active', 0, 'admin', 4);
                INSERT INTO webhook_outbox (subscription_id, view_id, seq, attempts, next_attempt_at)
                    SELECT 'sub-1', id, 1, 0, 0 FROM feed_views WHERE community = 'EU';
                """);
        }

        Assert.Equal([$"db.{Provider.Name}/0030_audit_issuer.sql", $"db.{Provider.Name}/0031_outbox_generation.sql",
            $"db.{Provider.Name}/0032_designation_identity.sql", $"db.{Provider.Name}/0033_designation_identity_index.sql",
            $"db.{Provider.Name}/0034_outbox_of_deleted_subscriptions.sql", $"db.{Provider.Name}/0035_feed_others_numbered.sql", $"db.{Provider.Name}/0036_subscription_registrant_nation.sql", $"db.{Provider.Name}/0037_outbox_table_level.sql"], MigrateRest());

        using var log = new AuditLog(Db);
        var verified = await log.VerifyFullAsync();
        Assert.True(verified is { Complete: true, HeadSequence: 3 }, verified.Problem);
        await log.AppendAsync([new AuditEntry(40, AuditActions.StandardCreate, 201, "editor@nato", "NATO", "editor", "stanag-4", null, null, null, null, null,
            "https://issuer.example")]);
        verified = await log.VerifyFullAsync();
        Assert.True(verified is { Complete: true, HeadSequence: 4 }, verified.Problem);
        Assert.True((await log.VerifyAsync()).Complete);

        var waiting = await Db.ReadAsync(async c => await c.QuerySingleAsync<(long Id, long Generation)>(
            "SELECT id, generation FROM webhook_outbox WHERE delivered_at IS NULL")).AsTask();
        Assert.Equal(0, waiting.Generation);
        using (var connection = OpenConnection())
        {
            Assert.Equal(1, await connection.ExecuteAsync(WebhookStore.Sql.Delivered, new { id = waiting.Id, generation = waiting.Generation, at = 50L }));
        }
        Assert.Equal(0, await Db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM webhook_outbox WHERE delivered_at IS NULL")).AsTask());
    }

    [Fact]
    public async Task ADatabaseThatRan0021AsFirstShippedGetsTheOpaqueIdsOfItsResponsesAndTables()
    {
        // 4e9baec shipped 0021 without its last section (the public ids, appended by 5465e88): a database migrated then
        // has 0021 in its journal and no public_id columns.
        var p = Provider.Name;
        var current = new StreamReader(typeof(SqlDialect).Assembly.GetManifestResourceStream($"db.{p}/0021_feed_subjects.sql")!).ReadToEnd();
        var asShipped = current[..current.IndexOf("-- A response row and a published table are named", StringComparison.Ordinal)];
        MigrateBefore("0021", new SqlScript($"db.{p}/0021_feed_subjects.sql", asShipped));
        using (var connection = OpenConnection())
        {
            await InsertEditionAsync(connection);
            foreach (var nation in new[] { "FRA", "DEU" })
            {
                await connection.ExecuteAsync("""
                    INSERT INTO national_responses (version_id, nation, response, classification, recorded_at, recorded_by)
                    SELECT id, @nation, 'ratified', 0, 0, 'test' FROM versions
                    """, new { nation });
            }
            await connection.ExecuteAsync("""
                INSERT INTO capability_tables (cycle, audience, classification, design, target_snapshot, published_at, published_by)
                VALUES (2027, 'EU', 0, '{}', 0, 0, 'test')
                """);
        }

        MigrateRest();

        var ids = await Db.ReadAsync(async c => (await c.QueryAsync<string?>(
            "SELECT public_id FROM national_responses UNION ALL SELECT public_id FROM capability_tables")).ToList()).AsTask();
        Assert.Equal(3, ids.Count);
        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{32}$", id));
        Assert.Equal(3, ids.Distinct().Count());
    }

    [Fact]
    public async Task TheRepairOfTheOpaqueIdsChangesNoIdOfADatabaseThatHasThem()
    {
        // Migrated through today's 0021, every row already has its id, sent to readers and named in feed refs.
        var p = Provider.Name;
        MigrateBefore("0023");
        using (var connection = OpenConnection())
        {
            await connection.ExecuteAsync("""
                INSERT INTO capability_tables (cycle, audience, classification, design, target_snapshot, published_at, published_by, public_id)
                VALUES (2027, 'EU', 0, '{}', 0, 0, 'test', '0123456789abcdef0123456789abcdef')
                """);
        }

        var applied = MigrateRest();

        // 0023 first, then whatever came after it.
        Assert.Equal($"db.{p}/0023_response_public_ids.sql", applied[0]);
        Assert.Equal("0123456789abcdef0123456789abcdef",
            await Db.ReadAsync(c => c.ExecuteScalarAsync<string>("SELECT public_id FROM capability_tables")).AsTask());
    }

    [Fact]
    public async Task OutboxRowsADeleteLeftBefore0034AreRemovedAndThoseOfOtherSubscriptionsKept()
    {
        // Before 0034 a delete left its subscription's outbox rows, delivered and waiting, that nothing would send or
        // remove. 0034 removes them; an active or paused subscription's rows stay as they were.
        MigrateBefore("0034");
        using (var connection = OpenConnection())
        {
            await connection.ExecuteAsync("""
                INSERT INTO feed_views (community, level, drafts, last_seq) VALUES ('EU', 4, 0, 2);
                INSERT INTO feed_events (view_id, seq, event_id, type, occurred_at, subject, subject_ref)
                    SELECT id, 1, 'e-1', 'visible', 1, 'relation', 'a|covers|b' FROM feed_views WHERE community = 'EU';
                INSERT INTO feed_events (view_id, seq, event_id, type, occurred_at, subject, subject_ref)
                    SELECT id, 2, 'e-2', 'hidden', 2, 'relation', 'a|covers|b' FROM feed_views WHERE community = 'EU';
                INSERT INTO subscriptions (id, audience, url, secret, state, created_at, created_by, cleared_to)
                    VALUES ('sub-active', 'EU', 'https://receiver.example/a', 'secret', 'active', 0, 'admin', 4),
                           ('sub-paused', 'EU', 'https://receiver.example/p', 'secret', 'paused', 0, 'admin', 4),
                           ('sub-deleted', 'EU', 'https://receiver.example/d', 'secret', 'deleted', 0, 'admin', 4);
                INSERT INTO webhook_outbox (subscription_id, view_id, seq, attempts, next_attempt_at, delivered_at)
                    SELECT s.id, v.id, e.seq, 0, 0, CASE WHEN e.seq = 1 THEN 5 END
                    FROM subscriptions s CROSS JOIN feed_views v JOIN feed_events e ON e.view_id = v.id;
                """);
        }

        Assert.Equal([$"db.{Provider.Name}/0034_outbox_of_deleted_subscriptions.sql", $"db.{Provider.Name}/0035_feed_others_numbered.sql", $"db.{Provider.Name}/0036_subscription_registrant_nation.sql", $"db.{Provider.Name}/0037_outbox_table_level.sql"], MigrateRest());

        var rows = await Db.ReadAsync(async c => (await c.QueryAsync<(string Subscription, long Seq, long? DeliveredAt)>(
            "SELECT subscription_id, seq, delivered_at FROM webhook_outbox ORDER BY subscription_id, seq")).ToList()).AsTask();
        Assert.Equal([("sub-active", 1L, (long?)5), ("sub-active", 2L, null), ("sub-paused", 1L, 5), ("sub-paused", 2L, null)], rows);
    }

    [Fact]
    public async Task AWaitingDeliveryOfATableGetsTheHighestMarkingOfItsFiguresFrom0037()
    {
        // A table computed from Germany's NR figure and France's latest (NC; its earlier NS row superseded before the
        // table's snapshot, a later NS one after it): its waiting delivery is seen by admins cleared NC and above, a
        // delivered one and one of another record are left as they were.
        MigrateBefore("0037");
        using (var connection = OpenConnection())
        {
            await connection.ExecuteAsync("""
                INSERT INTO feed_views (community, level, drafts, last_seq) VALUES ('INDUSTRY', 1, 0, 3);
                INSERT INTO capability_targets (cycle, nation, capability, horizon, quantity, classification, recorded_at, recorded_by)
                    VALUES (2025, 'FRA', 'ammo-155mm', 2027, 300, 3, 0, 'planner'), (2025, 'DEU', 'ammo-155mm', 2027, 400, 1, 0, 'planner'),
                           (2025, 'FRA', 'ammo-155mm', 2027, 350, 2, 0, 'planner');
                INSERT INTO capability_tables (cycle, audience, classification, design, target_snapshot, published_at, published_by, public_id)
                    SELECT 2025, 'INDUSTRY', 1, '{}', MAX(id), 0, 'authority', 'table-1' FROM capability_targets;
                INSERT INTO capability_targets (cycle, nation, capability, horizon, quantity, classification, recorded_at, recorded_by)
                    VALUES (2025, 'FRA', 'ammo-155mm', 2027, 500, 3, 0, 'planner');
                INSERT INTO feed_events (view_id, seq, event_id, type, occurred_at, subject, subject_id, subject_ref)
                    SELECT v.id, e.seq, e.id, 'visible', e.seq, e.subject, t.id, e.id
                    FROM feed_views v CROSS JOIN capability_tables t
                    CROSS JOIN (SELECT 1 AS seq, 'e-1' AS id, 'table' AS subject UNION ALL SELECT 2, 'e-2', 'table' UNION ALL SELECT 3, 'e-3', 'relation') e;
                INSERT INTO subscriptions (id, audience, url, secret, state, created_at, created_by, cleared_to)
                    VALUES ('sub', 'INDUSTRY', 'https://receiver.example/i', 'secret', 'active', 0, 'admin', 4);
                INSERT INTO webhook_outbox (subscription_id, view_id, seq, attempts, next_attempt_at, delivered_at)
                    SELECT 'sub', v.id, e.seq, 0, 0, CASE WHEN e.seq = 2 THEN 5 END FROM feed_views v JOIN feed_events e ON e.view_id = v.id;
                """);
        }

        Assert.Equal([$"db.{Provider.Name}/0037_outbox_table_level.sql"], MigrateRest());

        var rows = await Db.ReadAsync(async c => (await c.QueryAsync<(long Seq, long? Level)>(
            "SELECT seq, table_level FROM webhook_outbox ORDER BY seq")).ToList()).AsTask();
        Assert.Equal([(1L, (long?)2), (2L, null), (3L, null)], rows);
    }

    [Fact]
    public async Task EventsBefore0035AreEveryReadersAndNumberedForReadersOfNoNationAsTheViewNumberedThem()
    {
        // Before 0035 every event of a view was for all its readers, and one speaking for no nation read the view's
        // sequence: its cursors name those numbers, which 0035 keeps as its own.
        MigrateBefore("0035");
        using (var connection = OpenConnection())
        {
            await connection.ExecuteAsync("""
                INSERT INTO feed_views (community, level, drafts, last_seq, last_common) VALUES ('NATO', 1, 0, 3, 2);
                INSERT INTO feed_events (view_id, seq, event_id, type, occurred_at, subject, subject_ref, nation, common_seq, nation_seq)
                    SELECT id, 1, 'e-1', 'visible', 1, 'relation', 'a|covers|b', NULL, 1, NULL FROM feed_views;
                INSERT INTO feed_events (view_id, seq, event_id, type, occurred_at, subject, subject_ref, nation, common_seq, nation_seq)
                    SELECT id, 2, 'e-2', 'visible', 2, 'response', 'a/1/responses/FRA/x', 'FRA', 1, 1 FROM feed_views;
                INSERT INTO feed_events (view_id, seq, event_id, type, occurred_at, subject, subject_ref, nation, common_seq, nation_seq)
                    SELECT id, 3, 'e-3', 'hidden', 3, 'relation', 'a|covers|b', NULL, 2, NULL FROM feed_views;
                """);
        }

        Assert.Equal([$"db.{Provider.Name}/0035_feed_others_numbered.sql", $"db.{Provider.Name}/0036_subscription_registrant_nation.sql", $"db.{Provider.Name}/0037_outbox_table_level.sql"], MigrateRest());

        var events = await Db.ReadAsync(async c => (await c.QueryAsync<(long Seq, long? Others, long ForDelegates)>(
            "SELECT seq, others_seq, for_delegates FROM feed_events ORDER BY seq")).ToList()).AsTask();
        Assert.Equal([(1L, (long?)1, 1L), (2L, 2, 1L), (3L, 3, 1L)], events);
        Assert.Equal(3L, await Db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT last_others FROM feed_views")).AsTask());
    }

    [Fact]
    public async Task OutboxRowsQueuedBefore0024AreKeptAndAnotherViewMayReuseTheirSequenceNumbers()
    {
        // Outbox rows as the schema before 0024 held them (unique per subscription and sequence number): one delivered,
        // one waiting. Migrated below 0023, whose guard only the migrator applies; it runs next, then 0024.
        MigrateBefore("0023");
        long high, low;
        using (var connection = OpenConnection())
        {
            await connection.ExecuteAsync("INSERT INTO feed_views (community, level, drafts, last_seq) VALUES ('EU', 4, 0, 2), ('EU', 1, 0, 2)");
            (high, low) = (await ViewAsync(4), await ViewAsync(1));
            await connection.ExecuteAsync("""
                INSERT INTO feed_events (view_id, seq, event_id, type, occurred_at, subject, subject_ref)
                    VALUES (@high, 1, 'e-h-1', 'visible', 1, 'relation', 'a|covers|b'), (@high, 2, 'e-h-2', 'hidden', 2, 'relation', 'a|covers|b'),
                           (@low, 1, 'e-l-1', 'visible', 3, 'relation', 'c|covers|d'), (@low, 2, 'e-l-2', 'hidden', 4, 'relation', 'c|covers|d');
                INSERT INTO subscriptions (id, audience, url, secret, state, created_at, created_by)
                    VALUES ('sub-1', 'EU', 'https://receiver.example/hook', 'secret', 'active', 0, 'admin');
                INSERT INTO webhook_outbox (subscription_id, view_id, seq, attempts, next_attempt_at, delivered_at)
                    VALUES ('sub-1', @high, 1, 1, 0, 10), ('sub-1', @high, 2, 0, 0, NULL);
                """, new { high, low });

            Task<long> ViewAsync(int level) => connection.ExecuteScalarAsync<long>("SELECT id FROM feed_views WHERE community = 'EU' AND level = @level AND drafts = 0", new { level });
        }

        var applied = MigrateRest();

        Assert.Contains($"db.{Provider.Name}/0024_outbox_per_view.sql", applied);
        using (var connection = OpenConnection())
        {
            // The audience's ceiling lowered: the new view's events take the numbers the old view's rows hold.
            await connection.ExecuteAsync("""
                INSERT INTO webhook_outbox (subscription_id, view_id, seq, attempts, next_attempt_at)
                VALUES ('sub-1', @low, 1, 0, 0), ('sub-1', @low, 2, 0, 0)
                """, new { low });
        }
        var rows = await Db.ReadAsync(async c => (await c.QueryAsync<(long View, long Seq, long Attempts, long? Delivered)>(
            "SELECT view_id, seq, attempts, delivered_at FROM webhook_outbox ORDER BY id")).ToList()).AsTask();
        Assert.Equal([(high, 1L, 1L, (long?)10L), (high, 2L, 0L, null), (low, 1L, 0L, null), (low, 2L, 0L, null)], rows);
    }

    [Fact]
    public async Task EventsFromBefore0025GetTheCountsADelegatesFeedIsNumberedBy()
    {
        // Two views' events as the schema before 0025 held them: versions and a relation, with FRA's and DEU's responses
        // between. Migrated below 0023, whose guard only the migrator applies, and through 0024.
        var outbox = $"db.{Provider.Name}/0024_outbox_per_view.sql";
        MigrateBefore("0023", new SqlScript(outbox, new StreamReader(typeof(SqlDialect).Assembly.GetManifestResourceStream(outbox)!).ReadToEnd()));
        using (var connection = OpenConnection())
        {
            await InsertEditionAsync(connection);
            foreach (var nation in new[] { "FRA", "DEU", "FRA" })
            {
                await connection.ExecuteAsync("""
                    INSERT INTO national_responses (version_id, nation, response, classification, recorded_at, recorded_by, public_id)
                    SELECT id, @nation, 'ratified', 0, 0, 'test', @id FROM versions
                    """, new { nation, id = Guid.NewGuid().ToString("N") });
            }
            await connection.ExecuteAsync("INSERT INTO feed_views (community, level, drafts, last_seq) VALUES ('NATO', 0, 0, 6), ('NATO', 1, 0, 2)");
            var (low, high) = (await ViewAsync(0), await ViewAsync(1));
            var version = await connection.ExecuteScalarAsync<long>("SELECT id FROM versions");
            var responses = (await connection.QueryAsync<long>("SELECT id FROM national_responses ORDER BY id")).ToList();
            await connection.ExecuteAsync("""
                INSERT INTO feed_events (view_id, seq, event_id, type, version_id, occurred_at, subject, subject_id, subject_ref)
                VALUES (@low, 1, 'l1', 'visible', @version, 1, 'version', @version, NULL),
                       (@low, 2, 'l2', 'visible', @version, 2, 'response', @r0, 'r0'),
                       (@low, 3, 'l3', 'visible', @version, 3, 'response', @r1, 'r1'),
                       (@low, 4, 'l4', 'updated', @version, 4, 'version', @version, NULL),
                       (@low, 5, 'l5', 'visible', @version, 5, 'response', @r2, 'r2'),
                       (@low, 6, 'l6', 'visible', NULL, 6, 'relation', 7, 'a covers b'),
                       (@high, 1, 'h1', 'visible', @version, 7, 'response', @r1, 'r1'),
                       (@high, 2, 'h2', 'visible', @version, 8, 'version', @version, NULL)
                """, new { low, high, version, r0 = responses[0], r1 = responses[1], r2 = responses[2] });

            Task<long> ViewAsync(int level) => connection.ExecuteScalarAsync<long>("SELECT id FROM feed_views WHERE community = 'NATO' AND level = @level", new { level });
        }

        var applied = MigrateRest();

        Assert.Contains($"db.{Provider.Name}/0025_delegate_feed.sql", applied);
        var events = await Db.ReadAsync(async c => (await c.QueryAsync<(string Id, string? Nation, long Common, long? Own)>(
            "SELECT event_id, nation, common_seq, nation_seq FROM feed_events ORDER BY event_id")).ToList()).AsTask();
        Assert.Equal(
        [
            ("h1", "DEU", 0L, (long?)1L), ("h2", null, 1L, null),
            ("l1", null, 1L, null), ("l2", "FRA", 1L, 1L), ("l3", "DEU", 1L, 1L), ("l4", null, 2L, null), ("l5", "FRA", 2L, 2L), ("l6", null, 3L, null),
        ], events.Select(e => (e.Id, e.Nation?.Trim(), e.Common, e.Own)));
        var views = await Db.ReadAsync(async c => (await c.QueryAsync<long>("SELECT last_common FROM feed_views ORDER BY level")).ToList()).AsTask();
        Assert.Equal([3L, 1L], views);
    }

    [Fact]
    public async Task SubscriptionsFromBefore0028AreClearedToTheirAudiencesCeiling()
    {
        // From 0028 a subscription carries at most its registering admin's clearance (cleared_to). One registered before
        // keeps what registering it was judged against: its audience's ceiling. Migrated below 0023, whose guard only the
        // migrator applies; the migrator runs the rest, 0028 among them.
        MigrateBefore("0023");
        using (var connection = OpenConnection())
        {
            await connection.ExecuteAsync("""
                INSERT INTO subscriptions (id, audience, url, secret, state, created_at, created_by)
                VALUES ('s-eu', 'EU', 'http://127.0.0.1/eu', '0123456789abcdef', 'active', 0, 'admin'),
                       ('s-industry', 'INDUSTRY', 'http://127.0.0.1/industry', '0123456789abcdef', 'paused', 0, 'admin')
                """);
        }

        var applied = MigrateRest();

        Assert.Contains($"db.{Provider.Name}/0028_subscription_clearance.sql", applied);
        var rows = await Db.ReadAsync(async c => (await c.QueryAsync<(string Id, int ClearedTo)>("SELECT id, cleared_to FROM subscriptions ORDER BY id")).ToList()).AsTask();
        Assert.Equal([("s-eu", 4), ("s-industry", 1)], rows);
    }

    [Fact]
    public async Task DeliveryStatusRecordedBefore0029IsKeptAtTheTopLevel()
    {
        // From 0029 a subscription's last delivery time and failure are each kept with the highest marking the delivery
        // behind them could carry, and shown to admins cleared to it. Status recorded before has no such level: it is
        // taken as the top one, and status never recorded stays without one. Migrated below 0023, whose guard only the
        // migrator applies; the migrator runs the rest, 0029 among them.
        MigrateBefore("0023");
        using (var connection = OpenConnection())
        {
            await connection.ExecuteAsync("""
                INSERT INTO subscriptions (id, audience, url, secret, state, created_at, created_by, last_delivered_at, failing_since, last_error)
                VALUES ('s-delivered', 'EU', 'http://127.0.0.1/a', '0123456789abcdef', 'active', 0, 'admin', 5, NULL, NULL),
                       ('s-failing', 'EU', 'http://127.0.0.1/b', '0123456789abcdef', 'active', 0, 'admin', 5, 7, 'HTTP 500'),
                       ('s-new', 'INDUSTRY', 'http://127.0.0.1/c', '0123456789abcdef', 'active', 0, 'admin', NULL, NULL, NULL)
                """);
        }

        var applied = MigrateRest();

        Assert.Contains($"db.{Provider.Name}/0029_delivery_status_level.sql", applied);
        var rows = await Db.ReadAsync(async c => (await c.QueryAsync<(string Id, int? Delivered, int? Failing)>(
            "SELECT id, last_delivered_level, failing_level FROM subscriptions ORDER BY id")).ToList()).AsTask();
        Assert.Equal([("s-delivered", 4, null), ("s-failing", 4, 4), ("s-new", null, null)], rows);
    }

    [Fact]
    public async Task MarksHeldBefore0027AreKeptAsTheFirstRowsOfTheirCategoriesHistories()
    {
        // Before 0027 a category had one preferred standard, a row of preferred_standards; after it, the mark is a
        // history per category (preferred_marks), and every mark held is kept as a mark row, oldest first. Migrated below
        // 0023, whose guard only the migrator applies; the migrator runs the rest, 0027 among them.
        MigrateBefore("0023");
        using (var connection = OpenConnection())
        {
            await InsertEditionAsync(connection);
            await connection.ExecuteAsync("""
                INSERT INTO standards (standard_key, designation, category, title, created_at, created_by)
                VALUES ('stanag-2', 'STANAG 2', 'radio-band', 'Two', 0, 'test')
                """);
            await connection.ExecuteAsync("""
                INSERT INTO preferred_standards (category, standard_id, rationale, marked_at, marked_by)
                SELECT category, id, 'Why ' || standard_key, CASE standard_key WHEN 'stanag-1' THEN 20 ELSE 10 END, 'editor' FROM standards
                """.Replace(" || standard_key", Provider.Name == "sqlserver" ? " + standard_key" : " || standard_key", StringComparison.Ordinal));
        }

        var applied = MigrateRest();

        Assert.Contains($"db.{Provider.Name}/0027_preferred_history.sql", applied);
        Assert.False(await TableExistsAsync("preferred_standards"));
        var rows = await Db.ReadAsync(async c => (await c.QueryAsync<(string Category, string Kind, string? Rationale, long At)>(
            "SELECT category, kind, rationale, marked_at FROM preferred_marks ORDER BY id")).ToList()).AsTask();
        Assert.Equal([("radio-band", "mark", "Why stanag-2", 10L), ("caliber", "mark", "Why stanag-1", 20L)], rows);
    }

    /// <summary>
    /// 0032 and 0033 on a database with standards: each gets its designation's identity (Designations.Identity, folded in
    /// C#), and the identity is unique from then on. Two created before the rule whose designations read as one: the
    /// older holds the identity, the later keeps its designation without one and is named in the migration log
    /// (docs/design.md §1.1), and the migration goes through.
    /// </summary>
    [Fact]
    public async Task StandardsFromBefore0032GetTheirDesignationsIdentityAndTheOldestHoldsOneTheyShare()
    {
        MigrateBefore("0032");
        using (var connection = OpenConnection())
        {
            await connection.ExecuteAsync("""
                INSERT INTO standards (standard_key, designation, category, title, created_at, created_by)
                VALUES ('stanag-1-bis', @later, 'caliber', 'Later', 20, 'test'),
                       ('stanag-1', 'STANAG 1', 'caliber', 'Earlier', 10, 'test'),
                       ('aep-55', @aep, 'caliber', 'Essais', 30, 'test')
                """, new { later = "stanag\u00a01", aep = "A\u00c9P\u201155" });
        }
        var log = new ListLogger();

        var applied = new DatabaseMigrator(Db, log).Migrate();

        Assert.Equal([$"db.{Provider.Name}/0032_designation_identity.sql", $"db.{Provider.Name}/0033_designation_identity_index.sql",
            $"db.{Provider.Name}/0034_outbox_of_deleted_subscriptions.sql", $"db.{Provider.Name}/0035_feed_others_numbered.sql", $"db.{Provider.Name}/0036_subscription_registrant_nation.sql", $"db.{Provider.Name}/0037_outbox_table_level.sql"], applied);
        var rows = await Db.ReadAsync(async c => (await c.QueryAsync<(string Key, string? Identity)>(
            "SELECT standard_key, designation_identity FROM standards ORDER BY standard_key")).ToList()).AsTask();
        Assert.Equal([("aep-55", "AEP-55"), ("stanag-1", "STANAG 1"), ("stanag-1-bis", null)], rows);
        var warning = Assert.Single(log.Warnings);
        Assert.Contains("'stanag-1-bis'", warning, StringComparison.Ordinal);
        Assert.Contains("'stanag-1'", warning, StringComparison.Ordinal);
        // Once applied, the step is not asked for its script again (it would fill the column again): not by the next
        // start, nor by the readiness probe.
        var migrator = new DatabaseMigrator(Db, log);
        Assert.Empty(migrator.Migrate());
        Assert.Null(migrator.SchemaProblem());
        Assert.Single(log.Warnings);
        // The index refuses a second holder of an identity, whoever writes.
        using (var connection = OpenConnection())
        {
            var refused = await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => connection.ExecuteAsync("""
                INSERT INTO standards (standard_key, designation, designation_identity, category, title, created_at, created_by)
                VALUES ('stanag-1-ter', 'Stanag 1', 'STANAG 1', 'caliber', 'Third', 40, 'test')
                """));
            Assert.True(Db.Dialect.IsUniqueViolation(refused), refused.Message);
        }
    }

    /// <summary>The warnings a migrator logs.</summary>
    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger<DatabaseMigrator>
    {
        public List<string> Warnings { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (logLevel == Microsoft.Extensions.Logging.LogLevel.Warning)
            {
                Warnings.Add(formatter(state, exception));
            }
        }
    }

    /// <summary>
    /// An entry's hash as the trail computed it before 0030 (docs/audit.md), written out here rather than by
    /// <see cref="AuditLog.HashOf"/>, so that a change of the hash of entries without an issuer is caught.
    /// </summary>
    private static string HashBefore0030(long sequence, AuditEntry e, string previous)
    {
        static string Field(string? value) => value is null ? "-;" : $"{System.Text.Encoding.UTF8.GetByteCount(value)}:{value};";
        var content = previous + "\n" + string.Concat(
            new[] { sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), e.At.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Action,
                e.Status.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Subject, e.Community, e.Roles, e.Key, e.Edition?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                e.Classification is { } c ? ((int)c).ToString(System.Globalization.CultureInfo.InvariantCulture) : null, e.Detail, e.ClientAddress, e.RequestId }.Select(Field));
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(content)));
    }

    /// <summary>One standard, <c>stanag-1</c>, with one published NU edition.</summary>
    private static async Task InsertEditionAsync(System.Data.Common.DbConnection connection)
    {
        await connection.ExecuteAsync("""
            INSERT INTO standards (standard_key, designation, category, title, created_at, created_by)
            VALUES ('stanag-1', 'STANAG 1', 'caliber', 'One', 0, 'test')
            """);
        await connection.ExecuteAsync("""
            INSERT INTO versions (standard_id, edition, title, summary, body, attributes, status, classification, created_at, created_by, updated_at, updated_by)
            SELECT id, 1, 'One', 's', 'b', '{}', 'published', 0, 0, 'test', 0, 'test' FROM standards WHERE standard_key = 'stanag-1'
            """);
    }

    /// <summary>Applies the provider's scripts numbered below <paramref name="number"/>, then <paramref name="instead"/>: a database as an earlier release left it.</summary>
    private void MigrateBefore(string number, params SqlScript[] instead)
    {
        bool Before(string name) => Db.Dialect.IsScript(name) && string.CompareOrdinal(name, $"db.{Provider.Name}/{number}") < 0;
        var builder = Db.Dialect.Migrations(Db.ConnectionString)
            .WithScriptsEmbeddedInAssembly(typeof(SqlDialect).Assembly, n => Before(n) && !GuardedScript.All.ContainsKey(n) && !Db.Dialect.IsCodeStep(n));
        // A guarded script as the migrator runs it (its guard asked first), as an earlier release's migrator did.
        foreach (var (name, guarded) in GuardedScript.All.Where(g => Before(g.Key)))
        {
            builder.WithScript(name, guarded);
        }
        // A script run by C# (0033), run so, as that release's migrator ran it.
        foreach (var (name, step) in Db.Dialect.CodeSteps(new DbUp.Engine.Output.NoOpUpgradeLog()).Where(s => Before(s.Name)))
        {
            builder.WithScript(name, step);
        }
        var upgrade = builder
            .WithScripts(instead)
            .WithTransactionPerScript()
            .Build()
            .PerformUpgrade();
        Assert.True(upgrade.Successful, upgrade.Error?.Message);
    }

    /// <summary>Runs the migrator as the service does at start, over whatever the test left, and returns the scripts it applied.</summary>
    private IReadOnlyList<string> MigrateRest() => new DatabaseMigrator(Db, NullLogger<DatabaseMigrator>.Instance).Migrate();

    /// <summary>A connection of the test's own, opened outside the database pipeline, to set the schema up as an earlier release left it.</summary>
    private System.Data.Common.DbConnection OpenConnection()
    {
        var connection = Db.Dialect.CreateConnection(Db.ConnectionString);
        connection.Open();
        return connection;
    }

    private Task<List<string>> JournalAsync() =>
        Db.ReadAsync(async c => (await c.QueryAsync<string>("SELECT scriptname FROM schemaversions ORDER BY scriptname")).ToList()).AsTask();

    private Task<bool> TableExistsAsync(string table) => Db.ReadAsync(async c =>
    {
        var sql = Provider.Name == "sqlite"
            ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @table"
            : "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = @table";
        return await c.ExecuteScalarAsync<int>(sql, new { table }) > 0;
    }).AsTask();
}
