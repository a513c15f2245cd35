using System.Net;
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
