using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Data.Sqlite;
using StandardsRegistry.Api.Tests.Support;

namespace StandardsRegistry.Api.Tests;

public sealed class HostTests
{
    [Fact]
    public async Task LiveAndReadyAreHealthyOnAMigratedDatabase()
    {
        await using var app = new RegistryApp().Start();
        var client = app.Anonymous();

        Assert.Equal("Healthy", await client.GetStringAsync("/health/live"));
        Assert.Equal("Healthy", await client.GetStringAsync("/health/ready"));
    }

    [Fact]
    public async Task ReadyFailsWhenTheSchemaIsBehindTheScripts()
    {
        await using var app = new RegistryApp().Start();
        await using (var connection = new SqliteConnection(app.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM schemaversions";
            await command.ExecuteNonQueryAsync();
        }

        var response = await app.Anonymous().GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("Unhealthy\ndatabase: The database has migrations to apply.", await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", await app.Anonymous().GetStringAsync("/health/live"));
    }

    /// <summary>
    /// An instance left running while a newer version migrated its database (a rolling upgrade, which README tells
    /// operators not to do) serves on a schema it does not know, and would not start on it: it is not ready, saying
    /// why, so that a load balancer stops sending it requests. It answered Healthy.
    /// </summary>
    [Fact]
    public async Task ReadyFailsWhenANewerVersionMigratedTheDatabase()
    {
        await using var app = new RegistryApp().Start();
        Assert.Equal("Healthy", await app.Anonymous().GetStringAsync("/health/ready"));
        await using (var connection = new SqliteConnection(app.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO schemaversions (scriptname, applied) VALUES ('db.sqlite/9999_from_a_newer_version.sql', CURRENT_TIMESTAMP)";
            await command.ExecuteNonQueryAsync();
        }

        var response = await app.Anonymous().GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("Unhealthy\ndatabase: The database was migrated by a newer version", body, StringComparison.Ordinal);
        Assert.Contains("db.sqlite/9999_from_a_newer_version.sql", body, StringComparison.Ordinal);
        Assert.Equal("Healthy", await app.Anonymous().GetStringAsync("/health/live"));
    }

    /// <summary>
    /// Rotating the signing key without downtime (README, *Rotating the token signing key*): while the issuer moves to a
    /// new key, the service accepts tokens signed with either key of that issuer. It answered every token 500 as soon as
    /// an issuer had two keys (ASP.NET Core reads one key per issuer).
    /// </summary>
    [Fact]
    public async Task TwoSigningKeysOfOneIssuerBothSignTokensWhileTheKeyIsRotated()
    {
        var next = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        await using var app = new RegistryApp()
            .With("Authentication:Schemes:Bearer:SigningKeys:1:Issuer", Tokens.Issuer)
            .With("Authentication:Schemes:Bearer:SigningKeys:1:Value", Convert.ToBase64String(next))
            .Start();
        var caller = TestCaller.Editor();

        var old = await app.As(caller).GetAsync("/v1/standards");
        var rotated = await app.WithToken(Tokens.Create(caller.Claims(), key: next)).GetAsync("/v1/standards");
        var other = await app.WithToken(Tokens.Create(caller.Claims(), key: System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))).GetAsync("/v1/standards");

        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, other.StatusCode);
    }

    /// <summary>
    /// A key signs the tokens of its own issuer only. With two issuers configured, a key of the second validated tokens
    /// claiming the first (the keys went to the token handler as one list), so whoever holds one issuer's key could mint
    /// any principal under the other's name.
    /// </summary>
    [Fact]
    public async Task ASigningKeyValidatesTheTokensOfItsOwnIssuerOnly()
    {
        const string partner = "partner-idp";
        var partnerKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        await using var app = new RegistryApp()
            .With("Authentication:Schemes:Bearer:ValidIssuers:0", partner)
            .With("Authentication:Schemes:Bearer:SigningKeys:1:Issuer", partner)
            .With("Authentication:Schemes:Bearer:SigningKeys:1:Value", Convert.ToBase64String(partnerKey))
            .Start();
        var claims = TestCaller.Editor().Claims();

        var own = await app.WithToken(Tokens.Create(claims)).GetAsync("/v1/standards");
        var partners = await app.WithToken(Tokens.Create(claims, issuer: partner, key: partnerKey)).GetAsync("/v1/standards");
        var forged = await app.WithToken(Tokens.Create(claims, key: partnerKey)).GetAsync("/v1/standards");
        var forgedTheOtherWay = await app.WithToken(Tokens.Create(claims, issuer: partner)).GetAsync("/v1/standards");

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.OK, partners.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forgedTheOtherWay.StatusCode);
    }

