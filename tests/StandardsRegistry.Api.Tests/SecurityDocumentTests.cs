using System.Reflection;
using System.Text.RegularExpressions;
using StandardsRegistry.Tests.Support;
using Xunit.Sdk;
using Xunit.v3;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// SECURITY.md's "What the tests cover" gives each suite's number of test cases per provider, and the numbers drifted
/// as suites grew (four of fourteen rows were behind at once). Counted here from this assembly as the runner counts
/// them: each test method one case, a theory one per data row. Plain reflection, no service.
/// </summary>
public sealed partial class SecurityDocumentTests
{
    [Fact]
    public async Task TheTestTableCountsEachSuitesCasesAsTheyAreToday()
    {
        var root = RepositoryPaths.Root;
        var security = await File.ReadAllTextAsync(Path.Combine(root, "SECURITY.md"));
        var start = security.IndexOf("\n## What the tests cover", StringComparison.Ordinal);
        Assert.True(start >= 0, "SECURITY.md has a section 'What the tests cover'");
        var rows = security[start..].Split('\n').SkipWhile(l => !l.StartsWith("| file |", StringComparison.Ordinal)).Skip(2)
            .TakeWhile(l => l.StartsWith('|')).Select(l => l.Split('|')).ToList();
        Assert.True(rows.Count >= 10, $"only {rows.Count} rows in the test table");

        var suites = typeof(SecurityDocumentTests).Assembly.GetTypes()
            .Where(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Any(IsTest))
            .ToDictionary(t => t.Name.Split('`')[0], StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var row in rows)
        {
            var classes = new List<Type>();
            foreach (Match file in FileName().Matches(row[1]))
            {
                var source = await File.ReadAllTextAsync(Path.Combine(root, "tests", "StandardsRegistry.Api.Tests", file.Groups[1].Value));
                classes.AddRange(DeclaredClass().Matches(source).Select(m => m.Groups[1].Value)
                    .Where(suites.ContainsKey).Select(name => suites[name]).Where(t => !classes.Contains(t)));
            }
            var counted = new List<int>();
            foreach (var type in classes.Distinct())
            {
                counted.Add(await CasesAsync(type));
            }
            var documented = Number().Matches(row[2]).Select(m => int.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            if (counted.Count == 0 || !counted.SequenceEqual(documented))
            {
                problems.Add($"{row[1].Trim()}: documented {row[2].Trim()}, counted {string.Join(" + ", counted)} ({string.Join(", ", classes.Select(c => c.Name))})");
            }
        }

        Assert.True(problems.Count == 0, $"SECURITY.md's test table is out of date:\n{string.Join('\n', problems)}");
    }

    private static bool IsTest(MethodInfo method) => method.GetCustomAttributes<FactAttribute>(inherit: true).Any();

    /// <summary>A suite's test cases: each test method once, a theory once per row of each of its data attributes.</summary>
    private static async Task<int> CasesAsync(Type suite)
    {
        var cases = 0;
        await using var disposals = new DisposalTracker();
        foreach (var method in suite.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Where(IsTest))
        {
            var data = method.GetCustomAttributes<DataAttribute>(inherit: true).ToList();
            if (data.Count == 0)
            {
                cases++;
                continue;
            }
            foreach (var attribute in data)
            {
                // As the runner does: a member named without its type is the test class's.
                if (attribute is ITypeAwareDataAttribute { MemberType: null } typeAware)
                {
                    typeAware.MemberType = suite;
                }
                cases += (await attribute.GetData(method, disposals)).Count;
            }
        }
        return cases;
    }

    [GeneratedRegex(@"`([A-Za-z.]+\.cs)`")]
    private static partial Regex FileName();

    [GeneratedRegex(@"\bclass\s+([A-Z][A-Za-z0-9]*)")]
    private static partial Regex DeclaredClass();

    [GeneratedRegex(@"\d+")]
    private static partial Regex Number();
}
