using Microsoft.Data.Sqlite;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Data.Tests;

/// <summary>
/// The export streams: SQLite reads each key range of standards through the key index and each standard's versions in
/// edition order, with no sort. A plan that sorts (a temporary B-tree) holds every body of the range, so memory,
/// temporary disk and the time to the first line would grow with the catalogue — what one query over the whole
/// catalogue did (ExportMemoryTests measures the service). The planner has no statistics here, as on a server that
/// never ran ANALYZE.
/// </summary>
public sealed class ExportPlanTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(TestProvider.Sqlite);
        using var db = TestDb.Migrated(_database);
    }

    public async ValueTask DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task EveryScopesExportQueryReadsInKeyAndEditionOrderWithoutSorting()
    {
        await using var connection = new SqliteConnection(_database.ConnectionString);
        await connection.OpenAsync();
        foreach (var scope in SqlStatements.Scopes)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"EXPLAIN QUERY PLAN {FeedReader.Sql.Export(scope)}";
            foreach (var (name, value) in new (string, object)[] { ("@afterKey", ""), ("@lastKey", "zzz"), ("@scopeLevel", (int)scope.MaxLevel), ("@scopeCommunity", scope.Community), ("@now", 0L) })
            {
                command.Parameters.AddWithValue(name, value);
            }
            var plan = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    plan.Add(reader.GetString(reader.GetOrdinal("detail")));
                }
            }
            Assert.NotEmpty(plan);
            Assert.True(!plan.Any(step => step.Contains("TEMP B-TREE", StringComparison.Ordinal)),
                $"The export query of {scope} sorts:{Environment.NewLine}{string.Join(Environment.NewLine, plan)}");
        }
    }
}
