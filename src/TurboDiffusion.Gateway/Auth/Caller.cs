using System.Security.Claims;

namespace TurboDiffusion.Gateway.Auth;

/// <summary>Who is calling: a tenant, and whether the key is the admin key (every tenant is visible to it).</summary>
public sealed record Caller(string Tenant, bool IsAdmin)
{
    public const string TenantClaim = "turbo:tenant";
    public const string AdminRole = "admin";

    public static Caller From(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var tenant = user.FindFirstValue(TenantClaim)
            ?? throw new InvalidOperationException("The request reached an API handler without an authenticated tenant; the API group must require authorization.");
        return new Caller(tenant, user.IsInRole(AdminRole));
    }

    public bool CanSee(string tenant) => IsAdmin || tenant == Tenant;
}
