using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Data.Tests;

/// <summary>
/// Every relative link in the repository's Markdown files resolves in a fresh clone: the file or directory it names
/// exists inside the repository (not beside it, as <c>../shared/DESIGN.md</c> once did), and a <c>#fragment</c> into a
/// Markdown file names one of its headings by GitHub's rules. Plain file reads, no service.
/// </summary>
public sealed class DocumentationTests
{
    [Fact]
    public void EveryRelativeLinkInTheMarkdownFilesResolvesInsideTheRepository()
    {
        var root = RepositoryPaths.Root;
        var files = MarkdownLinks.MarkdownFiles(root);
        Assert.Contains(files, f => Path.GetFileName(f) == "README.md");

        var broken = files.SelectMany(f => MarkdownLinks.Broken(root, f)).ToList();

        Assert.True(broken.Count == 0, $"Broken relative links:\n{string.Join('\n', broken)}");
    }

    /// <summary>
    /// The audit trail's actions are one list (<see cref="AuditActions"/>) and docs/audit.md's table of what is
    /// recorded names exactly those: an action added in code without its documentation, or documented but never
    /// written, fails here.
    /// </summary>
    [Fact]
    public void TheDocumentedAuditActionsAreExactlyTheOnesTheCodeWrites()
    {
        var inCode = typeof(AuditActions).GetFields()
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToHashSet(StringComparer.Ordinal);
        var table = File.ReadLines(Path.Combine(RepositoryPaths.Root, "docs", "audit.md"))
            .SkipWhile(line => !line.StartsWith("| action |", StringComparison.Ordinal))
            .Skip(2)
            .TakeWhile(line => line.StartsWith('|'));
        var documented = table
            .SelectMany(line => Regex.Matches(line.Split('|')[1], "`([a-z]+\\.[a-z-]+)`").Select(m => m.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);

        Assert.True(inCode.Count >= 20, $"only {inCode.Count} actions found in AuditActions");
        Assert.Empty(inCode.Except(documented).Order(StringComparer.Ordinal));
        Assert.Empty(documented.Except(inCode).Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The documents prove their claims by naming tests (<c>AuditTests.EachEntryNamesTheIssuerThatVouchedForItsSubject</c>,
    /// or a name's start or end with "…" for the rest): each test so named exists, a method of that class (or of the
    /// class a "…" after the class name is read in) somewhere under <c>tests/</c>. A test renamed or removed left its
    /// citations pointing at nothing.
    /// </summary>
    [Fact]
    public void EveryTestTheDocumentsNameExists()
    {
        var root = RepositoryPaths.Root;
        var methods = TestMethods.Of(Path.Combine(root, "tests"));
        Assert.Contains("EveryTestTheDocumentsNameExists", methods["DocumentationTests"]);

        var dead = new List<string>();
        var cited = 0;
        foreach (var file in MarkdownLinks.MarkdownFiles(root))
        {
            var name = Path.GetRelativePath(root, file).Replace('\\', '/');
            var text = File.ReadAllText(file);
            foreach (Match m in TestMethods.Citation().Matches(text))
            {
                cited++;
                var (type, method, elided) = (m.Groups["class"].Value, m.Groups["method"].Value, m.Groups["elided"].Success);
                if (!methods.TryGetValue(type, out var ofClass) || !ofClass.Any(n => elided ? n.StartsWith(method, StringComparison.Ordinal) : n == method))
                {
                    dead.Add($"{name}:{MarkdownLinks.LineOf(text, m.Index)}: {m.Value}");
                }
            }
            foreach (Match m in TestMethods.ElidedStart().Matches(text))
            {
                cited++;
                if (!methods.Values.Any(ofClass => ofClass.Any(n => n.EndsWith(m.Groups["end"].Value, StringComparison.Ordinal))))
                {
                    dead.Add($"{name}:{MarkdownLinks.LineOf(text, m.Index)}: {m.Value}");
                }
            }
        }

        Assert.True(cited >= 50, $"only {cited} citations of tests found");
        Assert.True(dead.Count == 0, $"Tests the documents name that do not exist:\n{string.Join('\n', dead)}");
    }

    /// <summary>
    /// README's configuration table names every setting the options classes bind (each class under <c>src/</c> with a
    /// <c>Section</c>, and its public settable properties), and where a row names settings in its first cell, its
    /// defaults are the classes' own, in the same order (a property with no initializer defaults to false or 0). Read from
    /// the sources, so a setting added, renamed or given another default in code fails here until the README follows.
    /// </summary>
    [Fact]
    public void TheReadmesConfigurationTableNamesEverySettingWithItsDefaultInCode()
    {
        var root = RepositoryPaths.Root;
        var settings = OptionsSources.Settings(Path.Combine(root, "src")).ToList();
        Assert.Contains(settings, s => s.Name == "Webhooks:LeaseDuration");
        Assert.Contains(settings, s => s.Name == "Authentication:Schemes:Bearer:RequireHttpsMetadata");
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var start = readme.IndexOf("\n## Configuration\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has a section '## Configuration'");
        var rows = readme[start..].Split('\n').Skip(1).SkipWhile(l => !l.StartsWith("| setting |", StringComparison.Ordinal)).Skip(2)
            .TakeWhile(l => l.StartsWith('|')).Select(l => l.Split('|')).ToList();

        var problems = new List<string>();
        foreach (var setting in settings.Where(s => !OptionsSources.NotSettings.Contains(s.Name)))
        {
            var section = setting.Name[..setting.Name.LastIndexOf(':')];
            var property = setting.Name[(section.Length + 1)..];
            var row = rows.FirstOrDefault(r => r[1].Contains($"`{setting.Name}", StringComparison.Ordinal))
                ?? rows.FirstOrDefault(r => string.Concat(r).Contains($"{section}:", StringComparison.Ordinal) && string.Concat(r).Contains($"…:{property}", StringComparison.Ordinal));
            if (row is null)
            {
                problems.Add($"{setting.Name} (default {setting.Default ?? "none"}) is not in the table");
                continue;
            }
            var named = OptionsSources.Code().Matches(row[1]).Select(m => m.Groups[1].Value).Where(t => t.Contains(':', StringComparison.Ordinal)).ToList();
            var position = named.FindIndex(t => t.StartsWith(setting.Name, StringComparison.Ordinal));
            if (setting.Default is null || position < 0)
            {
                continue;
            }
            var documented = OptionsSources.Code().Matches(row[2]).Select(m => m.Groups[1].Value).ToList();
            var candidates = named.Count == 1 ? documented : documented.Skip(position).Take(1).ToList();
            if (!candidates.Any(d => OptionsSources.SameValue(setting.Default, d)))
            {
                problems.Add($"{setting.Name}: the default in code is {setting.Default}; the table says {row[2].Trim()}");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    /// <summary>
    /// README's route table ("The API") and the committed OpenAPI document name the same operations: each operation of
    /// the document has a row naming its method and path (a path may start with "…", standing for the rows' common
    /// beginning, and a method alone, "`PUT`/`DELETE /v1/…`" or "`DELETE` the same", shares the path beside it), and
    /// each route a row names is an operation of the document (the health checks aside, which it leaves out). An
    /// edition's label was served, and in the document, without a row.
    /// </summary>
    [Fact]
    public void TheReadmesRouteTableNamesEveryOperationOfTheOpenApiDocument()
    {
        var root = RepositoryPaths.Root;
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "openapi", "standards-registry.v1.json")));
        var operations = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Where(o => o.Name is "get" or "put" or "post" or "delete").Select(o => (Method: o.Name.ToUpperInvariant(), Path: p.Name)))
            .ToList();
        Assert.True(operations.Count >= 40, $"only {operations.Count} operations in the document");
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var start = readme.IndexOf("\n## The API\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has a section '## The API'");
        var routes = readme[start..].Split('\n').SkipWhile(l => !l.StartsWith("| route |", StringComparison.Ordinal)).Skip(2)
            .TakeWhile(l => l.StartsWith('|')).SelectMany(l => RouteCells.Routes(l.Split('|')[1])).ToList();

        bool Matches((string Method, string Path) route, (string Method, string Path) operation) =>
            route.Method == operation.Method && (route.Path.StartsWith('…') ? operation.Path.EndsWith(route.Path[1..], StringComparison.Ordinal) : operation.Path == route.Path);
        var undocumented = operations.Where(o => !routes.Any(r => Matches(r, o))).Select(o => $"{o.Method} {o.Path}");
        var unknown = routes.Where(r => !r.Path.StartsWith("/health/", StringComparison.Ordinal) && !operations.Any(o => Matches(r, o))).Select(r => $"{r.Method} {r.Path}");

        Assert.Empty(undocumented);
        Assert.Empty(unknown);
    }

    /// <summary>
    /// Code comments and documents cite the design by section ("docs/design.md §1.5"); each cited section exists, and
    /// nothing cites the design document that lived outside the repository. Within the design, "§6" alone refers to its
    /// own sections.
    /// </summary>
    [Fact]
    public void EveryCitedSectionOfTheDesignExists()
    {
        var root = RepositoryPaths.Root;
        var design = Path.Combine(root, "docs", "design.md");
        var sections = MarkdownLinks.Sections(File.ReadAllText(design));
        Assert.Contains("1.5", sections);

        var problems = new List<string>();
        foreach (var file in MarkdownLinks.TextFiles(root))
        {
            var name = Path.GetRelativePath(root, file).Replace('\\', '/');
            var text = File.ReadAllText(file);
            var citations = name == "docs/design.md" ? MarkdownLinks.OwnSectionCitation().Matches(text) : MarkdownLinks.SectionCitation().Matches(text);
            foreach (Match m in citations)
            {
                var line = MarkdownLinks.LineOf(text, m.Index);
                if (m.Groups["outside"].Success)
                {
                    problems.Add($"{name}:{line}: cites {m.Value}, a document outside the repository; cite docs/design.md");
                }
                else if (!sections.Contains(m.Groups["section"].Value))
                {
                    problems.Add($"{name}:{line}: cites {m.Value}, but docs/design.md has no section {m.Groups["section"].Value}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    /// <summary>
    /// Code, tests, tools and benchmark scripts say what they mean without pointing at an issue number: the issues are
    /// not in the repository, so a reader cannot follow "(issue N, point M)". Markdown documents may keep that history.
    /// </summary>
    [Fact]
    public void NoCodeOrScriptRefersToAnIssueNumber()
    {
        var root = RepositoryPaths.Root;
        var files = MarkdownLinks.CodeFiles(root).ToList();
        Assert.Contains(files, f => Path.GetFileName(f) == "DocumentationTests.cs");

        var references = new List<string>();
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            foreach (Match m in MarkdownLinks.IssueReference().Matches(text))
            {
                references.Add($"{Path.GetRelativePath(root, file).Replace('\\', '/')}:{MarkdownLinks.LineOf(text, m.Index)}: \"{m.Value}\"");
            }
        }

        Assert.True(references.Count == 0, $"References to issue numbers; say what is meant instead:\n{string.Join('\n', references)}");
    }

    /// <summary>
    /// The documents that say what is true now (README.md, SECURITY.md, docs/) name files in code as well as by links:
    /// `src/StandardsRegistry.Data/Writes.cs`, `db/<provider>/`, `bench/audit.sh`. Each such path exists in the
    /// repository (a placeholder or <c>*</c> standing for any one name), so a file renamed or removed leaves no document
    /// naming it. Build output and the database a first start creates are not in a clone, and are not checked.
    /// </summary>
    [Fact]
    public void EveryRepositoryPathTheDocumentsNameInCodeExists()
    {
        var root = RepositoryPaths.Root;
        var documents = MarkdownLinks.MarkdownFiles(root)
            .Where(f => Path.GetRelativePath(root, f).Replace('\\', '/') is "README.md" or "SECURITY.md" || Path.GetRelativePath(root, f).StartsWith("docs", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(documents, f => Path.GetFileName(f) == "architecture.md");

        var named = 0;
        var missing = new List<string>();
        foreach (var file in documents)
        {
            var name = Path.GetRelativePath(root, file).Replace('\\', '/');
            foreach (var (line, path) in CodePaths.InCode(File.ReadAllText(file)))
            {
                named++;
                if (!CodePaths.Exists(root, path))
                {
                    missing.Add($"{name}:{line}: `{path}`");
                }
            }
        }

        Assert.True(named >= 50, $"only {named} paths named in code");
        Assert.True(missing.Count == 0, $"Paths the documents name that the repository does not have:\n{string.Join('\n', missing)}");
    }

    /// <summary>
    /// docs/architecture.md is a map of the code: the types and members it names in code (`RegistryWrites`,
    /// `Write.TrackAsync`, `SqlDialect.For`, a file's name without `.cs`) are declared under <c>src/</c> or <c>tests/</c>,
    /// a member in a file that declares the type before the dot. A column of a table headed "before" names what the
    /// code no longer has, and is not checked.
    /// </summary>
    [Fact]
    public void EveryTypeAndMemberTheArchitecturePageNamesIsDeclared()
    {
        var root = RepositoryPaths.Root;
        var code = new[] { "src", "tests" }.SelectMany(d => MarkdownLinks.CodeFiles(root).Where(f => f.StartsWith(Path.Combine(root, d) + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal))
            .Select(f => (File: Path.GetFileNameWithoutExtension(f), Text: File.ReadAllText(f)))
            .ToList();
        var text = File.ReadAllText(Path.Combine(root, "docs", "architecture.md"));

        var names = Declarations.NamedInCode(text).ToList();
        Assert.Contains(names, n => n.Name == "Write.TrackAsync");
        var undeclared = names.Where(n => !Declarations.Declared(code, n.Name)).Select(n => $"docs/architecture.md:{n.Line}: `{n.Name}`").ToList();

        Assert.True(undeclared.Count == 0, $"Types and members docs/architecture.md names that the code does not declare:\n{string.Join('\n', undeclared)}");
    }

    [Fact]
    public void ThePathAndDeclarationCheckersFindWhatIsMissingAndOnlyThat()
    {
        var root = RepositoryPaths.Root;
        var paths = CodePaths.InCode("""
            `src/StandardsRegistry.Data/Writes.cs` and `db/<provider>/` and `db/*/0009_attribute_index.sql`, a run:
            `dotnet build src/StandardsRegistry.Api -p:UpdateOpenApi=true`; `src/StandardsRegistry.Data/Write.cs`; `db/*/0032`, `db/*/0099`.

            ```sh
            cat src/NotInAFence.cs
            ```
            `tests/StandardsRegistry.Api.Tests/bin/Debug/net10.0/screenshots/` `https://example.org/src/x.cs`
            """).Select(p => p.Path).ToList();
        Assert.Equal(["src/StandardsRegistry.Data/Writes.cs", "db/<provider>/", "db/*/0009_attribute_index.sql", "src/StandardsRegistry.Api",
            "src/StandardsRegistry.Data/Write.cs", "db/*/0032", "db/*/0099", "tests/StandardsRegistry.Api.Tests/bin/Debug/net10.0/screenshots/"], paths);
        Assert.Equal([true, true, true, true, false, true, false, true], paths.Select(p => CodePaths.Exists(root, p)));

        var code = new List<(string File, string Text)>
        {
            ("Writes", "public sealed class RegistryWrites(Db db)\n{\n    public Task<Result<T>> VersionAsync<T>(string action) => x;\n}"),
            ("Write", "public sealed class Write\n{\n    public Task<T> TrackAsync<T>(long id) =>\n}"),
            ("Feed", "namespace StandardsRegistry.Data;\n"),
            ("Db", "public enum Outcome\n{\n    Done,\n    NotFound,\n}\npublic delegate int AnsweredStatus(Outcome outcome);"),
        };
        var names = Declarations.NamedInCode("""
            | path | before this layout | now |
            |---|---|---|
            | publish | `FeedLog` | `Writes`, `Db`, `Feed` for `FeedLog` |

            `RegistryWrites.VersionAsync`, `Write.TrackAsync`, `Outcome`, `NotFound`, `AnsweredStatus`, `Validate()`, `Map…Api`,
            `Write.VersionAsync`, `RegistryWriter`, `StandardsRegistry.Data`.
            """).Select(n => n.Name).ToList();
        Assert.Equal(["Writes", "Db", "Feed", "RegistryWrites.VersionAsync", "Write.TrackAsync", "Outcome", "NotFound", "AnsweredStatus", "Validate", "Write.VersionAsync", "RegistryWriter", "StandardsRegistry.Data"], names);
        Assert.Equal(["Validate", "Write.VersionAsync", "RegistryWriter"], names.Where(n => !Declarations.Declared(code, n)));
    }

    [Fact]
    public void TheIssueCheckerFindsNumberedReferencesButNotTheWord()
    {
        // Interpolated, so that this file holds no reference itself.
        foreach (var reference in new[] { $"(issue {13}, point 6)", $"Issue {17}'s fault tests", $"(issue {13}.9)", $"issues #{4} and 5" })
        {
            Assert.Matches(MarkdownLinks.IssueReference(), reference);
        }
        foreach (var prose in new[] { "an issue with the pool", "the statements the stores issue", "issuer 5", "tissue 4" })
        {
            Assert.DoesNotMatch(MarkdownLinks.IssueReference(), prose);
        }
    }

    [Fact]
    public void TheCheckerFindsMissingFilesLinksOutOfTheRepositoryAndUnknownAnchorsButNotLinksInCode()
    {
        var root = ScratchDirectories.Create("links-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "docs"));
            File.WriteAllText(Path.Combine(root, "docs", "a.md"), "# Title\n\n## 1. The rule: one function\n\n```sh\n# not a heading\n```\n");
            File.WriteAllText(Path.Combine(root, "README.md"), """
                [ok](docs/a.md) [ok](docs/a.md#1-the-rule-one-function) [ok](<docs/a.md> "title") [ok](#here) [ok](docs/)
                [`code` in text](docs/a.md#title) ![img](docs/a.md) [web](https://example.org/x.md) [mail](mailto:a@b.c)
                `[in a code span](missing.md)`

                ```
                [in a fence](missing.md)
                ```

                ## Here

                [missing](docs/b.md) [outside](../shared/DESIGN.md) [no anchor](docs/a.md#not-a-heading)
                [no local anchor](#there) [ref]

                [ref]: docs/c.md
                """);

            var broken = MarkdownLinks.Broken(root, Path.Combine(root, "README.md")).ToList();

            Assert.Equal(5, broken.Count);
            Assert.Contains(broken, b => b.Contains("docs/b.md", StringComparison.Ordinal) && b.Contains("no such file", StringComparison.Ordinal));
            Assert.Contains(broken, b => b.Contains("../shared/DESIGN.md", StringComparison.Ordinal) && b.Contains("outside the repository", StringComparison.Ordinal));
            Assert.Contains(broken, b => b.Contains("docs/a.md#not-a-heading", StringComparison.Ordinal) && b.Contains("no heading", StringComparison.Ordinal));
            Assert.Contains(broken, b => b.Contains("#there", StringComparison.Ordinal));
            Assert.Contains(broken, b => b.Contains("docs/c.md", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData("The release rule, and what was decided where the design is silent", "the-release-rule-and-what-was-decided-where-the-design-is-silent")]
    [InlineData("1. Export once", "1-export-once")]
    [InlineData("Limits — stated, not hidden", "limits--stated-not-hidden")]
    [InlineData("§1 The `ReleaseRule` (Domain/Data)", "1-the-releaserule-domaindata")]
    [InlineData("Releasable To: as far as the caller may know", "releasable-to-as-far-as-the-caller-may-know")]
    [InlineData("Très secret_UE *emphasis*", "très-secret_ue-emphasis")]
    [InlineData("A [linked](other.md) heading", "a-linked-heading")]
    public void HeadingsGetGitHubsAnchors(string heading, string anchor) =>
        Assert.Equal(anchor, MarkdownLinks.Slug(heading));

    [Fact]
    public void RepeatedHeadingsGetNumberedAnchors() =>
        Assert.Equal(["a", "a-1", "a-2", "b"], MarkdownLinks.Anchors("# A\n## B\n### A\nA\n---\n").Order(StringComparer.Ordinal));
}

/// <summary>Relative links in Markdown (CommonMark inline links, images and reference definitions) and GitHub's heading anchors.</summary>
internal static partial class MarkdownLinks
{
    /// <summary>Directories that are build output or installed packages, never part of a clone.</summary>
    private static readonly HashSet<string> Skipped = new(StringComparer.Ordinal) { "bin", "obj", "node_modules", "TestResults" };

    /// <summary>The Markdown files a clone has: everything but build output, packages and hidden directories (.git, .vs).</summary>
    public static IReadOnlyList<string> MarkdownFiles(string root) =>
        Files(root).Where(f => f.EndsWith(".md", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToList();

    /// <summary>The text files that may cite the design: documents, code, scripts.</summary>
    public static IEnumerable<string> TextFiles(string root) =>
        Files(root).Where(f => Path.GetExtension(f) is ".md" or ".cs" or ".sh" or ".sql" or ".mjs" or ".js" or ".props");

    /// <summary>The code and scripts of the projects, tools and benchmarks (generated clients and build output aside).</summary>
    public static IEnumerable<string> CodeFiles(string root) =>
        new[] { "src", "tests", "tools", "bench" }.SelectMany(d => Files(Path.Combine(root, d)))
            .Where(f => Path.GetExtension(f) is ".cs" or ".sh" or ".lua");

    /// <summary>The numbers of the design's numbered headings: "1", "1.5", …</summary>
    public static IReadOnlySet<string> Sections(string text) =>
        SectionHeading().Matches(WithoutFences(text)).Select(m => m.Groups["section"].Value).ToHashSet(StringComparer.Ordinal);

    private static IEnumerable<string> Files(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(directory))
        {
            yield return file;
        }
        foreach (var sub in Directory.EnumerateDirectories(directory))
        {
            var name = Path.GetFileName(sub);
            if (!name.StartsWith('.') && !Skipped.Contains(name))
            {
                foreach (var file in Files(sub))
                {
                    yield return file;
                }
            }
        }
    }

    /// <summary>One line per link of <paramref name="file"/> that does not resolve in the repository at <paramref name="root"/>.</summary>
    public static IEnumerable<string> Broken(string root, string file)
    {
        var rootPath = Path.GetFullPath(root);
        var name = Path.GetRelativePath(rootPath, file).Replace('\\', '/');
        var text = File.ReadAllText(file);
        foreach (var (line, target) in Links(text))
        {
            if (Problem(rootPath, file, text, target) is { } problem)
            {
                yield return $"{name}:{line}: ({target}) {problem}";
            }
        }
    }

    private static string? Problem(string root, string file, string text, string target)
    {
        if (Scheme().IsMatch(target) || target.StartsWith("//", StringComparison.Ordinal))
        {
            return null; // absolute: http(s), mailto, …
        }
        var hash = target.IndexOf('#', StringComparison.Ordinal);
        var path = Uri.UnescapeDataString(hash < 0 ? target : target[..hash]);
        var fragment = hash < 0 ? null : Uri.UnescapeDataString(target[(hash + 1)..]);
        var resolved = path.Length == 0 ? file : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, path));
        var relative = Path.GetRelativePath(root, resolved);
        if (relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            return "points outside the repository: a clone does not have it";
        }
        if (relative.Split(Path.DirectorySeparatorChar).Any(part => Skipped.Contains(part) || (part.StartsWith('.') && part != ".")))
        {
            return "points into build output or a hidden directory";
        }
        if (!File.Exists(resolved) && !Directory.Exists(resolved))
        {
            return "no such file or directory in the repository";
        }
        if (fragment is { Length: > 0 } && resolved.EndsWith(".md", StringComparison.OrdinalIgnoreCase) && File.Exists(resolved))
        {
            var anchors = Anchors(resolved == file ? text : File.ReadAllText(resolved));
            if (!anchors.Contains(fragment.ToLowerInvariant()))
            {
                return $"no heading with the anchor #{fragment} in {Path.GetRelativePath(root, resolved).Replace('\\', '/')}";
            }
        }
        return null;
    }

    /// <summary>Link destinations with their line numbers: inline links and images, and reference definitions; none inside code.</summary>
    public static IEnumerable<(int Line, string Target)> Links(string text)
    {
        var prose = WithoutCode(text);
        foreach (Match m in InlineLink().Matches(prose))
        {
            yield return (LineOf(prose, m.Index), m.Groups["angle"].Success ? m.Groups["angle"].Value : m.Groups["bare"].Value);
        }
        foreach (Match m in ReferenceDefinition().Matches(prose))
        {
            yield return (LineOf(prose, m.Index), m.Groups["angle"].Success ? m.Groups["angle"].Value : m.Groups["bare"].Value);
        }
    }

    /// <summary>The text with fenced code blocks and the contents of code spans blanked (line numbers and offsets kept).</summary>
    private static string WithoutCode(string text) =>
        CodeSpan().Replace(WithoutFences(text), m => m.Groups["ticks"].Value + new string(' ', m.Groups["code"].Length) + m.Groups["ticks"].Value);

    /// <summary>The code spans of the text outside fenced blocks, each with its line number.</summary>
    public static IEnumerable<(int Line, string Code)> CodeSpans(string text)
    {
        var prose = WithoutFences(text);
        return CodeSpan().Matches(prose).Select(m => (LineOf(prose, m.Index), m.Groups["code"].Value));
    }

    /// <summary>The text with the lines of fenced code blocks blanked.</summary>
    private static string WithoutFences(string text)
    {
        var lines = text.Split('\n');
        string? fence = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var trimmed = lines[i].TrimStart();
            if (fence is null && FenceOpen().Match(trimmed) is { Success: true } open)
            {
                fence = open.Value;
                lines[i] = "";
            }
            else if (fence is not null)
            {
                if (trimmed.StartsWith(fence, StringComparison.Ordinal) && trimmed.TrimEnd().Trim(fence[0]).Length == 0)
                {
                    fence = null;
                }
                lines[i] = "";
            }
        }
        return string.Join('\n', lines);
    }

    /// <summary>The anchors GitHub gives the headings of a Markdown text (ATX and setext, outside code), plus HTML ids and names.</summary>
    public static IReadOnlySet<string> Anchors(string text)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var lines = WithoutFences(text).Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        for (var i = 0; i < lines.Length; i++)
        {
            string? heading = null;
            if (AtxHeading().Match(lines[i]) is { Success: true } atx)
            {
                heading = atx.Groups["text"].Value;
            }
            else if (i + 1 < lines.Length && lines[i].Trim().Length > 0 && !lines[i].StartsWith("    ", StringComparison.Ordinal)
                && SetextUnderline().IsMatch(lines[i + 1]) && !ListOrQuote().IsMatch(lines[i]))
            {
                heading = lines[i].Trim();
            }
            if (heading is not null)
            {
                var slug = Slug(heading);
                counts.TryGetValue(slug, out var seen);
                counts[slug] = seen + 1;
                anchors.Add(seen == 0 ? slug : $"{slug}-{seen}");
            }
            foreach (Match id in HtmlAnchor().Matches(lines[i]))
            {
                anchors.Add(id.Groups["id"].Value.ToLowerInvariant());
            }
        }
        return anchors;
    }

    /// <summary>
    /// GitHub's anchor for a heading (github-slugger): its text without markup, lower case, every character that is not
    /// a letter, mark, digit, space, hyphen or underscore removed, and each space made a hyphen.
    /// </summary>
    public static string Slug(string heading)
    {
        var plain = MarkdownLinkText().Replace(heading, "${text}");
        var slug = new StringBuilder(plain.Length);
        foreach (var c in plain.Trim().ToLowerInvariant())
        {
            var category = char.GetUnicodeCategory(c);
            if (c == ' ')
            {
                slug.Append('-');
            }
            else if (c is '-' or '_' || char.IsLetterOrDigit(c) || category is UnicodeCategory.NonSpacingMark
                or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
            {
                slug.Append(c);
            }
        }
        return slug.ToString();
    }

    public static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    [GeneratedRegex(@"^#{2,6}[ \t]+(?<section>\d+(?:\.\d+)*)\.?[ \t]", RegexOptions.Multiline)]
    private static partial Regex SectionHeading();

    /// <summary>"docs/design.md §1.5" (or "design.md §…"); <c>outside</c>: the upper-case design file that lived beside the repository.</summary>
    [GeneratedRegex(@"(?:(?:docs/)?design|(?<outside>DESIGN))\.md,? §(?<section>\d+(?:\.\d+)*)")]
    public static partial Regex SectionCitation();

    [GeneratedRegex(@"§(?<section>\d+(?:\.\d+)*)")]
    public static partial Regex OwnSectionCitation();

    /// <summary>A reference to an issue by number: "issue" or "issues", then an optional "#", then digits.</summary>
    [GeneratedRegex(@"\bissues?\s*#?\d+", RegexOptions.IgnoreCase)]
    public static partial Regex IssueReference();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.-]*:")]
    private static partial Regex Scheme();

    /// <summary><c>[text](dest)</c> or <c>![alt](dest "title")</c>; the text may hold one level of brackets.</summary>
    [GeneratedRegex("""!?\[(?:[^\[\]\n]|\[[^\[\]\n]*\])*\]\(\s*(?:<(?<angle>[^>\n]*)>|(?<bare>[^\s()<>]+))(?:\s+(?:"[^"\n]*"|'[^'\n]*'))?\s*\)""")]
    private static partial Regex InlineLink();

    [GeneratedRegex("""^ {0,3}\[[^\]\n]+\]:\s*(?:<(?<angle>[^>\n]*)>|(?<bare>\S+))""", RegexOptions.Multiline)]
    private static partial Regex ReferenceDefinition();

    [GeneratedRegex("^(`{3,}|~{3,})")]
    private static partial Regex FenceOpen();

    /// <summary>A code span: within one paragraph (never across a blank line).</summary>
    [GeneratedRegex(@"(?<ticks>`+)(?<code>(?:[^\n]|\n(?![ \t]*\n))*?[^`])\k<ticks>(?!`)")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"^ {0,3}#{1,6}[ \t]+(?<text>.*?)(?:[ \t]+#+)?[ \t]*$")]
    private static partial Regex AtxHeading();

    [GeneratedRegex(@"^ {0,3}(?:=+|-+)[ \t]*$")]
    private static partial Regex SetextUnderline();

    [GeneratedRegex(@"^\s*(?:[-*+>]|\d+[.)])\s|^\s*$|^ {0,3}(?:[-*_][ \t]*){3,}$")]
    private static partial Regex ListOrQuote();

    [GeneratedRegex("""<a\s[^>]*?(?:id|name)\s*=\s*["'](?<id>[^"']+)["']""", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlAnchor();

    [GeneratedRegex(@"!?\[(?<text>[^\]]*)\]\([^)]*\)")]
    private static partial Regex MarkdownLinkText();
}

/// <summary>The test methods of the test projects' sources, by the innermost class whose body holds them.</summary>
internal static partial class TestMethods
{
    public static IReadOnlyDictionary<string, HashSet<string>> Of(string tests)
    {
        var methods = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(tests, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(d => d is "bin" or "obj")))
        {
            var text = File.ReadAllText(file);
            var code = Code(text);
            // Each class with its body's span; a nested class's lies inside its outer one's, and the innermost holding a
            // method owns it (FeedTests' tests after its nested RecordWriter are FeedTests').
            var classes = Class().Matches(text).Select(m => (m.Index, Name: m.Groups[1].Value, End: BodyEnd(text, code, m.Index + m.Length))).ToList();
            foreach (Match m in Method().Matches(text))
            {
                var owner = classes.LastOrDefault(c => c.Index < m.Index && m.Index < c.End).Name;
                if (owner is not null)
                {
                    (methods.TryGetValue(owner, out var set) ? set : methods[owner] = new HashSet<string>(StringComparer.Ordinal)).Add(m.Groups[1].Value);
                }
            }
        }
        return methods;
    }

    /// <summary>
    /// Where each character is code (true) or inside a comment, a string or a character literal (false): braces count
    /// only in code. A string is skipped whole, raw (<c>"""…"""</c>), verbatim and interpolated ones too; an
    /// interpolation's braces are balanced, so skipping them with their string changes no count.
    /// </summary>
    private static bool[] Code(string text)
    {
        var code = new bool[text.Length];
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            if (text[i] == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                i = text.IndexOf('\n', i) is var end and >= 0 ? end : text.Length;
                continue;
            }
            if (text[i] == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                i = text.IndexOf("*/", i + 2, StringComparison.Ordinal) is var end and >= 0 ? end + 2 : text.Length;
                continue;
            }
            if (text[i] == '\'')
            {
                i++;
                while (i < text.Length && text[i] != '\'')
                {
                    i += text[i] == '\\' ? 2 : 1;
                }
                i++;
                continue;
            }
            if (text[i] == '"')
            {
                var verbatim = i > 0 && (text[i - 1] == '@' || (i > 1 && text[i - 1] == '$' && text[i - 2] == '@'));
                var quotes = 0;
                while (i + quotes < text.Length && text[i + quotes] == '"')
                {
                    quotes++;
                }
                if (quotes >= 3)
                {
                    var close = new string('"', quotes);
                    i = text.IndexOf(close, i + quotes, StringComparison.Ordinal) is var end and >= 0 ? end + quotes : text.Length;
                    continue;
                }
                i++;
                while (i < text.Length)
                {
                    if (!verbatim && text[i] == '\\')
                    {
                        i += 2;
                    }
                    else if (text[i] == '"' && verbatim && i + 1 < text.Length && text[i + 1] == '"')
                    {
                        i += 2;
                    }
                    else if (text[i] == '"')
                    {
                        i++;
                        break;
                    }
                    else
                    {
                        i++;
                    }
                }
                continue;
            }
            code[start] = true;
            i++;
        }
        return code;
    }

    /// <summary>Where the body of the class declared before <paramref name="from"/> ends: after the brace closing its first one.</summary>
    private static int BodyEnd(string text, bool[] code, int from)
    {
        var depth = 0;
        for (var i = from; i < text.Length; i++)
        {
            if (!code[i])
            {
                continue;
            }
            if (text[i] == ';' && depth == 0)
            {
                return i; // a declaration without a body (a record's positional form)
            }
            if (text[i] == '{')
            {
                depth++;
            }
            else if (text[i] == '}' && --depth == 0)
            {
                return i;
            }
        }
        return text.Length;
    }

    /// <summary><c>SomeTests.SomeMethod</c>, or its start followed by "…"; not a file name (<c>BadInputTests.Hostile.cs</c>).</summary>
    [GeneratedRegex(@"\b(?<class>[A-Z][A-Za-z0-9]*Tests)\.(?<method>[A-Z][A-Za-z0-9]*)(?<elided>…)?(?![A-Za-z0-9]*\.cs\b)")]
    public static partial Regex Citation();

    /// <summary><c>`…TheEndOfAMethodsName`</c>, in a code span.</summary>
    [GeneratedRegex(@"`…(?<end>[A-Z][A-Za-z0-9]+)`")]
    public static partial Regex ElidedStart();

    [GeneratedRegex(@"\bclass\s+([A-Z][A-Za-z0-9]*)")]
    private static partial Regex Class();

    [GeneratedRegex(@"\b(?:void|Task|ValueTask)\s+([A-Z][A-Za-z0-9]*)\s*\(")]
    private static partial Regex Method();
}

/// <summary>The settings the options classes under <c>src/</c> bind, read from their sources.</summary>
internal static partial class OptionsSources
{
    /// <summary>Bound properties that are not settings of their section: the OTLP endpoint is read from its standard variable.</summary>
    public static readonly IReadOnlySet<string> NotSettings = new HashSet<string>(StringComparer.Ordinal) { "Telemetry:OtlpEndpoint" };

    /// <summary>Each <c>Section:Property</c> and its default as C# literal text normalised (null when not a constant).</summary>
    public static IEnumerable<(string Name, string? Default)> Settings(string src)
    {
        foreach (var file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(d => d is "bin" or "obj")))
        {
            var text = File.ReadAllText(file);
            var classes = Class().Matches(text).Select(m => m.Index).Append(text.Length).ToList();
            for (var i = 0; i < classes.Count - 1; i++)
            {
                var body = text[classes[i]..classes[i + 1]];
                if (Section().Match(body) is not { Success: true } section)
                {
                    continue;
                }
                foreach (Match p in Property().Matches(body))
                {
                    yield return ($"{section.Groups[1].Value}:{p.Groups["name"].Value}", Default(p.Groups["type"].Value.Trim(), p.Groups["value"].Success ? p.Groups["value"].Value.Trim() : null));
                }
            }
        }
    }

    private static string? Default(string type, string? initializer)
    {
        if (initializer is null)
        {
            return type switch { "bool" => "false", "int" or "long" or "double" => "0", _ => null };
        }
        if (Span().Match(initializer) is { Success: true } span)
        {
            var n = double.Parse(span.Groups[2].Value, CultureInfo.InvariantCulture);
            return (span.Groups[1].Value switch
            {
                "Milliseconds" => TimeSpan.FromMilliseconds(n),
                "Seconds" => TimeSpan.FromSeconds(n),
                "Minutes" => TimeSpan.FromMinutes(n),
                "Hours" => TimeSpan.FromHours(n),
                _ => TimeSpan.FromDays(n),
            }).ToString("c", CultureInfo.InvariantCulture);
        }
        if (initializer.StartsWith('"') && initializer.EndsWith('"'))
        {
            return initializer[1..^1];
        }
        var number = initializer.Replace("_", "", StringComparison.Ordinal);
        return initializer is "true" or "false" || double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? number : null;
    }

    /// <summary>The documented <paramref name="documented"/> is the value <paramref name="expected"/>, however written.</summary>
    public static bool SameValue(string expected, string documented) =>
        expected == documented
        || (double.TryParse(expected, NumberStyles.Float, CultureInfo.InvariantCulture, out var a) && double.TryParse(documented, NumberStyles.Float, CultureInfo.InvariantCulture, out var b) && a == b)
        || (expected.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(expected, CultureInfo.InvariantCulture, out var x)
            && TimeSpan.TryParse(documented, CultureInfo.InvariantCulture, out var y) && x == y);

    [GeneratedRegex(@"`([^`]+)`")]
    public static partial Regex Code();

    [GeneratedRegex(@"\bclass\s+[A-Z]")]
    private static partial Regex Class();

    [GeneratedRegex(@"const string Section = ""([^""]+)"";")]
    private static partial Regex Section();

    [GeneratedRegex(@"public\s+(?<type>[A-Za-z<>?,\[\]\s]+?)\s+(?<name>[A-Z][A-Za-z0-9]*)\s*\{\s*get;\s*set;\s*\}(?:\s*=\s*(?<value>[^;]+);)?")]
    private static partial Regex Property();

    [GeneratedRegex(@"^TimeSpan\.From(Milliseconds|Seconds|Minutes|Hours|Days)\(([0-9.]+)\)$")]
    private static partial Regex Span();
}

/// <summary>The routes of a cell of README's route table: methods and paths, queries left out, "[/{id}]" read both ways.</summary>
internal static partial class RouteCells
{
    public static IEnumerable<(string Method, string Path)> Routes(string cell)
    {
        var pending = new List<string>();
        (string Method, string Path)? last = null;
        foreach (Match token in Token().Matches(cell))
        {
            var method = token.Groups["method"].Value;
            var path = token.Groups["path"].Value;
            if (path.Length == 0)
            {
                // A method alone: of the path that follows ("`PUT`/`DELETE /v1/…`"), or of the one before ("`DELETE` the same").
                if (cell[(token.Index + token.Length)..].StartsWith('/'))
                {
                    pending.Add(method);
                }
                else if (last is { } before)
                {
                    foreach (var p in Expanded(before.Path))
                    {
                        yield return (method, p);
                    }
                }
                continue;
            }
            method = method.Length > 0 ? method : last?.Method ?? "";
            path = path.Split('?')[0];
            foreach (var m in pending.Append(method))
            {
                foreach (var p in Expanded(path))
                {
                    yield return (m, p);
                }
            }
            pending.Clear();
            last = (method, path);
        }
    }

    private static IEnumerable<string> Expanded(string path)
    {
        var optional = path.IndexOf('[', StringComparison.Ordinal);
        return optional < 0 ? [path] : [path[..optional], path.Replace("[", "", StringComparison.Ordinal).Replace("]", "", StringComparison.Ordinal)];
    }

    [GeneratedRegex(@"`(?:(?<method>GET|PUT|POST|DELETE)(?:\s+|(?=`)))?(?<path>[/…][^`\s]*)?`")]
    private static partial Regex Token();
}

/// <summary>Repository paths named in code spans (<c>src/…</c>, <c>db/&lt;provider&gt;/</c>), and whether the repository has them.</summary>
internal static partial class CodePaths
{
    /// <summary>What a clone does not have: build output, and the database the service creates at its first start.</summary>
    private static readonly HashSet<string> Made = new(StringComparer.Ordinal) { "bin", "obj", "registry.db" };

    public static IEnumerable<(int Line, string Path)> InCode(string text) =>
        MarkdownLinks.CodeSpans(text).SelectMany(span => Path().Matches(span.Code).Select(m => (span.Line, m.Value.TrimEnd('.', ','))));

    /// <summary>Whether <paramref name="path"/> names a file or directory of the repository; "*" or "&lt;…&gt;" is any one name.</summary>
    public static bool Exists(string root, string path)
    {
        var parts = path.TrimEnd('/').Split('/');
        if (parts.Any(Made.Contains))
        {
            return true;
        }
        IEnumerable<string> found = [root];
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            var wild = part.Contains('*', StringComparison.Ordinal) || part.StartsWith('<');
            // A migration may be named by its number alone: `db/*/0032`.
            var number = i == parts.Length - 1 && part.All(char.IsAsciiDigit);
            found = found.Where(Directory.Exists).SelectMany(d => wild || number
                ? Directory.EnumerateFileSystemEntries(d).Where(e => wild || System.IO.Path.GetFileName(e).StartsWith(part + "_", StringComparison.Ordinal))
                : [System.IO.Path.Combine(d, part)]).ToList();
        }
        return found.Any(f => File.Exists(f) || Directory.Exists(f));
    }

    /// <summary>A path from one of the repository's top-level directories, not part of a URL or of a longer path.</summary>
    [GeneratedRegex(@"(?<![\w/.:-])(?:src|tests|db|docs|bench|tools|clients|openapi|\.ci|\.config)/[^\s`'""(),;|]*")]
    private static partial Regex Path();
}

/// <summary>Types and members named in a document's code spans, and whether the code declares them.</summary>
internal static partial class Declarations
{
    /// <summary>
    /// Each code span that is a name (<c>Write</c>, <c>Write.TrackAsync</c>, <c>Validate()</c>), but for the names a table
    /// column headed "before" holds: what the code had then, which the text may compare with what it has now.
    /// </summary>
    public static IEnumerable<(int Line, string Name)> NamedInCode(string text)
    {
        var named = Named(text).ToList();
        var before = named.Where(n => n.Before).Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        return named.Where(n => !before.Contains(n.Name)).Select(n => (n.Line, n.Name));
    }

    private static IEnumerable<(int Line, string Name, bool Before)> Named(string text)
    {
        var lines = text.Split('\n');
        string[]? header = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var cells = line.StartsWith('|') ? line.Split('|') : null;
            if (cells is null)
            {
                header = null;
            }
            else if (header is null)
            {
                header = cells;
            }
            var columns = cells is null || header is null
                ? [(line, false)]
                : cells.Select((c, n) => (c, n < header.Length && header[n].Contains("before", StringComparison.OrdinalIgnoreCase)));
            foreach (var (column, isBefore) in columns)
            {
                foreach (var (_, code) in MarkdownLinks.CodeSpans(column))
                {
                    if (Name().Match(code) is { Success: true } m)
                    {
                        yield return (i + 1, m.Groups["name"].Value, isBefore);
                    }
                }
            }
        }
    }

    /// <summary>
    /// A type (or a file's name) declared in <paramref name="code"/>; for <c>A.B</c>, B declared in a file that declares A;
    /// a lone member anywhere.
    /// </summary>
    public static bool Declared(IReadOnlyList<(string File, string Text)> code, string name)
    {
        if (code.Any(c => Regex.IsMatch(c.Text, $@"\bnamespace\s+{Regex.Escape(name)}\b")))
        {
            return true; // a project, by its namespace
        }
        var parts = name.Split('.');
        if (parts.Length == 1)
        {
            return code.Any(c => c.File == name || IsType(c.Text, name) || IsMember(c.Text, name));
        }
        var owners = code.Where(c => c.File == parts[0] || IsType(c.Text, parts[0])).ToList();
        return owners.Count > 0 && parts.Skip(1).All(member => owners.Any(c => IsMember(c.Text, member) || IsType(c.Text, member)));
    }

    private static bool IsType(string text, string name) =>
        Regex.IsMatch(text, $@"\b(?:class|record|struct|interface|enum)\s+{name}\b|\bdelegate\s+[\w<>?,\[\] ]+\s+{name}\s*[(<]");

    /// <summary>A method, property, field or constant declared with a modifier, or an enum's member (a line of its own).</summary>
    private static bool IsMember(string text, string name) =>
        Regex.IsMatch(text, $@"(?m)^\s*(?:\[[^\]\n]*\]\s*)*(?:(?:public|internal|private|protected|static|async|override|virtual|sealed|readonly|const|abstract|partial|required|new|extern)\s+)+[\w<>\[\]?,.() ]*?\b{name}\s*(?:<[^>\n]*>)?\s*[({{=;]|(?m)^\s*{name}\s*(?:=[^=>][^,\n]*)?,?\s*$");

    [GeneratedRegex(@"^(?<name>[A-Z][A-Za-z0-9]*(?:\.[A-Z][A-Za-z0-9]*)*)(?:\(\))?$")]
    private static partial Regex Name();
}
