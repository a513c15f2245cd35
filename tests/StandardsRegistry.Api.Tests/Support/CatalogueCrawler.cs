using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Tests.Support;

public enum Route
{
    Standards,
    AttributeSearch,
    Standard,
    Versions,
    Latest,
    Edition,
    Relations,
    Current,
}

/// <summary>One request and its response, kept whole: status, headers, ETag and body bytes.</summary>
public sealed record Exchange(string Url, int Status, string? ContentType, string? ETag, string Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public JsonNode? Json => Body.Length == 0 ? null : JsonNode.Parse(Body);

    /// <summary>Same status, headers and body bytes.</summary>
    public bool SameAs(Exchange other) => Status == other.Status && Headers == other.Headers && Body.AsSpan().SequenceEqual(other.Body);

    public string Describe(int max = 400) => $"{Status} {ContentType} ETag={ETag ?? "none"} {Clip(Text, max)}";

    public static string Clip(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    public static async Task<Exchange> SendAsync(HttpClient client, string url, string? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }
        using var response = await client.SendAsync(request);
        return await OfAsync(url, response);
    }

    /// <summary>An answer as the byte-for-byte comparisons take it: its headers but those that differ per request (<see cref="ResponseHeaders"/>).</summary>
    public static async Task<Exchange> OfAsync(string url, HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsByteArrayAsync();
        var etag = response.Headers.TryGetValues("ETag", out var tags) ? string.Join(",", tags) : null;
        var headers = string.Join("\n", ResponseHeaders.Comparable(response)
            .OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
            .Select(h => $"{h.Key}: {string.Join(",", h.Value)}"));
        return new Exchange(url, (int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), etag, headers, body);
    }
}

/// <summary>
/// One request of a crawl and what the oracle says it must answer: <see cref="Expected"/> (a 200 with that JSON; for
/// pages, items and whether a cursor follows), or <see cref="AbsentLike"/> (exactly the answer for something that never
/// existed), or neither when the API answered a page the oracle does not have.
/// </summary>
public sealed record Probe(Route Route, string Label, Exchange Actual, JsonNode? Expected, string? AbsentLike, ModelStandard? Standard = null, int? Edition = null)
{
    public bool IsPage => Route is Route.Standards or Route.AttributeSearch or Route.Versions;

    /// <summary>What the caller is entitled to see here; equal fingerprints must give equal bytes.</summary>
    public string Fingerprint => Expected?.ToJsonString() ?? AbsentLike ?? "unexpected";
}

/// <summary>
/// An attribute search of <c>GET /v1/standards</c> (docs/design.md §1.9): its query, what it asks of an edition's
/// attributes, and the text term it is combined with, if any.
/// </summary>
public sealed record AttributeFilter(string Query, Func<JsonObject, bool> Holds, string? Term = null)
{
    public override string ToString() => Query;
}

/// <summary>What to ask besides every key and edition of the model.</summary>
public sealed record CrawlPlan(IReadOnlyList<string> SearchTerms, IReadOnlyList<string> MissingKeys, int ListLimit = 3, int VersionLimit = 2)
{
    /// <summary>Attribute searches (<see cref="AttributeFilters"/>), each paged through like the lists.</summary>
    public IReadOnlyList<AttributeFilter> Filters { get; init; } = [];

    public const string NeverStandard = "never:standard";
    public const string NeverVersions = "never:versions";
    public const string NeverLatest = "never:latest";
    public const string NeverEdition = "never:edition";
    public const string NeverRelations = "never:relations";
    public const string NeverCurrent = "never:current";

    /// <summary>
    /// Search terms: tokens of sampled version titles (many visible to some principals and hidden from others), standard
    /// title tokens, words shared by many titles ("edition 5" is mostly in hidden editions), a designation prefix, an
    /// upper-case term and LIKE wildcards that must match literally.
    /// </summary>
    public static CrawlPlan For(CatalogueModel model, int sampledVersions)
    {
        var random = new Random(model.Seed ^ 0x5EED);
        var versions = model.Versions.OrderBy(_ => random.Next()).Take(sampledVersions).Select(v => v.Token);
        var standards = model.Standards.OrderBy(_ => random.Next()).Take(6).Select(s => s.Token);
        var first = model.Versions.First().Token.ToUpperInvariant();
        string[] shared = ["edition 1", "EDITION 4", "Edition 5", "Cartridge", "link", "family", "stanag 1", "%", "_", "tk"];
        return new CrawlPlan([.. versions, .. standards, first, .. shared], ["stanag-0000", "never-existed"]) { Filters = AttributeFilters(model) };
    }

