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
                // A token validated before (same bytes, not yet expired) skips signature and claim validation.
                OnMessageReceived = async context =>
                {
                    if (ValidatedTokens.TokenOf(context.Request) is { } token
                        && context.HttpContext.RequestServices.GetRequiredService<ValidatedTokens>().TryGet(token, out var principal))
                    {
                        var audiences = await context.HttpContext.RequestServices.GetRequiredService<AudienceCache>().GetAsync(context.HttpContext.RequestAborted);
                        if (ClaimsReader.Problem(principal, audiences) is { } problem)
                        {
                            context.Fail(problem);
                            return;
                        }
                        context.Principal = principal;
                        context.Success();
                    }
                },
                OnTokenValidated = async context =>
                {
                    var audiences = await context.HttpContext.RequestServices.GetRequiredService<AudienceCache>().GetAsync(context.HttpContext.RequestAborted);
                    if (ClaimsReader.Problem(context.Principal!, audiences) is { } problem)
                    {
                        context.Fail(problem);
                        return;
                    }
                    if (ValidatedTokens.TokenOf(context.Request) is { } token)
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
