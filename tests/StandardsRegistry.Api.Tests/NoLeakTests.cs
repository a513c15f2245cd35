using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Domain;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

// The no-leak invariant (docs/design.md §2) over generated catalogues: for every principal and every consumer route, the
// API answers exactly what the domain's ReleaseRule allows over the test's model of the catalogue, and anything the
// rule hides is indistinguishable from something that never existed. Each seed builds one catalogue through the API
// and crawls it once as every principal (IAsyncLifetime fixture); the facts then judge the recorded answers.

/// <summary>A generated catalogue on its own registry (of the given database provider), crawled as every principal.</summary>
public abstract class GeneratedCatalogue(int seed, TestProvider provider) : IAsyncLifetime
{
    private RegistryApp? _app;

    public int Seed => seed;

    public TestProvider Provider => provider;

    /// <summary>Why the provider cannot run here (the suite's facts are then skipped), or null.</summary>
    public string? Unavailable { get; } = provider.UnavailableReason;

    public RegistryApp App => _app ?? throw new InvalidOperationException(Unavailable);

    public CatalogueModel Model { get; private set; } = null!;

    public CrawlPlan Plan { get; private set; } = null!;

    public IReadOnlyList<Crawl> Crawls { get; private set; } = [];

    public TimeSpan GenerationTime { get; private set; }

    public TimeSpan CrawlTime { get; private set; }

    public async ValueTask InitializeAsync()
    {
        if (Unavailable is not null)
        {
            return;
        }
        _app = new RegistryApp(provider: provider).Start();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Model = await new CatalogueGenerator(App, seed).GenerateAsync(28, 36);
        GenerationTime = clock.Elapsed;
        Plan = CrawlPlan.For(Model, sampledVersions: 30);
        clock.Restart();
        Crawls = await Crawler.CrawlAllAsync(App, Model, TestPrincipal.All, Plan);
        CrawlTime = clock.Elapsed;
    }

    public ValueTask DisposeAsync() => _app?.DisposeAsync() ?? ValueTask.CompletedTask;

    public Crawl CrawlOf(TestPrincipal principal) => Crawls.Single(c => c.Principal == principal);
}

