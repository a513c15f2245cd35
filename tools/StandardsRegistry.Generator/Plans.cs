using System.Buffers.Text;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Generator;

/// <summary>
/// The query plans of the benchmarked consumer reads, for bench/RESULTS.md: the exact statements the service issues
/// (from its own statement builders, which the Data project shows this tool, so a changed builder fails the build), as
/// an EU consumer with clearance NS, with SQLite's EXPLAIN QUERY PLAN or PostgreSQL's EXPLAIN ANALYZE, and their mean
/// time over the bench's own paths, compiled (planned) on every execution as the service runs them today, and prepared
/// once.
/// </summary>
internal static class Plans
{
    private static readonly VisibilityScope EuConsumer = VisibilityScope.ForAudience("EU", Classification.NS, MarkingScheme.Eu);

    public static int Run(string provider, string connectionString, string dataDirectory, int runs)
    {
        var dialect = SqlDialect.For(provider);
        var keys = File.ReadLines(Path.Combine(dataDirectory, "latest-eu.paths")).Select(p => p.Split('/')[3]).ToArray();
        var pages = File.ReadLines(Path.Combine(dataDirectory, "list.paths")).Select(ListPage).ToArray();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var random = new Random(5);

        var statements = new (string Title, string Sql, Func<Dictionary<string, object>> Parameters)[]
        {
            ("GET /v1/standards/{key}/versions/latest", CatalogueQueries.Sql.GetLatest(dialect, EuConsumer),
                () => new() { ["key"] = keys[random.Next(keys.Length)] }),
            ("GET /v1/standards?category={category} (first page)", CatalogueQueries.Sql.ListStandards(dialect, EuConsumer, category: true, text: false, after: false, Limits.DefaultPageSize + 1),
                () => new() { ["category"] = Categories.All[random.Next(Categories.All.Count)] }),
            ("GET /v1/standards?category={category}&cursor={cursor} (a page further on)", CatalogueQueries.Sql.ListStandards(dialect, EuConsumer, category: true, text: false, after: true, Limits.DefaultPageSize + 1),
                () =>
                {
                    var (category, after) = pages.Where(p => p.After is not null).ElementAt(random.Next(pages.Count(p => p.After is not null)));
                    return new() { ["category"] = category, ["afterKey"] = after! };
                }),
            ("GET /v1/standards?overlaps={a},{b} (attribute search, run e)",
                CatalogueQueries.Sql.ListStandards(dialect, EuConsumer, category: false, text: false, after: false, Limits.DefaultPageSize + 1, 1 << Categories.NumericAttributes.Count),
                () =>
                {
                    var a = CatalogueGenerator.SearchLow + random.NextDouble() * (CatalogueGenerator.SearchHigh - CatalogueGenerator.SearchLow - 20);
                    return new() { ["overlapsLow"] = a, ["overlapsHigh"] = a + 20 };
                }),
        };

        using var connection = dialect.CreateConnection(dialect.Normalize(connectionString));
        connection.Open();
        statements = [.. statements, .. FeedStatements(connection, dialect, now, random)];
        foreach (var (title, sql, parameters) in statements)
        {
            Console.WriteLine($"#### `{title}`");
            Console.WriteLine();
            Console.WriteLine("```sql");
            Console.WriteLine(sql.Trim());
            Console.WriteLine("```");
            Console.WriteLine();
            var sample = parameters();
            Console.WriteLine($"Plan ({(provider == SqlDialect.Postgres ? "EXPLAIN (ANALYZE, BUFFERS)" : "EXPLAIN QUERY PLAN")}, {string.Join(", ", sample.Select(p => $"@{p.Key} = {p.Value}"))}):");
            Console.WriteLine();
            Console.WriteLine("```");
            Console.WriteLine(provider == SqlDialect.Postgres ? ExplainPostgres(connection, sql, sample, now) : ExplainSqlite(connection, sql, sample, now));
            Console.WriteLine("```");
            Console.WriteLine();
            var compiled = Time(connection, sql, parameters, now, runs, prepare: false);
            var prepared = Time(connection, sql, parameters, now, runs, prepare: true);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Mean over {runs} executions with the bench's random parameters: **{compiled:0} µs** compiled/planned on every execution, **{prepared:0} µs** prepared once (as the service runs it: SQLite reads keep their prepared statements, Npgsql prepares automatically)."));
            Console.WriteLine();
        }
        return 0;
    }

