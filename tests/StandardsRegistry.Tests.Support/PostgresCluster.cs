#nullable enable

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace StandardsRegistry.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL cluster made with the locally installed server binaries
/// (<c>initdb</c>/<c>pg_ctl</c>), listening on a free port on 127.0.0.1 with trust auth.
/// Nothing has to be running beforehand and nothing outside a temp directory is touched.
/// </summary>
public sealed partial class PostgresCluster : IAsyncDisposable
{
    private const string ServiceUser = "postgres";

    private static readonly TimeSpan InitDbTimeout = TimeSpan.FromSeconds(120);
    // pg_ctl is given -t 60; the process bound is a little above so pg_ctl reports first.
    private static readonly TimeSpan PgCtlTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan DisposeStopTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(10);

    private static readonly Lazy<Installation> Install = new(Installation.Probe, LazyThreadSafetyMode.ExecutionAndPublication);

    // Clusters still alive when the test process exits (crash, missing dispose) are stopped then,
    // so no postmaster outlives the test run.
    private static readonly ConcurrentDictionary<PostgresCluster, byte> Live = new();

    static PostgresCluster() => AppDomain.CurrentDomain.ProcessExit += static (_, _) => StopAllOnExit();

    private readonly Installation _install;
    private readonly string _dataDirectory;
    private readonly string _socketDirectory;
    private int _disposed;

    private PostgresCluster(Installation install, string rootDirectory, int port)
    {
        _install = install;
        RootDirectory = rootDirectory;
        _dataDirectory = Path.Combine(rootDirectory, "data");
        _socketDirectory = Path.Combine(rootDirectory, "s");
        LogFile = Path.Combine(rootDirectory, "postgres.log");
        Port = port;
    }

    /// <summary>TCP port on 127.0.0.1; stays the same across <see cref="StopAsync"/>/<see cref="StartAgainAsync"/>.</summary>
    public int Port { get; private set; }

    /// <summary>The temp directory holding the data directory, socket and log; deleted on dispose.</summary>
    public string RootDirectory { get; }

    /// <summary>The server log, useful in failure messages.</summary>
    public string LogFile { get; }

    /// <summary>Null when a cluster can be made here, else why not (for a skip reason). Cheap; cached.</summary>
    public static string? UnavailableReason() => Install.Value.UnavailableReason;