[Slow]
public abstract class NoLeakTests<TCatalogue>(TCatalogue catalogue, ITestOutputHelper output) : IClassFixture<TCatalogue>
    where TCatalogue : GeneratedCatalogue
{
    private readonly TCatalogue _catalogue = Available(catalogue);

    private IReadOnlyList<Crawl> Crawls => _catalogue.Crawls;

    private static TCatalogue Available(TCatalogue catalogue)
    {
        Assert.SkipWhen(catalogue.Unavailable is not null, catalogue.Unavailable ?? "");
        return catalogue;
    }

    [Fact]
    public void TheGeneratedCatalogueCoversEveryCaseTheInvariantIsAbout()
    {
        var model = catalogue.Model;
        var now = catalogue.App.Clock.GetUtcNow();
        var versions = model.Versions.ToList();
        var releases = versions.SelectMany(v => v.Releases).ToList();
        var consumers = Crawls.Where(c => !c.View.Scope.IncludeDrafts).ToList();
        var filters = catalogue.Plan.Filters.Where(f => f.Term is null).ToList();
        var searches = consumers.SelectMany(c => filters.Select(f => (c.View, Filter: f, Found: c.View.AttributeSearch(f).Select(s => s.Standard).ToHashSet()))).ToList();
        var relations = model.Relations;
        var marks = model.Marks;
        var industryHidesEuReleased = Crawls.Where(c => c.Principal.Principal.Community == "INDUSTRY")
            .Sum(c => c.View.Standards.Count(s => s.Standard.Versions.Any(v => !c.View.Sees(v) && v.Releases.Any(r => r.Audience == "EU"))));
        (string Case, int Count)[] coverage =
        [
            .. Enum.GetValues<Classification>().Select(c => ($"editions marked {c}", versions.Count(v => v.Classification == c))),
            .. Enum.GetValues<VersionStatus>().Select(s => ($"editions {EnumText.Of(s)}", versions.Count(v => v.Status == s))),
            .. Categories.All.Select(c => ($"standards in {c}", model.Standards.Count(s => s.Category == c))),
            ("standards with no versions", model.Standards.Count(s => s.Versions.Count == 0)),
            ("releases to EU", releases.Count(r => r.Audience == "EU")),
            ("releases to PUBLIC", releases.Count(r => r.Audience == "PUBLIC")),
            ("releases to INDUSTRY", releases.Count(r => r.Audience == "INDUSTRY")),
            ("releases to INDUSTRY revoked or not yet in effect", releases.Count(r => r.Audience == "INDUSTRY" && (r.RevokedAt is not null || r.EffectiveFrom > now))),
            ("releases revoked", releases.Count(r => r.RevokedAt is not null)),
            ("releases still in the future", releases.Count(r => r.RevokedAt is null && r.EffectiveFrom > now)),
            ("future-dated releases now in effect", releases.Count(r => r.RevokedAt is null && r.EffectiveFrom > r.ReleasedAt && r.EffectiveFrom <= now)),
            ("withdrawn editions with an unrevoked release", versions.Count(v => v.Status == VersionStatus.Withdrawn && v.Releases.Any(r => r.RevokedAt is null))),
            ("releases above NU refused to PUBLIC", model.RefusedPublicReleases),
            ("releases above NR refused to INDUSTRY", model.RefusedIndustryReleases),
            ("INDUSTRY views of a standard with an edition released to the EU but hidden from INDUSTRY", industryHidesEuReleased),
            ("releases of drafts refused", model.RefusedUnreleasableReleases),
            ("consumer views with a visible standard that has hidden editions", consumers.Sum(c => c.View.Standards.Count(s => s.Versions.Count < s.Standard.Versions.Count))),
            ("consumer views with a standard that has no visible edition", consumers.Sum(c => c.View.HiddenStandards.Count())),
            ("superseded editions shown as current (every successor hidden)", Crawls.Sum(c => c.View.Standards.Sum(s => s.Versions.Count(v => v.Version.Status == VersionStatus.Superseded && v.Displayed == VersionStatus.Published)))),
            ("supersededBy skipping a hidden successor", Crawls.Sum(c => c.View.Standards.Sum(s => s.Versions.Count(v => v.SupersededBy is { } next && next != NextPublished(v.Version))))),
            ("visible standards whose latest edition is hidden", consumers.Sum(c => c.View.Standards.Count(s => s.Latest?.Version.Edition != LatestInForce(s.Standard)))),
            ("search terms matching only hidden titles of a standard", Crawls.Sum(c => HiddenOnlyMatches(c).Count())),
            ("edges both of whose ends a caller sees", Crawls.Sum(c => relations.Count(r => c.View.Sees(r.From) && c.View.Sees(r.To)))),
            ("edges hidden from a caller who sees one end", Crawls.Sum(c => relations.Count(r => c.View.Sees(r.From) != c.View.Sees(r.To)))),
            ("edges hidden from a consumer by a release revoked or not yet in effect", consumers.Sum(c => relations.Count(r =>
                (c.View.Sees(r.From) && !c.View.Sees(r.To) && SeenButForTime(c, r.To)) || (c.View.Sees(r.To) && !c.View.Sees(r.From) && SeenButForTime(c, r.From))))),
            ("edges removed (and equivalents)", model.RemovedRelations),
            ("standards superseded by two or more", model.Standards.Count(s => relations.Count(r => r.Kind == "supersedes" && r.To == s) >= 2)),
            ("chains of three or more standards a caller follows", Crawls.Sum(c => c.View.Standards.Count(s => c.View.Chain(s.Standard).Count >= 3))),
            ("chains a caller's view ends before a hidden successor", Crawls.Sum(c => c.View.Standards.Count(s =>
                relations.Any(r => r.Kind == "supersedes" && r.To == c.View.Chain(s.Standard)[^1] && !c.View.Sees(r.From))))),
            ("chains closing in a cycle", Crawls.Sum(c => c.View.Standards.Count(s =>
                c.View.Chain(s.Standard) is var chain && relations.Any(r => r.Kind == "supersedes" && r.To == chain[^1] && c.View.Sees(r.From) && chain.Contains(r.From))))),
            ("civil equivalents", model.Equivalents.Count),
            ("preferred marks a caller sees kept from before a later mark on a standard hidden from it", Crawls.Sum(c => c.View.Standards.Count(s =>
                c.View.Preferred(s.Standard) is { } mark && marks.Skip(marks.IndexOf(mark) + 1).Any(m => m.Standard.Category == s.Standard.Category && !c.View.Sees(m.Standard))))),
            ("categories whose latest row a caller sees is an unmark", Crawls.Sum(c => Categories.All.Count(category =>
                marks.LastOrDefault(m => m.Standard.Category == category && c.View.Sees(m.Standard)) is { IsMark: false }))),
            ("attribute searches finding standards for a consumer", searches.Count(x => x.Found.Count > 0)),
            ("attribute searches matching only editions hidden from a consumer", searches.Count(x => x.Found.Count == 0 && x.View.HiddenVersions.Any(v => x.Filter.Holds(v.Attributes)))),
            ("standards an attribute search misses for a consumer though their hidden latest edition in force matches", searches.Sum(x => x.View.Standards.Count(s =>
                !x.Found.Contains(s.Standard) && s.Standard.Versions.Any(v => !x.View.Sees(v) && v.Status is VersionStatus.Published or VersionStatus.Superseded && v.Edition > (s.Latest?.Version.Edition ?? 0) && x.Filter.Holds(v.Attributes))))),
            ("standards an attribute search finds for a consumer by an edition older than a hidden one in force", searches.Sum(x => x.Found.Count(s =>
                s.Versions.Any(v => !x.View.Sees(v) && v.Status is VersionStatus.Published or VersionStatus.Superseded && v.Edition > x.View.Find(s.Key)!.Latest!.Version.Edition)))),
            ("standards an attribute search misses for a consumer though an older visible edition matches", searches.Sum(x => x.View.Standards.Count(s =>
                !x.Found.Contains(s.Standard) && s.Versions.Any(v => v != s.Latest && x.Filter.Holds(v.Version.Attributes))))),
        ];

        output.WriteLine($"seed {catalogue.Seed} on {catalogue.Provider}: {model.Standards.Count} standards, {versions.Count} versions, {releases.Count} release records, {model.WriteRequests} write requests");
        output.WriteLine($"generated in {catalogue.GenerationTime.TotalSeconds:F1}s; crawled {Crawls.Count} principals x 8 routes, {Crawls.Sum(c => c.Requests)} requests in {catalogue.CrawlTime.TotalSeconds:F1}s");
        foreach (var (name, count) in coverage)
        {
            output.WriteLine($"  {count,5} {name}");
        }
        var missing = coverage.Where(c => c.Count == 0).Select(c => c.Case).ToList();
        Assert.True(missing.Count == 0, $"[seed {catalogue.Seed}] the generated catalogue lacks: {string.Join("; ", missing)}");
        Assert.All(consumers.Where(c => c.View.Scope.MaxLevel < Classification.CTS || !c.View.Scope.Originator), c =>
            Assert.True(HiddenOnlyMatches(c).Any(), $"[seed {catalogue.Seed}] no search term matches only hidden titles for {c.Principal}"));
    }

    [Fact]
    public void ListsShowExactlyTheVisibleStandardsInKeyOrderPageByPage() =>
        AssertNone(Crawls.SelectMany(c => c.PagingFailures.Concat(
            c.Probes.Where(p => p.Route == Route.Standards && !p.Label.Contains("q=", StringComparison.Ordinal) && p.AbsentLike is null)
                .SelectMany(p => NoLeakChecks.Answer(c, p)))));

    [Fact]
    public void TextSearchMatchesDesignationsStandardTitlesAndVisibleVersionTitlesOnly() =>
        AssertNone(Crawls.SelectMany(c =>
            c.Probes.Where(p => p.Route == Route.Standards && p.Label.Contains("q=", StringComparison.Ordinal)).SelectMany(p => NoLeakChecks.Answer(c, p))));

    [Fact]
    public void ATermOnlyInAHiddenTitleFindsNothingOfThatStandard()
    {
        var failures = new List<string>();
        foreach (var crawl in Crawls)
        {
            foreach (var (term, standard) in HiddenOnlyMatches(crawl))
            {
                var keys = crawl.Probes
                    .Where(p => p.Route == Route.Standards && p.Label.StartsWith($"standards q={term}#", StringComparison.Ordinal) && p.Actual.Status == 200)
                    .SelectMany(p => p.Actual.Json!["items"]!.AsArray().Select(i => i!["key"]!.GetValue<string>()));
                if (keys.Contains(standard.Key))
                {
                    failures.Add($"[seed {crawl.Seed}] {crawl.Principal}: q={term} found {standard.Key}, although the term is only in the title of an edition hidden from this caller");
                }
            }
        }
        AssertNone(failures);
    }

    [Fact]
    public void AttributeSearchFindsExactlyTheStandardsWhoseLatestVisibleEditionInForceMatches() => AssertRoute(Route.AttributeSearch);

    [Fact]
    public void RelationsShowTheEdgesWhoseEndsTheCallerSeesAndTheLatestMarkItSees() => AssertRoute(Route.Relations);

    [Fact]
    public void TheCurrentDocumentFollowsOnlySuccessorsTheCallerSees() => AssertRoute(Route.Current);

    [Fact]
    public void EachStandardShowsTheVersionCountAndLatestEditionOfItsVisibleVersionsOnly() => AssertRoute(Route.Standard);

    [Fact]
    public void VersionListsPageThroughExactlyTheVisibleEditionsInEditionOrder() => AssertRoute(Route.Versions);

    [Fact]
    public void LatestIsTheHighestVisibleEditionThatIsPublishedOrSuperseded() => AssertRoute(Route.Latest);

    [Fact]
    public void EveryEditionAnswersExactlyTheVisibleVersionAndNothingElse() => AssertRoute(Route.Edition);

    [Fact]
    public void AVisibleEditionWhoseLaterEditionsAreAllHiddenIsShownAsCurrent()
    {
        var cases = 0;
        var failures = new List<string>();
        foreach (var crawl in Crawls)
        {
            foreach (var probe in crawl.Probes.Where(p => p.Route is Route.Edition or Route.Latest && p.Expected is not null))
            {
                var shown = crawl.View.Find(probe.Standard!.Key)!.Versions.Single(v => v.Version.Edition == probe.Expected!["edition"]!.GetValue<int>());
                if (shown.Version.Status != VersionStatus.Superseded || shown.Displayed != VersionStatus.Published)
                {
                    continue;
                }
                cases++;
                var json = probe.Actual.Json as JsonObject;
                if (json?["status"]?.GetValue<string>() != "published" || json.ContainsKey("supersededBy"))
                {
                    failures.Add(crawl.Describe(probe, $"{shown.Version} has no later edition this caller may see, so it must read as published without supersededBy: {probe.Actual.Describe()}"));
                }
            }
        }
        Assert.True(cases > 0, $"[seed {catalogue.Seed}] no visible superseded edition with only hidden successors was generated");
        AssertNone(failures);
    }

    [Fact]
    public void ASupersededEditionNamesTheNextVisiblePublishedEditionAsItsSuccessor()
    {
        var failures = new List<string>();
        foreach (var crawl in Crawls)
        {
            foreach (var probe in crawl.Probes.Where(p => p.Route is Route.Edition or Route.Latest && p.Expected?["supersededBy"] is not null))
            {
                var json = probe.Actual.Json as JsonObject;
                var expected = probe.Expected!["supersededBy"]!.GetValue<int>();
                if (json?["status"]?.GetValue<string>() != "superseded" || json["supersededBy"]?.GetValue<int>() != expected)
                {
                    failures.Add(crawl.Describe(probe, $"must read superseded by edition {expected} (the next published edition this caller sees): {probe.Actual.Describe()}"));
                }
            }
        }
        AssertNone(failures);
    }

    [Fact]
    public void HiddenStandardsAndEditionsAnswerByteForByteLikeOnesThatNeverExisted() =>
        AssertNone(Crawls.SelectMany(c => NoLeakChecks.References(c).Concat(c.Probes.Where(p => p.AbsentLike is not null).SelectMany(p => NoLeakChecks.Answer(c, p)))));

    [Fact]
    public void NoResponseCarriesTheTitleOrTextOfAHiddenVersionOrStandard() =>
        AssertNone(Crawls.SelectMany(NoLeakChecks.HiddenTokens));

    [Fact]
    public void NoResponseAboutAStandardCarriesAMarkingOrStatusOnlyItsHiddenEditionsHave() =>
        AssertNone(Crawls.SelectMany(NoLeakChecks.TellTales));

    [Fact]
    public void TheSqlRuleAndTheDomainRuleAgreeOnEveryStandardAndVersion() =>
        AssertNone(Crawls.SelectMany(NoLeakChecks.RuleEquivalence));

    [Fact]
    public void EuConsumerNeverSeesAnEditionThatIsNotReleasedToTheEuAndInEffect() =>
        AssertNone(Crawls.Where(c => c.Principal.Principal.Community == "EU").SelectMany(c => NoLeakChecks.Returned(c)
            .Where(v => !(v.Status is VersionStatus.Published or VersionStatus.Superseded
                && v.Classification <= c.Principal.Principal.Clearance
                && v.Releases.Any(r => r.Audience == "EU" && r.RevokedAt is null && r.EffectiveFrom <= c.View.Now)))
            .Select(v => $"[seed {c.Seed}] {c.Principal} was shown {v}")));

    [Fact]
    public void PublicCallersSeeOnlyNatoUnclassifiedEditionsReleasedToThePublicAndInEffect() =>
        AssertNone(Crawls.Where(c => c.Principal.Principal.Community == "PUBLIC").SelectMany(c => NoLeakChecks.Returned(c)
            .Where(v => !(v.Status is VersionStatus.Published or VersionStatus.Superseded
                && v.Classification == Classification.NU
                && v.Releases.Any(r => r.Audience == "PUBLIC" && r.RevokedAt is null && r.EffectiveFrom <= c.View.Now)))
            .Select(v => $"[seed {c.Seed}] {c.Principal} was shown {v}")));

    [Fact]
    public void IndustryReadersSeeOnlyEditionsUpToNatoRestrictedReleasedToIndustryAndInEffect() =>
        AssertNone(Crawls.Where(c => c.Principal.Principal.Community == "INDUSTRY").SelectMany(c => NoLeakChecks.Returned(c)
            .Where(v => !(v.Status is VersionStatus.Published or VersionStatus.Superseded
                && v.Classification <= c.Principal.Principal.Clearance && v.Classification <= Classification.NR
                && v.Releases.Any(r => r.Audience == "INDUSTRY" && r.RevokedAt is null && r.EffectiveFrom <= c.View.Now)))
            .Select(v => $"[seed {c.Seed}] {c.Principal} was shown {v}")));

    [Fact]
    public void NatoReadersNeverSeeDraftsOrEditionsAboveTheirClearance() =>
        AssertNone(Crawls.Where(c => c.Principal.Principal.IsNato).SelectMany(c => NoLeakChecks.Returned(c)
            .Where(v => v.Classification > c.Principal.Principal.Clearance || (v.Status == VersionStatus.Draft && !c.Principal.Principal.HasRole(Roles.Editor)))
            .Select(v => $"[seed {c.Seed}] {c.Principal} was shown {v}")));

    [Fact]
    public void AnEuClearanceWrittenInTheEuSchemeSeesByteForByteWhatItsAbbreviationSees()
    {
        AssertNone(NoLeakChecks.SameAnswers(catalogue.CrawlOf(TestPrincipal.Named("EU consumer NS")), catalogue.CrawlOf(TestPrincipal.EuNsInEuScheme), compareHeaders: true));
        AssertNone(NoLeakChecks.SameAnswers(catalogue.CrawlOf(TestPrincipal.Named("EU consumer CTS")), catalogue.CrawlOf(TestPrincipal.EuCtsInEuScheme), compareHeaders: true));
    }

    [Fact]
    public void AnIndustryReaderClearedAboveTheAudiencesCeilingSeesByteForByteWhatTheCeilingSees() =>
        AssertNone(NoLeakChecks.SameAnswers(catalogue.CrawlOf(TestPrincipal.Named("INDUSTRY reader NR")), catalogue.CrawlOf(TestPrincipal.Named("INDUSTRY reader CTS")), compareHeaders: true));

    [Fact]
    public void AnAnonymousCallerAndAPublicTokenGetTheSameBodiesAndETags() =>
        AssertNone(NoLeakChecks.SameAnswers(catalogue.CrawlOf(TestPrincipal.Anonymous), catalogue.CrawlOf(TestPrincipal.Named("PUBLIC token")), compareHeaders: false));

    [Fact]
    public async Task EveryVisibleAnswerRevalidatesWithItsETagAndNoHiddenOneDoesWhateverTagIsSent()
    {
        var editor = catalogue.CrawlOf(TestPrincipal.NatoEditor).Probes.ToDictionary(p => p.Label, StringComparer.Ordinal);
        var failures = await Task.WhenAll(Crawls.Select(async crawl =>
        {
            using var client = crawl.Principal.Client(catalogue.App);
            var found = new List<string>();
            foreach (var probe in crawl.Probes.Where(p => p.Route != Route.Standards || p.Label.StartsWith("standards#", StringComparison.Ordinal)))
            {
                if (probe.Expected is not null && probe.Actual is { Status: 200, ETag: { } etag })
                {
                    var again = await Exchange.SendAsync(client, probe.Actual.Url, etag);
                    if (again.Status != 304 || again.Body.Length != 0 || again.ETag != etag)
                    {
                        found.Add(crawl.Describe(probe, $"If-None-Match {etag} must answer 304 with the same ETag and no body: {again.Describe()}"));
                    }
                }
                else if (probe.AbsentLike is { } reference)
                {
                    // A hidden thing must not confirm its existence to a caller who guesses a tag: '*', or the tag a NATO editor got.
                    var tags = editor.TryGetValue(probe.Label, out var seen) && seen.Actual.ETag is { } editorTag ? new[] { "*", editorTag } : ["*"];
                    foreach (var guess in tags)
                    {
                        var again = await Exchange.SendAsync(client, probe.Actual.Url, guess);
                        if (!again.SameAs(crawl.References[reference]))
                        {
                            found.Add(crawl.Describe(probe, $"with If-None-Match {guess} a hidden thing must still answer exactly like one that never existed: {again.Describe()}"));
                        }
                    }
                }
            }
            return found;
        }));
        AssertNone(failures.SelectMany(f => f));
    }

    private void AssertRoute(Route route) =>
        AssertNone(Crawls.SelectMany(c => c.Probes.Where(p => p.Route == route && p.AbsentLike is null).SelectMany(p => NoLeakChecks.Answer(c, p))
            .Concat(route == Route.Versions ? c.PagingFailures.Where(f => f.Contains("/versions", StringComparison.Ordinal)) : [])
            .Concat(route == Route.AttributeSearch ? c.PagingFailures.Where(f => catalogue.Plan.Filters.Any(a => f.Contains($"?{a.Query}", StringComparison.Ordinal))) : [])));

    private void AssertNone(IEnumerable<string> failures) => NoLeakChecks.AssertNone(failures, catalogue.Seed);

    /// <summary>Search terms of the crawl that are in the title of an edition hidden from the caller and match its standard no other way.</summary>
    private IEnumerable<(string Term, ModelStandard Standard)> HiddenOnlyMatches(Crawl crawl) =>
        from term in catalogue.Plan.SearchTerms
        from version in crawl.View.HiddenVersions
        where version.Title.Contains(term, StringComparison.OrdinalIgnoreCase)
        where crawl.View.Search(term).All(s => s.Standard != version.Standard)
        select (term, version.Standard);

    /// <summary>Whether the consumer would see the standard if every release to it were in effect now and none revoked.</summary>
    private static bool SeenButForTime(Crawl crawl, ModelStandard standard) =>
        standard.Versions.Any(v => ReleaseRule.CanSee(crawl.View.Scope, new VersionFacts(v.Classification, v.Status),
            v.Releases.Select(r => new ReleaseFacts(r.Audience, DateTimeOffset.MinValue, null)), crawl.View.Now));

    private static int? NextPublished(ModelVersion version) =>
        version.Standard.Versions.FirstOrDefault(n => n.Edition > version.Edition && n.PublishedAt is not null)?.Edition;

    private static int? LatestInForce(ModelStandard standard) =>
        standard.Versions.LastOrDefault(v => v.Status is VersionStatus.Published or VersionStatus.Superseded)?.Edition;
}

