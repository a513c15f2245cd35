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
    /// The message on one line: a database's errors carry lines of their own (PostgreSQL's <c>DETAIL:</c> after a blank
    /// line), and a setting's value echoed in a message may hold a line break.
    /// </summary>
    private static string OneLine(string message) => LineBreaks().Replace(message.Trim(), " ");

    [System.Text.RegularExpressions.GeneratedRegex(@"\s*[\r\n]+\s*")]
    private static partial System.Text.RegularExpressions.Regex LineBreaks();

    private static Exception Innermost(Exception e) => e switch
    {
        OptionsValidationException => e,
        InvalidOperationException { InnerException: OptionsValidationException inner } => inner,
        _ => e,
    };
}