    public static async Task<PostgresCluster> StartAsync(CancellationToken ct = default)
    {
        var install = Install.Value;
        if (install.UnavailableReason is { } reason)
        {
            throw new InvalidOperationException(reason);
        }

        var root = CreateRootDirectory(install);
        var cluster = new PostgresCluster(install, root, FreePort());
        Live.TryAdd(cluster, 0);
        try
        {
            Directory.CreateDirectory(cluster._socketDirectory);
            if (install.RunAsServiceUser)
            {
                // initdb refuses to run as root, so the cluster belongs to the postgres user.
                var chown = await RunAsync(install, "chown", ["-R", $"{ServiceUser}:{ServiceUser}", root], root, false, ToolTimeout, ct)
                    .ConfigureAwait(false);
                chown.EnsureSuccess("chown");
            }

            var initdb = await cluster.RunServerToolAsync(
                "initdb",
                ["-D", cluster._dataDirectory, "-A", "trust", "-U", ServiceUser, "--no-sync", "-E", "UTF8", "--locale=C"],
                InitDbTimeout,
                ct).ConfigureAwait(false);
            initdb.EnsureSuccess("initdb");

            // The port was free a moment ago; another process may take it before the server binds,
            // so a bind failure is retried on a new port.
            const int attempts = 3;
            for (var attempt = 1; ; attempt++)
            {
                var (started, bindFailure) = await cluster.TryStartAsync(ct).ConfigureAwait(false);
                if (started)
                {
                    return cluster;
                }

                if (!bindFailure || attempt == attempts)
                {
                    throw new InvalidOperationException(
                        $"PostgreSQL did not start on port {cluster.Port}.{Environment.NewLine}{cluster.ReadLogTail()}");
                }

                cluster.Port = FreePort();
            }
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public string ConnectionString(string database = "postgres")
    {
        if (!DatabaseNameForConnectionString().IsMatch(database))
        {
            throw new ArgumentException("Database name must be 1-63 letters, digits, '_' or '-'.", nameof(database));
        }

        return string.Create(
            CultureInfo.InvariantCulture,
            $"Host=127.0.0.1;Port={Port};Username={ServiceUser};Database={database};Pooling=true");
    }

    /// <summary>
    /// Creates a database, empty or a copy of <paramref name="template"/> (which nobody may be connected to), and returns
    /// its connection string.
    /// </summary>
    [SuppressMessage("Security", "CA2100", Justification = "The names are validated against [a-z0-9_] before they are put into the statement.")]
    public async Task<string> CreateDatabaseAsync(string? name = null, string? template = null)
    {
        name ??= "t_" + Guid.NewGuid().ToString("N");
        foreach (var (given, parameter) in new[] { (name, nameof(name)), (template, nameof(template)) })
        {
            if (given is not null && !NewDatabaseName().IsMatch(given))
            {
                throw new ArgumentException("Database name must be 1-63 lowercase letters, digits or '_', not starting with a digit.", parameter);
            }
        }

        // Not pooled: an idle admin connection would keep a pool entry alive across StopAsync.
        var admin = new NpgsqlConnectionStringBuilder(ConnectionString()) { Pooling = false, Timeout = 15, CommandTimeout = 60 };
        var connection = new NpgsqlConnection(admin.ConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            // Identifiers cannot be parameters; the name is restricted to [a-z0-9_] above.
            var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"" + (template is null ? "" : $" TEMPLATE \"{template}\""), connection);
            await using (command.ConfigureAwait(false))
            {
                await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
        }

        return ConnectionString(name);
    }

    /// <summary>
    /// Backs <paramref name="database"/> up as README's "Backup and restore" says, <c>pg_dump -Fc</c>, while it may be in
    /// use (pg_dump reads one snapshot), into a file in the cluster's directory; returns the file's path.
    /// </summary>
    public async Task<string> DumpAsync(string database, CancellationToken ct = default)
    {
        var file = Path.Combine(RootDirectory, $"{database}.dump");
        var result = await RunServerToolAsync(
            "pg_dump", ["-Fc", "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", ServiceUser, "-f", file, database], PgCtlTimeout, ct)
            .ConfigureAwait(false);
        result.EnsureSuccess("pg_dump");
        return file;
    }

    /// <summary>Restores a <see cref="DumpAsync"/> file into the empty <paramref name="database"/> (<c>pg_restore</c>), stopping at the first error.</summary>
    public async Task RestoreAsync(string file, string database, CancellationToken ct = default)
    {
        var result = await RunServerToolAsync(
            "pg_restore", ["--exit-on-error", "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", ServiceUser, "-d", database, file], PgCtlTimeout, ct)
            .ConfigureAwait(false);
        result.EnsureSuccess("pg_restore");
    }

    /// <summary>Fast shutdown: open sessions are terminated, as a crashed or restarted server would.</summary>
    public async Task StopAsync()
    {
        var result = await RunServerToolAsync(
            "pg_ctl", ["-D", _dataDirectory, "-m", "fast", "-w", "-t", "60", "stop"], PgCtlTimeout, CancellationToken.None)
            .ConfigureAwait(false);
        result.EnsureSuccess("pg_ctl stop", ReadLogTail());
    }

    /// <summary>Starts the stopped server again on the same port and data directory.</summary>
    public async Task StartAgainAsync()
    {
        // The port was ours until StopAsync; retry briefly in case the old listener is still closing.
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var (started, bindFailure) = await TryStartAsync(CancellationToken.None).ConfigureAwait(false);
            if (started)
            {
                return;
            }

            if (!bindFailure || attempt == attempts)
            {
                throw new InvalidOperationException(
                    $"PostgreSQL did not start again on port {Port}.{Environment.NewLine}{ReadLogTail()}");
            }

            await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Live.TryRemove(this, out _);
        await StopImmediatelyAsync().ConfigureAwait(false);
        DeleteRootDirectory();
    }

    /// <summary>The last lines of the server log (for failure messages).</summary>
    public string ReadLogTail(int lines = 40)
    {
        try
        {
            if (!File.Exists(LogFile))
            {
                return "(no server log)";
            }

            var all = File.ReadAllLines(LogFile);
            return "server log (tail):" + Environment.NewLine + string.Join(Environment.NewLine, all.Skip(Math.Max(0, all.Length - lines)));
        }
        catch (IOException e)
        {
            return $"(server log unreadable: {e.Message})";
        }
        catch (UnauthorizedAccessException e)
        {
            return $"(server log unreadable: {e.Message})";
        }
    }

    private async Task<(bool Started, bool BindFailure)> TryStartAsync(CancellationToken ct)
    {
        var logOffset = File.Exists(LogFile) ? new FileInfo(LogFile).Length : 0;

        // pg_ctl hands -o to /bin/sh, so the socket directory is shell-quoted.
        var options = string.Create(
            CultureInfo.InvariantCulture,
            $"-p {Port} -k {ShellQuote(_socketDirectory)} -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        var result = await RunServerToolAsync(
            "pg_ctl", ["-D", _dataDirectory, "-l", LogFile, "-o", options, "-w", "-t", "60", "start"], PgCtlTimeout, ct)
            .ConfigureAwait(false);
        if (result.ExitCode == 0)
        {
            return (true, false);
        }

        var newLog = ReadLogFrom(logOffset);
        var bindFailure = newLog.Contains("could not bind", StringComparison.OrdinalIgnoreCase)
            || newLog.Contains("Address already in use", StringComparison.OrdinalIgnoreCase);
        if (bindFailure)
        {
            // With -w a failed start leaves nothing running, but make sure before retrying.
            await StopImmediatelyAsync().ConfigureAwait(false);
        }

        return (false, bindFailure);
    }

    private async Task StopImmediatelyAsync()
    {
        try
        {
            if (!File.Exists(Path.Combine(_dataDirectory, "postmaster.pid")))
            {
                return;
            }

            var result = await RunServerToolAsync(
                "pg_ctl", ["-D", _dataDirectory, "-m", "immediate", "-w", "-t", "20", "stop"], DisposeStopTimeout, CancellationToken.None)
                .ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                KillPostmaster();
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or System.ComponentModel.Win32Exception)
        {
            KillPostmaster();
        }
    }

    // Last resort when pg_ctl could not stop the server: kill the pid recorded in postmaster.pid.
    private void KillPostmaster()
    {
        try
        {
            var pidFile = Path.Combine(_dataDirectory, "postmaster.pid");
            if (!File.Exists(pidFile))
            {
                return;
            }

            var firstLine = File.ReadLines(pidFile).FirstOrDefault();
            if (int.TryParse(firstLine, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) && pid > 0)
            {
                using var process = Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Already gone, or not ours to kill: nothing more to do.
        }
    }

    private void DeleteRootDirectory()
    {
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            try
            {
                if (Directory.Exists(RootDirectory))
                {
                    Directory.Delete(RootDirectory, recursive: true);
                }

                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A backend may still be removing its files; try again shortly.
                Thread.Sleep(200 * attempt);
            }
        }
    }

    private static void StopAllOnExit()
    {
        foreach (var cluster in Live.Keys)
        {
            try
            {
                // Bounded by the process timeouts inside; ProcessExit is synchronous by nature.
                cluster.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(40));
            }
            catch (AggregateException)
            {
                // Best effort while the process is going away.
            }
        }
    }

    private string ReadLogFrom(long offset)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private Task<ProcessResult> RunServerToolAsync(string tool, IReadOnlyList<string> args, TimeSpan timeout, CancellationToken ct) =>
        RunAsync(_install, Path.Combine(_install.BinDirectory!, tool), args, RootDirectory, _install.RunAsServiceUser, timeout, ct);

    private static async Task<ProcessResult> RunAsync(
        Installation install, string fileName, IReadOnlyList<string> args, string workingDirectory, bool asServiceUser, TimeSpan timeout, CancellationToken ct)
    {
        var startInfo = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Must be readable by the postgres user: a cwd under /root makes initdb complain.
            WorkingDirectory = workingDirectory,
        };
        if (asServiceUser)
        {
            startInfo.FileName = install.RunUser!;
            startInfo.ArgumentList.Add("-u");
            startInfo.ArgumentList.Add(ServiceUser);
            startInfo.ArgumentList.Add("--");
            startInfo.ArgumentList.Add(fileName);
        }
        else
        {
            startInfo.FileName = fileName;
        }

        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        // English, predictable messages (the bind-failure check reads them).
        startInfo.Environment["LC_ALL"] = "C";
        startInfo.Environment["LANG"] = "C";

        using var process = new Process { StartInfo = startInfo };
        process.Start();
        process.StandardInput.Close();

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeoutSource.CancelAfter(timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeoutSource.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeoutSource.Token);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited in the meantime.
            }

