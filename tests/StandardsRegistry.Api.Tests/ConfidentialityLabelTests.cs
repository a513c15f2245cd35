using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using StandardsRegistry.Api.Tests.Support;
using StandardsRegistry.Domain;
using StandardsRegistry.Tests.Support;
using static StandardsRegistry.Api.Tests.Support.LabelSchemas;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// GET …/versions/{edition}/label (STANAG 4774 labels, as XML and JSON) and the label headers of version responses,
/// over the sample catalogue: every label validates against docs/stanag-4774, names only audiences the caller may know
/// of, and a hidden edition's label is the same 404 as one that never existed.
/// </summary>
public abstract class ConfidentialityLabelTests(TestProvider provider)
{
    private const string Xml = "application/xml";
    private const string Json = "application/json";

    /// <summary>Every version of db/seed/catalogue.json.</summary>
    private const int SeedVersions = 30;

    public static TheoryData<string> SeedReaders() =>
        ["anonymous", "EU consumer NS", "EU consumer CTS", "EU consumer SECRET UE/EU SECRET", "NATO reader NR", "NATO editor CTS"];

    private static HttpClient Reader(RegistryApp app, string name) => name switch
    {
        "anonymous" => app.Anonymous(),
        "EU consumer NS" => app.As(TestCaller.Eu("NS")),
        "EU consumer CTS" => app.As(TestCaller.Eu("CTS")),
        "EU consumer SECRET UE/EU SECRET" => app.As(TestCaller.Eu("SECRET UE/EU SECRET")),
        "NATO reader NR" => app.As(TestCaller.NatoReader("NR")),
        "NATO editor CTS" => app.As(TestCaller.Editor()),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(SeedReaders))]
    public async Task TheLabelOfEverySeedVersionTheCallerSeesValidatesAgainstTheSchemaAndMatchesTheVersion(string reader)
    {
        await using var app = new RegistryApp(seed: true, provider: provider).Start();
        var client = Reader(app, reader);
        var community = reader switch
        {
            "anonymous" => "PUBLIC",
            _ when reader.StartsWith("EU", StringComparison.Ordinal) => "EU",
            _ => "NATO",
        };

        var validated = 0;
        foreach (var standard in (await client.GetJsonAsync("/v1/standards?limit=100"))["items"]!.AsArray())
        {
            var key = standard!["key"]!.GetValue<string>();
            foreach (var summary in (await client.GetJsonAsync($"/v1/standards/{key}/versions?limit=100"))["items"]!.AsArray())
            {
                var edition = summary!["edition"]!.GetValue<int>();
                var version = await client.GetJsonAsync($"/v1/standards/{key}/versions/{edition}");
                var what = $"{reader}: {key}/{edition}";

                var response = await GetLabelAsync(client, key, edition, Xml);
                await RegistryClient.Expect(response, HttpStatusCode.OK);
                Assert.Equal("application/xml; charset=utf-8", response.Content.Headers.ContentType?.ToString());
                var xml = await response.Content.ReadAsStringAsync();
                AssertValid(xml, what);
                var label = Parse(xml);

                Assert.Equal($"/v1/standards/{key}/versions/{edition}", label.Resource);
                Assert.Equal(("NATO", version["marking"]!.GetValue<string>()), (label.Policy, label.Classification));
                (string, string)[] alternatives = version["equivalentMarking"]?.GetValue<string>() is { } equivalent ? [("EU", equivalent)] : [];
                Assert.Equal(alternatives, label.Alternatives);
                if (community == "NATO")
                {
                    Assert.All(label.ReleasableTo, audience => Assert.Contains(audience, new[] { "EU", "PUBLIC" }));
                }
                else
                {
                    // A consumer sees only editions released to its community, and may know of no other audience.
                    Assert.Equal([community], label.ReleasableTo);
                    Assert.DoesNotContain(community == "EU" ? "PUBLIC" : "EU", xml, StringComparison.Ordinal);
                }

                // The JSON rendering is the same label.
                var json = await (await GetLabelAsync(client, key, edition, Json)).JsonAsync();
                Assert.Equal(label, FromJson(json));
                validated++;
            }
        }

        if (reader == "NATO editor CTS")
        {
            Assert.Equal(SeedVersions, validated);
        }
        Assert.True(validated > 0, $"{reader} saw no version of the sample catalogue");
    }

    [Fact]
    public async Task ReleasableToNamesEveryActiveReleaseForNatoAndOnlyTheCallersOwnCommunityForOthers()
    {
        await using var app = new RegistryApp(seed: true, provider: provider).Start();
        var nato = app.As(TestCaller.NatoReader("NS"));
        var eu = app.As(TestCaller.Eu("NS"));
        var anonymous = app.Anonymous();

        // stanag-2310: 1 NU released to EU and PUBLIC, 2 NR released to EU, 3 NC released to no one.
        Assert.Equal(["EU", "PUBLIC"], await ReleasableToAsync(nato, "stanag-2310", 1));
        Assert.Equal(["EU"], await ReleasableToAsync(eu, "stanag-2310", 1));
        Assert.Equal(["PUBLIC"], await ReleasableToAsync(anonymous, "stanag-2310", 1));
        Assert.Equal(["EU"], await ReleasableToAsync(nato, "stanag-2310", 2));
        Assert.Equal(["EU"], await ReleasableToAsync(eu, "stanag-2310", 2));
        Assert.Empty(await ReleasableToAsync(nato, "stanag-2310", 3));
        // A revoked release (stanag-5066/3) and one that takes effect in 30 days (stanag-4383/2) release nothing yet.
        Assert.Empty(await ReleasableToAsync(nato, "stanag-5066", 3));
        Assert.Empty(await ReleasableToAsync(nato, "stanag-4383", 2));

        var unreleased = Parse(await (await GetLabelAsync(nato, "stanag-2310", 3, Xml)).Content.ReadAsStringAsync());
        Assert.Equal(("NATO", "NATO CONFIDENTIAL"), (unreleased.Policy, unreleased.Classification));
        Assert.Empty(unreleased.Alternatives);
    }

    [Fact]
    public async Task AnEuReadersLabelCarriesTheEuEquivalentBesideTheNatoMarking()
    {
        await using var app = new RegistryApp(seed: true, provider: provider).Start();
        var eu = app.As(TestCaller.Eu("NS"));

        var xml = await (await GetLabelAsync(eu, "stanag-2310", 2, Xml)).Content.ReadAsStringAsync();
        var json = await (await GetLabelAsync(eu, "stanag-2310", 2, Json)).JsonAsync();
        var unclassified = Parse(await (await GetLabelAsync(eu, "stanag-2310", 1, Xml)).Content.ReadAsStringAsync());

        var label = Parse(xml);
        Assert.Equal("NATO RESTRICTED", label.Classification);
        Assert.Equal([("EU", "RESTREINT UE/EU RESTRICTED")], label.Alternatives);
        Assert.Equal("RESTREINT UE/EU RESTRICTED",
            json["alternativeConfidentialityLabels"]![0]!["confidentialityInformation"]!["classification"]!.GetValue<string>());
        // NATO UNCLASSIFIED has no EU equivalent.
        Assert.Equal("NATO UNCLASSIFIED", unclassified.Classification);
        Assert.Empty(unclassified.Alternatives);
    }

    [Fact]
    public async Task AHiddenEditionsLabelAnswersExactlyLikeOneThatNeverExisted()
    {
        await using var app = new RegistryApp(seed: true, provider: provider).Start();
        var eu = app.As(TestCaller.Eu("NS"));
        var anonymous = app.Anonymous();

        foreach (var accept in new[] { Xml, Json, "*/*", "text/html" })
        {
            foreach (var ifNoneMatch in new[] { null, "*" })
            {
                var never = await SendAsync(eu, "/v1/standards/never-existed/versions/1/label", accept, ifNoneMatch);
                Assert.Equal(accept == "text/html" ? 406 : 404, never.Status);
                foreach (var url in new[] { "/v1/standards/stanag-2310/versions/3/label", "/v1/standards/stanag-2310/versions/99/label", "/v1/standards/stanag-5518/versions/1/label" })
                {
                    var hidden = await SendAsync(eu, url, accept, ifNoneMatch);
                    Assert.True(hidden.SameAs(never), $"EU, Accept {accept}, If-None-Match {ifNoneMatch}: {url} answered {hidden.Describe()} but a label that never existed {never.Describe()}");
                }
                var hiddenFromPublic = await SendAsync(anonymous, "/v1/standards/stanag-2310/versions/2/label", accept, ifNoneMatch);
                var neverForPublic = await SendAsync(anonymous, "/v1/standards/never-existed/versions/1/label", accept, ifNoneMatch);
                Assert.True(hiddenFromPublic.SameAs(neverForPublic), $"anonymous, Accept {accept}: {hiddenFromPublic.Describe()} vs {neverForPublic.Describe()}");
            }
        }

        var notFound = await GetLabelAsync(eu, "stanag-2310", 3, Xml);
        await ProblemAssertions.ProblemAsync(notFound, HttpStatusCode.NotFound);
        Assert.Equal("No such standard or version.", (await notFound.JsonAsync())["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task VersionResponsesCarryTheMarkingInTheCallersSchemeAndALinkToTheLabel()
    {
        await using var app = new RegistryApp(seed: true, provider: provider).Start();
        var eu = app.As(TestCaller.Eu("NS"));
        var nato = app.As(TestCaller.NatoReader("NS"));

        var euLatest = await eu.GetAsync("/v1/standards/stanag-2310/versions/latest");
        var natoThird = await nato.GetAsync("/v1/standards/stanag-2310/versions/3");
        var publicFirst = await app.Anonymous().GetAsync("/v1/standards/stanag-2310/versions/1");

        Assert.Equal("policy=\"NATO\", classification=\"NATO RESTRICTED\", equivalent-policy=\"EU\", equivalent-classification=\"RESTREINT UE/EU RESTRICTED\"", Header(euLatest, "Confidentiality-Label"));
        Assert.Equal("</v1/standards/stanag-2310/versions/2/label>; rel=\"describedby\"; type=\"application/xml\"", Header(euLatest, "Link"));
        Assert.Equal("policy=\"NATO\", classification=\"NATO CONFIDENTIAL\"", Header(natoThird, "Confidentiality-Label"));
        Assert.Equal("</v1/standards/stanag-2310/versions/3/label>; rel=\"describedby\"; type=\"application/xml\"", Header(natoThird, "Link"));
        Assert.Equal("policy=\"NATO\", classification=\"NATO UNCLASSIFIED\"", Header(publicFirst, "Confidentiality-Label"));

        // The link leads to the label, for the same caller.
        var linked = await eu.GetAsync("/v1/standards/stanag-2310/versions/2/label");
        await RegistryClient.Expect(linked, HttpStatusCode.OK);
        Assert.Equal("NATO RESTRICTED", Parse(await linked.Content.ReadAsStringAsync()).Classification);

        // A 304 keeps them; a 404 has neither.
        using var revalidate = new HttpRequestMessage(HttpMethod.Get, "/v1/standards/stanag-2310/versions/latest");
        revalidate.Headers.TryAddWithoutValidation("If-None-Match", euLatest.Headers.ETag!.Tag);
        var notModified = await eu.SendAsync(revalidate);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(Header(euLatest, "Confidentiality-Label"), Header(notModified, "Confidentiality-Label"));
        var hidden = await eu.GetAsync("/v1/standards/stanag-2310/versions/3");
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Null(Header(hidden, "Confidentiality-Label"));
        Assert.Null(Header(hidden, "Link"));
    }

    [Fact]
    public async Task AnEuTopSecretEquivalentTravelsAsAnAsciiDisplayStringAndValidatesInTheLabel()
    {
        await using var app = new RegistryApp(provider: provider).Start();
        var editor = app.As(TestCaller.Editor());
        await editor.CreateStandardAsync("stanag-9001");
        var edition = await editor.CreateDraftAsync("stanag-9001", "CTS");
        await editor.PublishAsync("stanag-9001", edition);
        await app.As(TestCaller.ReleaseAuthority()).ReleaseAsync("stanag-9001", edition, "EU");
        var eu = app.As(TestCaller.Eu("TRÈS SECRET UE/EU TOP SECRET"));

        var version = await eu.GetAsync($"/v1/standards/stanag-9001/versions/{edition}");
        var xml = await (await GetLabelAsync(eu, "stanag-9001", edition, Xml)).Content.ReadAsStringAsync();

        Assert.Equal("policy=\"NATO\", classification=\"COSMIC TOP SECRET\", equivalent-policy=\"EU\", equivalent-classification=%\"TR%c3%88S SECRET UE/EU TOP SECRET\"",
            Header(version, "Confidentiality-Label"));
        AssertValid(xml, "EU CTS: stanag-9001");
        Assert.Equal([("EU", "TRÈS SECRET UE/EU TOP SECRET")], Parse(xml).Alternatives);
        Assert.Equal(["EU"], Parse(xml).ReleasableTo);
    }

    [Fact]
    public async Task AReleaseChangesTheLabelButLeavesTheVersionResponseByteForByteAsItWas()
    {
        await using var app = new RegistryApp(provider: provider).Start();
        var editor = app.As(TestCaller.Editor());
        var authority = app.As(TestCaller.ReleaseAuthority());
        var nato = app.As(TestCaller.NatoReader("NS"));
        await editor.CreateStandardAsync("stanag-9002", "radio-band");
        var edition = await editor.CreateDraftAsync("stanag-9002", "NR", category: "radio-band");
        await editor.PublishAsync("stanag-9002", edition);
        var versionUrl = $"/v1/standards/stanag-9002/versions/{edition}";
        var labelUrl = $"{versionUrl}/label";

        var versionBefore = await Exchange.SendAsync(nato, versionUrl);
        var labelBefore = await Exchange.SendAsync(nato, labelUrl);
        Assert.Empty(Parse(labelBefore.Text).ReleasableTo);

        await authority.ReleaseAsync("stanag-9002", edition, "EU");
        var versionReleased = await Exchange.SendAsync(nato, versionUrl);
        var labelReleased = await Exchange.SendAsync(nato, labelUrl);
        var revalidated = await Exchange.SendAsync(nato, labelUrl, labelBefore.ETag);

        Assert.True(versionReleased.SameAs(versionBefore), $"the version response changed with a release: {versionBefore.Headers} / {versionReleased.Headers}");
        Assert.Equal(["EU"], Parse(labelReleased.Text).ReleasableTo);
        Assert.NotEqual(labelBefore.ETag, labelReleased.ETag);
        Assert.Equal(200, revalidated.Status);

        await authority.RevokeAsync("stanag-9002", edition, "EU");
        Assert.True((await Exchange.SendAsync(nato, labelUrl)).SameAs(labelBefore), "revoking the release must restore the label byte for byte");
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>A label reduced to what the tests compare: the same for the XML and the JSON form.</summary>
    private sealed record Label(string Resource, string Policy, string Classification, string[] ReleasableTo, (string Policy, string Classification)[] Alternatives)
    {
        public bool Equals(Label? other) => other is not null && Resource == other.Resource && Policy == other.Policy && Classification == other.Classification
            && ReleasableTo.SequenceEqual(other.ReleasableTo) && Alternatives.SequenceEqual(other.Alternatives);

        public override int GetHashCode() => HashCode.Combine(Resource, Policy, Classification);
    }

    private static Label Parse(string xml)
    {
        var root = XDocument.Parse(xml).Root!;
        Assert.Equal(Reg + "ConfidentialityMetadata", root.Name);
        var originator = root.Element(Slab + "originatorConfidentialityLabel")!.Element(Slab + "ConfidentialityInformation")!;
        return new Label(
            root.Attribute("resource")!.Value,
            originator.Element(Slab + "PolicyIdentifier")!.Value,
            originator.Element(Slab + "Classification")!.Value,
            originator.Elements(Slab + "Category")
                .Where(c => c.Attribute("TagName")?.Value == "Releasable To" && c.Attribute("Type")?.Value == "PERMISSIVE")
                .SelectMany(c => c.Elements(Slab + "GenericValue").Select(v => v.Value))
                .ToArray(),
            root.Elements(Slab + "alternativeConfidentialityLabel")
                .Select(a => a.Element(Slab + "ConfidentialityInformation")!)
                .Select(i => (i.Element(Slab + "PolicyIdentifier")!.Value, i.Element(Slab + "Classification")!.Value))
                .ToArray());
    }

    private static Label FromJson(JsonObject json)
    {
        var originator = json["originatorConfidentialityLabel"]!["confidentialityInformation"]!;
        return new Label(
            json["resource"]!.GetValue<string>(),
            originator["policyIdentifier"]!.GetValue<string>(),
            originator["classification"]!.GetValue<string>(),
            originator["categories"]!.AsArray()
                .Where(c => c!["tagName"]!.GetValue<string>() == "Releasable To" && c["type"]!.GetValue<string>() == "PERMISSIVE")
                .SelectMany(c => c!["genericValues"]!.AsArray().Select(v => v!.GetValue<string>()))
                .ToArray(),
            json["alternativeConfidentialityLabels"]!.AsArray()
                .Select(a => a!["confidentialityInformation"]!)
                .Select(i => (i["policyIdentifier"]!.GetValue<string>(), i["classification"]!.GetValue<string>()))
                .ToArray());
    }

    private static async Task<string[]> ReleasableToAsync(HttpClient client, string key, int edition)
    {
        var xml = await GetLabelAsync(client, key, edition, Xml);
        await RegistryClient.Expect(xml, HttpStatusCode.OK);
        var json = await GetLabelAsync(client, key, edition, Json);
        await RegistryClient.Expect(json, HttpStatusCode.OK);
        var fromXml = Parse(await xml.Content.ReadAsStringAsync());
        Assert.Equal(fromXml, FromJson(await json.JsonAsync()));
        return fromXml.ReleasableTo;
    }

    internal static async Task<HttpResponseMessage> GetLabelAsync(HttpClient client, string key, int edition, string accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/standards/{key}/versions/{edition}/label");
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(accept));
        return await client.SendAsync(request);
    }

    private static async Task<Exchange> SendAsync(HttpClient client, string url, string accept, string? ifNoneMatch)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }
        using var response = await client.SendAsync(request);
        return await Exchange.OfAsync(url, response);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;
}

/// <summary>Content negotiation of the label: XML (STANAG 4774) or JSON, 406 for anything else, and caching by representation.</summary>
public sealed class ConfidentialityLabelNegotiationTests(SampleCatalogue<OnSqlite> catalogue) : IAsyncLifetime, IClassFixture<SampleCatalogue<OnSqlite>>
{
    private RegistryApp _app = null!;

    public async ValueTask InitializeAsync() => _app = await catalogue.StartTestAsync();

    public ValueTask DisposeAsync() => catalogue.EndTestAsync(_app);

    public static TheoryData<string?, string?> AcceptHeaders() => new()
    {
        { null, "application/xml" },
        { "*/*", "application/xml" },
        { "application/xml", "application/xml" },
        { "application/*", "application/xml" },
        { "application/json", "application/json" },
        { "application/json; charset=utf-8", "application/json" },
        { "application/xml;q=0.5, application/json", "application/json" },
        { "application/json, */*;q=0.1", "application/json" },
        { "text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8", "application/xml" },
        { "application/xml;q=0, */*", "application/json" },
        { "text/html", null },
        { "application/pdf, text/plain", null },
        { "text/xml", null },
        { "application/json;q=0, application/xml;q=0, text/xml;q=0", null },
    };

    [Theory]
    [MemberData(nameof(AcceptHeaders))]
    public async Task TheLabelIsServedAsXmlOrJsonByTheAcceptHeaderAndOtherwise406(string? accept, string? expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/standards/stanag-2310/versions/1/label");
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }
        var response = await _app.Anonymous().SendAsync(request);

        if (expected is null)
        {
            var problem = await ProblemAssertions.ProblemAsync(response, HttpStatusCode.NotAcceptable, "application/xml", "application/json");
            Assert.Null(response.Headers.ETag);
            Assert.False(problem.ContainsKey("errors"));
            return;
        }
        await RegistryClient.Expect(response, HttpStatusCode.OK);
        Assert.Equal(expected, response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        if (expected == "application/xml")
        {
            AssertValid(text, $"Accept {accept}");
        }
        else
        {
            Assert.Equal("NATO UNCLASSIFIED", JsonNode.Parse(text)!["originatorConfidentialityLabel"]!["confidentialityInformation"]!["classification"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task EachRepresentationHasItsOwnStrongETagAndRevalidates()
    {
        var anonymous = _app.Anonymous();
        var eu = _app.As(TestCaller.Eu("NS"));

        var xml = await ConfidentialityLabelTests.GetLabelAsync(anonymous, "stanag-2310", 1, "application/xml");
        var json = await ConfidentialityLabelTests.GetLabelAsync(anonymous, "stanag-2310", 1, "application/json");
        var identified = await ConfidentialityLabelTests.GetLabelAsync(eu, "stanag-2310", 1, "application/xml");

        Assert.False(xml.Headers.ETag!.IsWeak);
        Assert.NotEqual(xml.Headers.ETag, json.Headers.ETag);
        Assert.Equal(new[] { "Authorization", "Accept" }, xml.Headers.Vary.ToArray());
        Assert.Equal((true, false, true), (xml.Headers.CacheControl!.Public, xml.Headers.CacheControl.Private, xml.Headers.CacheControl.NoCache));
        Assert.Equal((false, true, true), (identified.Headers.CacheControl!.Public, identified.Headers.CacheControl.Private, identified.Headers.CacheControl.NoCache));
        // EU and PUBLIC labels of the same edition differ (Releasable To), and so do their tags.
        Assert.NotEqual(xml.Headers.ETag, identified.Headers.ETag);

        using var again = new HttpRequestMessage(HttpMethod.Get, "/v1/standards/stanag-2310/versions/1/label");
        again.Headers.TryAddWithoutValidation("Accept", "application/xml");
        again.Headers.TryAddWithoutValidation("If-None-Match", xml.Headers.ETag.Tag);
        var notModified = await anonymous.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

        using var otherRepresentation = new HttpRequestMessage(HttpMethod.Get, "/v1/standards/stanag-2310/versions/1/label");
        otherRepresentation.Headers.TryAddWithoutValidation("Accept", "application/json");
        otherRepresentation.Headers.TryAddWithoutValidation("If-None-Match", xml.Headers.ETag.Tag);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.SendAsync(otherRepresentation)).StatusCode);
    }

    [Fact]
    public async Task ANonNumericOrZeroEditionIsA400AndTheLatestAliasIsNotALabel()
    {
        var anonymous = _app.Anonymous();

        await ProblemAssertions.ErrorsAsync(await anonymous.GetAsync("/v1/standards/stanag-2310/versions/0/label"), "edition");
        var latest = await anonymous.GetAsync("/v1/standards/stanag-2310/versions/latest/label");
        Assert.Equal(HttpStatusCode.BadRequest, latest.StatusCode);
    }
}

/// <summary>The schemas in docs/stanag-4774 are strict enough that validating against them means something.</summary>
public sealed class ConfidentialityLabelSchemaTests
{
    private const string Valid = """
        <?xml version="1.0" encoding="utf-8"?>
        <reg:ConfidentialityMetadata xmlns:slab="urn:nato:stanag:4774:confidentialitymetadatalabel:1:0" resource="/v1/standards/stanag-2310/versions/2" xmlns:reg="urn:standards-registry:confidentiality-metadata:1">
          <slab:originatorConfidentialityLabel>
            <slab:ConfidentialityInformation>
              <slab:PolicyIdentifier>NATO</slab:PolicyIdentifier>
              <slab:Classification>NATO RESTRICTED</slab:Classification>
              <slab:Category TagName="Releasable To" Type="PERMISSIVE">
                <slab:GenericValue>EU</slab:GenericValue>
              </slab:Category>
            </slab:ConfidentialityInformation>
            <slab:CreationDateTime>2026-01-28T13:23:58.871Z</slab:CreationDateTime>
          </slab:originatorConfidentialityLabel>
          <slab:alternativeConfidentialityLabel>
            <slab:ConfidentialityInformation>
              <slab:PolicyIdentifier>EU</slab:PolicyIdentifier>
              <slab:Classification>RESTREINT UE/EU RESTRICTED</slab:Classification>
            </slab:ConfidentialityInformation>
          </slab:alternativeConfidentialityLabel>
        </reg:ConfidentialityMetadata>
        """;

    public static TheoryData<string, string, string> Breakages() => new()
    {
        { "a category without values", """<slab:GenericValue>EU</slab:GenericValue>""", "" },
        { "an unknown category type", "Type=\"PERMISSIVE\"", "Type=\"MAYBE\"" },
        { "no policy", "<slab:PolicyIdentifier>NATO</slab:PolicyIdentifier>", "" },
        { "an empty classification", "<slab:Classification>NATO RESTRICTED</slab:Classification>", "<slab:Classification></slab:Classification>" },
        { "a local time", "13:23:58.871Z", "13:23:58.871+01:00" },
        { "an element outside the schema", "<slab:CreationDateTime>", "<slab:Unknown>x</slab:Unknown><slab:CreationDateTime>" },
        { "the label in no namespace", "xmlns:slab=\"urn:nato:stanag:4774:confidentialitymetadatalabel:1:0\"", "xmlns:slab=\"urn:example:not-4774\"" },
        { "a root the schema does not declare", "reg:ConfidentialityMetadata", "reg:Labels" },
        { "a resource that is not a version", "/v1/standards/stanag-2310/versions/2", "https://example.org/" },
        { "the alternative before the originator", "<slab:originatorConfidentialityLabel>", "<slab:alternativeConfidentialityLabel><slab:ConfidentialityInformation><slab:PolicyIdentifier>EU</slab:PolicyIdentifier><slab:Classification>X</slab:Classification></slab:ConfidentialityInformation></slab:alternativeConfidentialityLabel><slab:originatorConfidentialityLabel>" },
    };

    [Fact]
    public void TheRegistrysLabelShapeValidates() => AssertValid(Valid, "the sample label");

    [Theory]
    [MemberData(nameof(Breakages))]
    public void TheSchemaRefusesALabelWith(string breakage, string replace, string with)
    {
        Assert.Contains(replace, Valid, StringComparison.Ordinal);
        var broken = Valid.Replace(replace, with, StringComparison.Ordinal);

        Assert.True(Problems(broken).Count > 0, $"a label with {breakage} validated");
    }
}
