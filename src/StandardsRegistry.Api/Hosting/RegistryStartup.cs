using Microsoft.Extensions.Options;
using StandardsRegistry.Api.Catalogue;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Data;

namespace StandardsRegistry.Api.Hosting;

public static partial class RegistryStartup
{
    /// <summary>
    /// Migrates (and, when configured, seeds) before serving; <c>migrate</c> as the first argument migrates and exits.
    /// A start-up failure is one line on stderr and a non-zero exit, not a stack trace.
    /// </summary>
    public static async Task<int> RunRegistryAsync(this WebApplication app, string[] args)
    {
        if (app.Environment.IsBuild())
        {
            await app.RunAsync();
            return 0;
        }

        try
        {
            // Every setting validated on start, before the database is touched and before the host would log the
            // failure with a stack trace.
            app.Services.GetService<IStartupValidator>()?.Validate();
            // And read, once: a setting changed in the configuration after this waits for the next start (README,
            // Configuration), whenever it is first used.
            foreach (var setting in app.Services.GetServices<SettingReadAtStart>())
            {
                setting.Read(app.Services);
            }
            var applied = app.Services.GetRequiredService<DatabaseMigrator>().Migrate();
            // A catalogue that predates the change feed is put into it once, before anything is served or written.
            await app.Services.GetRequiredService<FeedWriter>().BackfillAsync(app.Services.GetRequiredService<RegistryClock>().Now);
            if (args.Length > 0 && args[0] == "migrate")
            {
                await Console.Out.WriteLineAsync($"Applied {applied.Count} migration script(s).");
                return 0;
            }
            if (app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.Seed)
            {
                await app.Services.GetRequiredService<SampleCatalogue>().LoadIfEmptyAsync();
            }
            app.Services.GetRequiredService<StartupFailureLog>().Starting(app.Lifetime);
            await app.RunAsync();
            return 0;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"Standards Registry could not start: {OneLine(Innermost(e).Message)}");
            return 1;
        }
    }

    /// <summary>
    /// The host's own report of a failed start (a port already in use: "Hosting failed to start" and the exception's
    /// whole stack trace, on stdout) left out: <see cref="RunRegistryAsync"/> says it in its one line. Only the host's
    /// errors, and only until the application has started (<see cref="StartupFailureLog"/>); its other lines are kept
    /// at the level the service logs by default.
    /// </summary>
    public static WebApplicationBuilder QuietHostStartupFailures(this WebApplicationBuilder builder)
    {
        var log = new StartupFailureLog();
        builder.Services.AddSingleton(log);
        builder.Logging.AddFilter(StartupFailureLog.HostCategory, level => level >= LogLevel.Information && log.Shows(level));
        return builder;
    }

    /// <summary>
    /// The message on one line: a database's errors carry lines of their own (PostgreSQL's <c>DETAIL:</c> after a blank
    /// line), and a setting's value echoed in a message may hold a line break.
    /// </summary>
    private static string OneLine(string message) => LineBreaks().Replace(message.Trim(), " ");

    [System.Text.RegularExpressions.GeneratedRegex(@"\s*[\r\n]+\s*")]
    private static partial System.Text.RegularExpressions.Regex LineBreaks();

    private static readonly System.Buffers.SearchValues<char> SchemeCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");

    /// <summary>
    /// <paramref name="address"/> as given, without the user information of its authority (<c>user:password@</c>), for a
    /// message naming a setting: an address may carry a password, which no output may show. Everything up to the last
    /// <c>@</c> goes: the address is named because it is wrong, and a password typed as it is (not percent-encoded) may
    /// hold a '/', '?' or '#', so those cannot be taken for the authority's end; an '@' of a path or query costs the
    /// message what comes before it, never a password.
    /// </summary>
    public static string WithoutUserInfo(string address)
    {
        var scheme = address.IndexOf("://", StringComparison.Ordinal);
        // A scheme only if what precedes "://" is one (letters, digits, '+', '-', '.'): not a password's "://".
        var start = scheme > 0 && !address.AsSpan(0, scheme).ContainsAnyExcept(SchemeCharacters) ? scheme + 3 : 0;
        var at = address.LastIndexOf('@');
        return at < start ? address : string.Concat(address.AsSpan(0, start), address.AsSpan(at + 1));
    }

    private static Exception Innermost(Exception e) => e switch
    {
        OptionsValidationException => e,
        InvalidOperationException { InnerException: OptionsValidationException inner } => inner,
        _ => e,
    };
}

/// <summary>
/// Whether the host's errors are logged: not while <see cref="RegistryStartup.RunRegistryAsync"/> starts the host (its
/// failure becomes that method's one line), always otherwise (a host started some other way, a test's, keeps them).
/// </summary>
public sealed class StartupFailureLog
{
    /// <summary>The category the generic host logs its start, stop and failures under.</summary>
    public const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    private volatile IHostApplicationLifetime? _starting;

    public void Starting(IHostApplicationLifetime lifetime) => _starting = lifetime;

    public bool Shows(LogLevel level) => level < LogLevel.Error || _starting is not { } lifetime || lifetime.ApplicationStarted.IsCancellationRequested;
}