            ct.ThrowIfCancellationRequested();
            throw new TimeoutException(
                $"{DescribeCommand(startInfo)} did not finish within {timeout.TotalSeconds:0}s and was killed.");
        }

        // A daemonised child could keep the pipes open; do not wait on them for long.
        return new ProcessResult(
            DescribeCommand(startInfo),
            process.ExitCode,
            await Drain(stdout).ConfigureAwait(false),
            await Drain(stderr).ConfigureAwait(false));

        static async Task<string> Drain(Task<string> read)
        {
            try
            {
                return await read.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException or IOException)
            {
                return string.Empty;
            }
        }
    }

    private static string DescribeCommand(ProcessStartInfo startInfo) =>
        string.Join(' ', new[] { startInfo.FileName }.Concat(startInfo.ArgumentList));

    /// <summary>A TCP port free on 127.0.0.1 right now (the OS picks it).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static string CreateRootDirectory(Installation install)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("PostgreSQL test clusters are only supported on Linux and macOS.");
        }

        // Unix socket paths are limited to ~107 bytes, and as root the postgres user must be able
        // to reach the directory: fall back to /tmp when the scratch path (ScratchDirectories) fails either test.
        var root = ScratchDirectories.Create("pgcluster-").FullName;
        var socketPathLength = Path.Combine(root, "s", ".s.PGSQL.65535").Length;
        if (socketPathLength <= 100 && (!install.RunAsServiceUser || TraversableByOthers(Path.GetDirectoryName(root)!)))
        {
            return root;
        }

        Directory.Delete(root);
        var fallback = Path.Combine("/tmp", "pgcluster-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(fallback, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return fallback;
    }

    private static bool TraversableByOthers(string directory)
    {
        for (var current = new DirectoryInfo(directory); current is not null; current = current.Parent)
        {
            if ((current.UnixFileMode & UnixFileMode.OtherExecute) == 0)
            {
                return false;
            }
        }

        return true;
    }

    private static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex NewDatabaseName();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,63}$")]
    private static partial Regex DatabaseNameForConnectionString();

    private sealed record ProcessResult(string Command, int ExitCode, string StandardOutput, string StandardError)
    {
        public void EnsureSuccess(string what, string? detail = null)
        {
            if (ExitCode == 0)
            {
                return;
            }

            var message = new StringBuilder()
                .Append(what).Append(" failed with exit code ").Append(ExitCode.ToString(CultureInfo.InvariantCulture)).AppendLine(":")
                .AppendLine(Command);
            if (StandardOutput.Length > 0)
            {
                message.AppendLine(StandardOutput.TrimEnd());
            }

            if (StandardError.Length > 0)
            {
                message.AppendLine(StandardError.TrimEnd());
            }

            if (detail is not null)
            {
                message.AppendLine(detail);
            }

            throw new InvalidOperationException(message.ToString());
        }
    }

    private sealed record Installation(string? BinDirectory, bool RunAsServiceUser, string? RunUser, string? UnavailableReason)
    {
        private static readonly string[] ServerTools = ["initdb", "pg_ctl", "postgres"];
        private static readonly string[] RunUserCandidates = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser"];

        public static Installation Probe()
        {
            if (OperatingSystem.IsWindows())
            {
                return Unavailable("PostgreSQL test clusters are only supported on Linux and macOS");
            }

            var binDirectory = FindBinDirectory();
            if (binDirectory is null)
            {
                return Unavailable("PostgreSQL server binaries not found (install Debian's postgresql package)");
            }

            // Environment.UserName is the effective user on Unix.
            if (!string.Equals(Environment.UserName, "root", StringComparison.Ordinal))
            {
                return new Installation(binDirectory, false, null, null);
            }

            var runUser = RunUserCandidates.FirstOrDefault(File.Exists);
            if (runUser is null)
            {
                return Unavailable("running as root, and runuser (util-linux) is not available to drop to the postgres user");
            }

            if (!ServiceUserExists())
            {
                return Unavailable("running as root, and there is no 'postgres' user to own the cluster (install Debian's postgresql package)");
            }

            return new Installation(binDirectory, true, runUser, null);
        }

        private static Installation Unavailable(string reason) => new(null, false, null, reason);

        private static string? FindBinDirectory()
        {
            // pg_config may come from libpq-dev and name a directory without the server binaries.
            if (PgConfigBinDirectory() is { } fromPgConfig && HasServerTools(fromPgConfig))
            {
                return fromPgConfig;
            }

            const string debianRoot = "/usr/lib/postgresql";
            if (Directory.Exists(debianRoot))
            {
                var newest = Directory.GetDirectories(debianRoot)
                    .Select(dir => (Dir: Path.Combine(dir, "bin"), Version: ParseVersion(Path.GetFileName(dir))))
                    .Where(candidate => candidate.Version is not null && HasServerTools(candidate.Dir))
                    .OrderByDescending(candidate => candidate.Version)
                    .Select(candidate => candidate.Dir)
                    .FirstOrDefault();
                if (newest is not null)
                {
                    return newest;
                }
            }

            // Elsewhere (Homebrew, distro packages that put the binaries on PATH).
            return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .FirstOrDefault(HasServerTools);
        }

        private static Version? ParseVersion(string name) =>
            Version.TryParse(name.Contains('.', StringComparison.Ordinal) ? name : name + ".0", out var version) ? version : null;

        private static bool HasServerTools(string directory) =>
            ServerTools.All(tool => File.Exists(Path.Combine(directory, tool)));

        private static string? PgConfigBinDirectory()
        {
            try
            {
                var startInfo = new ProcessStartInfo("pg_config", "--bindir")
                {
                    UseShellExecute = false,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                };
                using var process = Process.Start(startInfo);
                if (process is null)
                {
                    return null;
                }

                var output = process.StandardOutput.ReadToEndAsync();
                _ = process.StandardError.ReadToEndAsync();
                if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
                {
                    process.Kill(entireProcessTree: true);
                    return null;
                }

                var directory = output.Wait(TimeSpan.FromSeconds(1)) ? output.Result.Trim() : string.Empty;
                return process.ExitCode == 0 && directory.Length > 0 ? directory : null;
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
            {
                // pg_config is not installed.
                return null;
            }
        }

        private static bool ServiceUserExists()
        {
            try
            {
                return File.ReadLines("/etc/passwd").Any(line => line.StartsWith(ServiceUser + ":", StringComparison.Ordinal));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }
    }
}