    /// <summary>
    /// The statements of a feed page in the EU NS consumer's view, from random positions of it as the bench's (c) run
    /// reads it: whether a release is due (FeedWriter.AnnounceDueAsync, before every page and write; the due releases' query
    /// only runs when one is), then the page of events and the visible versions among its version ids (ReadEventsAsync).
    /// </summary>
    private static IEnumerable<(string Title, string Sql, Func<Dictionary<string, object>> Parameters)> FeedStatements(DbConnection connection, SqlDialect dialect, long now, Random random)
    {
        yield return ("GET /v1/feed, first: the earliest pending release", FeedWriter.Sql.FirstPending, () => []);
        yield return ("GET /v1/feed, when a release is due: the releases to announce", FeedWriter.Sql.DueReleases(dialect), () => []);
        var view = FeedView.Of(EuConsumer);
        using var last = connection.CreateCommand();
        last.CommandText = $"SELECT last_seq FROM feed_views WHERE community = '{view.Community}' AND level = {(int)view.Level} AND drafts = {(view.Drafts ? 1 : 0)}";
        if (last.ExecuteScalar() is not long events || events == 0)
        {
            yield break;
        }
        var page = FeedReader.Sql.Page(dialect, EuConsumer);
        Dictionary<string, object> PageParameters() => new()
        {
            ["viewCommunity"] = view.Community,
            ["viewLevel"] = (int)view.Level,
            ["viewDrafts"] = view.Drafts ? 1 : 0,
            ["after"] = (long)random.NextInt64(Math.Max(1, events - 20)),
            ["limit"] = Limits.DefaultPageSize + 1,
        };
        yield return ($"GET /v1/feed?cursor={{position}} (the page of events; view {view.Name} has {events} events)", page, PageParameters);

        // The version ids of a page from a random position (read here, untimed), at most 21 as on a page of 20 and one more.
        var pageIds = new List<long[]>();
        for (var i = 0; i < 50; i++)
        {
            using var command = Command(connection, page, PageParameters(), now);
            using var reader = command.ExecuteReader();
            var ids = new List<long>();
            while (reader.Read())
            {
                ids.Add(reader.GetInt64(reader.GetOrdinal("VersionId")));
            }
            pageIds.Add([.. ids.Distinct()]);
        }
        var size = pageIds.Min(ids => ids.Length);
        if (size == 0)
        {
            yield break;
        }
        yield return ($"GET /v1/feed?cursor={{position}} (the page's versions by id, {size} ids)", FeedReader.Sql.VersionsById(EuConsumer, size), () =>
        {
            var ids = pageIds[random.Next(pageIds.Count)];
            return Enumerable.Range(0, size).ToDictionary(i => $"id{i}", i => (object)ids[i]);
        });
    }

    private static (string Category, string? After) ListPage(string path)
    {
        var query = path[(path.IndexOf('?', StringComparison.Ordinal) + 1)..].Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        var after = query.TryGetValue("cursor", out var cursor) ? Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split(':', 2)[1] : null;
        return (query["category"], after);
    }

    private static DbCommand Command(DbConnection connection, string sql, Dictionary<string, object> parameters, long now)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // The service's own statement text; every value is a parameter.
        command.CommandText = sql;
#pragma warning restore CA2100
        void Add(string name, object value)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@" + name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        Add("scopeLevel", (int)EuConsumer.MaxLevel);
        Add("scopeCommunity", EuConsumer.Community);
        Add("now", now);
        foreach (var (name, value) in parameters)
        {
            Add(name, value);
        }
        return command;
    }

    private static string ExplainSqlite(DbConnection connection, string sql, Dictionary<string, object> parameters, long now)
    {
        using var command = Command(connection, "EXPLAIN QUERY PLAN " + sql, parameters, now);
        using var reader = command.ExecuteReader();
        var depth = new Dictionary<long, int> { [0] = 0 };
        var text = new StringBuilder();
        while (reader.Read())
        {
            var id = reader.GetInt64(0);
            var parent = reader.GetInt64(1);
            var level = depth.GetValueOrDefault(parent) + 1;
            depth[id] = level;
            text.Append(' ', (level - 1) * 2).Append("- ").AppendLine(reader.GetString(3));
        }
        return text.ToString().TrimEnd();
    }

    private static string ExplainPostgres(DbConnection connection, string sql, Dictionary<string, object> parameters, long now)
    {
        using var command = Command(connection, "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, parameters, now);
        using var reader = command.ExecuteReader();
        var text = new StringBuilder();
        while (reader.Read())
        {
            text.AppendLine(reader.GetString(0));
        }
        return text.ToString().TrimEnd();
    }

    /// <summary>Mean microseconds per execution, reading every row.</summary>
    private static double Time(DbConnection connection, string sql, Func<Dictionary<string, object>> parameters, long now, int runs, bool prepare)
    {
        DbCommand? prepared = null;
        var elapsed = TimeSpan.Zero;
        for (var i = 0; i < runs + 20; i++)
        {
            var values = parameters();
            DbCommand command;
            if (prepare)
            {
                if (prepared is null)
                {
                    prepared = Command(connection, sql, values, now);
                    prepared.Prepare();
                }
                foreach (var (name, value) in values)
                {
                    prepared.Parameters["@" + name].Value = value;
                }
                command = prepared;
            }
            else
            {
                command = Command(connection, sql, values, now);
            }
            var started = Stopwatch.GetTimestamp();
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                }
            }
            if (i >= 20)
            {
                elapsed += Stopwatch.GetElapsedTime(started);
            }
            if (!prepare)
            {
                command.Dispose();
            }
        }
        prepared?.Dispose();
        return elapsed.TotalMicroseconds / runs;
    }
}
