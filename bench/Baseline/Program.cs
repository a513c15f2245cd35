// The baseline for bench/run.sh: the same routes as the consumer reads the bench drives, each answering a fixed
// JSON document (a response the service gave, saved by the script) with no database, auth or serialization.
//   BASELINE_LATEST=file BASELINE_LIST=file [BASELINE_FEED=file] Urls=http://127.0.0.1:PORT dotnet Baseline.dll
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var app = builder.Build();

var latest = await File.ReadAllBytesAsync(Document("BASELINE_LATEST"));
var list = await File.ReadAllBytesAsync(Document("BASELINE_LIST"));
// The feed page is optional (a service without a feed has none to copy).
var feed = Environment.GetEnvironmentVariable("BASELINE_FEED") is { Length: > 0 } feedFile ? await File.ReadAllBytesAsync(feedFile) : list;
const string Json = "application/json; charset=utf-8";

app.MapGet("/v1/standards/{key}/versions/latest", (string key) => Results.Bytes(latest, Json));
app.MapGet("/v1/standards", () => Results.Bytes(list, Json));
app.MapGet("/v1/feed", () => Results.Bytes(feed, Json));
app.MapGet("/health/ready", () => Results.Text("Healthy"));
await app.RunAsync();

static string Document(string variable) =>
    Environment.GetEnvironmentVariable(variable) ?? throw new InvalidOperationException($"{variable} must name the JSON document to serve.");
