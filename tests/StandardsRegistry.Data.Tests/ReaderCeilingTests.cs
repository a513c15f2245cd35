using Dapper;
using StandardsRegistry.Domain;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Data.Tests;

/// <summary>
/// A read by an audience's reader holds every marking to the ceiling the <c>audiences</c> table says in the read's own
/// statement (<see cref="Visibility.WithinLevel"/>), and only the webhook dispatcher's read of an event as queued is not
/// held to it. Statement texts are cached by the scope's shape: both kinds of scope must get their own text.
/// </summary>
public abstract class ReaderCeilingTests(TestProvider provider) : DatabaseSuite(provider, migrated: true)
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_000_000);

    [Fact]
    public async Task AReadersStatementIsHeldToTheCeilingNowWhicheverScopeBuiltItsTextFirst()
    {
        using (var connection = Db.Dialect.CreateConnection(Db.ConnectionString))
        {
            connection.Open();
            await connection.ExecuteAsync("""
                INSERT INTO standards (standard_key, designation, category, title, created_at, created_by)
                VALUES ('stanag-ceiling', 'STANAG C', 'caliber', 'Ceiling', 0, 'test')
                """);
            await connection.ExecuteAsync("""
                INSERT INTO versions (standard_id, edition, title, summary, body, attributes, status, classification, created_at, created_by, updated_at, updated_by)
                SELECT id, 1, 'Secret', 's', 'b', '{}', 'published', 3, 0, 'test', 0, 'test' FROM standards WHERE standard_key = 'stanag-ceiling'
                """);
            await connection.ExecuteAsync("""
                INSERT INTO releases (version_id, standard_id, audience, reason, effective_from, released_at, released_by, announced_at)
                SELECT v.id, v.standard_id, 'EU', 'r', 0, 0, 'test', 0 FROM versions v
                """);
        }
        var queries = new CatalogueQueries(Db);
        var reader = VisibilityScope.ForAudience("EU", Classification.NS, MarkingScheme.Eu);
        var asQueued = reader with { HeldToCeilingNow = false };
        Assert.NotNull(await queries.GetLatestAsync(reader, Now, "stanag-ceiling"));

        await Db.WriteAsync(async c => Result.Done(await c.ExecuteAsync("UPDATE audiences SET max_classification = 1 WHERE code = 'EU'")));

        Assert.Null(await queries.GetLatestAsync(reader, Now, "stanag-ceiling"));
        Assert.NotNull(await queries.GetLatestAsync(asQueued, Now, "stanag-ceiling"));
        Assert.Null(await queries.GetLatestAsync(reader, Now, "stanag-ceiling"));
    }
}
