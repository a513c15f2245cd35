using StandardsRegistry.Api.Http;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// The headers two answers are compared by: all of them, content headers included, but those that differ from one
/// request to the next whatever it asks (the date, the request id the audit trail records).
/// </summary>
public static class ResponseHeaders
{
    public static readonly IReadOnlySet<string> PerRequest = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "Date", RequestLimits.RequestIdHeader };

    public static IEnumerable<KeyValuePair<string, IEnumerable<string>>> Comparable(HttpResponseMessage response) =>
        response.Headers.Concat(response.Content.Headers).Where(h => !PerRequest.Contains(h.Key));

    /// <summary>The comparable headers as one line in name order, to compare and to scan like a body.</summary>
    public static string Line(HttpResponseMessage response) => string.Join("; ", Comparable(response)
        .OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
        .Select(h => $"{h.Key}: {string.Join(", ", h.Value)}"));
}
