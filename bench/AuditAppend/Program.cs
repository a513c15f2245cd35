using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using StandardsRegistry.Data;

// Times AuditLog.AppendBatch — what the audit writer does once per batch, and what every content read waiting for that
// batch waits for — on a freshly migrated database: WARMUP batches first, then BATCHES timed one by one, each of SIZE
// entries like a content read's. Prints one RESULT line of milliseconds per batch.
//
//   dotnet AuditAppend.dll <provider> <connection string> [batches=3000] [size=10] [warmup=300]
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: AuditAppend <sqlite|postgres|sqlserver> <connection string> [batches] [size] [warmup]");
    return 2;
}
var (provider, connection) = (args[0], args[1]);
var batches = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3000;
var size = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 10;
var warmup = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 300;

var dialect = SqlDialect.For(provider);
using var db = new Db(dialect, dialect.Normalize(connection), ResiliencePipeline.Empty);
new DatabaseMigrator(db, NullLogger<DatabaseMigrator>.Instance).Migrate();
using var log = new AuditLog(db);

var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
var batch = Enumerable.Range(0, size).Select(i => new AuditEntry(at, "version.read", 200, "eu-bench@eu", "EU", "consumer",
    $"STANAG-{4000 + i}", 1 + i % 3, StandardsRegistry.Domain.Classification.NR, null, "127.0.0.1", $"bench-{i}")).ToList();
for (var i = 0; i < warmup; i++)
{
    log.AppendBatch(batch);
}
var times = new double[batches];
for (var i = 0; i < batches; i++)
{
    var started = Stopwatch.GetTimestamp();
    log.AppendBatch(batch);
    times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
}
Array.Sort(times);
string Ms(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
Console.WriteLine($"RESULT batches={batches} size={size} p50_ms={Ms(times[batches / 2])} p90_ms={Ms(times[batches * 9 / 10])} " +
    $"p99_ms={Ms(times[batches * 99 / 100])} mean_ms={Ms(times.Average())}");
return 0;
