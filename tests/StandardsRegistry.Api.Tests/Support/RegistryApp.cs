using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// The registry over HTTP, in process, on its own SQLite file (a real database, migrated as at start), with a
/// clock the test moves and JWTs signed with a test key through the standard Authentication:Schemes:Bearer section.
/// </summary>
public sealed class RegistryApp : WebApplicationFactory<Program>
{
    private readonly string _directory = Directory.CreateTempSubdirectory("registry-test-").FullName;
    private readonly bool _seed;

    public RegistryApp(bool seed = false)
    {
        _seed = seed;
    }

    /// <summary>The registry's clock; starts now, moves only when a test advances it.</summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public string DatabasePath => Path.Combine(_directory, "registry.db");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Registry", $"Data Source={DatabasePath}");
        builder.UseSetting("Database:Provider", "sqlite");
        builder.UseSetting("Database:Seed", _seed ? "true" : "false");
        builder.UseSetting("Authentication:Schemes:Bearer:ValidIssuer", Tokens.Issuer);
        builder.UseSetting("Authentication:Schemes:Bearer:ValidAudiences:0", Tokens.Audience);
        builder.UseSetting("Authentication:Schemes:Bearer:SigningKeys:0:Issuer", Tokens.Issuer);
        builder.UseSetting("Authentication:Schemes:Bearer:SigningKeys:0:Value", Tokens.SigningKeyBase64);
        builder.ConfigureServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock)));
    }

    /// <summary>Starts the host through Program, which migrates the database (and seeds it when asked) before serving.</summary>
    public RegistryApp Start()
    {
        _ = Server;
        return this;
    }

    /// <summary>A client that reads as anonymous (PUBLIC).</summary>
    public HttpClient Anonymous() => CreateClient();

    /// <summary>A client bearing a token for <paramref name="caller"/>.</summary>
    public HttpClient As(TestCaller caller)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", caller.Token());
        return client;
    }

    public HttpClient WithToken(string token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open on a slow shutdown; the temp directory is left for the OS to clean.
        }
    }
}
