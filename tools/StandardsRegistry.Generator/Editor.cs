using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Generator;

/// <summary>
/// One NATO editor (also a release authority) working flat out against a running service for a fixed time:
/// a new edition of a random standard as a draft, published, released to the EU; then the next. Consumers read meanwhile.
/// </summary>
internal static class Editor
{
    private static readonly string[] Markings = ["NU", "NR", "NC", "NS"];

    public static async Task<int> RunAsync(Uri url, string token, string standardsFile, TimeSpan duration, int seed)
    {
        var standards = (await File.ReadAllLinesAsync(standardsFile))
            .Select(line => line.Split('\t'))
            .Where(parts => parts.Length == 2)
            .Select(parts => (Key: parts[0], Category: parts[1]))
            .ToArray();
        if (standards.Length == 0)
        {
            await Console.Error.WriteLineAsync($"{standardsFile} lists no standards.");
            return 2;
        }

        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var random = new Random(seed);
        var latencies = new List<double>();
        var failures = 0;
        var cycles = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            var (key, category) = standards[random.Next(standards.Length)];
            var draft = new JsonObject
            {
                ["title"] = $"{key} revision {cycles + 1}",
                ["summary"] = "Revision written during the mixed benchmark run.",
                ["body"] = "Sample text generated for benchmarking; not the text of any standard.",
                ["classification"] = Markings[random.Next(Markings.Length)],
                ["attributes"] = Attributes(category),
            };
            var created = await TimedAsync(() => http.PostAsJsonAsync($"/v1/standards/{key}/versions", draft));
            if (created is null)
            {
                failures++;
                continue;
            }
            var edition = created["edition"]!.GetValue<int>();
            var version = $"/v1/standards/{key}/versions/{edition.ToString(CultureInfo.InvariantCulture)}";
            if (await TimedAsync(() => http.PostAsync($"{version}/publish", null)) is null)
            {
                failures++;
                continue;
            }
            if (await TimedAsync(() => http.PutAsJsonAsync($"{version}/releases/EU", new JsonObject { ["reason"] = "Released during the mixed benchmark run." })) is null)
            {
                failures++;
                continue;
            }
            cycles++;
        }

        var seconds = clock.Elapsed.TotalSeconds;
        latencies.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"EDITOR cycles={cycles} writes={latencies.Count} seconds={seconds:0.0} writes_per_s={latencies.Count / seconds:0.0} p50_ms={Percentile(latencies, 0.50):0.00} p99_ms={Percentile(latencies, 0.99):0.00} failures={failures}"));
        return 0;

        async Task<JsonObject?> TimedAsync(Func<Task<HttpResponseMessage>> send)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await send();
            var body = await response.Content.ReadAsStringAsync();
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (!response.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
                return null;
            }
            return JsonNode.Parse(body)?.AsObject();
        }
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static JsonObject Attributes(string category) => category switch
    {
        Categories.Caliber => new JsonObject { ["boreMm"] = 5.56, ["caseLengthMm"] = 44.7, ["cartridge"] = "5.56x45mm NATO" },
        Categories.RadioBand => new JsonObject { ["lowMHz"] = 225, ["highMHz"] = 400 },
        Categories.CommsProtocol => new JsonObject { ["layer"] = "application", ["transport"] = "TCP/IP" },
        Categories.DataLink => new JsonObject { ["messageFormat"] = "J-series", ["dataRateKbps"] = 115.2 },
        _ => throw new ArgumentOutOfRangeException(nameof(category), category, "Unknown category."),
    };
}
