using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>
/// The committed OpenAPI document (openapi/standards-registry.v1.json) as a contract a response either keeps or breaks:
/// the operation is found by the document's own paths and methods (a literal segment before a parameter, as routing
/// does), its status must be declared, a declared body must come with a declared media type, and a JSON body (each line
/// of NDJSON) must be valid against the schema the document gives that operation and status. Schemas are JSON Schema
/// 2020-12, the dialect of OpenAPI 3.1 (nullable values are type arrays with "null"); <c>$ref</c>s into
/// <c>components/schemas</c> resolve within the document. Each distinct response schema is built once per run.
/// </summary>
public sealed class OpenApiContract
{
    /// <summary>What the document describes: the versioned API. Health, the document itself, Swagger UI and the catalogue page are not in it.</summary>
    public const string ApiPrefix = "/v1";

    private static readonly Lazy<OpenApiContract> CommittedDocument = new(() =>
        new OpenApiContract(File.ReadAllText(System.IO.Path.Combine(AppContext.BaseDirectory, "openapi", "standards-registry.v1.json"))));

    public static OpenApiContract Committed => CommittedDocument.Value;

    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    private static int _schemaCount;

    private readonly List<Operation> _operations = [];
    private readonly string _definitions;
    /// <summary>Every schema the document gives a response, built once, by its text (most statuses share one).</summary>
    private readonly Dictionary<string, JsonSchema> _schemas = new(StringComparer.Ordinal);
    private readonly string _problemSchema;
    private readonly ConcurrentDictionary<string, bool> _exercised = new(StringComparer.Ordinal);

    /// <summary>
    /// Verdicts already reached on small bodies, by schema and body: a schema's judgement of a body never changes, and
    /// the suites send the same small answers (refusals, absent things) tens of thousands of times. Bounded in size.
    /// </summary>
    private readonly ConcurrentDictionary<(string Schema, string Body), string?> _verdicts = new();

    /// <summary>How many verdicts are kept (the dictionary's own Count takes every lock, on each miss).</summary>
    private int _verdictCount;

    private const int CachedBodyBytes = 4096;

    private const int CachedVerdicts = 50_000;

    /// <summary>The document's operations no checked response has come from yet.</summary>
    public IReadOnlyList<string> Unexercised =>
        _operations.Select(o => $"{o.Method} {o.Path}").Where(o => !_exercised.ContainsKey(o)).ToList();

    public int OperationCount => _operations.Count;

    /// <summary>An operation's declared responses, by status (or <c>4XX</c>, <c>default</c>).</summary>
    private sealed record Operation(string Path, string[] Segments, string Method, IReadOnlyDictionary<string, Response> Responses)
    {
        /// <summary>The response declared for a status: its own, else its class's (<c>4XX</c>), else the default.</summary>
        public Response? Declared(int status)
        {
            var text = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Responses.GetValueOrDefault(text) ?? Responses.GetValueOrDefault($"{text[0]}XX") ?? Responses.GetValueOrDefault("default");
        }
    }

    /// <summary>A declared response: media type to schema text (null: no schema); header to whether it is required.</summary>
    private sealed record Response(IReadOnlyDictionary<string, string?> Content, IReadOnlyDictionary<string, bool> Headers);

    /// <summary>Every header the document declares on some response: the registry's own, which a response carries only where declared.</summary>
    private readonly HashSet<string> _describedHeaders = new(StringComparer.OrdinalIgnoreCase);

