using System.Net;
using System.Security.Claims;
using Microsoft.Extensions.Time.Testing;
using StandardsRegistry.Api.Security;
using StandardsRegistry.Api.Tests.Support;

namespace StandardsRegistry.Api.Tests;

/// <summary>
/// The memory of validated bearer tokens: a principal is served again only for the exact token text, only until the
/// token expires and never longer than a minute; and a remembered token still goes through the claim checks.
/// </summary>
public sealed class ValidatedTokensTests
{
    private static readonly ClaimsPrincipal Someone = new(new ClaimsIdentity([new Claim("sub", "someone")], "test"));

    [Fact]
    public void ARememberedTokenIsForgottenWhenItExpires()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var tokens = new ValidatedTokens(clock);
        tokens.Add("token-a", Someone, clock.GetUtcNow().AddSeconds(30).UtcDateTime);

        Assert.True(tokens.TryGet("token-a", out var principal));
        Assert.Same(Someone, principal);
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.False(tokens.TryGet("token-a", out _));
    }

    [Fact]
    public void ALongLivedTokenIsRememberedForAMinuteAtMost()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var tokens = new ValidatedTokens(clock);
        tokens.Add("token-a", Someone, clock.GetUtcNow().AddHours(8).UtcDateTime);

        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.True(tokens.TryGet("token-a", out _));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False(tokens.TryGet("token-a", out _));
    }

    [Fact]
    public void OnlyTheExactTokenTextIsRemembered()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var tokens = new ValidatedTokens(clock);
        tokens.Add("header.payload.signature", Someone, clock.GetUtcNow().AddMinutes(5).UtcDateTime);

        Assert.False(tokens.TryGet("header.payload.signaturf", out _));
        Assert.False(tokens.TryGet("HEADER.payload.signature", out _));
        Assert.False(tokens.TryGet("header.payload.signature ", out _));
    }

    /// <summary>A token validated and remembered, then altered by one character of its signature, is refused.</summary>
    [Fact]
    public async Task ATamperedCopyOfARememberedTokenIsRefused()
    {
        await using var app = new RegistryApp().Start();
        var client = app.Anonymous();
        async Task<HttpStatusCode> Get(string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/standards");
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {token}");
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }
        var token = TestCaller.Eu("NS").Token();
        Assert.Equal(HttpStatusCode.OK, await Get(token));
        Assert.Equal(HttpStatusCode.OK, await Get(token));

        // A character well inside the signature (the last one may only carry padding bits).
        var at = token.Length - 10;
        var tampered = token[..at] + (token[at] == 'A' ? 'B' : 'A') + token[(at + 1)..];
        Assert.Equal(HttpStatusCode.Unauthorized, await Get(tampered));
        Assert.Equal(HttpStatusCode.OK, await Get(token));
    }
}
