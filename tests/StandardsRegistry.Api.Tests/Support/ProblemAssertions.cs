using System.Net;
using System.Text.Json.Nodes;

namespace StandardsRegistry.Api.Tests.Support;

/// <summary>How the tests check a problem response: status, media type, and that it names what is wrong.</summary>
public static class ProblemAssertions
{
    /// <summary>Asserts a problem+json response of <paramref name="status"/> whose errors or detail name each of <paramref name="names"/>.</summary>
    public static async Task<JsonObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, params string[] names)
    {
        var text = await response.Content.ReadAsStringAsync();
        var what = $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode} {response.Content.Headers.ContentType}: {text}";
        Assert.True(response.StatusCode == status, $"Expected {(int)status}. {what}");
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"Expected application/problem+json. {what}");
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.True(body["status"]?.GetValue<int>() == (int)status, $"Expected status {(int)status} in the body. {what}");
        Assert.True(body["type"] is JsonValue type && type.GetValue<string>().Length > 0, $"Expected a problem type (RFC 9457). {what}");
        foreach (var name in names)
        {
            var inErrors = body["errors"] is JsonObject errors && errors.ContainsKey(name);
            var inDetail = body["detail"]?.GetValue<string>().Contains(name, StringComparison.Ordinal) == true;
            Assert.True(inErrors || inDetail, $"The problem does not name '{name}'. {what}");
        }
        return body;
    }

    /// <summary>Asserts a 400 validation problem with an entry under each of <paramref name="keys"/>.</summary>
    public static async Task ErrorsAsync(HttpResponseMessage response, params string[] keys)
    {
        var body = await ProblemAsync(response, HttpStatusCode.BadRequest);
        var errors = body["errors"] as JsonObject;
        foreach (var key in keys)
        {
            Assert.True(errors?.ContainsKey(key) == true && errors[key]!.AsArray().Count > 0,
                $"Expected errors['{key}'] in {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {body.ToJsonString()}");
        }
    }
}
