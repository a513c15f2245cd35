using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using System.Text.Json.Nodes;
using StandardsRegistry.Api.Tests.Support;
using static StandardsRegistry.Api.Tests.Support.ProblemAssertions;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests;

/// <summary>The authorization suite's catalogue on one provider, seeded once for all its tests.</summary>
public sealed class AuthCatalogue<TProvider>() : SharedRegistry(TProvider.Provider) where TProvider : IProviderChoice
{
    protected override RegistryApp Create(TestProvider provider) => new RegistryApp(provider: provider).With("Webhooks:AllowedHosts:0", "127.0.0.1");

    protected override Task SeedAsync(RegistryApp app) => AuthTests.SeedAsync(app);
}

/// <summary>
/// Who may do what: anonymous callers read as PUBLIC, writes need the right role in the NATO community, and a
/// token that is broken in any way is a 401 everywhere, never a silent fall-back to a PUBLIC (or wider) view.
/// </summary>
public abstract class AuthTests(SharedRegistry catalogue) : IAsyncLifetime
{
    private RegistryApp _app = null!;
    private HttpClient _editor = null!;
    private HttpClient _authority = null!;

    public async ValueTask InitializeAsync()
    {
        _app = await catalogue.StartTestAsync();
        _editor = _app.As(TestCaller.Editor());
        _authority = _app.As(TestCaller.ReleaseAuthority());
    }

    public ValueTask DisposeAsync() => catalogue.EndTestAsync(_app);

    /// <summary>
    /// public-1: NU, released to PUBLIC and EU.            eu-nu:  NU, released to EU only.
    /// eu-nr:    NR, released to EU.                        eu-ns:  NS, released to EU.      eu-cts: CTS, released to EU.
    /// unreleased: NU, published, released to nobody.      draft-only: an NU draft.
    /// </summary>
    internal static async Task SeedAsync(RegistryApp app)
    {
        var editor = app.As(TestCaller.Editor());
        var authority = app.As(TestCaller.ReleaseAuthority());
        async Task PublishedAsync(string key, string classification, params string[] audiences)
        {
            await editor.CreateStandardAsync(key);
            var edition = await editor.CreateDraftAsync(key, classification);
            await editor.PublishAsync(key, edition);
            foreach (var audience in audiences)
            {
                await authority.ReleaseAsync(key, edition, audience);
            }
        }
        await PublishedAsync("public-1", "NU", "PUBLIC", "EU");
        await PublishedAsync("eu-nu", "NU", "EU");
        await PublishedAsync("eu-nr", "NR", "EU");
        await PublishedAsync("eu-ns", "NS", "EU");
        await PublishedAsync("eu-cts", "CTS", "EU");
        await PublishedAsync("unreleased", "NU");
        await editor.CreateStandardAsync("draft-only");
        await editor.CreateDraftAsync("draft-only");
    }

    // ---------------------------------------------------------------- anonymous

    [Fact]
    public async Task WithoutATokenACallerReadsAsPublicAndSeesOnlyUnclassifiedEditionsReleasedToPublic()
    {
        var anonymous = _app.Anonymous();

        Assert.Equal(["public-1"], await KeysAsync(anonymous));
        Assert.Equal(1, (await anonymous.GetJsonAsync("/v1/standards/public-1/versions/1"))["edition"]!.GetValue<int>());
        foreach (var hidden in new[] { "eu-nu", "eu-nr", "eu-ns", "eu-cts", "unreleased", "draft-only" })
        {
            await ProblemAsync(await anonymous.GetAsync($"/v1/standards/{hidden}"), HttpStatusCode.NotFound);
            await ProblemAsync(await anonymous.GetAsync($"/v1/standards/{hidden}/versions"), HttpStatusCode.NotFound);
            await ProblemAsync(await anonymous.GetAsync($"/v1/standards/{hidden}/versions/1"), HttpStatusCode.NotFound);
        }
    }

