using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using StandardsRegistry.Tests.Support;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// Validates label XML against the schemas in docs/stanag-4774/ with <see cref="XmlSchemaSet"/>. Warnings count as
/// errors: an element no schema declares is only a warning to the validator, and must fail a test.
/// </summary>
public static class LabelSchemas
{
    public const string Stanag4774 = "urn:nato:stanag:4774:confidentialitymetadatalabel:1:0";
    public const string Registry = "urn:standards-registry:confidentiality-metadata:1";

    public static XNamespace Slab { get; } = Stanag4774;

    public static XNamespace Reg { get; } = Registry;

    private static readonly Lazy<XmlSchemaSet> Schemas = new(Load);

    private static XmlSchemaSet Load()
    {
        var directory = Path.Combine(RepositoryPaths.Root, "docs", "stanag-4774");
        var set = new XmlSchemaSet { XmlResolver = new XmlUrlResolver() };
        var problems = new List<string>();
        set.ValidationEventHandler += (_, e) => problems.Add($"{e.Severity}: {e.Message}");
        set.Add(Stanag4774, Path.Combine(directory, "confidentiality-label.xsd"));
        set.Add(Registry, Path.Combine(directory, "registry-confidentiality-metadata.xsd"));
        set.Compile();
        Assert.True(problems.Count == 0, $"The label schemas do not compile: {string.Join("; ", problems)}");
        return set;
    }

    /// <summary>The schema validation problems of <paramref name="xml"/> (empty when valid).</summary>
    public static IReadOnlyList<string> Problems(string xml)
    {
        var problems = new List<string>();
        var settings = new XmlReaderSettings
        {
            ValidationType = ValidationType.Schema,
            Schemas = Schemas.Value,
            ValidationFlags = XmlSchemaValidationFlags.ReportValidationWarnings | XmlSchemaValidationFlags.ProcessIdentityConstraints,
            DtdProcessing = DtdProcessing.Prohibit,
        };
        settings.ValidationEventHandler += (_, e) => problems.Add($"{e.Severity} at {e.Exception?.LineNumber}:{e.Exception?.LinePosition}: {e.Message}");
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            while (reader.Read())
            {
            }
        }
        catch (XmlException e)
        {
            problems.Add($"not well-formed: {e.Message}");
        }
        return problems;
    }

    public static void AssertValid(string xml, string what)
    {
        var problems = Problems(xml);
        Assert.True(problems.Count == 0, $"{what}: the label does not validate against docs/stanag-4774: {string.Join("; ", problems)}{Environment.NewLine}{xml}");
    }
}
