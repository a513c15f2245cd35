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
        Assert.True(migrator.IsUpToDate());
    }

    [Fact]
    public async Task AFailingScriptLeavesTheJournalAndTheSchemaAsTheyWere()
    {
        new DatabaseMigrator(Db, NullLogger<DatabaseMigrator>.Instance).Migrate();
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
        using (var connection = Db.Dialect.CreateConnection(Db.ConnectionString))
        {
            connection.Open();
            await connection.ExecuteAsync("INSERT INTO schemaversions (scriptname, applied) VALUES (@newer, CURRENT_TIMESTAMP)", new { newer });
        }
        var journalBefore = await JournalAsync();

        var refused = Assert.Throws<InvalidOperationException>(() => migrator.Migrate());

        Assert.Contains("newer version", refused.Message, StringComparison.Ordinal);
        Assert.Contains(newer, refused.Message, StringComparison.Ordinal);
        Assert.Equal(journalBefore, await JournalAsync());
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