/// <summary>
/// An unchanged view must give unchanged bytes: a scenario over one generated catalogue that publishes a hidden NS
/// edition of a standard EU consumers see, releases it to the EU from a future time, lets the time pass, and revokes
/// the release, crawling every principal after each step and revalidating every answer with the ETag of the step before.
/// </summary>
public sealed class ETagScenario : IAsyncLifetime
{
    public const int Seed = 4242;

    public sealed record Step(string Name, IReadOnlyList<Crawl> Crawls, IReadOnlyDictionary<(TestPrincipal, string), Exchange> RevalidatedWithPreviousTag);

    public RegistryApp App { get; } = new();

    public CatalogueModel Model { get; private set; } = null!;

    /// <summary>The standard the scenario changes, and the NS edition it publishes.</summary>
    public ModelStandard Standard { get; private set; } = null!;

    public ModelVersion Edition { get; private set; } = null!;

    /// <summary>The edition EU consumers saw as current before: stored superseded once <see cref="Edition"/> is published.</summary>
    public ModelVersion EuCurrent { get; private set; } = null!;

    public List<Step> Steps { get; } = [];

    private CrawlPlan _plan = null!;

    public async ValueTask InitializeAsync()
    {
        App.Start();
        var generator = new CatalogueGenerator(App, Seed);
        Model = await generator.GenerateAsync(6, 9);
        _plan = CrawlPlan.For(Model, sampledVersions: 6);

        // A standard whose current edition EU consumers from NR up see (stored published, released to the EU).
        var euNr = ReleaseOracle.ViewOf(Model, TestPrincipal.Named("EU consumer NR").Scope, App.Clock.GetUtcNow());
        var candidate = euNr.Standards.FirstOrDefault(s => s.Latest?.Version.Status == VersionStatus.Published);
        if (candidate is null)
        {
            var standard = await generator.CreateStandardAsync(Categories.RadioBand);
            var first = await generator.CreateDraftAsync(standard, Classification.NR);
            await generator.PublishAsync(first);
            await generator.ReleaseAsync(first, "EU", null);
            candidate = ReleaseOracle.ViewOf(Model, TestPrincipal.Named("EU consumer NR").Scope, App.Clock.GetUtcNow()).Find(standard.Key)!;
        }
        Standard = candidate.Standard;
        EuCurrent = candidate.Latest!.Version;

        await RecordAsync("baseline");
        Edition = await generator.CreateDraftAsync(Standard, Classification.NS);
        await generator.PublishAsync(Edition);
        await RecordAsync("a new NS edition published, not released");
        await generator.ReleaseAsync(Edition, "EU", App.Clock.GetUtcNow().AddMinutes(10));
        await RecordAsync("released to EU from ten minutes on");
        generator.Advance(TimeSpan.FromMinutes(12));
        await RecordAsync("the release in effect");
        await generator.RevokeAsync(Edition, "EU");
        await RecordAsync("the release revoked");
    }