    /// <summary>
    /// Attribute searches over values the catalogue holds, per category with numeric attributes: the exact values of an
    /// edition marked NC or above or a draft (hidden from most consumers: most must find nothing), of a superseded
    /// edition (found only by callers who see no later edition in force) and of an edition up to NR with a release
    /// (visible to some consumers), ranges and band searches around them, two attributes at once, a range taking the
    /// whole category, and one with a text term. The oracle's predicate reads the values parsed from the very text sent.
    /// </summary>
    public static IReadOnlyList<AttributeFilter> AttributeFilters(CatalogueModel model)
    {
        var random = new Random(model.Seed ^ 0xA77);
        var filters = new List<AttributeFilter>();
        foreach (var category in new[] { Categories.Caliber, Categories.RadioBand, Categories.DataLink })
        {
            var versions = model.Versions.Where(v => v.Standard.Category == category).OrderBy(_ => random.Next()).ToList();
            var picked = new[]
            {
                versions.FirstOrDefault(v => v.Classification >= Classification.NC || v.Status == VersionStatus.Draft),
                versions.FirstOrDefault(v => v.Status == VersionStatus.Superseded),
                versions.FirstOrDefault(v => v.Classification <= Classification.NR && v.Releases.Count > 0),
            }.OfType<ModelVersion>().Distinct().ToList();
            foreach (var (version, i) in picked.Select((v, i) => (v, i)))
            {
                var a = version.Attributes;
                switch (category)
                {
                    case Categories.Caliber:
                        filters.Add(Equal("boreMm", a));
                        filters.Add(i == 0 ? Range(a, ("boreMm", 0.5), ("caseLengthMm", 10)) : Range(a, ("caseLengthMm", 3)));
                        break;
                    case Categories.RadioBand:
                        var (low, high) = (a["lowMHz"]!.GetValue<double>(), a["highMHz"]!.GetValue<double>());
                        filters.Add(Covers(Text(Math.Round((low + high) / 2, 1))));
                        filters.Add(i == 0 ? Equal("highMHz", a) : Overlaps(Text(Math.Round(high - 1, 1)), Text(Math.Round(high + 20, 1))));
                        break;
                    default:
                        filters.Add(Equal("dataRateKbps", a));
                        filters.Add(Range(a, ("dataRateKbps", 25)));
                        break;
                }
            }
        }
        // The whole category, paged; a band search with a range beside it and the category named; an attribute with a text term.
        filters.Add(Between("boreMm", "0", "100"));
        filters.Add(new AttributeFilter("category=radio-band&covers=300&lowMHz.min=100",
            a => Number(a, "lowMHz") <= 300 && Number(a, "highMHz") >= 300 && Number(a, "lowMHz") >= 100));
        filters.Add(Between("dataRateKbps", "0", "5000") with { Term = "edition 2" });
        return filters;

        static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

        static double Parse(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

        static double? Number(JsonObject attributes, string name) => attributes[name]?.GetValue<double>();

        static AttributeFilter Equal(string name, JsonObject attributes)
        {
            var text = attributes[name]!.ToJsonString();
            var value = Parse(text);
            return new AttributeFilter($"{name}={text}", a => Number(a, name) == value);
        }

        static AttributeFilter Between(string name, string min, string max)
        {
            var (lo, hi) = (Parse(min), Parse(max));
            return new AttributeFilter($"{name}.min={min}&{name}.max={max}", a => Number(a, name) >= lo && Number(a, name) <= hi);
        }

        static AttributeFilter Range(JsonObject attributes, params (string Name, double Width)[] ranges)
        {
            var parts = ranges.Select(r =>
            {
                var value = attributes[r.Name]!.GetValue<double>();
                return Between(r.Name, Text(Math.Round(value - r.Width, 2)), Text(Math.Round(value + r.Width, 2)));
            }).ToList();
            return new AttributeFilter(string.Join("&", parts.Select(p => p.Query)), a => parts.All(p => p.Holds(a)));
        }

        static AttributeFilter Covers(string f)
        {
            var value = Parse(f);
            return new AttributeFilter($"covers={f}", a => Number(a, "lowMHz") <= value && Number(a, "highMHz") >= value);
        }

        static AttributeFilter Overlaps(string low, string high)
        {
            var (lo, hi) = (Parse(low), Parse(high));
            return new AttributeFilter($"overlaps={low},{high}", a => Number(a, "lowMHz") <= hi && Number(a, "highMHz") >= lo);
        }
    }
}

/// <summary>Every consumer route as one principal sees it, with the oracle's expectation beside each answer.</summary>
public sealed class Crawl(TestPrincipal principal, ExpectedView view)
{
    public TestPrincipal Principal => principal;

