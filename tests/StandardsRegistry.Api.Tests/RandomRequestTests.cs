using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Domain;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// Hostile input, the generated half: thousands of random requests (FsCheck) across every route, as random
/// principals, with random and hostile values, against a generated catalogue with an oracle. For every answer: never a
/// 5xx; every 4xx a problem+json; a broken token never gets anything but a 4xx; a standard or edition hidden from the
/// caller is never served (no 2xx or 304 for it); and no token, key or designation of anything hidden from the caller
/// appears in any status line, header or body (an error may echo what the caller itself sent). Writes are among the
/// requests; one that succeeds changes what some callers may see, so the oracle stops judging what it touched.
/// </summary>
[Slow]
public abstract class RandomRequestTests(TestProvider provider, int requests, ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>The whole property stops sending after this long, whatever the count (two cores, shared).</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    private RegistryApp? _app;
    private CatalogueModel _model = null!;
    private HttpClient _client = null!;
    private readonly Dictionary<string, (ExpectedView View, Dictionary<string, string> Hidden)> _views = new(StringComparer.Ordinal);
    private readonly HashSet<string> _touchedStandards = new(StringComparer.Ordinal);
    private readonly HashSet<(string Key, int Edition)> _touchedVersions = [];
    private readonly Dictionary<string, int> _statuses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _routes = new(StringComparer.Ordinal);
    private int _sent;

    public async ValueTask InitializeAsync()
    {
        _app = new RegistryApp(provider: provider).Start();
        _model = await new CatalogueGenerator(_app, seed: 5150).GenerateAsync(12, 16);
        _client = _app.CreateClient();
    }

    public ValueTask DisposeAsync() => _app?.DisposeAsync() ?? ValueTask.CompletedTask;

    [Fact]
    public void RandomRequestsAcrossEveryRouteNeverFailTheServerNorShowWhatIsHidden()
    {
        var routes = RandomRequests.RoutesOf(_app!.Services);
        var generator = new RandomRequests(_model, routes);
        var clock = Stopwatch.StartNew();

        Prop.ForAll(Arb.From(generator.Request()), request =>
        {
            if (clock.Elapsed > Budget)
            {
                return;
            }
            var failure = Task.Run(() => SendAndJudgeAsync(request)).GetAwaiter().GetResult();
            Assert.True(failure is null, failure);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(requests).WithQuietOnSuccess(true));

        output.WriteLine($"{provider}: {_sent} random requests in {clock.Elapsed.TotalSeconds:F1}s over {_model.Standards.Count} standards, {_model.Versions.Count()} editions");
        output.WriteLine($"  by status: {string.Join(", ", _statuses.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key} x{s.Value}"))}");
        output.WriteLine($"  by route: {string.Join(", ", _routes.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key} x{s.Value}"))}");
        output.WriteLine($"  writes that succeeded touched {_touchedStandards.Count} standards and {_touchedVersions.Count} editions (no longer judged)");
        Assert.True(_sent >= Math.Min(requests, 500), $"Only {_sent} requests were sent within {Budget}.");
        Assert.True(_routes.Count == routes.Count, $"Routes never tried: {string.Join(", ", routes.Select(r => r.Name).Except(_routes.Keys))}");
    }

    /// <summary>Sends one request; returns why the answer is wrong, or null.</summary>
    private async Task<string?> SendAndJudgeAsync(RandomRequest request)
    {
        using var message = request.ToMessage();
        using var response = await _client.SendAsync(message);
        var body = await response.Content.ReadAsByteArrayAsync();
        var status = (int)response.StatusCode;
        lock (_statuses)
        {
            _sent++;
            _statuses[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = _statuses.GetValueOrDefault(status.ToString(System.Globalization.CultureInfo.InvariantCulture)) + 1;
            _routes[request.Route.Name] = _routes.GetValueOrDefault(request.Route.Name) + 1;
        }
        var text = System.Text.Encoding.UTF8.GetString(body);
        var headers = string.Join("\n", response.Headers.Concat(response.Content.Headers).Select(h => $"{h.Key}: {string.Join(",", h.Value)}"));
        var what = $"{request} answered {status} {response.Content.Headers.ContentType}: {Exchange.Clip(text, 400)}";

        if (status >= 500)
        {
            return $"A server error. {what}";
        }
        if (status >= 400)
        {
            if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                return $"A {status} without a problem body. {what}";
            }
            if (System.Text.Json.Nodes.JsonNode.Parse(text)?["status"]?.GetValue<int>() != status)
            {
                return $"A problem whose status is not {status}. {what}";
            }
        }
        if (request.Caller.IsBroken && status < 400)
        {
            return $"A broken token was served. {what}";
        }

        var hidden = HiddenFrom(request);
        var echoes = status >= 300 || request.Route.IsWrite ? request.SentText : "";
        foreach (var term in NoLeakChecks.TermsIn(headers + "\n" + text))
        {
            if (hidden.TryGetValue(term, out var of) && !echoes.Contains(term, StringComparison.Ordinal))
            {
                return $"The answer carries '{term}' of the hidden {of}. {what}";
            }
        }
        if (status is (>= 200 and < 300) or 304 && ServesSomethingHidden(request) is { } served)
        {
            return $"A {status} for {served}, which the caller may not see. {what}";
        }
        if (request.Route.IsWrite && status is >= 200 and < 300)
        {
            Touch(request);
        }
        return null;
    }

    /// <summary>Hidden terms for this caller, less what successful writes touched; everything for a broken token.</summary>
    private Dictionary<string, string> HiddenFrom(RandomRequest request)
    {
        var name = ViewName(request);
        if (!_views.TryGetValue(name, out var entry))
        {
            var scope = request.Caller.IsBroken ? NothingVisible : Scope(request);
            var now = _app!.Clock.GetUtcNow();
            var view = ReleaseOracle.ViewOf(_model, scope, now);
            _views[name] = entry = (view, request.Route.History ? NeverVisibleTerms(scope, now) : NoLeakChecks.HiddenTerms(view));
        }
        foreach (var key in _touchedStandards)
        {
            var standard = _model.Standards.Single(s => s.Key == key);
            entry.Hidden.Remove(standard.Token);
            entry.Hidden.Remove(standard.Key);
            entry.Hidden.Remove(standard.Designation);
        }
        foreach (var (key, edition) in _touchedVersions)
        {
            if (Version(key, edition) is { } version)
            {
                entry.Hidden.Remove(version.Token);
            }
        }
        return entry.Hidden;
    }

    /// <summary>What a broken token sees: nothing (a community no release names).</summary>
    private static readonly VisibilityScope NothingVisible =
        ReleaseRule.ScopeFor(new Principal("nobody", "NOBODY", null, new HashSet<string>()), new Audience("NOBODY", "No one", Classification.NU, MarkingScheme.Nato));

    /// <summary>The scope the route reads in: release authorities read release histories with drafts, everyone else their own scope.</summary>
    private static VisibilityScope Scope(RandomRequest request)
    {
        var scope = ReleaseOracle.ScopeOf(request.Caller.Principal!);
        return request.Route.Name == "ListReleases" && request.Caller.Principal!.HasRole(Roles.ReleaseAuthority) ? scope with { IncludeDrafts = true } : scope;
    }

    private static string ViewName(RandomRequest request) =>
        (request.Caller.IsBroken ? "broken" : $"{request.Caller.Name}|{(request.Route.Name == "ListReleases" && request.Caller.Principal!.HasRole(Roles.ReleaseAuthority) ? "releases" : "")}")
        + (request.Route.History ? "|history" : "");

    /// <summary>
    /// For history routes: the terms of editions the caller could not have seen at any time up to now (never published
    /// when it needs that, above its level, or never released to it in effect), and of standards with no other edition.
    /// </summary>
    private Dictionary<string, string> NeverVisibleTerms(VisibilityScope scope, DateTimeOffset now)
    {
        var never = _model.Versions.Where(v => !ReleaseRule.CanSee(
            scope,
            new VersionFacts(v.Classification, v.PublishedAt is null ? VersionStatus.Draft : VersionStatus.Published),
            v.Releases.Where(r => r.EffectiveFrom <= now && (r.RevokedAt is null || r.RevokedAt > r.EffectiveFrom)).Select(r => new ReleaseFacts(r.Audience, r.EffectiveFrom, null)),
            now)).ToHashSet();
        var standards = _model.Standards.Where(s => s.Versions.All(never.Contains) && !(scope.SeesEmptyStandards && s.Versions.Count == 0));
        return NoLeakChecks.HiddenTerms(never, standards);
    }

    /// <summary>The hidden standard or edition a read named, if the caller may not see it (and no write touched it).</summary>
    private string? ServesSomethingHidden(RandomRequest request)
    {
        if (!request.Route.ReadsStandard || request.Caller.IsBroken || _touchedStandards.Contains(request.Key))
        {
            return null;
        }
        var standard = _model.Standards.SingleOrDefault(s => s.Key == request.Key);
        if (standard is null)
        {
            return null;
        }
        var view = _views[ViewName(request)].View;
        if (!view.Sees(standard))
        {
            return $"standard {standard.Key}";
        }
        if (request.Route.ReadsVersion && EditionOf(request, out var edition)
            && !_touchedVersions.Contains((standard.Key, edition)) && Version(standard.Key, edition) is { } version && !view.Sees(version))
        {
            return $"edition {version}";
        }
        return null;
    }

    /// <summary>A successful write changes what callers may see of its standard (publish, release, a new draft) or edition.</summary>
    private void Touch(RandomRequest request)
    {
        if (!request.Route.Template.Contains("{key}", StringComparison.Ordinal) || _model.Standards.All(s => s.Key != request.Key))
        {
            return;
        }
        if (request.Route.Name is "CreateDraft" or "PublishVersion" or "ReleaseVersion")
        {
            _touchedStandards.Add(request.Key);
        }
        if (EditionOf(request, out var edition))
        {
            _touchedVersions.Add((request.Key, edition));
        }
    }

    /// <summary>The edition a route value names, read as the API's route binding reads it (sign and spaces allowed).</summary>
    private static bool EditionOf(RandomRequest request, out int edition) =>
        int.TryParse(request.Edition, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out edition);

    private ModelVersion? Version(string key, int edition) =>
        _model.Standards.SingleOrDefault(s => s.Key == key)?.Versions.SingleOrDefault(v => v.Edition == edition);
}