    public ValueTask DisposeAsync() => App.DisposeAsync();

    public Step this[int index] => Steps[index];

    private async Task RecordAsync(string name)
    {
        var crawls = await Crawler.CrawlAllAsync(App, Model, TestPrincipal.All, _plan);
        var revalidated = new Dictionary<(TestPrincipal, string), Exchange>();
        if (Steps.Count > 0)
        {
            var previous = Steps[^1].Crawls;
            var results = await Task.WhenAll(crawls.Select(async crawl =>
            {
                var before = previous.Single(c => c.Principal == crawl.Principal).Probes.ToDictionary(p => p.Label, StringComparer.Ordinal);
                using var client = crawl.Principal.Client(App);
                var answers = new List<((TestPrincipal, string), Exchange)>();
                foreach (var probe in crawl.Probes)
                {
                    if (before.TryGetValue(probe.Label, out var old) && old.Actual.ETag is { } tag)
                    {
                        answers.Add(((crawl.Principal, probe.Label), await Exchange.SendAsync(client, probe.Actual.Url, tag)));
                    }
                }
                return answers;
            }));
            foreach (var (key, exchange) in results.SelectMany(r => r))
            {
                revalidated[key] = exchange;
            }
        }
        Steps.Add(new Step(name, crawls, revalidated));
    }
}

