using System.Text.Json;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// A valid body for each write route, by endpoint name: what the route's request record accepts (src/StandardsRegistry.Api:
/// <c>CreateStandardRequest</c>, <c>DraftRequest</c>, <c>WithdrawRequest</c>, <c>ReleaseRequest</c>, <c>ResponseRequest</c>,
/// <c>ReleaseReasonRequest</c>, <c>PreferredRequest</c>, <c>TargetRequest</c>, <c>PublishTableRequest</c>,
/// <c>SubscriptionRequest</c>, <c>RedeliverRequest</c>), so a write is decided in full rather than refused as invalid.
/// One table for the suites that send real writes (WriteNonInterferenceTests generates the <see cref="Choice"/>;
/// AuthorizationMatrixTests sends the defaults to hidden and absent targets). A write route not known here fails the
/// test that asks, naming it.
/// </summary>
public static class WriteBodies
{
    /// <summary>What varies between valid bodies; each route reads only what its request takes.</summary>
    public sealed record Choice(
        string Category = "caliber",
        string Classification = "NU",
        string Title = "First text.",
        string Key = "n-0",
        int Content = 0,
        long Quantity = 1000,
        string Audience = "PUBLIC",
        string? Designation = null);

    /// <summary>A national response's three kinds of content: the response and, for a reservation, its text.</summary>
    public static readonly (string Response, string? Reservation)[] Contents =
        [("ratified", null), ("not-ratifying", null), ("ratified-with-reservations", "Only for land forces.")];

    /// <summary>A national response's body: <see cref="Contents"/>[<paramref name="content"/>], marked <paramref name="classification"/>.</summary>
    public static object Response(int content, string classification) => Contents[content].Reservation is { } reservation
        ? new { response = Contents[content].Response, reservation, classification }
        : new { response = Contents[content].Response, classification };

    /// <summary>
    /// A designation a reader takes for <paramref name="designation"/> (ASCII letters, digits and hyphens) although no
    /// character of it is the same: <c>Designations.Identity</c> folds the two to one (docs/design.md §1.1). Lower case,
    /// each digit and every other letter in its full-width form, each hyphen another dash, within a no-break and an
    /// ideographic space: what a create must meet as the existing standard's, hidden or not.
    /// </summary>
    public static string LookAlike(string designation) =>
        "\u00A0" + string.Concat(designation.ToLowerInvariant().Select((c, i) => c switch
        {
            '-' => '\u2010',
            _ when char.IsAsciiDigit(c) || (char.IsAsciiLetter(c) && i % 2 == 0) => (char)(c + 0xFEE0),
            _ => c,
        })) + "\u3000";

    /// <summary>The JSON of a valid body for <paramref name="route"/> (an endpoint name), or null for a route that takes none.</summary>
    public static string? Of(string route, Choice? choice = null)
    {
        var c = choice ?? new Choice();
        return route switch
        {
            "CreateStandard" => Json(new { key = c.Key, designation = c.Designation ?? c.Key.ToUpperInvariant(), category = c.Category, title = $"Title of {c.Key}" }),
            "CreateDraft" or "UpdateDraft" => Json(new { title = c.Title, summary = "A summary.", body = "The body.", classification = c.Classification, attributes = RegistryClient.AttributesFor(c.Category) }),
            "PublishVersion" or "AddRelation" or "RemoveRelation" or "AddEquivalent" or "RemoveEquivalent" or "UnmarkPreferred"
                or "RevokeRelease" or "RevokeResponseRelease" or "RevokeCapabilityTable"
                or "PauseSubscription" or "ResumeSubscription" or "DeleteSubscription" => null,
            "WithdrawVersion" => Json(new { reason = "Obsolete." }),
            "ReleaseVersion" or "ReleaseResponse" => Json(new { reason = "Needed." }),
            "RecordResponse" => Json(Response(c.Content, c.Classification)),
            "MarkPreferred" => Json(new { rationale = "Civil-aligned." }),
            "RecordCapabilityTarget" => Json(new { quantity = c.Quantity, classification = c.Classification }),
            "PublishCapabilityTable" => Json(new { classification = c.Classification }),
            "CreateSubscription" => Json(new { audience = c.Audience, url = $"http://127.0.0.1:9/{c.Audience.ToLowerInvariant()}", secret = "0123456789abcdef" }),
            "RedeliverSubscription" => Json(new { fromSequence = 1 }),
            var other => throw new Xunit.Sdk.XunitException(
                $"The write route {other} is new to {nameof(WriteBodies)}: teach {nameof(WriteBodies)}.{nameof(Of)}() a valid body for it."),
        };
    }

    private static string Json(object value) => JsonSerializer.Serialize(value, RegistryClient.Json);
}
