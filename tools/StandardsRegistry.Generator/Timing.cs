using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace StandardsRegistry.Generator;

/// <summary>
/// Whether an item route answers a key that exists but is hidden from the caller at a different speed than a key that
/// does not exist (a difference would tell the caller that the hidden key exists). For each route it sends, on one
/// keep-alive connection, N requests for hidden targets (from the generator's <c>hidden-*.tsv</c>) and N for each of
/// two absent variants of the same keys (the key with a suffix that no generated key has), all interleaved in a seeded
/// random order, so drift in the machine's speed lands on every class alike. Every answer must be 404 (else the target
/// file is wrong and the run stops). It reports the median latency of each class, the hidden − absent difference with a
/// permutation test's p-value, and the same for absent − absent (the control: what no difference looks like on this
/// machine).
/// </summary>
internal static class Timing
{
    private sealed record Route(string Name, bool ByEdition, Func<string, int, string> Path);

    private static readonly Route[] Routes =
    [
        new("standard", false, (k, _) => $"/v1/standards/{k}"),
        new("versions", false, (k, _) => $"/v1/standards/{k}/versions"),
        new("latest", false, (k, _) => $"/v1/standards/{k}/versions/latest"),
        new("edition", true, (k, e) => string.Create(CultureInfo.InvariantCulture, $"/v1/standards/{k}/versions/{e}")),
        new("label", true, (k, e) => string.Create(CultureInfo.InvariantCulture, $"/v1/standards/{k}/versions/{e}/label")),
        new("releases", true, (k, e) => string.Create(CultureInfo.InvariantCulture, $"/v1/standards/{k}/versions/{e}/releases")),
    ];

    public static async Task<int> RunAsync(Uri url, string token, string hiddenFile, int n, int seed, string label, IReadOnlyList<string> only)
    {
        var lines = File.ReadAllLines(hiddenFile).Select(l => l.Split('\t')).ToList();
        var standards = lines.Where(f => f[0] == "standard").Select(f => (Key: f[1], Edition: 0)).ToList();
        var editions = lines.Where(f => f[0] == "edition").Select(f => (Key: f[1], Edition: int.Parse(f[2], CultureInfo.InvariantCulture))).ToList();
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = url,
            DefaultRequestVersion = HttpVersion.Version11,
        };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var random = new Random(seed);

        foreach (var route in Routes.Where(r => only.Count == 0 || only.Contains(r.Name)))
        {
            var targets = route.ByEdition ? editions : standards;
            if (targets.Count == 0)
            {
                Console.WriteLine($"TIMING label={label} route={route.Name} skipped=no-hidden-targets");
                continue;
            }
            // Class 0: hidden; 1 and 2: absent (two suffixes, so 1 vs 2 is the control).
            var plan = new List<(int Class, string Path)>(3 * n);
            for (var i = 0; i < n; i++)
            {
                var (key, edition) = targets[random.Next(targets.Count)];
                plan.Add((0, route.Path(key, edition)));
                plan.Add((1, route.Path(key + "-x0", edition)));
                plan.Add((2, route.Path(key + "-y0", edition)));
            }
            random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(plan));

            // Warm-up: the same mix, unmeasured (JIT, connection, statement caches).
            foreach (var (_, path) in plan.Take(Math.Min(plan.Count, 600)))
            {
                await SendAsync(client, path);
            }
            var times = new List<double>[] { [], [], [] };
            foreach (var (kind, path) in plan)
            {
                times[kind].Add(await SendAsync(client, path));
            }

            var absent = times[1].Concat(times[2]).ToList();
            var (diff, p) = Compare(times[0], absent, random);
            var (control, controlP) = Compare(times[1], times[2], random);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"TIMING label={label} route={route.Name} n={n} hidden_median_us={Median(times[0]):0.0} absent_median_us={Median(absent):0.0} diff_us={diff:0.0} p={p:0.0000} control_diff_us={control:0.0} control_p={controlP:0.0000}"));
        }
        return 0;
    }

    /// <summary>One request's latency in µs, from sending it to having read the whole answer; anything but 404 stops the run.</summary>
    private static async Task<double> SendAsync(HttpClient client, string path)
    {
        var start = Stopwatch.GetTimestamp();
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseContentRead);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        if (response.StatusCode != HttpStatusCode.NotFound)
        {
            throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}, not 404: the hidden targets do not match this catalogue or caller.");
        }
        return elapsed;
    }

    /// <summary>median(a) − median(b), and the share of 2,000 random relabellings whose difference is at least as large (two-sided).</summary>
    private static (double Diff, double P) Compare(List<double> a, List<double> b, Random random)
    {
        var observed = Median(a) - Median(b);
        var pooled = a.Concat(b).ToArray();
        const int permutations = 2000;
        var atLeast = 0;
        for (var i = 0; i < permutations; i++)
        {
            random.Shuffle(pooled);
            var d = Median(pooled.AsSpan(0, a.Count).ToArray()) - Median(pooled.AsSpan(a.Count).ToArray());
            if (Math.Abs(d) >= Math.Abs(observed))
            {
                atLeast++;
            }
        }
        return (observed, (atLeast + 1.0) / (permutations + 1.0));
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