public sealed class NoLeakETagTests(ETagScenario scenario) : IClassFixture<ETagScenario>
{
    private static readonly string[] EuClearedForNs = ["EU consumer NS", "EU consumer CTS", TestPrincipal.EuNsInEuScheme.Name, TestPrincipal.EuCtsInEuScheme.Name];

    [Fact]
    public void EveryStepAnswersExactlyWhatTheOracleAllowsAndLeaksNothing()
    {
        Assert.Equal(VersionStatus.Superseded, scenario.EuCurrent.Status);
        AssertNone(scenario.Steps.SelectMany(step => step.Crawls.SelectMany(c =>
            NoLeakChecks.References(c)
                .Concat(c.PagingFailures)
                .Concat(c.Probes.SelectMany(p => NoLeakChecks.Answer(c, p)))
                .Concat(NoLeakChecks.HiddenTokens(c))
                .Concat(NoLeakChecks.TellTales(c))
                .Concat(NoLeakChecks.RuleEquivalence(c))
                .Select(f => $"after '{step.Name}': {f}"))));
    }

    [Fact]
    public void PublishingAnUnreleasedNsEditionLeavesEveryEuConsumersBytesAndETagsAsTheyWere()
    {
        // The edition EU consumers see as current is now stored superseded; to them it must still read as it did.
        AssertNone(Unchanged(0, 1, c => c.Principal.Principal.Community is "EU" or "PUBLIC", p => p.Standard == scenario.Standard || p.Route == Route.Standards));
        AssertNone(Revalidates(1, c => c.Principal.Principal.Community == "EU", p => p.Standard == scenario.Standard && p.Route is Route.Standard or Route.Versions or Route.Latest, notModified: true));
    }

    [Fact]
    public void PublishingAnEditionChangesTheETagsOfCallersWhoCanSeeIt() =>
        AssertNone(Revalidates(1, c => c.Principal.Principal.IsNato && c.View.Scope.MaxLevel >= Classification.NS,
            p => p.Standard == scenario.Standard && p.Route is Route.Standard or Route.Latest, notModified: false));

    [Fact]
    public void AFutureDatedReleaseChangesNothingForAnyoneBeforeItTakesEffect() =>
        AssertNone(Unchanged(1, 2, _ => true, p => p.Standard == scenario.Standard));