    /// <summary>
    /// Every setting is read when the service starts (README, *Configuration*): ASP.NET Core reloads appsettings.json
    /// when the file changes, but nothing the registry reads follows it. A signing key and an issuer taken out of the
    /// configuration of a running instance (a compromised key) still validate tokens it has never seen, a host taken off
    /// the webhook allow-list can still be registered, rate limits and <c>Audit:RecordReads</c> stay as they were, until
    /// the instance restarts. README and SECURITY.md say so; the operator who edits the file must restart.
    /// </summary>
    [Fact]
    public async Task ASettingChangedWhileTheServiceRunsTakesEffectWhenItNextStartsOnly()
    {
        const string partner = "partner-idp";
        var partnerKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        // TEST-NET-1: never reached (the catalogue is empty, so no subscription has anything to deliver).
        const string dropped = "192.0.2.1";
        await using var running = new RegistryApp()
            .With("Authentication:Schemes:Bearer:ValidIssuers:0", partner)
            .With("Authentication:Schemes:Bearer:SigningKeys:1:Issuer", partner)
            .With("Authentication:Schemes:Bearer:SigningKeys:1:Value", Convert.ToBase64String(partnerKey))
            .With("Webhooks:AllowedHosts:0", "127.0.0.1")
            .With("Webhooks:AllowedHosts:1", dropped)
            .With("RateLimiting:PermitsPerSecond", "1000")
            .With("RateLimiting:Burst", "1000")
            .Start();
        var claims = TestCaller.Editor().Claims().ToList();
        // Each token new, so none is served from the tokens the instance remembers.
        string PartnersToken() => Tokens.Create(claims.Append(new System.Security.Claims.Claim("jti", Guid.NewGuid().ToString())), issuer: partner, key: partnerKey);
        async Task<HttpStatusCode> RegisterAsync(RegistryApp app) =>
            (await app.As(TestCaller.Admin()).PostAsJsonAsync("/v1/subscriptions", new { audience = "EU", url = $"http://{dropped}/hook", secret = "0123456789abcdef0123456789abcdef" })).StatusCode;
        Assert.Equal(HttpStatusCode.OK, (await running.WithToken(PartnersToken()).GetAsync("/v1/standards")).StatusCode);
        // An OIDC authority's keys are read again every five minutes, as SECURITY.md (Limits) says: a key it drops is
        // accepted that long (the framework's default, until 2026-12-07, was 12 hours).
        var bearer = running.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerOptions>>()
            .Get(Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerDefaults.AuthenticationScheme);
        Assert.Equal(TimeSpan.FromMinutes(5), bearer.AutomaticRefreshInterval);

        // The operator's edit: the partner issuer and its key out (the entries overwritten with the registry's own), the
        // host off the allow-list, a burst of one, reads unrecorded. The configuration raises its change as a file would.
        var changed = new Dictionary<string, string>
        {
            ["Authentication:Schemes:Bearer:ValidIssuers:0"] = Tokens.Issuer,
            ["Authentication:Schemes:Bearer:SigningKeys:1:Issuer"] = Tokens.Issuer,
            ["Authentication:Schemes:Bearer:SigningKeys:1:Value"] = Tokens.SigningKeyBase64,
            ["Webhooks:AllowedHosts:1"] = "127.0.0.1",
            ["RateLimiting:PermitsPerSecond"] = "1",
            ["RateLimiting:Burst"] = "1",
            ["Audit:RecordReads"] = "false",
        };
        var configuration = running.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>();
        Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(
            (Microsoft.Extensions.Configuration.IConfigurationBuilder)configuration, changed.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)));
        Assert.Equal("false", configuration["Audit:RecordReads"]);

        var whileRunning = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            whileRunning.Add((await running.WithToken(PartnersToken()).GetAsync("/v1/standards")).StatusCode);
        }
        Assert.All(whileRunning, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(HttpStatusCode.Created, await RegisterAsync(running));
        Assert.True(running.Services.GetRequiredService<Audit.AuditTrail>().RecordsReads);

        await using var restarted = await running.RestartAsync(changed);
        Assert.Equal(HttpStatusCode.Unauthorized, (await restarted.WithToken(PartnersToken()).GetAsync("/v1/standards")).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, await RegisterAsync(restarted));
        Assert.False(restarted.Services.GetRequiredService<Audit.AuditTrail>().RecordsReads);
        var client = restarted.As(TestCaller.Eu("NS"));
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await client.GetAsync("/v1/standards")).StatusCode);
        }
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
    }

    /// <summary>
    /// "Read once, when the service starts" held only for the settings something used at start: the token settings were
    /// read at the first request, and the disclosure rules (<c>CapabilityTables:MinContributors</c>, <c>PPercent</c>) at
    /// the first preview or publication, days later perhaps. A value changed in the meantime was then used without a
    /// restart (a lower n or p published with the instance's next table), or, out of range, failed every request that
    /// needed it with a 500 (bearer settings: every request) where a start refuses it with one line. Now every setting
    /// is read when the service starts, and a change waits for the next start.
    /// </summary>
    [Fact]
    public async Task ASettingChangedBeforeItsFirstUseWaitsForTheNextStartLikeAnyOther()
    {
        await using var app = new RegistryApp().WithHorizons(2027).Start();
        var configuration = app.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>();
        // The settings' options monitors validate the new values when the change is raised, and their failure goes to
        // whoever raised it (here the test; a watched file's reload runs in a task of its own, which drops it).
        var raised = Record.Exception(() => Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(
            (Microsoft.Extensions.Configuration.IConfigurationBuilder)configuration, new Dictionary<string, string?>
            {
                ["Authentication:Schemes:Bearer:SigningKeys:0:Value"] = "not base64",
                ["Authentication:Schemes:Bearer:ValidAudiences:0"] = "another-audience",
                ["CapabilityTables:PPercent"] = "0",
            }));
        Assert.True(raised is null or AggregateException, $"{raised}");
        Assert.Equal("0", configuration["CapabilityTables:PPercent"]);

        var planner = app.As(new TestCaller("planner-CTS@nato", "NATO", "CTS", "planner"));
        Assert.Equal(HttpStatusCode.Created, (await planner.PutAsJsonAsync("/v1/capability-targets/2025/FRA/ammo-155mm/2027", new { quantity = 120, classification = "NS" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await planner.GetAsync("/v1/capability-targets/2025/preview")).StatusCode);
        Assert.Empty(app.ServerErrors);
    }

    /// <summary>
    /// <c>HTTPS_PORT</c> is in README's table of settings read at start, but ASP.NET Core's HTTPS redirection read it at
    /// the first plain HTTP request: changed in appsettings.json before then (a port, or a value that is not one, which a
    /// start refuses and the middleware met by redirecting nothing), it was used without a restart. Now it is taken when
    /// the service starts, as every other setting.
    /// </summary>
    [Fact]
    public async Task TheHttpsPortChangedBeforeTheFirstPlainRequestWaitsForTheNextStart()
    {
        await using var app = new RegistryApp(environment: "Production", settings: new Dictionary<string, string> { ["HTTPS_PORT"] = "443" });
        app.ClientOptions.AllowAutoRedirect = false;
        app.Start();
        var configuration = app.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>();
        var raised = Record.Exception(() => Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(
            (Microsoft.Extensions.Configuration.IConfigurationBuilder)configuration, new Dictionary<string, string?> { ["HTTPS_PORT"] = "8443" }));
        Assert.True(raised is null or AggregateException, $"{raised}");
        Assert.Equal("8443", configuration["HTTPS_PORT"]);

        app.ClientOptions.BaseAddress = new Uri("http://registry.example");
        using var plain = await app.CreateClient().GetAsync("/v1/standards?limit=5");
        Assert.Equal(HttpStatusCode.TemporaryRedirect, plain.StatusCode);
        Assert.Equal(new Uri("https://registry.example/v1/standards?limit=5"), plain.Headers.Location);
    }

    [Fact]
    public async Task TheSampleCatalogueShowsAnEuConsumerTheReleasedEditionAndNotTheOneBesideIt()
    {
        await using var app = new RegistryApp(seed: true).Start();
        var eu = app.As(TestCaller.Eu("NS"));

        var latest = await eu.GetJsonAsync("/v1/standards/stanag-2310/versions/latest");
        var hidden = await eu.GetAsync("/v1/standards/stanag-2310/versions/3");
        var nato = await app.As(TestCaller.NatoReader("NS")).GetJsonAsync("/v1/standards/stanag-2310/versions/latest");

        Assert.Equal(2, latest["edition"]!.GetValue<int>());
        Assert.Equal("published", latest["status"]!.GetValue<string>());
        Assert.Null(latest["supersededBy"]);
        Assert.Equal("RESTREINT UE/EU RESTRICTED", latest["equivalentMarking"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal(3, nato["edition"]!.GetValue<int>());
    }

    [Fact]
    public async Task TheSampleCatalogueHasTheAdvertisedMix()
    {
        await using var app = new RegistryApp(seed: true).Start();
        var nato = app.As(TestCaller.Editor());
        var authority = app.As(TestCaller.ReleaseAuthority());

        var standards = (await nato.GetJsonAsync("/v1/standards?limit=100"))["items"]!.AsArray();
        var categories = standards.GroupBy(s => s!["category"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.Count());
        var states = new List<string>();
        foreach (var standard in standards)
        {
            var key = standard!["key"]!.GetValue<string>();
            foreach (var version in (await nato.GetJsonAsync($"/v1/standards/{key}/versions"))["items"]!.AsArray())
            {
                var edition = version!["edition"]!.GetValue<int>();
                var releases = await authority.GetJsonArrayAsync($"/v1/standards/{key}/versions/{edition}/releases");
                states.AddRange(releases.Select(r => $"{r!["audience"]}:{r["state"]}"));
                states.Add(version["status"]!.GetValue<string>());
            }
        }

        Assert.True(categories["caliber"] >= 3 && categories["comms-protocol"] >= 3 && categories["radio-band"] >= 3, string.Join(", ", categories));
        Assert.Single(states, "EU:revoked");
        Assert.Single(states, "EU:pending");
        Assert.Contains("PUBLIC:active", states);
        Assert.Contains("draft", states);
        Assert.Contains("superseded", states);
        Assert.Contains("withdrawn", states);
    }

    [Fact]
    public async Task TheSampleCatalogueShowsIndustryAPublishedTableWithCellsShownAndSuppressedAndNoOneElseAnything()
    {
        await using var app = new RegistryApp(seed: true).Start();
        var industry = app.As(new TestCaller("buyer@industry", "INDUSTRY", "NR", "consumer"));

        var listed = Assert.Single(await industry.GetJsonArrayAsync("/v1/capability-tables"))!;
        Assert.Equal("2025/INDUSTRY/NR", $"{listed["cycle"]}/{listed["audience"]}/{listed["classification"]}");
        var cells = (await industry.GetJsonAsync("/v1/capability-tables/2025/INDUSTRY"))["cells"]!.AsArray();
        Assert.Contains(cells, c => c!["suppressed"]!.GetValue<bool>() && c["value"] is null);
        Assert.Contains(cells, c => !c!["suppressed"]!.GetValue<bool>() && c["value"]!.GetValue<long>() > 0);
        string Cell(string row, string column) => cells.Single(c => $"{c!["row"]}/{c["column"]}" == $"{row}/{column}")!.ToJsonString();
        // Five nations' VHF radios for 2027, none dominant: published, as their sum.
        Assert.Equal("""{"row":"radio-vhf","column":"2027","value":10200,"suppressed":false}""", Cell("radio-vhf", "2027"));
        // One nation dominates 120 mm in 2027, two nations alone plan batteries for 2027: suppressed, with no value.
        Assert.Equal("""{"row":"ammo-120mm","column":"2027","suppressed":true}""", Cell("ammo-120mm", "2027"));
        Assert.Equal("""{"row":"gbad-battery","column":"2027","suppressed":true}""", Cell("gbad-battery", "2027"));

        Assert.Empty(await app.As(TestCaller.Eu("CTS")).GetJsonArrayAsync("/v1/capability-tables"));
        Assert.Empty(await app.Anonymous().GetJsonArrayAsync("/v1/capability-tables"));
        Assert.Equal(HttpStatusCode.NotFound, (await app.As(TestCaller.Eu("CTS")).GetAsync("/v1/capability-tables/2025/INDUSTRY")).StatusCode);
    }

    [Fact]
    public async Task AnonymousReadersOfTheSampleCatalogueSeeOnlyPublicUnclassifiedEditions()
    {
        await using var app = new RegistryApp(seed: true).Start();
        var anonymous = app.Anonymous();

        var standards = (await anonymous.GetJsonAsync("/v1/standards?limit=100"))["items"]!.AsArray();
        Assert.NotEmpty(standards);
        foreach (var standard in standards)
        {
            var key = standard!["key"]!.GetValue<string>();
            var versions = (await anonymous.GetJsonAsync($"/v1/standards/{key}/versions"))["items"]!.AsArray();
            Assert.All(versions, v => Assert.Equal("NU", v!["classification"]!.GetValue<string>()));
        }
    }
}