    public ExpectedView View => view;

    public int Seed => view.Model.Seed;

    public List<Probe> Probes { get; } = [];

    /// <summary>Answers for a key that never existed, by label (<see cref="CrawlPlan.NeverStandard"/>, ...).</summary>
    public Dictionary<string, Exchange> References { get; } = new(StringComparer.Ordinal);

    /// <summary>Paging that did not end where the oracle says it should.</summary>
    public List<string> PagingFailures { get; } = [];

    public int Requests { get; set; }

    public string Describe(Probe probe, string problem) => $"[seed {Seed}] {principal.Name}: GET {probe.Actual.Url}: {problem}";

    public IEnumerable<Exchange> Exchanges => Probes.Select(p => p.Actual).Concat(References.Values);
}

public static class Crawler
{
    public static async Task<IReadOnlyList<Crawl>> CrawlAllAsync(RegistryApp app, CatalogueModel model, IReadOnlyList<TestPrincipal> principals, CrawlPlan plan) =>
        await Task.WhenAll(principals.Select(p => CrawlAsync(app, model, p, plan)));

    public static async Task<Crawl> CrawlAsync(RegistryApp app, CatalogueModel model, TestPrincipal principal, CrawlPlan plan)
    {
        var view = ReleaseOracle.ViewOf(model, principal.Scope, app.Clock.GetUtcNow());
        var crawl = new Crawl(principal, view);
        using var client = principal.Client(app);
        var scheme = view.Scope.Scheme;

        var never = plan.MissingKeys[0];
        crawl.References[CrawlPlan.NeverStandard] = await SendAsync($"/v1/standards/{never}");
        crawl.References[CrawlPlan.NeverVersions] = await SendAsync($"/v1/standards/{never}/versions?limit={plan.VersionLimit}");
        crawl.References[CrawlPlan.NeverLatest] = await SendAsync($"/v1/standards/{never}/versions/latest");
        crawl.References[CrawlPlan.NeverEdition] = await SendAsync($"/v1/standards/{never}/versions/1");
        crawl.References[CrawlPlan.NeverRelations] = await SendAsync($"/v1/standards/{never}/relations");
        crawl.References[CrawlPlan.NeverCurrent] = await SendAsync($"/v1/standards/{never}/current");

        // Lists: everything, per category, per search term, per attribute filter; all pages.
        await PagesAsync(Route.Standards, "standards", "/v1/standards", view.Standards.Select(ExpectedJson.Standard), plan.ListLimit, null);
        foreach (var category in Categories.All)
        {
            await PagesAsync(Route.Standards, $"standards category={category}", $"/v1/standards?category={category}",
                view.Standards.Where(s => s.Standard.Category == category).Select(ExpectedJson.Standard), plan.ListLimit, null);
        }
        foreach (var term in plan.SearchTerms)
        {
            await PagesAsync(Route.Standards, $"standards q={term}", $"/v1/standards?q={Uri.EscapeDataString(term)}",
                view.Search(term).Select(ExpectedJson.Standard), plan.ListLimit, null);
        }

        foreach (var filter in plan.Filters)
        {
            var query = filter.Term is null ? filter.Query : $"{filter.Query}&q={Uri.EscapeDataString(filter.Term)}";
            await PagesAsync(Route.AttributeSearch, $"attributes {query}", $"/v1/standards?{query}",
                view.AttributeSearch(filter).Select(ExpectedJson.Standard), plan.ListLimit, null);
        }

        // Per standard, for every key that exists (and some that never did): the standard, its versions (all pages),
        // latest, its relations and current document, and every edition that exists plus some that do not.
        var keys = model.Standards.Select(s => (s.Key, (ModelStandard?)s)).Concat(plan.MissingKeys.Skip(1).Select(k => (k, (ModelStandard?)null)));
        foreach (var (key, standard) in keys)
        {
            var expected = view.Find(key);
            var exchange = await SendAsync($"/v1/standards/{key}");
            Add(Route.Standard, $"standard {key}", exchange, expected is null ? null : ExpectedJson.Standard(expected), CrawlPlan.NeverStandard, standard);

            if (expected is null)
            {
                Add(Route.Versions, $"versions {key}#0", await SendAsync($"/v1/standards/{key}/versions?limit={plan.VersionLimit}"), null, CrawlPlan.NeverVersions, standard);
            }
            else
            {
                await PagesAsync(Route.Versions, $"versions {key}", $"/v1/standards/{key}/versions",
                    expected.Versions.Select(v => ExpectedJson.Summary(v, scheme)), plan.VersionLimit, standard);
            }

            var latest = expected?.Latest;
            Add(Route.Latest, $"latest {key}", await SendAsync($"/v1/standards/{key}/versions/latest"),
                latest is null ? null : ExpectedJson.Full(latest, scheme), CrawlPlan.NeverLatest, standard);

            // Its relations and its current applicable document.
            Add(Route.Relations, $"relations {key}", await SendAsync($"/v1/standards/{key}/relations"),
                expected is null ? null : ExpectedJson.Relations(view, expected.Standard), CrawlPlan.NeverRelations, standard);
            Add(Route.Current, $"current {key}", await SendAsync($"/v1/standards/{key}/current"),
                expected is null ? null : ExpectedJson.Current(view, expected.Standard), CrawlPlan.NeverCurrent, standard);

            // Every edition that exists, the one after the last, and one far beyond.
            var editions = Enumerable.Range(1, (standard?.Versions.Count ?? 0) + 1).Append(99);
            foreach (var edition in editions)
            {
                var shown = expected?.Versions.FirstOrDefault(v => v.Version.Edition == edition);
                Add(Route.Edition, $"edition {key}/{edition}", await SendAsync($"/v1/standards/{key}/versions/{edition}"),
                    shown is null ? null : ExpectedJson.Full(shown, scheme), CrawlPlan.NeverEdition, standard, edition);
            }
        }
        return crawl;

        async Task<Exchange> SendAsync(string url)
        {
            crawl.Requests++;
            return await Exchange.SendAsync(client, url);
        }

        void Add(Route route, string label, Exchange actual, JsonNode? expected, string absentLike, ModelStandard? standard, int? edition = null) =>
            crawl.Probes.Add(new Probe(route, label, actual, expected, expected is null ? absentLike : null, standard, edition));

        // Follows nextCursor to the end, each page beside the oracle's page; stops at a page the oracle does not have.
        async Task PagesAsync(Route route, string label, string url, IEnumerable<JsonNode> items, int limit, ModelStandard? standard)
        {
            var expectedPages = items.Chunk(limit).ToList();
            if (expectedPages.Count == 0)
            {
                expectedPages.Add([]);
            }
            string? cursor = null;
            var separator = url.Contains('?', StringComparison.Ordinal) ? '&' : '?';
            for (var page = 0; ; page++)
            {
                var exchange = await SendAsync($"{url}{separator}limit={limit}{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}");
                var expected = page < expectedPages.Count ? ExpectedJson.Page(expectedPages[page], page < expectedPages.Count - 1) : null;
                crawl.Probes.Add(new Probe(route, $"{label}#{page}", exchange, expected, null, standard));
                if (expected is null || exchange.Status != 200)
                {
                    if (expected is null)
                    {
                        crawl.PagingFailures.Add($"[seed {crawl.Seed}] {principal.Name}: GET {exchange.Url}: page {page + 1} exists but the oracle has {expectedPages.Count} page(s): {exchange.Describe()}");
                    }
                    return;
                }
                cursor = exchange.Json?["nextCursor"]?.GetValue<string>();
                if (cursor is null)
                {
                    if (page < expectedPages.Count - 1)
                    {
                        crawl.PagingFailures.Add($"[seed {crawl.Seed}] {principal.Name}: GET {exchange.Url}: no nextCursor after page {page + 1} of {expectedPages.Count} the oracle has");
                    }
                    return;
                }
            }
        }
    }
}