    [Fact]
    public void AReleaseInEffectChangesWhatClearedEuConsumersSeeAndNothingElse()
    {
        AssertNone(Unchanged(2, 3, c => !EuClearedForNs.Contains(c.Principal.Name), p => p.Standard == scenario.Standard));
        AssertNone(Revalidates(3, c => EuClearedForNs.Contains(c.Principal.Name), p => p.Standard == scenario.Standard && p.Route is Route.Standard or Route.Latest, notModified: false));
        var latest = scenario[3].Crawls.Single(c => c.Principal == TestPrincipal.EuNsInEuScheme).Probes.Single(p => p.Label == $"latest {scenario.Standard.Key}");
        Assert.Equal(scenario.Edition.Edition, latest.Actual.Json!["edition"]!.GetValue<int>());
    }

    [Fact]
    public void RevokingTheReleaseRestoresWhatEuConsumersSawBeforeByteForByte() =>
        AssertNone(Unchanged(2, 4, c => c.Principal.Principal.Community == "EU", p => p.Standard == scenario.Standard)
            .Concat(Unchanged(0, 4, c => c.Principal.Principal.Community == "EU", p => p.Standard == scenario.Standard)));

    [Fact]
    public void ETagsChangeExactlyWhereTheCallersViewChanged()
    {
        var failures = new List<string>();
        for (var i = 1; i < scenario.Steps.Count; i++)
        {
            var (before, after) = (scenario[i - 1], scenario[i]);
            foreach (var crawl in after.Crawls)
            {
                var old = before.Crawls.Single(c => c.Principal == crawl.Principal).Probes.ToDictionary(p => p.Label, StringComparer.Ordinal);
                foreach (var probe in crawl.Probes.Where(p => old.ContainsKey(p.Label)))
                {
                    var previous = old[probe.Label];
                    var same = previous.Fingerprint == probe.Fingerprint;
                    if (same && !probe.Actual.SameAs(previous.Actual))
                    {
                        failures.Add($"'{before.Name}' → '{after.Name}': {crawl.Describe(probe, $"the caller's view did not change but the answer did: before {previous.Actual.Describe(300)}, after {probe.Actual.Describe(300)}")}");
                    }
                    if (!same && previous.Actual.Status == 200 && probe.Actual.Status == 200 && previous.Actual.ETag == probe.Actual.ETag)
                    {
                        failures.Add($"'{before.Name}' → '{after.Name}': {crawl.Describe(probe, $"the caller's view changed but the ETag {probe.Actual.ETag} did not")}");
                    }
                    if (after.RevalidatedWithPreviousTag.TryGetValue((crawl.Principal, probe.Label), out var revalidated))
                    {
                        var expected = same && probe.Actual.Status == 200 ? 304 : probe.Actual.Status;
                        if (revalidated.Status != expected)
                        {
                            failures.Add($"'{before.Name}' → '{after.Name}': {crawl.Describe(probe, $"If-None-Match with the previous ETag answered {revalidated.Status}, expected {expected}")}");
                        }
                    }
                }
            }
        }
        AssertNone(failures);
    }

    /// <summary>Answers of step <paramref name="to"/> identical (status, headers, ETag, body) to those of step <paramref name="from"/>.</summary>
    private IEnumerable<string> Unchanged(int from, int to, Func<Crawl, bool> principals, Func<Probe, bool> probes)
    {
        var (before, after) = (scenario[from], scenario[to]);
        foreach (var crawl in after.Crawls.Where(principals))
        {
            var old = before.Crawls.Single(c => c.Principal == crawl.Principal).Probes.ToDictionary(p => p.Label, StringComparer.Ordinal);
            // Only requests made in both steps compare: the edition range probed grows with the standard, and a new
            // page of a list shows as a changed hasNext on the page before it. A standard's relations and current
            // document also show other standards, which the generator's pending releases make visible as the clock
            // moves: those compare where the caller's view of them (the oracle's answer) is unchanged.
            foreach (var probe in crawl.Probes.Where(probes))
            {
                if (old.TryGetValue(probe.Label, out var previous) && !probe.Actual.SameAs(previous.Actual)
                    && (probe.Route is not (Route.Relations or Route.Current) || probe.Fingerprint == previous.Fingerprint))
                {
                    yield return $"'{before.Name}' → '{after.Name}': {crawl.Describe(probe, $"must be unchanged: before {previous.Actual.Describe(300)}, after {probe.Actual.Describe(300)}")}";
                }
            }
        }
    }

    /// <summary>At step <paramref name="step"/>, revalidating with the previous step's ETag answers 304 (unchanged) or 200 (changed).</summary>
    private IEnumerable<string> Revalidates(int step, Func<Crawl, bool> principals, Func<Probe, bool> probes, bool notModified)
    {
        var after = scenario[step];
        var checkedAny = false;
        foreach (var crawl in after.Crawls.Where(principals))
        {
            foreach (var probe in crawl.Probes.Where(p => p.Actual.Status == 200).Where(probes))
            {
                checkedAny = true;
                if (!after.RevalidatedWithPreviousTag.TryGetValue((crawl.Principal, probe.Label), out var revalidated))
                {
                    yield return crawl.Describe(probe, $"had no ETag at '{scenario[step - 1].Name}' to revalidate with");
                }
                else if (revalidated.Status != (notModified ? 304 : 200))
                {
                    yield return crawl.Describe(probe, $"If-None-Match with the ETag from '{scenario[step - 1].Name}' must answer {(notModified ? 304 : 200)}, got {revalidated.Describe(300)}");
                }
            }
        }
        if (!checkedAny)
        {
            yield return $"[seed {ETagScenario.Seed}] nothing to revalidate at '{after.Name}'";
        }
    }

    private static void AssertNone(IEnumerable<string> failures) => NoLeakChecks.AssertNone(failures, ETagScenario.Seed);
}

/// <summary>The judgements the facts share: each yields one line per failure, naming seed, principal and request.</summary>
public static partial class NoLeakChecks
{
    [GeneratedRegex("tk[0-9a-f]{10}", RegexOptions.CultureInvariant)]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"stanag-\d{4}|STANAG \d{4}", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();

    public const string JsonContentType = "application/json; charset=utf-8";

    public static void AssertNone(IEnumerable<string> failures, int seed)
    {
        var list = failures.ToList();
        if (list.Count > 0)
        {
            throw new Xunit.Sdk.XunitException(
                $"[seed {seed}] {list.Count} failure(s); the first {Math.Min(list.Count, 12)}:{Environment.NewLine}{string.Join(Environment.NewLine, list.Take(12).Select(f => "- " + f))}");
        }
    }

    /// <summary>The probe's answer against the oracle: the expected 200 (body, content type, strong ETag, paging) or the never-existed answer.</summary>
    public static IEnumerable<string> Answer(Crawl crawl, Probe probe)
    {
        var actual = probe.Actual;
        if (probe.AbsentLike is { } reference)
        {
            if (!actual.SameAs(crawl.References[reference]))
            {
                yield return crawl.Describe(probe, $"must answer exactly like something that never existed ({crawl.References[reference].Describe(200)}), answered {actual.Describe()}; headers: {actual.Headers.Replace('\n', ' ')}");
            }
            if (actual.ETag is not null)
            {
                yield return crawl.Describe(probe, $"a hidden or missing thing carries an ETag {actual.ETag}");
            }
            yield break;
        }
        if (probe.Expected is not { } expected)
        {
            yield return crawl.Describe(probe, $"the oracle has no such page: {actual.Describe()}");
            yield break;
        }
        if (actual.Status != 200)
        {
            yield return crawl.Describe(probe, $"expected 200 with {Exchange.Clip(expected.ToJsonString(), 300)}, answered {actual.Describe()}");
            yield break;
        }
        if (actual.ContentType != JsonContentType)
        {
            yield return crawl.Describe(probe, $"content type {actual.ContentType}, expected {JsonContentType}");
        }
        if (actual.ETag is not { Length: > 2 } etag || !etag.StartsWith('"') || !etag.EndsWith('"'))
        {
            yield return crawl.Describe(probe, $"a 200 must carry a strong ETag, got {actual.ETag ?? "none"}");
        }

        var json = actual.Json;
        if (!probe.IsPage)
        {
            if (Difference(expected, json, "$") is { } difference)
            {
                yield return crawl.Describe(probe, difference);
            }
            yield break;
        }
        if (json is not JsonObject page)
        {
            yield return crawl.Describe(probe, $"a page must be an object: {actual.Describe()}");
            yield break;
        }
        foreach (var name in page.Select(p => p.Key).Where(n => n is not ("items" or "nextCursor")))
        {
            yield return crawl.Describe(probe, $"a page carries an unexpected property '{name}': {Exchange.Clip(page[name]?.ToJsonString() ?? "null", 200)}");
        }
        if (Difference(expected["items"], page["items"], "$.items") is { } itemsDifference)
        {
            yield return crawl.Describe(probe, itemsDifference);
        }
        var hasNext = expected["hasNext"]!.GetValue<bool>();
        var cursor = page["nextCursor"];
        if (hasNext && cursor?.GetValueKind() != JsonValueKind.String)
        {
            yield return crawl.Describe(probe, "more visible items follow, but the page has no nextCursor");
        }
        if (!hasNext && page.ContainsKey("nextCursor"))
        {
            yield return crawl.Describe(probe, $"the last page must not carry nextCursor, got {cursor?.ToJsonString() ?? "null"}");
        }
    }

    /// <summary>The never-existed answers themselves: 404 problem details, no ETag.</summary>
    public static IEnumerable<string> References(Crawl crawl)
    {
        foreach (var (label, reference) in crawl.References)
        {
            if (reference.Status != 404 || reference.ContentType?.StartsWith("application/problem+json", StringComparison.Ordinal) != true || reference.ETag is not null)
            {
                yield return $"[seed {crawl.Seed}] {crawl.Principal}: GET {reference.Url} ({label}) must be a 404 problem without ETag: {reference.Describe()}";
            }
        }
    }

    /// <summary>Unique tokens (titles, summaries, bodies, withdrawal reasons), keys and designations of hidden things, anywhere in any body.</summary>
    public static IEnumerable<string> HiddenTokens(Crawl crawl)
    {
        var hidden = HiddenTerms(crawl.View);
        foreach (var exchange in crawl.Exchanges)
        {
            var text = exchange.Text;
            foreach (var match in TermsIn(text))
            {
                if (hidden.TryGetValue(match, out var what))
                {
                    yield return $"[seed {crawl.Seed}] {crawl.Principal}: GET {exchange.Url}: the body carries '{match}' of the hidden {what}: {Exchange.Clip(text, 300)}";
                }
            }
        }
    }

    /// <summary>What must never reach a principal with this view: each hidden term (token, key, designation) and what it belongs to.</summary>
    public static Dictionary<string, string> HiddenTerms(ExpectedView view) => HiddenTerms(view.HiddenVersions, view.HiddenStandards);

    /// <summary>The terms of these versions (tokens) and standards (tokens, keys, designations).</summary>
    public static Dictionary<string, string> HiddenTerms(IEnumerable<ModelVersion> versions, IEnumerable<ModelStandard> standards)
    {
        var hidden = versions.ToDictionary(v => v.Token, v => $"edition {v}", StringComparer.Ordinal);
        foreach (var standard in standards)
        {
            hidden[standard.Token] = $"standard {standard.Key} (hidden)";
            hidden[standard.Key] = $"key of standard {standard.Key} (hidden)";
            hidden[standard.Designation] = $"designation of standard {standard.Key} (hidden)";
        }
        return hidden;
    }

    /// <summary>Every token, key and designation of a generated catalogue that occurs in <paramref name="text"/>.</summary>
    public static IEnumerable<string> TermsIn(string text) =>
        TokenPattern().Matches(text).Concat(KeyPattern().Matches(text)).Select(m => m.Value).Distinct(StringComparer.Ordinal);

    /// <summary>In any answer about one standard, no marking or status that only its hidden editions have.</summary>
    public static IEnumerable<string> TellTales(Crawl crawl)
    {
        foreach (var probe in crawl.Probes.Where(p => p.Standard is not null && p.Actual.Status == 200))
        {
            var shown = crawl.View.Find(probe.Standard!.Key)?.Versions ?? [];
            var forbidden = new List<string>();
            foreach (var level in Enum.GetValues<Classification>().Where(l => shown.All(v => v.Version.Classification != l)))
            {
                var marking = Markings.Of(level);
                forbidden.Add(JsonSerializer.Serialize(level.ToString(), RegistryClient.Json));
                forbidden.Add(InJson(marking.NatoMarking));
                if (marking.EuMarking is not null)
                {
                    forbidden.Add(InJson(marking.EuMarking));
                }
            }
            forbidden.AddRange(Enum.GetValues<VersionStatus>().Where(s => shown.All(v => v.Displayed != s)).Select(s => JsonSerializer.Serialize(EnumText.Of(s), RegistryClient.Json)));
            var text = probe.Actual.Text;
            foreach (var word in forbidden.Where(w => text.Contains(w, StringComparison.Ordinal)))
            {
                yield return crawl.Describe(probe, $"carries {word}, which no edition of {probe.Standard.Key} visible to this caller has: {Exchange.Clip(text, 300)}");
            }
        }

        static string InJson(string text) => JsonSerializer.Serialize(text, RegistryClient.Json).Trim('"');
    }

    /// <summary>The (key, edition) pairs and standards the API returned from every route equal the oracle's, both ways.</summary>
    public static IEnumerable<string> RuleEquivalence(Crawl crawl)
    {
        var api = ReturnedPairs(crawl).ToHashSet();
        var oracle = crawl.View.Standards.SelectMany(s => s.Versions.Select(v => (s.Standard.Key, v.Version.Edition))).ToHashSet();
        var versions = crawl.View.Model.Versions.ToDictionary(v => (v.Key, v.Edition));
        foreach (var pair in api.Except(oracle).Order())
        {
            yield return $"[seed {crawl.Seed}] {crawl.Principal}: the API showed {(versions.TryGetValue(pair, out var v) ? v.ToString() : $"{pair.Key}/{pair.Edition} (not in the model)")}, which the domain rule hides";
        }
        foreach (var pair in oracle.Except(api).Order())
        {
            yield return $"[seed {crawl.Seed}] {crawl.Principal}: the domain rule shows {versions[pair]}, which no route of the API returned";
        }

        var apiStandards = crawl.Probes
            .Where(p => p.Actual.Status == 200 && (p.Route == Route.Standard || p.Label.StartsWith("standards#", StringComparison.Ordinal)))
            .SelectMany(p => p.Route == Route.Standard ? [p.Actual.Json!] : p.Actual.Json!["items"]!.AsArray().Select(i => i!))
            .Select(s => s["key"]!.GetValue<string>())
            .ToHashSet(StringComparer.Ordinal);
        var oracleStandards = crawl.View.Standards.Select(s => s.Standard.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var key in apiStandards.Except(oracleStandards).Order(StringComparer.Ordinal))
        {
            yield return $"[seed {crawl.Seed}] {crawl.Principal}: the API showed standard {key}, which has no version the domain rule lets this caller see";
        }
        foreach (var key in oracleStandards.Except(apiStandards).Order(StringComparer.Ordinal))
        {
            yield return $"[seed {crawl.Seed}] {crawl.Principal}: the domain rule shows standard {key}, which the API did not return";
        }
    }

    /// <summary>The model versions the API returned on any route (versions lists, latest, editions).</summary>
    public static IEnumerable<ModelVersion> Returned(Crawl crawl)
    {
        var versions = crawl.View.Model.Versions.ToDictionary(v => (v.Key, v.Edition));
        return ReturnedPairs(crawl).Distinct().Select(pair => versions[pair]);
    }

    private static IEnumerable<(string Key, int Edition)> ReturnedPairs(Crawl crawl) =>
        crawl.Probes.Where(p => p.Standard is not null && p.Actual.Status == 200).SelectMany(p => p.Route switch
        {
            Route.Versions => p.Actual.Json!["items"]!.AsArray().Select(i => (p.Standard!.Key, i!["edition"]!.GetValue<int>())),
            Route.Latest or Route.Edition => [(p.Standard!.Key, p.Actual.Json!["edition"]!.GetValue<int>())],
            _ => [],
        });

    /// <summary>Two principals who must see the same thing got the same answers (bodies and ETags; all headers when asked).</summary>
    public static IEnumerable<string> SameAnswers(Crawl first, Crawl second, bool compareHeaders)
    {
        var other = second.Probes.ToDictionary(p => p.Label, StringComparer.Ordinal);
        if (first.Probes.Count != second.Probes.Count)
        {
            yield return $"[seed {first.Seed}] {first.Principal} made {first.Probes.Count} requests, {second.Principal} {second.Probes.Count}";
        }
        foreach (var probe in first.Probes)
        {
            if (!other.TryGetValue(probe.Label, out var theirs))
            {
                yield return first.Describe(probe, $"{second.Principal} never reached this page");
                continue;
            }
            var (a, b) = (probe.Actual, theirs.Actual);
            var same = compareHeaders ? a.SameAs(b) : a.Status == b.Status && a.ETag == b.ETag && a.Body.AsSpan().SequenceEqual(b.Body);
            if (!same)
            {
                yield return first.Describe(probe, $"differs from what {second.Principal} got: {a.Describe(200)} vs {b.Describe(200)}");
            }
        }
    }

    /// <summary>The first place where <paramref name="actual"/> differs from <paramref name="expected"/>, or null when they are equal.</summary>
    public static string? Difference(JsonNode? expected, JsonNode? actual, string path)
    {
        if (JsonNode.DeepEquals(expected, actual))
        {
            return null;
        }
        if (expected is JsonObject e && actual is JsonObject a)
        {
            foreach (var (name, value) in e)
            {
                if (!a.ContainsKey(name))
                {
                    return $"{path}.{name} is missing, expected {value?.ToJsonString()}";
                }
                if (Difference(value, a[name], $"{path}.{name}") is { } inner)
                {
                    return inner;
                }
            }
            foreach (var (name, value) in a.Where(p => !e.ContainsKey(p.Key)))
            {
                return $"{path}.{name} = {Exchange.Clip(value?.ToJsonString() ?? "null", 200)} is not part of what this caller may see";
            }
        }
        if (expected is JsonArray ea && actual is JsonArray aa)
        {
            if (ea.Count != aa.Count)
            {
                return $"{path} has {aa.Count} items [{Identities(aa)}], expected {ea.Count} [{Identities(ea)}]";
            }
            for (var i = 0; i < ea.Count; i++)
            {
                if (Difference(ea[i], aa[i], $"{path}[{i}]") is { } inner)
                {
                    return inner;
                }
            }
        }
        return $"{path} is {Exchange.Clip(actual?.ToJsonString() ?? "absent", 300)}, expected {Exchange.Clip(expected?.ToJsonString() ?? "absent", 300)}";

        static string Identities(JsonArray items) => string.Join(", ", items.Select(i => (i?["key"] ?? i?["edition"])?.ToJsonString()));
    }
}
