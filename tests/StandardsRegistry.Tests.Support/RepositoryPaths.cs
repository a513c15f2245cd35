using System.Runtime.CompilerServices;

namespace StandardsRegistry.Tests.Support;

/// <summary>Where the repository is, for files the tests read from it (schemas, the browser tests, the web root).</summary>
public static class RepositoryPaths
{
    /// <summary>The directory holding StandardsRegistry.sln: from this source file's path, else from the test output or the working directory.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { Path.GetDirectoryName(sourceFile), AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var directory = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "StandardsRegistry.sln")))
                {
                    return directory.FullName;
                }
            }
        }
        throw new InvalidOperationException("The repository root (with StandardsRegistry.sln) was not found from the tests.");
    }
}