    public OpenApiContract(string documentText)
    {
        // JSON Schema resolves a pointer $ref within the schema resource: the document's components become the $defs of every schema built.
        var document = JsonNode.Parse(documentText.Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal))!.AsObject();
        _definitions = document["components"]?["schemas"]?.ToJsonString() ?? "{}";
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                // Read into plain dictionaries once: the checks run on many threads, and a parsed JsonNode is not safe to share.
                var responses = (operation?["responses"] as JsonObject ?? []).ToDictionary(
                    r => r.Key,
                    r => new Response(
                        (r.Value?["content"] as JsonObject ?? []).ToDictionary(c => c.Key, c => c.Value?["schema"]?.ToJsonString(), StringComparer.Ordinal),
                        (r.Value?["headers"] as JsonObject ?? []).ToDictionary(
                            h => h.Key, h => Resolve(document, h.Value)?["required"]?.GetValue<bool>() == true, StringComparer.OrdinalIgnoreCase)),
                    StringComparer.Ordinal);
                _describedHeaders.UnionWith(responses.Values.SelectMany(r => r.Headers.Keys));
                _operations.Add(new Operation(path, Segments(path), method.ToUpperInvariant(), responses));
            }
        }
        _problemSchema = new JsonObject { ["$ref"] = "#/$defs/ProblemDetails" }.ToJsonString();
        // Built here, on one thread: the schema registry the builds register in is not for concurrent writers.
        foreach (var schema in _operations.SelectMany(o => o.Responses.Values).SelectMany(r => r.Content.Values).OfType<string>().Append(_problemSchema))
        {
            if (!_schemas.ContainsKey(schema))
            {
                _schemas[schema] = Build(schema);
            }
        }
    }

    /// <summary>
    /// Why a response breaks the document, or null when it keeps it. <paramref name="routed"/> says whether the app
    /// routed the request to an endpoint: a request the app does not route (an unknown path, a method a path does not
    /// take) is answered by the framework's 404/405, which must still be a problem details body.
    /// </summary>
    public string? Violation(string method, string path, bool routed, int status, string? contentType, ReadOnlySpan<byte> body)
    {
        var where = $"{method} {path} -> {status}";
        // HEAD is the GET without its body (RFC 9110 §9.3.2; the service answers it on every GET route): it keeps the
        // document when its status is one the GET declares.
        var head = method == "HEAD";
        var operation = Find(head ? "GET" : method, path);
        if (operation is null)
        {
            if (routed)
            {
                return $"{where}: the document describes no operation {method} for this path.";
            }
            return body.IsEmpty ? null : Validate(where, _problemSchema, body);
        }
        where = $"{operation.Method} {operation.Path} (request {method} {path}) -> {status}";
        _exercised.TryAdd($"{operation.Method} {operation.Path}", true);
        if (operation.Declared(status)?.Content is not { } content)
        {
            return $"{where}: status {status} is not declared for this operation (declared: {string.Join(", ", operation.Responses.Select(r => r.Key))}).";
        }
        if (head)
        {
            return body.IsEmpty ? null : $"{where}: a HEAD answer with a body.";
        }
        if (body.IsEmpty)
        {
            return content.Count == 0 ? null : $"{where}: no body, but the document declares {string.Join(", ", content.Select(c => c.Key))}.";
        }
        if (content.Count == 0)
        {
            return $"{where}: a body of {contentType ?? "no content type"}, but the document declares none for this status.";
        }
        var mediaType = contentType?.Split(';')[0].Trim().ToLowerInvariant() ?? "";
        if (!content.TryGetValue(mediaType, out var schema))
        {
            return $"{where}: content type '{contentType}' is not declared (declared: {string.Join(", ", content.Select(c => c.Key))}).";
        }
        if (schema is null)
        {
            return null;
        }
        if (mediaType == "application/x-ndjson")
        {
            var line = 0;
            foreach (var text in Encoding.UTF8.GetString(body).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                line++;
                if (Validate($"{where} line {line}", schema, Encoding.UTF8.GetBytes(text)) is { } broken)
                {
                    return broken;
                }
            }
            return null;
        }
        return IsJson(mediaType) ? Validate(where, schema, body) : null;
    }

    /// <summary>
    /// Why a response's headers break the document, or null when they keep it: a header the document describes
    /// somewhere, carried where this operation and status do not declare it, or declared required there and missing.
    /// (A status or operation the document lacks is <see cref="Violation"/>'s to report.)
    /// </summary>
    public string? HeaderViolation(string method, string path, int status, IEnumerable<string> carried)
    {
        var operation = Find(method == "HEAD" ? "GET" : method, path);
        if (operation?.Declared(status)?.Headers is not { } declared)
        {
            return null;
        }
        var where = $"{operation.Method} {operation.Path} (request {method} {path}) -> {status}";
        var sent = carried.Where(_describedHeaders.Contains).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var undeclared = sent.Where(h => !declared.ContainsKey(h)).Order(StringComparer.Ordinal).ToList();
        var missing = declared.Where(h => h.Value && !sent.Contains(h.Key)).Select(h => h.Key).Order(StringComparer.Ordinal).ToList();
        return (undeclared.Count, missing.Count) switch
        {
            (0, 0) => null,
            _ => $"{where}: " + string.Join("; ", new[]
            {
                undeclared.Count > 0 ? $"carries {string.Join(", ", undeclared)}, which the document does not declare for this status" : null,
                missing.Count > 0 ? $"lacks {string.Join(", ", missing)}, which the document declares required" : null,
            }.OfType<string>()) + ".",
        };
    }

    /// <summary>A header object, or the component a <c>$ref</c> names.</summary>
    private static JsonNode? Resolve(JsonObject document, JsonNode? header) =>
        header?["$ref"]?.GetValue<string>() is { } reference && reference.StartsWith("#/components/headers/", StringComparison.Ordinal)
            ? document["components"]?["headers"]?[reference["#/components/headers/".Length..]]
            : header;

    /// <summary>Whether a body is checked against a schema (JSON, problem+json, NDJSON); others (the XML label) by media type only.</summary>
    private static bool IsJson(string mediaType) => mediaType is "application/json" or "application/x-ndjson" || mediaType.EndsWith("+json", StringComparison.Ordinal);

    private string? Validate(string where, string schemaText, ReadOnlySpan<byte> body)
    {
        if (body.Length > CachedBodyBytes)
        {
            return Judge(schemaText, body) is { } broken ? $"{where}: {broken}" : null;
        }
        var key = (schemaText, Encoding.UTF8.GetString(body));
        if (!_verdicts.TryGetValue(key, out var verdict))
        {
            verdict = Judge(schemaText, body);
            if (Volatile.Read(ref _verdictCount) < CachedVerdicts && _verdicts.TryAdd(key, verdict))
            {
                Interlocked.Increment(ref _verdictCount);
            }
        }
        return verdict is null ? null : $"{where}: {verdict}";
    }

    /// <summary>What is wrong with <paramref name="body"/> under the schema, or null when nothing is.</summary>
    private string? Judge(string schemaText, ReadOnlySpan<byte> body)
    {
        JsonDocument instance;
        try
        {
            instance = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException e)
        {
            return $"the body is not JSON ({e.Message}).";
        }
        using (instance)
        {
            var result = _schemas[schemaText].Evaluate(instance.RootElement, Evaluation);
            if (result.IsValid)
            {
                return null;
            }
            var errors = (result.Details ?? []).Append(result)
                .Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"at {Path(d.InstanceLocation.ToString())} ({e.Key}): {e.Value}"))
                .Distinct()
                .Take(8);
            return $"the body breaks the schema: {string.Join("; ", errors)}";
        }
    }

    private JsonSchema Build(string schemaText)
    {
        var root = JsonNode.Parse(schemaText)!.AsObject();
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        root["$defs"] = JsonNode.Parse(_definitions);
        using var json = JsonDocument.Parse(root.ToJsonString());
        var uri = new Uri($"https://contract.standards-registry.test/schemas/{Interlocked.Increment(ref _schemaCount)}");
        return JsonSchema.Build(json.RootElement.Clone(), BuildOptions.Default, uri);
    }

    /// <summary>A JSON Pointer as the JSON path a reader knows: <c>$.items[0].nextCursor</c>.</summary>
    private static string Path(string pointer) =>
        "$" + string.Concat(pointer.Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))
            .Select(s => s.All(char.IsAsciiDigit) ? $"[{s}]" : $".{s}"));

    private Operation? Find(string method, string path)
    {
        var segments = Segments(path);
        Operation? best = null;
        foreach (var operation in _operations.Where(o => o.Method == method && o.Segments.Length == segments.Length))
        {
            if (Matches(operation.Segments, segments) && (best is null || MoreLiteral(operation.Segments, best.Segments)))
            {
                best = operation;
            }
        }
        return best;
    }

    private static bool Matches(string[] template, string[] segments) =>
        template.Zip(segments).All(p => IsParameter(p.First) ? p.Second.Length > 0 : string.Equals(p.First, p.Second, StringComparison.OrdinalIgnoreCase));

    /// <summary>Routing's precedence: at the first segment where they differ, a literal beats a parameter.</summary>
    private static bool MoreLiteral(string[] a, string[] b)
    {
        foreach (var (x, y) in a.Zip(b))
        {
            if (IsParameter(x) != IsParameter(y))
            {
                return !IsParameter(x);
            }
        }
        return false;
    }

    private static bool IsParameter(string segment) => segment.StartsWith('{') && segment.EndsWith('}');

    /// <summary>
    /// A path's segments as routing sees them: one trailing slash is ignored, an empty segment is kept (so
    /// <c>/v1/standards//</c>, which no route takes, matches no operation instead of <c>GET /v1/standards</c>).
    /// </summary>
    private static string[] Segments(string path)
    {
        var trimmed = path.StartsWith('/') ? path[1..] : path;
        trimmed = trimmed.EndsWith('/') ? trimmed[..^1] : trimmed;
        return trimmed.Length == 0 ? [] : trimmed.Split('/');
    }
}
