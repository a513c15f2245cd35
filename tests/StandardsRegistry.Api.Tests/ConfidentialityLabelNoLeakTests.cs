using System.Xml.Linq;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Domain;
using StandardsRegistry.Tests.Support;
using static StandardsRegistry.Api.Tests.Support.LabelSchemas;

namespace StandardsRegistry.Api.Tests;

// The no-leak invariant for the label route, over generated catalogues: for every principal and every edition that
// exists (and some that do not), GET …/label answers exactly what the domain's ReleaseRule allows, names exactly the
// audiences the caller may know of, and answers for a hidden edition byte for byte what it answers for one that never
// existed — in both representations.

/// <summary>A generated catalogue and every principal's label answers for it.</summary>
public abstract class LabelCatalogue(int seed, TestProvider provider) : IAsyncLifetime
{
    private static readonly string[] Representations = ["application/xml", "application/json"];

    private RegistryApp? _app;

    public int Seed => seed;

    public string? Unavailable { get; } = provider.UnavailableReason;

    public CatalogueModel Model { get; private set; } = null!;

    public DateTimeOffset Now { get; private set; }

    /// <summary>Per principal: (label URL, Accept) → answer, and the never-existed reference per Accept.</summary>
    public Dictionary<TestPrincipal, (Dictionary<(string Url, string Accept), Exchange> Answers, Dictionary<string, Exchange> Never)> Crawls { get; } = [];

    public async ValueTask InitializeAsync()
    {
        if (Unavailable is not null)
        {
            return;
        }
        _app = new RegistryApp(provider: provider).Start();
        Model = await new CatalogueGenerator(_app, seed).GenerateAsync(10, 14);
        Now = _app.Clock.GetUtcNow();
        var crawls = await Task.WhenAll(TestPrincipal.All.Select(async principal =>
        {
            using var client = principal.Client(_app);
            var answers = new Dictionary<(string, string), Exchange>();
            var never = new Dictionary<string, Exchange>(StringComparer.Ordinal);
            foreach (var accept in Representations)
            {
                never[accept] = await SendAsync(client, "/v1/standards/never-existed/versions/1/label", accept);
                foreach (var standard in Model.Standards)
                {
                    foreach (var edition in Enumerable.Range(1, standard.Versions.Count + 1))
                    {
                        var url = $"/v1/standards/{standard.Key}/versions/{edition}/label";
                        answers[(url, accept)] = await SendAsync(client, url, accept);
                    }
                }
            }
            return (principal, answers, never);
        }));
        foreach (var (principal, answers, never) in crawls)
        {
            Crawls[principal] = (answers, never);
        }
    }

    public ValueTask DisposeAsync() => _app?.DisposeAsync() ?? ValueTask.CompletedTask;

    private static async Task<Exchange> SendAsync(HttpClient client, string url, string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await client.SendAsync(request);
        return await Exchange.OfAsync(url, response);
    }
}

