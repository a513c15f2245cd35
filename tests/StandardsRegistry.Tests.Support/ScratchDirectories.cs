namespace StandardsRegistry.Tests.Support;

/// <summary>
/// Where tests put what they throw away (databases, PostgreSQL clusters, service working directories, homes): on the
/// machine's memory file system when it has one (<c>/dev/shm</c>), else in the temp folder. The suites make and drop
/// thousands of database files, and on a disk file system the kernel's inode allocation for them alone took about 4 %
/// of the Api suite's CPU (README, "Run every test"). Nothing a test proves depends on the medium:
/// the fault tests kill processes, not the machine, and make the trail unwritable with a trigger, not a file mode.
/// </summary>
public static class ScratchDirectories
{
    private const string MemoryFileSystem = "/dev/shm";

    /// <summary>
    /// At least this much free in <c>/dev/shm</c>, or the temp folder is used: a container's is often 64 MB, and a run
    /// holds a PostgreSQL cluster and the export tests' large catalogues at once.
    /// </summary>
    private const long EnoughSpace = 2L << 30;

    private static readonly Lazy<string> Parent = new(ChooseParent);

    /// <summary>A new empty directory, its name starting with <paramref name="prefix"/>.</summary>
    public static DirectoryInfo Create(string prefix) =>
        !OperatingSystem.IsWindows() && Parent.Value is { Length: > 0 } parent
            ? Directory.CreateDirectory(Path.Combine(parent, prefix + Path.GetRandomFileName().Replace(".", "", StringComparison.Ordinal)),
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute)
            : Directory.CreateTempSubdirectory(prefix);

    /// <summary>
    /// <c>/dev/shm</c> when it is a directory this process can write in, with room; empty for the temp folder. Asked only
    /// off Windows (<see cref="Create"/> checks, where the analyzer sees it).
    /// </summary>
    private static string ChooseParent()
    {
        if (!Directory.Exists(MemoryFileSystem) || new DriveInfo(MemoryFileSystem).AvailableFreeSpace < EnoughSpace)
        {
            return "";
        }
        try
        {
            Directory.Delete(Directory.CreateDirectory(Path.Combine(MemoryFileSystem, "registry-probe-" + Guid.NewGuid().ToString("N"))).FullName);
            return MemoryFileSystem;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
