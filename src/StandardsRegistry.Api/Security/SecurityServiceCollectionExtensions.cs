using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using StandardsRegistry.Domain;

namespace StandardsRegistry.Api.Security;

public static class SecurityServiceCollectionExtensions
{
    public const string EditorPolicy = "editor";
    public const string ReleaseAuthorityPolicy = "release-authority";
    public const string NatoPolicy = "nato";
    public const string AdminPolicy = "admin";

    /// <summary>
    /// JWT bearer from the standard <c>Authentication:Schemes:Bearer</c> section (issuer, audiences, signing keys or an
    /// authority), claims taken as they are in the token, and the registry's claims checked before a request sees them.
    /// </summary>
    public static IServiceCollection AddRegistrySecurity(this IServiceCollection services)
    {
        services.AddSingleton<AudienceCache>();
        services.AddSingleton<ValidatedTokens>();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.MapInboundClaims = false;
            options.TokenValidationParameters.NameClaimType = ClaimsReader.SubjectClaim;
            options.TokenValidationParameters.RoleClaimType = ClaimsReader.RoleClaim;
            options.Events = new JwtBearerEvents
            {
                // A token validated before (same text, not expired, remembered at most a minute) skips parsing and the
                // signature check; the registry's claim checks run on every request either way.
                OnMessageReceived = async context =>
                {
                    if (ValidatedTokens.TokenOf(context.Request) is { } token
                        && context.HttpContext.RequestServices.GetRequiredService<ValidatedTokens>().TryGet(token, out var principal)
                        && await ClaimsAcceptedAsync(context, principal))
                    {
                        context.Principal = principal;
                        context.Success();
                    }
                },
                OnTokenValidated = async context =>
                {
                    if (await ClaimsAcceptedAsync(context, context.Principal!) && ValidatedTokens.TokenOf(context.Request) is { } token)
                    {
                        context.HttpContext.RequestServices.GetRequiredService<ValidatedTokens>().Add(token, context.Principal!, context.SecurityToken.ValidTo);
                    }
                },
            };
        });

        services.AddAuthorizationBuilder()
            .AddPolicy(EditorPolicy, p => p.RequireAuthenticatedUser().RequireClaim(ClaimsReader.CommunityClaim, Communities.Nato).RequireRole(Roles.Editor))
            .AddPolicy(ReleaseAuthorityPolicy, p => p.RequireAuthenticatedUser().RequireClaim(ClaimsReader.CommunityClaim, Communities.Nato).RequireRole(Roles.ReleaseAuthority))
            .AddPolicy(NatoPolicy, p => p.RequireAuthenticatedUser().RequireClaim(ClaimsReader.CommunityClaim, Communities.Nato))
            .AddPolicy(AdminPolicy, p => p.RequireAuthenticatedUser().RequireClaim(ClaimsReader.CommunityClaim, Communities.Nato).RequireRole(Roles.Admin));
        return services;
    }

    /// <summary>The registry's claim checks on a validated principal; a principal that fails them fails authentication.</summary>
    private static async Task<bool> ClaimsAcceptedAsync(ResultContext<JwtBearerOptions> context, ClaimsPrincipal principal)
    {
        var audiences = await context.HttpContext.RequestServices.GetRequiredService<AudienceCache>().GetAsync(context.HttpContext.RequestAborted);
        if (ClaimsReader.Problem(principal, audiences) is { } problem)
        {
            context.Fail(problem);
            return false;
        }
        return true;
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
