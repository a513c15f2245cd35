using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Api.Tests.Support;
using static StandardsRegistry.Api.Tests.Support.ProblemAssertions;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// The longest-lived token the registry accepts (<c>Authentication:Schemes:Bearer:MaxLifetime</c>, 12 hours unless
/// configured): a token's lifetime is <c>exp</c> less the earlier of <c>iat</c> and <c>nbf</c> (or the one it has), else
/// <c>exp − now</c>, and a token living
/// longer is refused as an expired one is, however little of it is left; never remembered, so never served from memory.
/// Until 2026-12-07 a token its issuer made valid for a year was accepted for a year (SECURITY.md, *Limits*). Not per
/// provider: no database is involved.
/// </summary>
public sealed class TokenLifetimeTests
{
    private static readonly TimeSpan DefaultMax = TimeSpan.FromHours(12);

    private const string EditorPayload = """{"sub":"editor@nato","community":"NATO","clearance":"CTS","role":["editor","release-authority"]}""";

    /// <summary>
    /// A token whose lifetime, counted from <paramref name="from"/> (<c>iat</c>, <c>nbf</c>, <c>both</c> or
    /// <c>neither</c>), is <paramref name="lifetime"/>. Its start is ten minutes ago, so what is left of it is ten minutes
    /// less than its lifetime: a check counting from now would let the longer of them through.
    /// </summary>
    internal static string Lived(string from, TimeSpan lifetime)
    {
        var now = DateTimeOffset.UtcNow;
        var start = from == "neither" ? now : now.AddMinutes(-10);
        var payload = JsonNode.Parse(EditorPayload)!.AsObject();
        // nbf-before-iat: valid from ten minutes ago, stamped issued five minutes later; its lifetime counts from the earlier.
        payload["iat"] = from is "iat" or "both" ? start.ToUnixTimeSeconds() : from == "nbf-before-iat" ? start.AddMinutes(5).ToUnixTimeSeconds() : null;
        payload["nbf"] = from is "nbf" or "both" or "nbf-before-iat" ? start.ToUnixTimeSeconds() : null;
        payload["exp"] = start.Add(lifetime).ToUnixTimeSeconds();
        return Tokens.FromPayload(payload.ToJsonString());
    }

    /// <summary>The maximum as configured, or "default".</summary>
    public static TheoryData<string> Maxima => ["default", "00:30:00", "2.00:00:00"];

    public static readonly string[] Starts = ["iat", "nbf", "both", "neither", "nbf-before-iat"];

