using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TurboDiffusion.Gateway.Options;

namespace TurboDiffusion.Gateway.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer KEY</c> or <c>X-Api-Key: KEY</c> against the key ring. In anonymous mode
/// (the embedded farm on loopback) every request is the admin of the anonymous tenant.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyRing keys,
    IOptionsMonitor<GatewayOptions> gateway) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Presented(Request);
        if (presented is null)
        {
            return Task.FromResult(gateway.CurrentValue.Anonymous
                ? Success(new Caller(gateway.CurrentValue.AnonymousTenant, IsAdmin: true))
                : AuthenticateResult.NoResult());
        }

        return Task.FromResult(keys.Find(presented) is { } caller
            ? Success(caller)
            : AuthenticateResult.Fail("The API key is not known."));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Problems.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Missing or unknown API key",
            $"Send your tenant's key as 'Authorization: Bearer KEY' or '{HeaderName}: KEY'.");
    }

    private static string? Presented(HttpRequest request)
    {
        if (request.Headers[HeaderName] is [{ Length: > 0 } key])
        {
            return key;
        }

        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
    }

    private static AuthenticateResult Success(Caller caller)
    {
        List<Claim> claims = [new(Caller.TenantClaim, caller.Tenant)];
        if (caller.IsAdmin)
        {
            claims.Add(new Claim(ClaimTypes.Role, Caller.AdminRole));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }
}
