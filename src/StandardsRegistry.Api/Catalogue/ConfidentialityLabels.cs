using System.Globalization;
using System.Text;
using System.Xml;
using StandardsRegistry.Api.Http;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Catalogue;

/// <summary>
/// A version's confidentiality metadata as one caller may know it: the originator's STANAG 4774 label (policy NATO,
/// the NATO marking, and a permissive "Releasable To" category naming the audiences the caller may know the version
/// is released to) and, for callers who read the EU scheme, the equivalent EU label beside it. The XML form is
/// docs/stanag-4774/*.xsd; the JSON form has the same structure. See docs/confidentiality-labels.md.
/// </summary>
public sealed record ConfidentialityMetadataDto(
    string Resource,
    ConfidentialityLabelDto OriginatorConfidentialityLabel,
    IReadOnlyList<ConfidentialityLabelDto> AlternativeConfidentialityLabels);

/// <summary>One STANAG 4774 confidentiality label.</summary>
public sealed record ConfidentialityLabelDto(ConfidentialityInformationDto ConfidentialityInformation, DateTimeOffset? CreationDateTime);

/// <summary>The policy, the classification in that policy, and the label's categories.</summary>
public sealed record ConfidentialityInformationDto(string PolicyIdentifier, string Classification, IReadOnlyList<LabelCategoryDto> Categories);

/// <summary>A label category: its tag name, its type (PERMISSIVE, RESTRICTIVE, INFORMATIVE) and its values.</summary>
public sealed record LabelCategoryDto(string TagName, string Type, IReadOnlyList<string> GenericValues);

public static class ConfidentialityLabels
{
    public const string Stanag4774Namespace = "urn:nato:stanag:4774:confidentialitymetadatalabel:1:0";

    /// <summary>The registry's container for a version's labels (the originator's and its alternatives).</summary>
    public const string RegistryNamespace = "urn:standards-registry:confidentiality-metadata:1";

    public const string NatoPolicy = "NATO";
    public const string EuPolicy = "EU";
    public const string ReleasableTo = "Releasable To";
    public const string Permissive = "PERMISSIVE";

    /// <summary>The header that carries the version's marking on version responses (an RFC 9651 dictionary).</summary>
    public const string HeaderName = "Confidentiality-Label";

    /// <summary>
    /// A marked read's description says what the label headers bind (<paramref name="what"/>: an edition, a table), and its
    /// 200 and 304 responses declare them (<see cref="AddHeaders(HttpResponse, string, MarkingDto)"/> sets them before the
    /// answer is decided, so a 304 carries them too).
    /// </summary>
    public static RouteHandlerBuilder WithLabelHeaders(this RouteHandlerBuilder builder, string what = "edition", string? description = null) =>
        builder.WithDescription((description is null ? "" : description + " ") +
                $"The response binds the {what}'s confidentiality label: `Confidentiality-Label` carries its marking in the caller's scheme "
                + "(policy and classification, and for EU readers the EU equivalent), and `Link` (rel=\"describedby\") points at the full label. "
                + "See docs/confidentiality-labels.md.")
            .Sends(HeaderName, StatusCodes.Status200OK, StatusCodes.Status304NotModified)
            .Sends(Microsoft.Net.Http.Headers.HeaderNames.Link, StatusCodes.Status200OK, StatusCodes.Status304NotModified);

    public static string VersionPath(string key, int edition) => string.Create(CultureInfo.InvariantCulture, $"/v1/standards/{key}/versions/{edition}");

    public static string LabelPath(string key, int edition) => VersionPath(key, edition) + "/label";

    /// <summary>
    /// The label of a version visible to the caller. <paramref name="releasedTo"/> comes from the release rule in SQL
    /// (CatalogueQueries.ReleasedToAsync): the audiences this caller may know about, nothing else.
    /// </summary>
    public static ConfidentialityMetadataDto For(VersionRow row, IReadOnlyList<string> releasedTo, VisibilityScope scope) =>
        For(VersionPath(row.StandardKey, row.Edition), row.Classification, VersionSummaryDto.Time(row.PublishedAt), releasedTo, scope);

    /// <summary>The label of anything the caller may see, at <paramref name="path"/>, marked <paramref name="classification"/>.</summary>
    public static ConfidentialityMetadataDto For(string path, Classification classification, DateTimeOffset? created, IReadOnlyList<string> releasedTo, VisibilityScope scope)
    {
        var marking = MarkingDto.For(classification, scope.Scheme);
        IReadOnlyList<LabelCategoryDto> categories = releasedTo.Count == 0 ? [] : [new LabelCategoryDto(ReleasableTo, Permissive, releasedTo)];
        var originator = new ConfidentialityLabelDto(new ConfidentialityInformationDto(NatoPolicy, marking.Marking, categories), created);
        IReadOnlyList<ConfidentialityLabelDto> alternatives = marking.EquivalentMarking is { } equivalent
            ? [new ConfidentialityLabelDto(new ConfidentialityInformationDto(EuPolicy, equivalent, []), created)]
            : [];
        return new ConfidentialityMetadataDto(path, originator, alternatives);
    }