[Slow]
public abstract class ConfidentialityLabelNoLeakTests<TCatalogue>(TCatalogue catalogue) : IClassFixture<TCatalogue>
    where TCatalogue : LabelCatalogue
{
    private readonly TCatalogue _catalogue = Available(catalogue);

    private static TCatalogue Available(TCatalogue catalogue)
    {
        Assert.SkipWhen(catalogue.Unavailable is not null, catalogue.Unavailable ?? "");
        return catalogue;
    }

    [Fact]
    public void EveryVisibleEditionsLabelValidatesAndNamesExactlyTheAudiencesTheCallerMayKnowOf()
    {
        var failures = new List<string>();
        var checkedLabels = 0;
        foreach (var (principal, (answers, _)) in _catalogue.Crawls)
        {
            var scope = principal.Scope;
            foreach (var version in _catalogue.Model.Versions.Where(v => ReleaseOracle.CanSee(scope, v, _catalogue.Now)))
            {
                var url = $"/v1/standards/{version.Key}/versions/{version.Edition}/label";
                var xml = answers[(url, "application/xml")];
                var json = answers[(url, "application/json")];
                var where = $"[seed {_catalogue.Seed}] {principal}: {version}";
                if (xml.Status != 200 || json.Status != 200)
                {
                    failures.Add($"{where}: expected 200, got {xml.Describe()} / {json.Describe()}");
                    continue;
                }
                checkedLabels++;
                if (Problems(xml.Text) is { Count: > 0 } problems)
                {
                    failures.Add($"{where}: invalid label: {string.Join("; ", problems)}");
                }

                var expected = scope.Originator
                    ? version.Releases.Where(r => r.RevokedAt is null && r.EffectiveFrom <= _catalogue.Now).Select(r => r.Audience).Distinct().Order(StringComparer.Ordinal).ToArray()
                    : [scope.Community];
                var root = XDocument.Parse(xml.Text).Root!;
                var info = root.Element(Slab + "originatorConfidentialityLabel")!.Element(Slab + "ConfidentialityInformation")!;
                var named = info.Elements(Slab + "Category").SelectMany(c => c.Elements(Slab + "GenericValue")).Select(v => v.Value).ToArray();
                if (!named.SequenceEqual(expected))
                {
                    failures.Add($"{where}: Releasable To [{string.Join(", ", named)}], expected [{string.Join(", ", expected)}]");
                }
                var jsonNamed = json.Json!["originatorConfidentialityLabel"]!["confidentialityInformation"]!["categories"]!.AsArray()
                    .SelectMany(c => c!["genericValues"]!.AsArray().Select(v => v!.GetValue<string>())).ToArray();
                if (!jsonNamed.SequenceEqual(expected))
                {
                    failures.Add($"{where}: JSON Releasable To [{string.Join(", ", jsonNamed)}], expected [{string.Join(", ", expected)}]");
                }

                var level = Markings.Of(version.Classification);
                if (info.Element(Slab + "Classification")!.Value != level.NatoMarking)
                {
                    failures.Add($"{where}: classification {info.Element(Slab + "Classification")!.Value}, expected {level.NatoMarking}");
                }
                var alternatives = root.Elements(Slab + "alternativeConfidentialityLabel")
                    .Select(a => a.Element(Slab + "ConfidentialityInformation")!.Element(Slab + "Classification")!.Value).ToArray();
                string[] expectedAlternatives = scope.Scheme == MarkingScheme.Eu && level.EuMarking is { } eu ? [eu] : [];
                if (!alternatives.SequenceEqual(expectedAlternatives))
                {
                    failures.Add($"{where}: equivalent labels [{string.Join(", ", alternatives)}], expected [{string.Join(", ", expectedAlternatives)}]");
                }
                if (!scope.Originator && ReleaseOracle.Audiences.Keys.Append(Communities.Nato).Where(a => a != scope.Community).FirstOrDefault(a => named.Contains(a) || jsonNamed.Contains(a)) is { } other)
                {
                    failures.Add($"{where}: the label of a {scope.Community} caller names {other}");
                }
            }
        }
        Assert.True(checkedLabels > 0, $"[seed {_catalogue.Seed}] no label was visible to anyone");
        AssertNone(failures);
    }

    [Fact]
    public void AHiddenOrMissingEditionsLabelAnswersExactlyLikeOneThatNeverExisted()
    {
        var failures = new List<string>();
        var hidden = 0;
        foreach (var (principal, (answers, never)) in _catalogue.Crawls)
        {
            var scope = principal.Scope;
            foreach (var ((url, accept), answer) in answers)
            {
                var version = _catalogue.Model.Versions.FirstOrDefault(v => url == $"/v1/standards/{v.Key}/versions/{v.Edition}/label");
                if (version is not null && ReleaseOracle.CanSee(scope, version, _catalogue.Now))
                {
                    continue;
                }
                hidden += version is null ? 0 : 1;
                if (!answer.SameAs(never[accept]))
                {
                    failures.Add($"[seed {_catalogue.Seed}] {principal}: GET {url} (Accept {accept}) answered {answer.Describe()}; never existed: {never[accept].Describe()}");
                }
            }
            if (never.Values.Any(n => n.Status != 404 || n.ETag is not null))
            {
                failures.Add($"[seed {_catalogue.Seed}] {principal}: a label that never existed must be a 404 without ETag");
            }
        }
        Assert.True(hidden > 0, $"[seed {_catalogue.Seed}] no edition was hidden from anyone");
        AssertNone(failures);
    }

    private void AssertNone(List<string> failures) => NoLeakChecks.AssertNone(failures, _catalogue.Seed);
}
