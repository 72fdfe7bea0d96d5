using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace TurboDiffusion.Gateway.Dashboard;

/// <summary>
/// The status dashboard at <c>/</c>: static HTML, CSS and JavaScript embedded in this assembly. The page holds no
/// data; it reads the authenticated API (<c>/v1/overview/events</c>, <c>/v1/jobs/{id}/events</c>) with the key the
/// user gives it, or none on an embedded farm.
/// </summary>
public static class DashboardEndpoints
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", GetDashboard).WithName(nameof(GetDashboard)).ExcludeFromDescription();
        endpoints.MapGet("/dashboard/{file}", GetDashboardAsset).WithName(nameof(GetDashboardAsset)).ExcludeFromDescription();
        return endpoints;
    }

    public static Results<FileStreamHttpResult, NotFound> GetDashboard() => Asset("index.html");

    public static Results<FileStreamHttpResult, NotFound> GetDashboardAsset(string file) => Asset(file);

    private static Results<FileStreamHttpResult, NotFound> Asset(string file)
    {
        if (!ContentTypes.TryGetValue(Path.GetExtension(file), out var contentType)
            || typeof(DashboardEndpoints).Assembly.GetManifestResourceStream($"dashboard/{file}") is not { } stream)
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Stream(stream, contentType);
    }
}