    [Fact]
    public async Task AnAuthenticatedPublicCallerClaimingAHighClearanceStillSeesOnlyWhatPublicMay()
    {
        var claimsTooMuch = _app.As(new TestCaller("someone", "PUBLIC", "CTS", "consumer", "editor", "release-authority"));

        Assert.Equal(["public-1"], await KeysAsync(claimsTooMuch));
        await ProblemAsync(await claimsTooMuch.PostAsJsonAsync("/v1/standards", NewStandard("public-write")), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task WritesWithoutATokenAreUnauthorizedAndWriteNothing()
    {
        var anonymous = _app.Anonymous();
        var before = await _editor.SnapshotAsync();

        foreach (var request in Writes("eu-nu"))
        {
            var response = await anonymous.SendAsync(request);
            await ProblemAsync(response, HttpStatusCode.Unauthorized);
            Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        }

        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    // ---------------------------------------------------------------- roles and communities

    public static TheoryData<string> Consumers => ["eu-consumer", "nato-consumer", "eu-editor", "eu-admin", "nato-no-roles"];

    private static TestCaller Named(string name) => name switch
    {
        "eu-consumer" => TestCaller.Eu("CTS"),
        "nato-consumer" => TestCaller.NatoReader("CTS"),
        "eu-editor" => new TestCaller("editor@eu", "EU", "CTS", "editor", "consumer"),
        "eu-admin" => new TestCaller("admin@eu", "EU", "CTS", "admin"),
        "nato-no-roles" => new TestCaller("nobody@nato", "NATO", "CTS"),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Consumers))]
    public async Task CallersWithoutAWritingRoleAreForbiddenToCreatePublishWithdrawOrRelease(string caller)
    {
        var client = _app.As(Named(caller));
        var before = await _editor.SnapshotAsync();

        foreach (var request in Writes("eu-nu"))
        {
            await ProblemAsync(await client.SendAsync(request), HttpStatusCode.Forbidden);
        }

        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Fact]
    public async Task AReleaseAuthorityIsForbiddenToEdit()
    {
        var before = await _editor.SnapshotAsync();
        var etag = (await _editor.GetAsync("/v1/standards/draft-only/versions/1")).Headers.ETag!.Tag;

        await ProblemAsync(await _authority.PostAsJsonAsync("/v1/standards", NewStandard("by-authority")), HttpStatusCode.Forbidden);
        await ProblemAsync(await _authority.PostAsJsonAsync("/v1/standards/draft-only/versions", Draft()), HttpStatusCode.Forbidden);
        await ProblemAsync(await _authority.SendAsync(new HttpRequestMessage(HttpMethod.Put, "/v1/standards/draft-only/versions/1")
        {
            Content = JsonContent.Create(Draft()),
            Headers = { IfMatch = { EntityTagHeaderValue.Parse(etag) } },
        }), HttpStatusCode.Forbidden);
        await ProblemAsync(await _authority.PostAsync("/v1/standards/draft-only/versions/1/publish", null), HttpStatusCode.Forbidden);
        await ProblemAsync(await _authority.PostAsJsonAsync("/v1/standards/eu-nu/versions/1/withdraw", new { reason = "Obsolete." }), HttpStatusCode.Forbidden);

        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Fact]
    public async Task AnEditorIsForbiddenToReleaseOrRevoke()
    {
        var before = await _editor.SnapshotAsync();

        await ProblemAsync(await _editor.PutAsJsonAsync("/v1/standards/unreleased/versions/1/releases/EU", new { reason = "Needed." }), HttpStatusCode.Forbidden);
        await ProblemAsync(await _editor.DeleteAsync("/v1/standards/eu-nu/versions/1/releases/EU"), HttpStatusCode.Forbidden);

        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Fact]
    public async Task AnEuPrincipalWithTheReleaseAuthorityRoleIsForbiddenToReleaseOrRevoke()
    {
        var euAuthority = _app.As(new TestCaller("ra@eu", "EU", "CTS", "release-authority"));
        var before = await _editor.SnapshotAsync();

        await ProblemAsync(await euAuthority.PutAsJsonAsync("/v1/standards/unreleased/versions/1/releases/EU", new { reason = "We want it." }), HttpStatusCode.Forbidden);
        await ProblemAsync(await euAuthority.PutAsJsonAsync("/v1/standards/eu-nu/versions/1/releases/PUBLIC", new { reason = "We want it public." }), HttpStatusCode.Forbidden);
        await ProblemAsync(await euAuthority.DeleteAsync("/v1/standards/eu-nu/versions/1/releases/EU"), HttpStatusCode.Forbidden);

        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Fact]
    public async Task TheReleaseHistoryIsForNatoOnly()
    {
        var nato = _app.As(TestCaller.NatoReader("NR"));

        var history = JsonNode.Parse(await nato.GetStringAsync("/v1/standards/public-1/versions/1/releases"))!.AsArray();
        Assert.Equal(["PUBLIC", "EU"], history.Select(r => r!["audience"]!.GetValue<string>()));
        Assert.All(history, r => Assert.Equal("active", r!["state"]!.GetValue<string>()));
        Assert.All(history, r => Assert.Equal("ra@nato", r!["releasedBy"]!.GetValue<string>()));

        await ProblemAsync(await _app.As(TestCaller.Eu("CTS")).GetAsync("/v1/standards/public-1/versions/1/releases"), HttpStatusCode.Forbidden);
        await ProblemAsync(await _app.As(new TestCaller("ra@eu", "EU", "CTS", "release-authority")).GetAsync("/v1/standards/public-1/versions/1/releases"), HttpStatusCode.Forbidden);
        await ProblemAsync(await _app.As(TestCaller.Public()).GetAsync("/v1/standards/public-1/versions/1/releases"), HttpStatusCode.Forbidden);
        await ProblemAsync(await _app.Anonymous().GetAsync("/v1/standards/public-1/versions/1/releases"), HttpStatusCode.Unauthorized);

        // Within NATO, the history of an edition above the reader's clearance does not exist for it.
        await ProblemAsync(await nato.GetAsync("/v1/standards/eu-ns/versions/1/releases"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TheReleaseHistoryOfADraftDoesNotExistForANatoReaderWhoIsNoEditor()
    {
        // Drafts are for editors (docs/design.md §1.5): to any other NATO reader a draft's history is the one 404 of
        // something that does not exist, not an empty list that gives the draft away.
        var nato = _app.As(TestCaller.NatoReader("CTS"));
        var absent = await nato.GetAsync("/v1/standards/draft-only/versions/2/releases");
        var draft = await nato.GetAsync("/v1/standards/draft-only/versions/1/releases");

        await ProblemAsync(absent, HttpStatusCode.NotFound);
        await ProblemAsync(draft, HttpStatusCode.NotFound);
        Assert.Equal(await absent.Content.ReadAsStringAsync(), await draft.Content.ReadAsStringAsync());
        Assert.Empty(await _editor.GetJsonArrayAsync("/v1/standards/draft-only/versions/1/releases"));
    }

    // ---------------------------------------------------------------- broken tokens

    public static TheoryData<string> BrokenTokens =>
        ["expired", "other-key", "wrong-issuer", "wrong-audience", "alg-none", "alg-none-no-dot", "no-signature", "tampered-payload", "not-a-jwt", "empty",
         "alg-none-in-capitals", "alg-swapped-to-hs512", "alg-swapped-to-rs256", "kid-path-injection", "jku-to-elsewhere", "not-yet-valid", "no-expiry",
         "issuer-with-trailing-space", "audience-array-without-ours", "jwe-shaped", "two-tokens", "huge-signature",
         "expired-two-minutes-ago", "valid-in-two-minutes"];

    internal static string Broken(string kind)
    {
        var claims = TestCaller.Editor().Claims().ToList();
        return kind switch
        {
            "expired" => Tokens.Create(claims, expires: DateTime.UtcNow.AddMinutes(-30)),
            "other-key" => Tokens.Create(claims, key: System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            "wrong-issuer" => Tokens.Create(claims, issuer: "someone-else"),
            "wrong-audience" => Tokens.Create(claims, audience: "another-service"),
            "alg-none" => Unsigned(withTrailingDot: true),
            "alg-none-no-dot" => Unsigned(withTrailingDot: false),
            "no-signature" => string.Join('.', Tokens.Create(claims).Split('.')[..2]) + ".",
            "tampered-payload" => Tampered(Tokens.Create(TestCaller.Eu("NU").Claims())),
            "not-a-jwt" => "not-a-jwt",
            "empty" => "",
            "alg-none-in-capitals" => Unsigned(withTrailingDot: true).Replace(B64("""{"alg":"none","typ":"JWT"}"""), B64("""{"alg":"NONE","typ":"JWT"}"""), StringComparison.Ordinal),
            "alg-swapped-to-hs512" => WithHeader(Tokens.Create(claims), """{"alg":"HS512","typ":"JWT"}"""),
            "alg-swapped-to-rs256" => WithHeader(Tokens.Create(claims), """{"alg":"RS256","typ":"JWT"}"""),
            // Signed with the attacker's key, pointing the key lookup elsewhere: the registry uses only its own keys.
            "kid-path-injection" => Tokens.FromPayload(EditorPayload, new Dictionary<string, object> { ["kid"] = "../../../../dev/null" }, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            "jku-to-elsewhere" => Tokens.FromPayload(EditorPayload, new Dictionary<string, object> { ["jku"] = "https://attacker.example/jwks.json" }, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            "not-yet-valid" => Tokens.FromPayload(EditorPayload.Replace("{", $$"""{"nbf":{{DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()}},"exp":{{DateTimeOffset.UtcNow.AddHours(2).ToUnixTimeSeconds()}},""", StringComparison.Ordinal)),
            "no-expiry" => WithoutExpiry(),
            // Within the framework's default clock skew (five minutes), which accepted both: an expired token lived five
            // minutes longer than its issuer said. One minute is tolerated, as for a release's effective time.
            "expired-two-minutes-ago" => Tokens.FromPayload(EditorPayload.Replace("{", $$"""{"nbf":{{DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds()}},"exp":{{DateTimeOffset.UtcNow.AddMinutes(-2).ToUnixTimeSeconds()}},""", StringComparison.Ordinal)),
            "valid-in-two-minutes" => Tokens.FromPayload(EditorPayload.Replace("{", $$"""{"nbf":{{DateTimeOffset.UtcNow.AddMinutes(2).ToUnixTimeSeconds()}},""", StringComparison.Ordinal)),
            "issuer-with-trailing-space" => Tokens.Create(claims, issuer: Tokens.Issuer + " "),
            "audience-array-without-ours" => Tokens.FromPayload(EditorPayload.Replace("{", """{"aud":["another-service","standards-registry "],""", StringComparison.Ordinal)),
            "jwe-shaped" => string.Join('.', Enumerable.Repeat(B64("""{"alg":"dir","enc":"A256GCM"}"""), 5)),
            "two-tokens" => Tokens.Create(claims) + " " + Tokens.Create(claims),
            "huge-signature" => string.Join('.', Tokens.Create(claims).Split('.')[..2]) + "." + new string('A', 8_000),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    private const string EditorPayload = """{"sub":"editor@nato","community":"NATO","clearance":"CTS","role":["editor","release-authority"]}""";

    /// <summary>A validly signed token whose header is swapped, keeping payload and signature.</summary>
    private static string WithHeader(string token, string header) => $"{B64(header)}.{token[(token.IndexOf('.', StringComparison.Ordinal) + 1)..]}";

    /// <summary>A validly signed editor's token with no <c>exp</c>: tokens must expire.</summary>
    private static string WithoutExpiry()
    {
        var payload = JsonNode.Parse(EditorPayload)!.AsObject();
        payload["exp"] = null;
        var token = Tokens.FromPayload(payload.ToJsonString());
        Assert.DoesNotContain("\"exp\"", Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(token.Split('.')[1])), StringComparison.Ordinal);
        return token;
    }

    /// <summary>A hand-made unsigned token: header {"alg":"none","typ":"JWT"}, an editor's payload, no signature.</summary>
    private static string Unsigned(bool withTrailingDot)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = B64("""{"alg":"none","typ":"JWT"}""");
        var payload = B64($$"""{"iss":"{{Tokens.Issuer}}","aud":"{{Tokens.Audience}}","sub":"editor@nato","community":"NATO","clearance":"CTS","role":["editor","release-authority"],"nbf":{{now - 60}},"iat":{{now - 60}},"exp":{{now + 3600}}}""");
        return withTrailingDot ? $"{header}.{payload}." : $"{header}.{payload}";
    }

    /// <summary>A validly signed EU token whose payload is swapped for a NATO editor's, keeping the signature.</summary>
    private static string Tampered(string token)
    {
        var parts = token.Split('.');
        var payload = JsonNode.Parse(Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1])))!.AsObject();
        payload["community"] = "NATO";
        payload["role"] = "editor";
        payload["clearance"] = "CTS";
        return $"{parts[0]}.{B64(payload.ToJsonString())}.{parts[2]}";
    }

    private static string B64(string json) => System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));

    [Theory]
    [MemberData(nameof(BrokenTokens))]
    public async Task ABrokenTokenIsUnauthorizedEvenWhereAnonymousCallersMayRead(string kind)
    {
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"Bearer {Broken(kind)}");
        var before = await _editor.SnapshotAsync();

        foreach (var url in ReadUrls)
        {
            var response = await client.GetAsync(url);
            await ProblemAsync(response, HttpStatusCode.Unauthorized);
            Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        }
        foreach (var request in Writes("eu-nu"))
        {
            await ProblemAsync(await client.SendAsync(request), HttpStatusCode.Unauthorized);
        }

        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Theory]
    [InlineData("Basic ZWRpdG9yOnNlY3JldA==")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("bearer garbage")]
    [InlineData("Negotiate abc")]
    [InlineData("garbage")]
    public async Task AnAuthorizationHeaderThatIsNotAValidBearerTokenIsUnauthorized(string header)
    {
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", header);

        foreach (var url in ReadUrls)
        {
            await ProblemAsync(await client.GetAsync(url), HttpStatusCode.Unauthorized);
        }
    }

    // ---------------------------------------------------------------- unsound claims

    public static TheoryData<string> UnsoundClaims =>
        ["clearance TOP-SECRET-ISH", "clearance empty", "clearance with a trailing space", "community MARS", "community nato in lower case", "community empty",
         "no community", "two communities", "two clearances", "two communities one of them NATO",
         "community CONTRACTORS (no such audience)", "community EU with a trailing space", "community Public in mixed case", "community NATO in Cyrillic look-alikes",
         "clearance NATO TOP SECRET", "clearance CONFIDENTIAL without a scheme", "clearance TS", "clearance NS with a NUL", "clearance in full-width letters",
         "two subjects", "no subject", "subject empty", "subject anonymous", "subject of a webhook delivery", "subject of the sample catalogue", "subject of the audit trail",
         "subject with a NUL", "subject with a line break"];

    internal static IEnumerable<Claim> Unsound(string kind) => kind switch
    {
        "clearance TOP-SECRET-ISH" => [new("sub", "x"), new("community", "NATO"), new("clearance", "TOP-SECRET-ISH"), new("role", "editor")],
        "clearance empty" => [new("sub", "x"), new("community", "NATO"), new("clearance", ""), new("role", "editor")],
        "clearance with a trailing space" => [new("sub", "x"), new("community", "NATO"), new("clearance", "NS "), new("role", "editor")],
        "community MARS" => [new("sub", "x"), new("community", "MARS"), new("clearance", "CTS"), new("role", "consumer")],
        "community nato in lower case" => [new("sub", "x"), new("community", "nato"), new("clearance", "CTS"), new("role", "editor")],
        "community empty" => [new("sub", "x"), new("community", ""), new("clearance", "CTS"), new("role", "consumer")],
        "no community" => [new("sub", "x"), new("clearance", "CTS"), new("role", "editor")],
        "two communities" => [new("sub", "x"), new("community", "EU"), new("community", "PUBLIC"), new("clearance", "NU"), new("role", "consumer")],
        "two clearances" => [new("sub", "x"), new("community", "EU"), new("clearance", "NU"), new("clearance", "CTS"), new("role", "consumer")],
        "two communities one of them NATO" => [new("sub", "x"), new("community", "EU"), new("community", "NATO"), new("clearance", "CTS"), new("role", "editor")],
        "community CONTRACTORS (no such audience)" => [new("sub", "x"), new("community", "CONTRACTORS"), new("clearance", "NU"), new("role", "consumer")],
        "community EU with a trailing space" => [new("sub", "x"), new("community", "EU "), new("clearance", "NU"), new("role", "consumer")],
        "community Public in mixed case" => [new("sub", "x"), new("community", "Public"), new("role", "consumer")],
        "community NATO in Cyrillic look-alikes" => [new("sub", "x"), new("community", "NАТО"), new("clearance", "CTS"), new("role", "editor")],
        "clearance NATO TOP SECRET" => [new("sub", "x"), new("community", "NATO"), new("clearance", "NATO TOP SECRET"), new("role", "editor")],
        "clearance CONFIDENTIAL without a scheme" => [new("sub", "x"), new("community", "EU"), new("clearance", "CONFIDENTIAL"), new("role", "consumer")],
        "clearance TS" => [new("sub", "x"), new("community", "EU"), new("clearance", "TS"), new("role", "consumer")],
        "clearance NS with a NUL" => [new("sub", "x"), new("community", "NATO"), new("clearance", "NS\0"), new("role", "editor")],
        "clearance in full-width letters" => [new("sub", "x"), new("community", "NATO"), new("clearance", "ＣＴＳ"), new("role", "editor")],
        "two subjects" => [new("sub", "x"), new("sub", "y"), new("community", "NATO"), new("clearance", "CTS"), new("role", "editor")],
        // Every entry of the trail names who acted, and a token is never taken for one of the registry's own actors.
        "no subject" => [new("community", "NATO"), new("clearance", "CTS"), new("role", "editor")],
        "subject empty" => [new("sub", ""), new("community", "NATO"), new("clearance", "CTS"), new("role", "editor")],
        "subject anonymous" => [new("sub", "anonymous"), new("community", "PUBLIC"), new("role", "consumer")],
        "subject of a webhook delivery" => [new("sub", "subscription:1"), new("community", "EU"), new("clearance", "CTS"), new("role", "consumer")],
        "subject of the sample catalogue" => [new("sub", "sample-catalogue"), new("community", "NATO"), new("clearance", "CTS"), new("role", "editor")],
        // The trail's own entries (an outage, reads unrecorded) are recorded under audit-trail.
        "subject of the audit trail" => [new("sub", "audit-trail"), new("community", "NATO"), new("clearance", "CTS"), new("role", "auditor")],
        // The trail records the subject as sent: a NUL is a text PostgreSQL cannot store, and the batch holding it, and every
        // entry after it, could not be written.
        "subject with a NUL" => [new("sub", "x\0y"), new("community", "EU"), new("clearance", "NU"), new("role", "consumer")],
        "subject with a line break" => [new("sub", "x\ny"), new("community", "NATO"), new("clearance", "CTS"), new("role", "editor")],
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(UnsoundClaims))]
    public async Task ATokenWithUnsoundClaimsIsUnauthorizedAndNeverAWiderView(string kind)
    {
        var client = _app.WithToken(Tokens.Create(Unsound(kind)));
        var before = await _editor.SnapshotAsync();

        foreach (var url in ReadUrls)
        {
            await ProblemAsync(await client.GetAsync(url), HttpStatusCode.Unauthorized);
        }
        foreach (var request in Writes("eu-nu"))
        {
            await ProblemAsync(await client.SendAsync(request), HttpStatusCode.Unauthorized);
        }

        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    /// <summary>Signed tokens whose registry claims have the wrong JSON type (or are repeated with conflicting values).</summary>
    public static TheoryData<string> WrongTypePayloads =>
    [
        """{"sub":"x","community":5,"clearance":"CTS","role":"editor"}""",
        """{"sub":"x","community":true,"clearance":"CTS","role":"editor"}""",
        """{"sub":"x","community":{"name":"NATO"},"clearance":"CTS","role":"editor"}""",
        """{"sub":"x","community":["EU","NATO"],"clearance":"CTS","role":"editor"}""",
        """{"sub":"x","community":[["NATO"]],"clearance":"CTS","role":"editor"}""",
        """{"sub":"x","community":null,"clearance":"CTS","role":"editor"}""",
        """{"sub":"x","community":"NATO","clearance":3,"role":"editor"}""",
        """{"sub":"x","community":"NATO","clearance":4.0,"role":"editor"}""",
        """{"sub":"x","community":"NATO","clearance":true,"role":"editor"}""",
        """{"sub":"x","community":"NATO","clearance":{"level":"CTS"},"role":"editor"}""",
        """{"sub":"x","community":"NATO","clearance":["NU","CTS"],"role":"editor"}""",
        """{"sub":["x","y"],"community":"NATO","clearance":"CTS","role":"editor"}""",
        """{"sub":"","community":"NATO","clearance":"CTS","role":"editor"}""",
        """{"sub":{"id":"x"},"community":"NATO","clearance":"CTS","role":"editor"}""",
    ];

    [Theory]
    [MemberData(nameof(WrongTypePayloads))]
    public async Task ATokenWhoseClaimsHaveTheWrongTypeIsUnauthorizedAndWritesNothing(string payload)
    {
        var client = _app.WithToken(Tokens.FromPayload(payload));
        var before = await _editor.SnapshotAsync();

        foreach (var url in ReadUrls)
        {
            await ProblemAsync(await client.GetAsync(url), HttpStatusCode.Unauthorized);
        }
        foreach (var request in Writes("eu-nu"))
        {
            await ProblemAsync(await client.SendAsync(request), HttpStatusCode.Unauthorized);
        }

        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Theory]
    [InlineData("""{"sub":"x","community":"NATO","clearance":"CTS","role":{"editor":true}}""")]
    [InlineData("""{"sub":"x","community":"NATO","clearance":"CTS","role":5}""")]
    [InlineData("""{"sub":"x","community":"NATO","clearance":"CTS","role":["Editor","EDITOR","editor ","release_authority"]}""")]
    public async Task ARoleClaimOfTheWrongTypeOrSpellingGrantsNothing(string payload)
    {
        var client = _app.WithToken(Tokens.FromPayload(payload));
        var before = await _editor.SnapshotAsync();

        // A NATO reader: published editions up to its clearance, no drafts, no writes.
        Assert.DoesNotContain("draft-only", await KeysAsync(client));
        foreach (var request in Writes("eu-nu"))
        {
            await ProblemAsync(await client.SendAsync(request), HttpStatusCode.Forbidden);
        }

        Assert.Equal(before, await _editor.SnapshotAsync());
    }

    [Fact]
    public async Task TheSameClaimRepeatedWithTheSameValueIsNotAConflict()
    {
        var client = _app.WithToken(Tokens.Create([new("sub", "x"), new("community", "EU"), new("community", "EU"), new("clearance", "NR"), new("clearance", "NR"), new("role", "consumer")]));

        Assert.Equal(["eu-nr", "eu-nu", "public-1"], await KeysAsync(client));
    }

    [Fact]
    public async Task AnEuTokenWithoutAClearanceSeesOnlyUnclassifiedReleases()
    {
        var client = _app.As(new TestCaller("no-clearance@eu", "EU", null, "consumer"));

        Assert.Equal(["eu-nu", "public-1"], await KeysAsync(client));
    }

    // ---------------------------------------------------------------- clearances in either scheme

    [Theory]
    [InlineData("SECRET UE/EU SECRET")]
    [InlineData("EU SECRET")]
    [InlineData("SECRET UE")]
    [InlineData("NATO SECRET")]
    [InlineData("NS")]
    public async Task AnEuConsumerClearedForSecretInEitherSpellingSeesReleasesUpToSecret(string clearance)
    {
        var eu = _app.As(TestCaller.Eu(clearance));

        Assert.Equal(["eu-nr", "eu-ns", "eu-nu", "public-1"], await KeysAsync(eu));
        var ns = await eu.GetJsonAsync("/v1/standards/eu-ns/versions/1");
        Assert.Equal("NS", ns["classification"]!.GetValue<string>());
        Assert.Equal("SECRET UE/EU SECRET", ns["equivalentMarking"]!.GetValue<string>());
        await ProblemAsync(await eu.GetAsync("/v1/standards/eu-cts/versions/1"), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("SECRET UE/EU SECRET")]
    [InlineData("EU SECRET")]
    [InlineData("NATO SECRET")]
    public async Task ANatoReaderClearedForSecretInEitherSpellingSeesEverythingPublishedUpToSecret(string clearance)
    {
        var nato = _app.As(TestCaller.NatoReader(clearance));

        Assert.Equal(["eu-nr", "eu-ns", "eu-nu", "public-1", "unreleased"], await KeysAsync(nato));
        Assert.Null((await nato.GetJsonAsync("/v1/standards/eu-ns/versions/1"))["equivalentMarking"]);
        await ProblemAsync(await nato.GetAsync("/v1/standards/eu-cts/versions/1"), HttpStatusCode.NotFound);
        await ProblemAsync(await nato.GetAsync("/v1/standards/draft-only/versions/1"), HttpStatusCode.NotFound);
    }

    [Writes]
    [Fact]
    public async Task AnEditorCannotMarkADraftAboveTheirClearance()
    {
        var editor = _app.As(TestCaller.Editor("SECRET UE/EU SECRET"));
        var before = await _editor.SnapshotAsync();

        await ProblemAsync(await editor.PostAsJsonAsync("/v1/standards/draft-only/versions", Draft("COSMIC TOP SECRET")), HttpStatusCode.Forbidden);
        // Nor by replacing a draft it may change: the replacement's marking is held to the clearance too.
        var etag = (await editor.GetAsync("/v1/standards/draft-only/versions/1")).Headers.ETag!.Tag;
        await ProblemAsync(await editor.SendAsync(new HttpRequestMessage(HttpMethod.Put, "/v1/standards/draft-only/versions/1")
        {
            Content = JsonContent.Create(Draft("COSMIC TOP SECRET")),
            Headers = { IfMatch = { EntityTagHeaderValue.Parse(etag) } },
        }), HttpStatusCode.Forbidden);

        Assert.Equal(before, await _editor.SnapshotAsync());
        await RegistryClient.Expect(await editor.PostAsJsonAsync("/v1/standards/draft-only/versions", Draft("EU SECRET")), HttpStatusCode.Created);
    }

    // ---------------------------------------------------------------- one principal: claim names compared one way

    /// <summary>
    /// Signed tokens that name a registry claim in another case — beside the lower-case name (the attack: PUBLIC or EU
    /// read by the registry, NATO matched by a case-insensitive policy) or alone — or twice in the payload.
    /// </summary>
    public static TheoryData<string> MisspeltOrRepeatedClaimNames =>
    [
        """ "sub":"x","community":"PUBLIC","Community":"NATO","clearance":"CTS","role":["editor","release-authority","admin"]""",
        """ "sub":"x","community":"EU","Community":"NATO","clearance":"CTS","role":["editor","release-authority","admin"]""",
        """ "sub":"x","community":"EU","COMMUNITY":"NATO","clearance":"CTS","role":["editor","release-authority","admin"]""",
        """ "sub":"x","community":"EU","cOmMuNiTy":"NATO","clearance":"CTS","role":["editor","release-authority","admin"]""",
        """ "sub":"x","Community":"NATO","clearance":"CTS","role":["editor","release-authority","admin"]""",
        """ "sub":"x","community":"NATO","clearance":"NU","Clearance":"CTS","role":["editor","release-authority","admin"]""",
        """ "sub":"x","community":"NATO","clearance":"CTS","role":"consumer","Role":["editor","release-authority","admin"]""",
        """ "sub":"x","community":"NATO","clearance":"CTS","ROLE":["editor","release-authority","admin"]""",
        """ "sub":"x","SUB":"admin@nato","community":"NATO","clearance":"CTS","role":["editor","release-authority","admin"]""",
        """ "sub":"x","community":"EU","community":"NATO","clearance":"CTS","role":["editor","release-authority","admin"]""",
        """ "sub":"x","community":"NATO","clearance":"NU","clearance":"CTS","role":["editor","release-authority","admin"]""",
        """ "sub":"x","community":"NATO","clearance":"CTS","role":"consumer","role":["editor","release-authority","admin"]""",
    ];

    [Theory]
    [MemberData(nameof(MisspeltOrRepeatedClaimNames))]
    public async Task ATokenNamingARegistryClaimInAnotherCaseOrTwiceIsUnauthorizedEverywhereAndWritesNothing(string members)
    {
        var client = _app.WithToken(Tokens.FromRawPayload(members));
        var before = await _editor.SnapshotAsync();
        var admin = _app.As(TestCaller.Admin());
        var trail = (await admin.SettledAuditTrailAsync())[^1]["sequence"]!.GetValue<long>();

        foreach (var url in ReadUrls.Concat(["/v1/audit", "/v1/audit/verify", "/v1/subscriptions", "/v1/feed"]))
        {
            await ProblemAsync(await client.GetAsync(url), HttpStatusCode.Unauthorized);
        }
        foreach (var request in Writes("eu-nu"))
        {
            await ProblemAsync(await client.SendAsync(request), HttpStatusCode.Unauthorized);
        }
        await ProblemAsync(await client.PostAsJsonAsync("/v1/subscriptions", new { audience = "PUBLIC", url = "http://127.0.0.1:9/hook", secret = "0123456789abcdef" }), HttpStatusCode.Unauthorized);

        Assert.Equal(before, await _editor.SnapshotAsync());
        Assert.Empty(await admin.GetJsonArrayAsync("/v1/subscriptions"));
        // Whatever was recorded of the refused requests is a 401 that acted as nobody (the rest is the test's own reads).
        var entries = (await admin.SettledAuditTrailAsync()).Where(e => e["sequence"]!.GetValue<long>() > trail).ToList();
        Assert.Contains(entries, e => e["status"]!.GetValue<int>() == 401);
        Assert.All(entries, e => Assert.True(e["subject"]!.GetValue<string>() is "admin@nato" or "editor@nato" || e["status"]!.GetValue<int>() == 401, e.ToJsonString()));
    }

    [Fact]
    public async Task TheSameTokenWithItsClaimNamesInLowerCaseOnceIsAccepted()
    {
        var client = _app.WithToken(Tokens.FromRawPayload(""" "sub":"x","community":"NATO","clearance":"CTS","role":["editor","release-authority","admin"]"""));

        Assert.Contains("draft-only", await KeysAsync(client));
        await RegistryClient.Expect(await client.GetAsync("/v1/audit"), HttpStatusCode.OK);
    }

    // ---------------------------------------------------------------- NATO clearance on every route

    public static TheoryData<string> ClearancesBelowSystemHigh => ["none", "NU", "NR", "NC", "NS", "SECRET UE/EU SECRET"];

    [Theory]
    [MemberData(nameof(ClearancesBelowSystemHigh))]
    public async Task TheAuditTrailIsReadAndVerifiedOnlyByAdminsClearedToCosmicTopSecret(string clearance)
    {
        var admin = _app.As(new TestCaller("low-admin@nato", "NATO", clearance == "none" ? null : clearance, "admin"));
        var auditor = _app.As(new TestCaller("auditor@nato", "NATO", "COSMIC TOP SECRET", "admin"));

        foreach (var url in new[] { "/v1/audit", "/v1/audit?key=eu-cts", "/v1/audit/verify" })
        {
            var refused = await ProblemAsync(await admin.GetAsync(url), HttpStatusCode.Forbidden);
            Assert.DoesNotContain("eu-cts", refused.ToJsonString(), StringComparison.Ordinal);
        }

        var entries = (await auditor.GetJsonAsync("/v1/audit?key=eu-cts"))["items"]!.AsArray();
        Assert.Contains(entries, e => e!["classification"]?.GetValue<string>() == "CTS");
        Assert.True((await auditor.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>());
    }

    [Writes]
    [Theory]
    [InlineData(null)]
    [InlineData("NU")]
    [InlineData("NS")]
    public async Task AnAdminBelowAnAudiencesCeilingCanNeitherRegisterNorSeeNorManageItsSubscriptions(string? clearance)
    {
        var low = _app.As(new TestCaller("low-admin@nato", "NATO", clearance, "admin"));
        var high = _app.As(TestCaller.Admin());
        var euHook = new { audience = "EU", url = "http://127.0.0.1:9/eu-hook", secret = "0123456789abcdef" };

        // EU is accredited up to COSMIC TOP SECRET (its deliveries carry what EU may read): registering needs that clearance.
        var refused = await ProblemAsync(await low.PostAsJsonAsync("/v1/subscriptions", euHook), HttpStatusCode.Forbidden);
        Assert.DoesNotContain("eu-", refused["detail"]!.GetValue<string>().Replace("eu-hook", "", StringComparison.Ordinal), StringComparison.Ordinal);
        // INDUSTRY is accredited up to NATO RESTRICTED: an admin without a clearance claim holds none (read as NU, never
        // more), so it may not register INDUSTRY either; one cleared NS may.
        var industry = await low.PostAsJsonAsync("/v1/subscriptions", new { audience = "INDUSTRY", url = "http://127.0.0.1:9/industry-hook", secret = "0123456789abcdef" });
        await RegistryClient.Expect(industry, clearance == "NS" ? HttpStatusCode.Created : HttpStatusCode.Forbidden);
        if (clearance == "NS")
        {
            await RegistryClient.Expect(await high.DeleteAsync($"/v1/subscriptions/{(await industry.JsonAsync())["id"]!.GetValue<string>()}"), HttpStatusCode.NoContent);
        }
        Assert.Empty(await high.GetJsonArrayAsync("/v1/subscriptions"));

        var created = await high.PostAsJsonAsync("/v1/subscriptions", euHook);
        await RegistryClient.Expect(created, HttpStatusCode.Created);
        var id = (await created.JsonAsync())["id"]!.GetValue<string>();
        var publicHook = await low.PostAsJsonAsync("/v1/subscriptions", new { audience = "PUBLIC", url = "http://127.0.0.1:9/public-hook", secret = "0123456789abcdef" });
        await RegistryClient.Expect(publicHook, HttpStatusCode.Created);
        var publicId = (await publicHook.JsonAsync())["id"]!.GetValue<string>();

        // To the low admin the EU subscription is the 404 of one that does not exist; the PUBLIC one it manages.
        Assert.Equal([publicId], (await low.GetJsonArrayAsync("/v1/subscriptions")).Select(s => s!["id"]!.GetValue<string>()));
        var absentId = Guid.NewGuid().ToString();
        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
        {
            (HttpMethod.Get, "", null), (HttpMethod.Post, "/pause", null), (HttpMethod.Post, "/resume", null),
            (HttpMethod.Post, "/redeliver", new { fromSequence = 1 }), (HttpMethod.Delete, "", null),
        })
        {
            var hidden = await low.SendAsync(new HttpRequestMessage(method, $"/v1/subscriptions/{id}{path}") { Content = body is null ? null : JsonContent.Create(body) });
            var absent = await low.SendAsync(new HttpRequestMessage(method, $"/v1/subscriptions/{absentId}{path}") { Content = body is null ? null : JsonContent.Create(body) });
            await ProblemAsync(hidden, HttpStatusCode.NotFound);
            Assert.Equal(await absent.Content.ReadAsStringAsync(), await hidden.Content.ReadAsStringAsync());
        }
        var still = await high.GetJsonAsync($"/v1/subscriptions/{id}");
        Assert.Equal("active", still["state"]!.GetValue<string>());
        await RegistryClient.Expect(await low.PostAsync($"/v1/subscriptions/{publicId}/pause", null), HttpStatusCode.OK);
    }

    /// <summary>
    /// A standard with an edition above a NATO editor's clearance: the editor may not write to it, and is answered as
    /// for an absent standard — not "a later edition has been published", not an edition number past the hidden ones.
    /// </summary>
    [Writes]
    [Fact]
    public async Task AnEditorBelowAnEditionsMarkingWritesToItsStandardAsToAnAbsentOne()
    {
        var ctsEditor = _app.As(TestCaller.Editor("CTS"));
        await ctsEditor.CreateStandardAsync("mixed");
        Assert.Equal(1, await ctsEditor.CreateDraftAsync("mixed", "NR"));
        Assert.Equal(2, await ctsEditor.CreateDraftAsync("mixed", "NS"));
        await ctsEditor.PublishAsync("mixed", 2);
        await _authority.ReleaseAsync("mixed", 2, "EU");
        // A control: the same shape with nothing above NR.
        await ctsEditor.CreateStandardAsync("plain");
        Assert.Equal(1, await ctsEditor.CreateDraftAsync("plain", "NR"));
        Assert.Equal(2, await ctsEditor.CreateDraftAsync("plain", "NR"));

        var nrEditor = _app.As(TestCaller.Editor("NR"));
        var nrAuthority = _app.As(TestCaller.ReleaseAuthority("NR"));
        var before = await _editor.SnapshotAsync();

        // The NR editor reads edition 1 of "mixed" as a draft (it can see it) ...
        Assert.Equal("draft", (await nrEditor.GetJsonAsync("/v1/standards/mixed/versions/1"))["status"]!.GetValue<string>());
        // ... but every write to "mixed" is answered exactly as the same write to a standard that does not exist.
        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
        {
            (HttpMethod.Post, "/versions/1/publish", null),
            (HttpMethod.Post, "/versions", Draft("NR")),
            (HttpMethod.Put, "/versions/1", Draft("NR")),
            (HttpMethod.Post, "/versions/2/withdraw", new { reason = "Obsolete." }),
        })
        {
            var hidden = await Send(nrEditor, method, $"/v1/standards/mixed{path}", body);
            var absent = await Send(nrEditor, method, $"/v1/standards/no-such-standard{path}", body);
            await ProblemAsync(hidden, HttpStatusCode.NotFound);
            Assert.Equal(await absent.Content.ReadAsStringAsync(), await hidden.Content.ReadAsStringAsync());
        }
        foreach (var (method, path) in new[] { (HttpMethod.Put, "/versions/1/releases/EU"), (HttpMethod.Delete, "/versions/2/releases/EU") })
        {
            var hidden = await Send(nrAuthority, method, $"/v1/standards/mixed{path}", new { reason = "Needed." });
            var absent = await Send(nrAuthority, method, $"/v1/standards/no-such-standard{path}", new { reason = "Needed." });
            await ProblemAsync(hidden, HttpStatusCode.NotFound);
            Assert.Equal(await absent.Content.ReadAsStringAsync(), await hidden.Content.ReadAsStringAsync());
        }
        Assert.Equal(before, await _editor.SnapshotAsync());

        // The control answers as usual, and numbers editions from what the editor can see.
        await nrEditor.PublishAsync("plain", 1);
        Assert.Equal(3, await nrEditor.CreateDraftAsync("plain", "NR"));
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string url, object? body)
    {
        var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        if (method == HttpMethod.Put && url.Contains("/versions/", StringComparison.Ordinal) && !url.Contains("/releases/", StringComparison.Ordinal))
        {
            request.Headers.IfMatch.Add(EntityTagHeaderValue.Any);
        }
        return client.SendAsync(request);
    }

    // ---------------------------------------------------------------- helpers

    private static readonly string[] ReadUrls =
    [
        "/v1/standards",
        "/v1/standards?q=public",
        "/v1/standards/public-1",
        "/v1/standards/public-1/versions",
        "/v1/standards/public-1/versions/latest",
        "/v1/standards/public-1/versions/1",
        "/v1/standards/public-1/versions/1/releases",
        "/v1/standards/no-such-standard",
    ];

    /// <summary>One of every write, aimed at real targets (so a wrongly allowed write would change something).</summary>
    private static IEnumerable<HttpRequestMessage> Writes(string releasedToEu)
    {
        yield return new HttpRequestMessage(HttpMethod.Post, "/v1/standards") { Content = JsonContent.Create(NewStandard("intruder")) };
        yield return new HttpRequestMessage(HttpMethod.Post, "/v1/standards/draft-only/versions") { Content = JsonContent.Create(Draft()) };
        yield return new HttpRequestMessage(HttpMethod.Put, "/v1/standards/draft-only/versions/1")
        {
            Content = JsonContent.Create(Draft()),
            Headers = { IfMatch = { EntityTagHeaderValue.Any } },
        };
        yield return new HttpRequestMessage(HttpMethod.Post, "/v1/standards/draft-only/versions/1/publish");
        yield return new HttpRequestMessage(HttpMethod.Post, $"/v1/standards/{releasedToEu}/versions/1/withdraw") { Content = JsonContent.Create(new { reason = "Obsolete." }) };
        yield return new HttpRequestMessage(HttpMethod.Put, "/v1/standards/unreleased/versions/1/releases/EU") { Content = JsonContent.Create(new { reason = "Needed." }) };
        yield return new HttpRequestMessage(HttpMethod.Put, "/v1/standards/unreleased/versions/1/releases/PUBLIC") { Content = JsonContent.Create(new { reason = "Needed." }) };
        yield return new HttpRequestMessage(HttpMethod.Delete, $"/v1/standards/{releasedToEu}/versions/1/releases/EU");
    }

    private static object NewStandard(string key) => new { key, designation = key.ToUpperInvariant(), category = "caliber", title = "A title" };

    private static object Draft(string classification = "NU") =>
        new { title = "Changed", summary = "s", body = "b", classification, attributes = RegistryClient.AttributesFor("caliber") };

    private static async Task<string[]> KeysAsync(HttpClient client) =>
        (await client.GetJsonAsync("/v1/standards?limit=100"))["items"]!.AsArray().Select(s => s!["key"]!.GetValue<string>()).ToArray();

}
