namespace StandardsRegistry.Api.Tests.Support;

/// <summary>An edition as a generated catalogue made it: its level (index into <see cref="GeneratedEditions.Levels"/>), status and releases.</summary>
public sealed record GeneratedEdition(string Key, int Number, int Level, string Status, HashSet<string> ReleasedTo);

/// <summary>A reader of the facts suites: anonymous, NATO (reader or editor, speaking for a nation or not), EU, PUBLIC.</summary>
public sealed record Reader(string Name, string? Community, int? Clearance, bool Editor, string? Nation)
{
    public bool Nato => Community == "NATO";

    /// <summary>The highest level the reader may see: its clearance, outside NATO capped by its audience's ceiling.</summary>
    public int Level => Nato ? Clearance ?? 0 : Math.Min(Clearance ?? 0, GeneratedEditions.Ceilings[Community ?? "PUBLIC"]);

    public HttpClient Client(RegistryApp app) => Community is null
        ? app.Anonymous()
        : app.As(new TestCaller(Name, Community, Clearance is { } c ? GeneratedEditions.Levels[c] : null,
            [.. Editor ? new[] { "editor" } : ["consumer"], .. Nation is null ? [] : new[] { "delegate" }]) { Nation = Nation });
}

/// <summary>
/// A catalogue generated through the API for the suites that prove facts around editions (national responses,
/// relations) under the release rule, and that rule written here, independently of the registry's, as their oracle.
/// </summary>
public static class GeneratedEditions
{
    public static readonly string[] Levels = ["NU", "NR", "NC", "NS", "CTS"];

    /// <summary>Audiences' accreditation ceilings, as migrated.</summary>
    public static readonly Dictionary<string, int> Ceilings = new() { ["EU"] = 4, ["INDUSTRY"] = 1, ["PUBLIC"] = 0 };

    /// <summary>The audiences generated catalogues release to (INDUSTRY readers read them too, and see nothing released to them).</summary>
    public static readonly string[] ReleasedTo = ["EU", "PUBLIC"];

    public static IEnumerable<Reader> Readers()
    {
        yield return new Reader("anonymous", null, null, false, null);
        foreach (var clearance in new int?[] { null, 0, 1, 2, 3, 4 })
        {
            foreach (var editor in new[] { false, true })
            {
                foreach (var nation in new[] { null, "FRA" })
                {
                    yield return new Reader($"NATO/{clearance}/{(editor ? "editor" : "reader")}/{nation ?? "-"}", "NATO", clearance, editor, nation);
                }
            }
            yield return new Reader($"EU/{clearance}", "EU", clearance, false, null);
            yield return new Reader($"INDUSTRY/{clearance}", "INDUSTRY", clearance, false, null);
        }
        yield return new Reader("PUBLIC/NU", "PUBLIC", 0, false, null);
    }

    /// <summary>The release rule.</summary>
    public static bool Sees(Reader who, GeneratedEdition e) => who.Nato
        ? e.Level <= who.Level && (e.Status != "draft" || who.Editor)
        : e.Status is "published" or "superseded" && e.ReleasedTo.Contains(who.Community ?? "PUBLIC") && e.Level <= who.Level;

    /// <summary>A standard exists for the reader when one of its editions is visible, or (NATO editors) when it has none.</summary>
    public static bool SeesStandard(Reader who, string key, IEnumerable<GeneratedEdition> editions)
    {
        var own = editions.Where(e => e.Key == key).ToList();
        return own.Any(e => Sees(who, e)) || (own.Count == 0 && who.Nato && who.Editor);
    }

    /// <summary>
    /// <paramref name="count"/> standards keyed <c>{prefix}-{n}</c>, each with one to three editions (markings leaning low,
    /// so that many are visible outside NATO; three in four published) and releases to the audiences whose ceiling
    /// allows; with <paramref name="empty"/>, every fourth standard has no edition at all.
    /// </summary>
    public static async Task<List<GeneratedEdition>> GenerateAsync(RegistryApp app, Random random, string prefix, int count, bool empty = false)
    {
        var editor = app.As(TestCaller.Editor());
        var authority = app.As(TestCaller.ReleaseAuthority());
        var editions = new List<GeneratedEdition>();
        for (var s = 0; s < count; s++)
        {
            var key = $"{prefix}-{s}";
            await editor.CreateStandardAsync(key, title: $"TITLE-{key}");
            if (empty && s % 4 == 3)
            {
                continue;
            }
            var number = random.Next(1, 4);
            for (var n = 1; n <= number; n++)
            {
                await editor.CreateDraftAsync(key, Levels[Math.Min(random.Next(5), random.Next(5))]);
                if (random.Next(4) > 0)
                {
                    await editor.PublishAsync(key, n);
                }
            }
            var listed = await editor.GetJsonAsync($"/v1/standards/{key}/versions?limit=100");
            foreach (var version in listed["items"]!.AsArray())
            {
                var edition = new GeneratedEdition(key, version!["edition"]!.GetValue<int>(), Array.IndexOf(Levels, version["classification"]!.GetValue<string>()),
                    version["status"]!.GetValue<string>(), []);
                if (edition.Status is "published" or "superseded")
                {
                    foreach (var audience in ReleasedTo.Where(a => edition.Level <= Ceilings[a] && random.Next(4) > 0))
                    {
                        await authority.ReleaseAsync(key, edition.Number, audience);
                        edition.ReleasedTo.Add(audience);
                    }
                }
                editions.Add(edition);
            }
        }
        return editions;
    }
}
