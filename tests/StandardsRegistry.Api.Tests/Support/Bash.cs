using System.Diagnostics;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>A bash script the tests run as a reader of the docs would (the README's walkthrough, the webhook receiver's recipe).</summary>
public static class Bash
{
    /// <summary>
    /// Runs <paramref name="script"/> in <paramref name="workingDirectory"/>, with no input and the test process's
    /// environment changed by <paramref name="environment"/> (a null value removes the variable); killed with every
    /// process it started when it outlives <paramref name="timeout"/>.
    /// </summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(
        string script, string workingDirectory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