    /// <summary>The XML form, written by <see cref="XmlWriter"/> (UTF-8, no byte order mark).</summary>
    public static byte[] ToXml(ConfidentialityMetadataDto metadata)
    {
        using var stream = new MemoryStream();
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, NewLineChars = "\n" };
        using (var writer = XmlWriter.Create(stream, settings))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement("reg", "ConfidentialityMetadata", RegistryNamespace);
            writer.WriteAttributeString("xmlns", "slab", null, Stanag4774Namespace);
            writer.WriteAttributeString("resource", metadata.Resource);
            WriteLabel(writer, "originatorConfidentialityLabel", metadata.OriginatorConfidentialityLabel);
            foreach (var alternative in metadata.AlternativeConfidentialityLabels)
            {
                WriteLabel(writer, "alternativeConfidentialityLabel", alternative);
            }
            writer.WriteEndElement();
            writer.WriteEndDocument();
        }
        return stream.ToArray();
    }

    private static void WriteLabel(XmlWriter writer, string element, ConfidentialityLabelDto label)
    {
        writer.WriteStartElement("slab", element, Stanag4774Namespace);
        writer.WriteStartElement("slab", "ConfidentialityInformation", Stanag4774Namespace);
        writer.WriteElementString("slab", "PolicyIdentifier", Stanag4774Namespace, label.ConfidentialityInformation.PolicyIdentifier);
        writer.WriteElementString("slab", "Classification", Stanag4774Namespace, label.ConfidentialityInformation.Classification);
        foreach (var category in label.ConfidentialityInformation.Categories)
        {
            writer.WriteStartElement("slab", "Category", Stanag4774Namespace);
            writer.WriteAttributeString("TagName", category.TagName);
            writer.WriteAttributeString("Type", category.Type);
            foreach (var value in category.GenericValues)
            {
                writer.WriteElementString("slab", "GenericValue", Stanag4774Namespace, value);
            }
            writer.WriteEndElement();
        }
        writer.WriteEndElement();
        if (label.CreationDateTime is { } created)
        {
            writer.WriteElementString("slab", "CreationDateTime", Stanag4774Namespace, XmlConvert.ToString(created.UtcDateTime, XmlDateTimeSerializationMode.Utc));
        }
        writer.WriteEndElement();
    }

    /// <summary>
    /// The headers that bind the label to a version response: <c>Confidentiality-Label</c>, the marking in the
    /// caller's scheme as an RFC 9651 dictionary, and a <c>Link</c> (rel="describedby") to the full label. Both are
    /// derived from the version's classification, key and edition alone (all in the body the caller receives); the
    /// releasability, which changes with releases rather than with the version, is only in the linked label.
    /// </summary>
    public static void AddHeaders(HttpResponse response, VersionRow row, MarkingDto marking) =>
        AddHeaders(response, LabelPath(row.StandardKey, row.Edition), marking);

    /// <summary>
    /// The label headers of anything served marked <paramref name="marking"/> whose full label is at
    /// <paramref name="labelPath"/>: a capability table's too, so a table's CSV, which has no field for it, never leaves
    /// unmarked.
    /// </summary>
    public static void AddHeaders(HttpResponse response, string labelPath, MarkingDto marking)
    {
        var value = new StringBuilder();
        value.Append("policy=").Append(StructuredString(NatoPolicy))
            .Append(", classification=").Append(StructuredString(marking.Marking));
        if (marking.EquivalentMarking is { } equivalent)
        {
            value.Append(", equivalent-policy=").Append(StructuredString(EuPolicy))
                .Append(", equivalent-classification=").Append(StructuredString(equivalent));
        }
        response.Headers[HeaderName] = value.ToString();
        response.Headers.Link = $"<{labelPath}>; rel=\"describedby\"; type=\"application/xml\"";
    }

    /// <summary>
    /// An RFC 9651 string when the text is printable ASCII (RFC 8941 sf-string), else a Display String
    /// (<c>%"…"</c>, non-ASCII bytes percent-encoded), so header values stay ASCII (e.g. TRÈS SECRET UE).
    /// </summary>
    internal static string StructuredString(string text)
    {
        if (text.All(c => c is >= ' ' and <= '~'))
        {
            return $"\"{text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";
        }
        var display = new StringBuilder("%\"");
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%' && b != (byte)'"')
            {
                display.Append((char)b);
            }
            else
            {
                display.Append('%').Append(b.ToString("x2", CultureInfo.InvariantCulture));
            }
        }
        return display.Append('"').ToString();
    }
}
