using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using StandardsRegistry.Data;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Security;

public static class SecurityServiceCollectionExtensions
{
    public const string EditorPolicy = "editor";
    public const string ReleaseAuthorityPolicy = "release-authority";
    public const string NatoPolicy = "nato";
    public const string AdminPolicy = "admin";
    public const string AuditorPolicy = "auditor";
    public const string ResponseRecorderPolicy = "response-recorder";
    public const string PlannerPolicy = "planner";

    /// <summary>
    /// JWT bearer from the standard <c>Authentication:Schemes:Bearer</c> section (issuer, audiences, signing keys or an
    /// authority). The token's claims are read once, strictly, into the registry's principal (<see cref="ClaimsReader"/>),
    /// which becomes the request's only identity; every policy decides from it.
    /// </summary>
    public static IServiceCollection AddRegistrySecurity(this IServiceCollection services)
    {
        services.AddSingleton<AudienceCache>();
        services.AddSingleton<ValidatedTokens>();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.MapInboundClaims = false;
            options.TokenValidationParameters.NameClaimType = ClaimsReader.SubjectClaim;
            options.Events = new JwtBearerEvents
            {
                // A token validated before (same text, not expired, remembered at most a minute) skips parsing and the
                // signature check; the registry's principal is read from its claims on every request either way.
                OnMessageReceived = async context =>
                {
                    if (ValidatedTokens.TokenOf(context.Request) is { } token
                        && context.HttpContext.RequestServices.GetRequiredService<ValidatedTokens>().TryGet(token, out var validated)
                        && await PrincipalOfAsync(context, validated, []) is { } principal)
                    {
                        context.Principal = principal;
                        context.Success();
                    }
                },
                OnTokenValidated = async context =>
                {
                    var validated = context.Principal!;
                    if (await PrincipalOfAsync(context, validated, ClaimsReader.PayloadOf(context.SecurityToken)) is { } principal)
                    {
                        context.Principal = principal;
                        if (ValidatedTokens.TokenOf(context.Request) is { } token)
                        {
                            context.HttpContext.RequestServices.GetRequiredService<ValidatedTokens>().Add(token, validated, context.SecurityToken.ValidTo);
                        }
                    }
                },
            };
        });
        // After ASP.NET Core's reading of the section (one key per issuer): every key of a valid issuer (BearerSettings),
        // each for its own issuer's tokens only. The keys are not handed over as one list, which validated a token
        // claiming any valid issuer with the key of any other: a token is checked against the keys of the issuer it
        // names, and when that issuer has none configured (an OIDC authority's), against the authority's keys alone.
        services.AddValidatedOptions<BearerSettings>(BearerSettings.Section);
        // ASP.NET Core reads the rest of the section (issuers, audiences, authority) when the scheme's options are first
        // asked for: at start, with the registry's own settings, not at the first request.
        services.AddSingleton(new SettingReadAtStart(sp => sp.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme)));
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<BearerSettings>>((options, bearer) =>
        {
            var keys = bearer.Value.IssuerSigningKeysByIssuer();
            options.TokenValidationParameters.IssuerSigningKeys = null;
            options.TokenValidationParameters.IssuerSigningKey = null;
            options.TokenValidationParameters.IssuerSigningKeyResolver = (_, token, _, _) =>
                token.Issuer is { } issuer && keys.TryGetValue(issuer, out var own) ? own : null;
            // A token is refused from a minute after it expires, or until a minute before its nbf.
            options.TokenValidationParameters.ClockSkew = Limits.ClockSkew;
            // And refused when it lives longer than the registry accepts (MaxLifetime), whatever its issuer made it valid for.
            options.TokenValidationParameters.LifetimeValidator = TokenLifetime.Validator(bearer.Value.MaxLifetime, Limits.ClockSkew);
            // An authority's keys are read again every five minutes, not every 12 hours: a key it drops stops working then.
            options.AutomaticRefreshInterval = Limits.AuthorityKeysRefresh;
        });

        // Every policy decides from the registry's principal (RegistryIdentity), never from a claim of the token.
        services.AddAuthorizationBuilder()
            .AddPolicy(EditorPolicy, p => p.RequireAuthenticatedUser().RequireAssertion(c => Editor(c.User.RegistryPrincipal())))
            .AddPolicy(ReleaseAuthorityPolicy, p => p.RequireAuthenticatedUser().RequireAssertion(c => ReleaseAuthority(c.User.RegistryPrincipal())))
            .AddPolicy(NatoPolicy, p => p.RequireAuthenticatedUser().RequireAssertion(c => c.User.RegistryPrincipal().IsNato))
            .AddPolicy(AdminPolicy, p => p.RequireAuthenticatedUser().RequireAssertion(c => Admin(c.User.RegistryPrincipal())))
            .AddPolicy(AuditorPolicy, p => p.RequireAuthenticatedUser().RequireAssertion(c => Auditor(c.User.RegistryPrincipal())))
            .AddPolicy(ResponseRecorderPolicy, p => p.RequireAuthenticatedUser().RequireAssertion(c => ResponseRecorder(c.User.RegistryPrincipal())))
            .AddPolicy(PlannerPolicy, p => p.RequireAuthenticatedUser().RequireAssertion(c => Planner(c.User.RegistryPrincipal())));
        return services;
    }

    public static bool Editor(Principal principal) => principal.IsNato && principal.HasRole(Roles.Editor);

    public static bool ReleaseAuthority(Principal principal) => principal.IsNato && principal.HasRole(Roles.ReleaseAuthority);

    /// <summary>
    /// Recording nations' responses: a NATO editor (for any nation, unless it speaks for one), or a national delegate;
    /// a caller speaking for a nation records its own nation's only, which the route checks against the nation it names.
    /// </summary>
    public static bool ResponseRecorder(Principal principal) => Editor(principal) || Delegate(principal);

    public static bool Delegate(Principal principal) => principal.IsNato && principal.HasRole(Roles.Delegate) && principal.Nation is not null;

    /// <summary>Recording capability targets: a NATO capability planner (the marking is checked against its clearance).</summary>
    public static bool Planner(Principal principal) => principal.IsNato && principal.HasRole(Roles.Planner);

    public static bool Admin(Principal principal) => principal.IsNato && principal.HasRole(Roles.Admin);

    /// <summary>
    /// Reading or verifying the audit trail: a NATO admin cleared to the highest marking the registry holds, speaking for
    /// no nation. The trail records activity on every edition, and its sequence numbers and hash chain count every entry,
    /// so no view of it below system high could keep an entry above the reader's clearance from showing (README,
    /// decisions). A caller that speaks for a nation sees less than system high whatever its clearance (other nations'
    /// unreleased responses, whose recording the trail names), so it is refused too.
    /// </summary>
    public static bool Auditor(Principal principal) => Admin(principal) && principal.Clearance == SystemHigh && principal.Nation is null;

    /// <summary>The highest marking the registry holds.</summary>
    public const Classification SystemHigh = Classification.CTS;

    /// <summary>
    /// The registry's principal of a validated token, as the only identity of the request; null (and the request fails
    /// authentication) when the token's claims are unusable.
    /// </summary>
    private static async Task<ClaimsPrincipal?> PrincipalOfAsync(ResultContext<JwtBearerOptions> context, ClaimsPrincipal validated, byte[] payload)
    {
        var audiences = await context.HttpContext.RequestServices.GetRequiredService<AudienceCache>().GetAsync(context.HttpContext.RequestAborted);
        if (ClaimsReader.Read(validated, audiences, payload, out var problem) is not { } principal)
        {
            context.Fail(problem!);
            return null;
        }
        // The issuer the token was validated as coming from (ValidIssuer/ValidIssuers, each with its own keys): a token
        // without one fails validation, so the claim is there.
        var issuer = validated.FindFirst("iss")?.Value ?? "";
        return new ClaimsPrincipal(new RegistryIdentity(principal, issuer));
    }

    /// <summary>
    /// A request that presents credentials which fail validation is answered 401, even where anonymous reading is
    /// allowed: a broken token never silently becomes a PUBLIC reader.
    /// </summary>
    public static IApplicationBuilder UseRejectInvalidCredentials(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.Request.Headers.Authorization.Count > 0 && context.User.Identity?.IsAuthenticated != true)
            {
                await context.ChallengeAsync();
                return;
            }
            await next(context);
        });
}
