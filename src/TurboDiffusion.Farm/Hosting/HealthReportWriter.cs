using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TurboDiffusion.Farm.Hosting;

/// <summary>
/// Health endpoints answer with why, not only a status word: <c>{"status":"Unhealthy","checks":[{"name":"gpu-worker",
/// "status":"Unhealthy","description":"worker is unready ... encoder: ... Fix: ..."}]}</c>. Probes read the status code;
/// people read the descriptions.
/// </summary>
public static class HealthReportWriter
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(report);
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(e => new { name = e.Key, status = e.Value.Status.ToString(), description = e.Value.Description }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }
}
