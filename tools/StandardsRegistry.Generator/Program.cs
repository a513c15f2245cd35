using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using StandardsRegistry.Data;
using StandardsRegistry.Generator;

// The benchmark's tools, one command each:
//   generate --versions N --provider sqlite|postgres --connection "..." [--seed S] [--out DIR]
//   token    --key BASE64 --issuer I --audience A --subject S --community C [--clearance L] [--role R]... [--hours H]
//   edit     --url URL --token T --standards FILE --seconds S [--seed S]
//   plans    --provider sqlite|postgres --connection "..." --data DIR [--runs N]
//   timing   --url URL --token T --hidden FILE [--n N] [--seed S] [--label L] [--route R]...
//   audit    --entries N --provider sqlite|postgres --connection "..." [--batch B]
try
{
    var command = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "generate";
    var options = Options.Parse(command == args.FirstOrDefault() ? args[1..] : args);
    return command switch
    {
        "generate" => await GenerateAsync(options),
        "token" => Token(options),
        "edit" => await Editor.RunAsync(new Uri(options.Required("url")), options.Required("token"), options.Required("standards"),
            TimeSpan.FromSeconds(options.Number("seconds", 15)), (int)options.Number("seed", 7)),
        "plans" => Plans.Run(options.Get("provider") ?? SqlDialect.Sqlite, options.Required("connection"), options.Required("data"), (int)options.Number("runs", 300)),
        "timing" => await Timing.RunAsync(new Uri(options.Required("url")), options.Required("token"), options.Required("hidden"),
            (int)options.Number("n", 2000), (int)options.Number("seed", 7), options.Get("label") ?? "service", options.All("route")),
        "audit" => AuditTrail(options),
        _ => throw new ArgumentException($"Unknown command '{command}': use generate, token, edit, plans, timing or audit."),
    };
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 2;
}

static async Task<int> GenerateAsync(Options options)
{
    var versions = options.Number("versions", 10_000);
    var provider = options.Get("provider") ?? SqlDialect.Sqlite;
    var seed = (int)options.Number("seed", 20_260_101);
    var dialect = SqlDialect.For(provider);
    var connectionString = dialect.Normalize(options.Required("connection"));
    if (versions < 1)
    {
        throw new ArgumentException("--versions must be at least 1.");
    }

    // The project's own migrations first: the catalogue goes into the schema the service runs on.
    var clock = Stopwatch.StartNew();
    var applied = new DatabaseMigrator(new Db(dialect, connectionString, ResiliencePipeline.Empty), NullLogger<DatabaseMigrator>.Instance).Migrate();
    Console.WriteLine($"Migrated: {applied.Count} script(s) applied ({string.Join(", ", applied)}).");

    var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    var stats = new CatalogueStats();
    using var files = options.Get("out") is { } directory ? new BenchFiles(directory, versions / 10, seed, now) : null;
    ICatalogueLoader loader = provider switch
    {
        SqlDialect.Sqlite => new SqliteLoader(connectionString, now),
        SqlDialect.Postgres => new PostgresLoader(connectionString, now),
        _ => throw new ArgumentException($"Bulk loading into {provider} is not implemented: use sqlite or postgres."),
    };

    var load = Stopwatch.StartNew();
    loader.Load(() => new CatalogueGenerator(seed, versions, now).Standards(), s =>
    {
        stats.Count(s, now);
        files?.Observe(s, stats);
        if (stats.Standards % 20_000 == 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {stats.Versions} versions generated after {load.Elapsed.TotalSeconds:0.0} s"));
        }
    });
    load.Stop();

    Console.WriteLine(stats);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"LOADED provider={provider} versions={stats.Versions} standards={stats.Standards} releases={stats.Releases} load_seconds={load.Elapsed.TotalSeconds:0.0} total_seconds={clock.Elapsed.TotalSeconds:0.0} versions_per_s={stats.Versions / load.Elapsed.TotalSeconds:0}"));
    return 0;
}

// A long audit trail, appended through the service's own chained append (AuditLog.AppendBatch) in big transactions:
// content reads of the kind that make most of a real trail.
static int AuditTrail(Options options)
{
    var entries = options.Number("entries", 1_000_000);
    var batch = (int)options.Number("batch", 10_000);
    var provider = options.Get("provider") ?? SqlDialect.Sqlite;
    if (entries < 1 || batch < 1)
    {
        throw new ArgumentException("--entries and --batch must be at least 1.");
    }
    var dialect = SqlDialect.For(provider);
    var db = new Db(dialect, dialect.Normalize(options.Required("connection")), ResiliencePipeline.Empty);
    new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).Migrate();
    using var log = new AuditLog(db);
    var clock = Stopwatch.StartNew();
    var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - entries;
    for (long written = 0; written < entries;)
    {
        var size = (int)Math.Min(batch, entries - written);
        var rows = new List<AuditEntry>(size);
        for (var i = 0; i < size; i++, written++)
        {
            rows.Add(new AuditEntry(at + written, written % 10 == 0 ? "version.read-latest" : "version.read", written % 50 == 0 ? 404 : 200,
                $"consumer-{written % 97}@eu", "EU", "consumer", $"stanag-{written % 5_000}", (int)(1 + written % 3), StandardsRegistry.Domain.Classification.NR,
                null, "127.0.0.1", $"0HN{written:x}"));
        }
        log.AppendBatch(rows);
        if (written % 1_000_000 < batch)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {written} entries after {clock.Elapsed.TotalSeconds:0.0} s"));
        }
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"AUDIT provider={provider} entries={entries} seconds={clock.Elapsed.TotalSeconds:0.0} entries_per_s={entries / clock.Elapsed.TotalSeconds:0}"));
    return 0;
}

static int Token(Options options)
{
    var key = Convert.FromBase64String(options.Required("key"));
    Console.WriteLine(Tokens.Create(key, options.Required("issuer"), options.Required("audience"), options.Required("subject"), options.Required("community"),
        options.Get("clearance"), options.All("role"), TimeSpan.FromHours(options.Number("hours", 2))));
    return 0;
}

/// <summary><c>--name value</c> pairs; a name may repeat.</summary>
internal sealed class Options
{
    private readonly List<(string Name, string Value)> _values = [];

    public static Options Parse(string[] args)
    {
        var options = new Options();
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"Expected --name value pairs, got '{args[i]}'.");
            }
            options._values.Add((args[i][2..], args[i + 1]));
        }
        return options;
    }

    public string? Get(string name) => _values.LastOrDefault(v => v.Name == name).Value;

    public string Required(string name) => Get(name) ?? throw new ArgumentException($"--{name} is required.");

    public IReadOnlyList<string> All(string name) => _values.Where(v => v.Name == name).Select(v => v.Value).ToList();

    public long Number(string name, long fallback) =>
        Get(name) is not { } text ? fallback
        : long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
        : throw new ArgumentException($"--{name} must be a whole number.");
}