    /// <summary>
    /// For each way a token gives its start, a token living a minute longer than the maximum is answered exactly as an
    /// expired token (the same 401 problem, a <c>WWW-Authenticate</c> of the Bearer scheme saying <c>invalid_token</c>),
    /// on a read anonymous callers may make too; one living a minute less is accepted.
    /// </summary>
    [Theory]
    [MemberData(nameof(Maxima))]
    public async Task ATokenLivingLongerThanTheMaximumIsRefusedAsAnExpiredOneIsAndOneWithinItIsAccepted(string configured)
    {
        await using var app = new RegistryApp();
        if (configured != "default")
        {
            app.With("Authentication:Schemes:Bearer:MaxLifetime", configured);
        }
        app.Start();
        var max = configured == "default" ? DefaultMax : TimeSpan.Parse(configured, System.Globalization.CultureInfo.InvariantCulture);
        var expired = await GetAsync(app, Tokens.Create(TestCaller.Editor().Claims(), expires: DateTime.UtcNow.AddMinutes(-30)));
        await ProblemAsync(expired, HttpStatusCode.Unauthorized);
        var expiredBody = await expired.Content.ReadAsStringAsync();
        var expiredChallenge = Assert.Single(expired.Headers.WwwAuthenticate);

        foreach (var from in Starts)
        {
            var tooLong = await GetAsync(app, Lived(from, max + TimeSpan.FromMinutes(1)));
            await ProblemAsync(tooLong, HttpStatusCode.Unauthorized);
            Assert.True(expiredBody == await tooLong.Content.ReadAsStringAsync(), $"{from}, max {max}: the refusal differs from an expired token's");
            var challenge = Assert.Single(tooLong.Headers.WwwAuthenticate);
            Assert.Equal(expiredChallenge.Scheme, challenge.Scheme);
            Assert.StartsWith("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
            Assert.StartsWith("error=\"invalid_token\"", expiredChallenge.Parameter, StringComparison.Ordinal);

            var within = await GetAsync(app, Lived(from, max - TimeSpan.FromMinutes(1)));
            Assert.True(within.StatusCode == HttpStatusCode.OK, $"{from}, max {max}: a token living a minute less than the maximum answered {(int)within.StatusCode}");
        }
        app.AssertNoServerErrorsOrContractViolations();
    }

    /// <summary>
    /// A token living too long is refused on every request, the second as the first: it is never remembered (validated
    /// tokens are, by their text, and a remembered one skips validation), while a token within the maximum is.
    /// </summary>
    [Fact]
    public async Task ATokenLivingLongerThanTheMaximumIsNeverRemembered()
    {
        await using var app = new RegistryApp().Start();
        var remembered = app.Services.GetRequiredService<ValidatedTokens>();
        var tooLong = Lived("both", DefaultMax + TimeSpan.FromMinutes(1));
        var within = Lived("both", DefaultMax - TimeSpan.FromMinutes(1));

        for (var i = 0; i < 3; i++)
        {
            await ProblemAsync(await GetAsync(app, tooLong), HttpStatusCode.Unauthorized);
            Assert.False(remembered.TryGet(tooLong, out _));
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(app, within)).StatusCode);
            Assert.True(remembered.TryGet(within, out _));
        }
    }

    /// <summary>
    /// A token's start is its issuer's word, and the lifetime counts from it, but an <c>iat</c> in the future (beyond the
    /// minute of clock skew) counts as now: a token still valid for longer than the maximum is refused whatever it says.
    /// An <c>iat</c> that is not a number of seconds since the epoch (RFC 7519's NumericDate) is no way around it either
    /// (401, never a 500: the token handler refuses any other JSON type, and reads a number written as a string as that
    /// number); a fractional one is a NumericDate.
    /// </summary>
    [Theory]
    [InlineData("\"iat\":{FUTURE},\"exp\":{LONG}", HttpStatusCode.Unauthorized)]
    [InlineData("\"iat\":{FUTURE},\"nbf\":{PAST},\"exp\":{LONG}", HttpStatusCode.Unauthorized)]
    [InlineData("\"nbf\":{FUTURE},\"exp\":{LONG}", HttpStatusCode.Unauthorized)]
    [InlineData("\"iat\":\"{OLD}\",\"exp\":{SOON}", HttpStatusCode.Unauthorized)]
    [InlineData("\"iat\":null,\"exp\":{SOON}", HttpStatusCode.Unauthorized)]
    [InlineData("\"iat\":true,\"exp\":{SOON}", HttpStatusCode.Unauthorized)]
    [InlineData("\"iat\":[{PAST}],\"exp\":{SOON}", HttpStatusCode.Unauthorized)]
    [InlineData("\"iat\":{\"seconds\":{PAST}},\"exp\":{SOON}", HttpStatusCode.Unauthorized)]
    [InlineData("\"iat\":-1,\"exp\":{SOON}", HttpStatusCode.Unauthorized)]
    [InlineData("\"iat\":1e300,\"exp\":{SOON}", HttpStatusCode.Unauthorized)]
    [InlineData("\"iat\":{PAST}.5,\"exp\":{SOON}", HttpStatusCode.OK)]
    [InlineData("\"iat\":{PAST},\"exp\":{SOON}", HttpStatusCode.OK)]
    public async Task AStartInTheFutureOrNotANumberIsNoWayAroundTheMaximum(string members, HttpStatusCode expected)
    {
        await using var app = new RegistryApp().Start();
        var now = DateTimeOffset.UtcNow;
        var text = members.Replace("{FUTURE}", $"{now.AddDays(300).ToUnixTimeSeconds()}", StringComparison.Ordinal)
            .Replace("{LONG}", $"{now.AddDays(300).Add(DefaultMax).ToUnixTimeSeconds() - 120}", StringComparison.Ordinal)
            .Replace("{SOON}", $"{now.AddHours(1).ToUnixTimeSeconds()}", StringComparison.Ordinal)
            .Replace("{OLD}", $"{now.AddDays(-300).ToUnixTimeSeconds()}", StringComparison.Ordinal)
            .Replace("{PAST}", $"{now.AddMinutes(-1).ToUnixTimeSeconds()}", StringComparison.Ordinal);
        var token = Tokens.Signed($$"""{"iss":"{{Tokens.Issuer}}","aud":"{{Tokens.Audience}}",{{EditorPayload[1..^1]}},{{text}}}""");

        var response = await GetAsync(app, token);
        if (expected == HttpStatusCode.OK)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        else
        {
            await ProblemAsync(response, expected);
        }
        app.AssertNoServerErrorsOrContractViolations();
    }

    private static async Task<HttpResponseMessage> GetAsync(RegistryApp app, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/standards");
        request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {token}");
        return await app.Anonymous().SendAsync(request);
    }
}
