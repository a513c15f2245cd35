using Dapper;
using StandardsRegistry.Domain;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Data.Tests;

/// <summary>
/// The list's statement texts are cached for the process's life, keyed by what the caller chose: its filters and its page
/// size. The texts must stay few whatever a caller asks (anonymous callers too), and every page must still hold exactly
/// the rows asked for.
/// </summary>
public abstract class ListTextTests(TestProvider provider) : DatabaseSuite(provider, migrated: true)
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_000_000);

    private const int Standards = Limits.MaxPageSize + 20;

    [Fact]
    public async Task EveryPageSizeACallerMayAskReadsItsRowsFromOneOfTenTexts()
    {
        using (var connection = Db.Dialect.CreateConnection(Db.ConnectionString))
        {
            connection.Open();
            for (var i = 0; i < Standards; i++)
            {
                await connection.ExecuteAsync("""
                    INSERT INTO standards (standard_key, designation, category, title, created_at, created_by)
                    VALUES (@key, @key, 'caliber', 'Listed', 0, 'test')
                    """, new { key = $"list-{i:D3}" });
            }
            await connection.ExecuteAsync("""
                INSERT INTO versions (standard_id, edition, title, summary, body, attributes, status, classification, created_at, created_by, updated_at, updated_by)
                SELECT id, 1, 'Listed', 's', 'b', '{}', 'published', 0, 0, 'test', 0, 'test' FROM standards
                """);
            await connection.ExecuteAsync("""
                INSERT INTO releases (version_id, standard_id, audience, reason, effective_from, released_at, released_by, announced_at)
                SELECT v.id, v.standard_id, 'PUBLIC', 'r', 0, 0, 'test', 0 FROM versions v
                """);
        }
        var queries = new CatalogueQueries(Db);
        var anonymous = VisibilityScope.ForAudience("PUBLIC", Classification.NU, MarkingScheme.Nato);
        var keys = Enumerable.Range(0, Standards).Select(i => $"list-{i:D3}").ToList();
        var before = CatalogueQueries.TextsKept(nameof(CatalogueQueries.Sql.ListStandards), Db.Dialect.Name);

        // Every page size a caller may ask, each with its look-ahead row, as GET /v1/standards asks them.
        for (var size = 1; size <= Limits.MaxPageSize; size++)
        {
            var rows = await queries.ListStandardsAsync(anonymous, Now, new(null, null, null, size + 1));
            Assert.Equal(keys.Take(size + 1), rows.Select(r => r.StandardKey));
            var after = await queries.ListStandardsAsync(anonymous, Now, new(null, null, keys[10], size + 1));
            Assert.Equal(keys.Skip(11).Take(size + 1), after.Select(r => r.StandardKey));
        }

        var kept = CatalogueQueries.TextsKept(nameof(CatalogueQueries.Sql.ListStandards), Db.Dialect.Name) - before;
        Assert.True(kept <= 2 * 10, $"{kept} texts kept for the page sizes of two filter shapes");
    }
}
