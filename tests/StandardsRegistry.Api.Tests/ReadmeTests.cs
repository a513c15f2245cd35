using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using StandardsRegistry.Tests.Support;

using StandardsRegistry.Api.Tests.Support;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// The README's "First calls" run as written, in the README's order, as a newcomer on a fresh machine would: a home
/// directory with no user secrets (so the first <c>dotnet user-jwts create</c> makes the signing key), the
/// <c>sh</c> blocks of that section in one shell at the repository root, and <c>dotnet run --project …</c> started where
/// the README starts it (in the background, as the "second terminal"). Each documented answer (the <c># …</c> lines
/// under a command, <c>…</c> standing for anything) must match what the command printed, and no other command may
/// print an error. Only the environment differs from a real first start: a throwaway home and database, and the
/// machine's NuGet package folder and settings, so nothing is downloaded or rebuilt again.
/// </summary>
[Slow]
[Collection(ListenAddressTests.DefaultPortCollection)]
public sealed partial class ReadmeTests
{
    private const string Section = "## First calls, with curl";
    private const string StartCommand = "dotnet run --project src/StandardsRegistry.Api";

    [Fact]
    public async Task TheFirstCallsWorkAsWrittenOnAFreshMachine()
    {
        var root = RepositoryPaths.Root;
        var commands = Commands(await File.ReadAllTextAsync(Path.Combine(root, "README.md")));
        Assert.Contains(commands, c => c.Text == StartCommand);
        Assert.True(commands.Count(c => c.Expected.Count > 0) >= 3, "the README documents answers");
        // The industry integrator's walkthrough: its tables, one as JSON and as CSV, and its label, each with its answer.
        foreach (var step in new[] { "/v1/capability-tables", "/v1/capability-tables/2025/INDUSTRY", "/v1/capability-tables/2025/INDUSTRY?format=csv'", "/v1/capability-tables/2025/INDUSTRY/label" })
        {
            Assert.Contains(commands, c => c.Text.Contains("$INDUSTRY", StringComparison.Ordinal) && c.Text.EndsWith(step, StringComparison.Ordinal) && c.Expected.Count > 0);
        }

        var home = ScratchDirectories.Create("registry-readme-home-");
        try
        {
            var script = Script(commands, home.FullName);
            var (exit, output) = await RunAsync(script, root, home.FullName, TimeSpan.FromMinutes(4));
            var printed = Printed(output);
            for (var i = 0; i < commands.Count; i++)
            {
                var command = commands[i];
                if (command.Text == StartCommand)
                {
                    continue;
                }
                Assert.True(printed.TryGetValue(i, out var answer), $"`{command.Text}` did not run; the script's output:\n{Tail(output)}");
                Assert.True(answer.Status == 0, $"`{command.Text}` exited {answer.Status}:\n{answer.Text}\nThe script's output:\n{Tail(output)}");
                if (command.Expected.Count > 0)
                {
                    foreach (var expected in command.Expected)
                    {
                        Assert.True(Matches(expected, answer.Text), $"`{command.Text}`\nprinted:   {answer.Text}\ndocumented: {expected}");
                    }
                }
                else
                {
                    Assert.DoesNotMatch(ErrorStatus(), answer.Text);
                }
            }
            Assert.Equal(0, exit);
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    /// <summary>One command (continuation lines joined) and the answers documented under it, one per documented line group.</summary>
    internal sealed record Command(string Text, List<string> Expected);

    /// <summary>The commands of the README's "First calls" section, in order.</summary>
    internal static List<Command> Commands(string readme)
    {
        var start = readme.IndexOf(Section, StringComparison.Ordinal);
        Assert.True(start >= 0, $"the README has a section '{Section}'");
        var end = readme.IndexOf("\n## ", start + Section.Length, StringComparison.Ordinal);
        var section = readme[start..(end < 0 ? readme.Length : end)];
        var commands = new List<Command>();
        foreach (Match block in ShellBlock().Matches(section))
        {
            var pending = new StringBuilder();
            foreach (var line in block.Groups[1].Value.Split('\n'))
            {
                if (line.StartsWith('#'))
                {
                    // "# {…" documents the answer of the command above; "#  …" continues that line.
                    var expected = commands[^1].Expected;
                    if (line.StartsWith("#  ", StringComparison.Ordinal) && expected.Count > 0)
                    {
                        expected[^1] += line[1..].TrimStart();
                    }
                    else
                    {
                        expected.Add(line[1..].TrimStart());
                    }
                    continue;
                }
                if (line.Trim().Length == 0)
                {
                    continue;
                }
                if (line.EndsWith('\\'))
                {
                    pending.Append(line[..^1].TrimEnd()).Append(' ');
                    continue;
                }
                pending.Append(line.Trim());
                commands.Add(new Command(Regex.Replace(pending.ToString(), " {2,}", " "), []));
                pending.Clear();
            }
        }
        return commands;
    }

    /// <summary>
    /// One bash script: each command between markers that carry its index and exit status; the start command in the
    /// background in its own process group (the "second terminal"), waited for until it answers, stopped at the end and
    /// waited for until it has exited.
    /// </summary>
    private static string Script(List<Command> commands, string home)
    {
        var script = new StringBuilder();
        // Job control: the service runs in its own process group, which the EXIT trap stops whole (dotnet run and the app
        // it starts) and waits for, up to 30 s, before the test deletes the home: a service still shutting down wrote
        // into it while it was being deleted ("Directory not empty", seen once in a clean-clone run).
        script.AppendLine("set -um");
        script.AppendLine("service=''");
        script.AppendLine("trap 'if [ -n \"$service\" ]; then kill -- -$service 2>/dev/null; "
            + "for _ in $(seq 300); do kill -0 -- -$service 2>/dev/null || break; sleep 0.1; done; kill -KILL -- -$service 2>/dev/null; fi' EXIT");
        for (var i = 0; i < commands.Count; i++)
        {
            var text = commands[i].Text;
            if (text == StartCommand)
            {
                script.AppendLine($"{text} >'{home}/service.log' 2>&1 < /dev/null &");
                script.AppendLine("service=$!");
                script.AppendLine("for _ in $(seq 600); do curl -s -o /dev/null http://localhost:5080/health/ready && break; kill -0 $service 2>/dev/null || break; sleep 0.25; done");
                script.AppendLine($"curl -sf -o /dev/null http://localhost:5080/health/ready || {{ echo 'the service did not start:'; cat '{home}/service.log'; exit 1; }}");
                continue;
            }
            script.AppendLine($"echo '@@begin {i}'");
            script.AppendLine(text);
            script.AppendLine($"echo; echo \"@@end {i} $?\"");
        }
        return script.ToString();
    }

    private static async Task<(int Exit, string Output)> RunAsync(string script, string root, string home, TimeSpan timeout)
    {
        var realHome = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var userConfig = Path.Combine(realHome, ".nuget", "NuGet", "NuGet.Config");
        var environment = new Dictionary<string, string?>
        {
            // The machine's NuGet settings, spelled exactly as the build before this test resolved them: restore hashes the
            // package folder's path (NuGet's own default ends in a separator) and the config files' paths, and any
            // difference makes `dotnet run` restore again and recompile every project under the running tests' feet.
            ["NUGET_PACKAGES"] = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(realHome, ".nuget", "packages") + Path.DirectorySeparatorChar,
            ["HOME"] = home,
            ["DOTNET_CLI_HOME"] = home,
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["ConnectionStrings__Registry"] = $"Data Source={Path.Combine(home, "registry.db")}",
            // The test host's own settings must not leak into the service the script starts.
            ["ASPNETCORE_ENVIRONMENT"] = null,
            ["DOTNET_ENVIRONMENT"] = null,
            ["ASPNETCORE_URLS"] = null,
            ["Urls"] = null,
        };
        if (File.Exists(userConfig))
        {
            environment["RestoreConfigFile"] = userConfig;
        }
        var (exit, stdout, stderr) = await Bash.RunAsync(script, root, environment, timeout);
        return (exit, stdout + stderr);
    }

    private static Dictionary<int, (int Status, string Text)> Printed(string output)
    {
        var printed = new Dictionary<int, (int, string)>();
        foreach (Match m in PrintedCommand().Matches(output))
        {
            printed[int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)] =
                (int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups[2].Value.Trim());
        }
        return printed;
    }

    /// <summary>The documented text, "…" standing for anything, occurs in the answer in order.</summary>
    internal static bool Matches(string documented, string answer)
    {
        var position = 0;
        foreach (var piece in documented.Split('…'))
        {
            var found = answer.IndexOf(piece, position, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }
            position = found + piece.Length;
        }
        return true;
    }

    private static string Tail(string output) => output.Length > 4000 ? output[^4000..] : output;

    [GeneratedRegex(@"```sh\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();

    [GeneratedRegex(@"@@begin (\d+)\n(.*?)\n@@end \1 (\d+)", RegexOptions.Singleline)]
    private static partial Regex PrintedCommand();

    /// <summary>A problem answer with a 4xx/5xx status: an undocumented command must not get one.</summary>
    [GeneratedRegex(@"""status"":\s*[45]\d\d")]
    private static partial Regex ErrorStatus();
}
