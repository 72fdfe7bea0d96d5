using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using TurboDiffusion.Gateway.Options;

namespace TurboDiffusion.Gateway.Auth;

/// <summary>
/// What stands in for a key on a keyless gateway (Turbo:Gateway:Anonymous): a browser on this machine must not be
/// turned against it by a web page. A page that rebinds its own name to 127.0.0.1 (DNS rebinding) still sends its
/// name as Host, so only loopback names (and Turbo:Gateway:AnonymousHosts) are served; a page that posts a plain
/// form across sites (CSRF) sends another Origin, a cross-site Sec-Fetch-Site or a form content type, so such
/// state-changing requests are refused. Health and metrics stay open to probes that address the machine by IP.
/// </summary>
public sealed class KeylessRequestGuard(RequestDelegate next, IOptionsMonitor<GatewayOptions> options)
{
    private static readonly string[] OpenPaths = ["/healthz", "/readyz", "/health", "/metrics"];
    private static readonly string[] FormTypes = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"];

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var gateway = options.CurrentValue;
        if (!gateway.Anonymous || IsOpenProbe(context.Request))
        {
            await next(context);
            return;
        }

        var refusal = HostRefusal(context.Request, gateway) ?? CrossSiteRefusal(context.Request);
        if (refusal is not null)
        {
            await Problems.WriteAsync(context, refusal);
            return;
        }

        await next(context);
    }

    private static bool IsOpenProbe(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && OpenPaths.Any(p => request.Path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));

    private static Microsoft.AspNetCore.Mvc.ProblemDetails? HostRefusal(HttpRequest request, GatewayOptions gateway)
    {
        var host = request.Host.HasValue ? request.Host.Host : "";
        if (IsLoopbackName(host) || gateway.AnonymousHosts.Any(h => h == "*" || string.Equals(h.Trim('[', ']'), host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        return Problems.Create(StatusCodes.Status421MisdirectedRequest, "Host not served",
            $"Host: '{request.Host}' is not a name of this keyless gateway, which answers only to localhost, 127.0.0.1 and [::1] (any port) so that no web page can reach it through a name of its own. Address it by one of those, or name the host in {GatewayOptions.Section}:{nameof(GatewayOptions.AnonymousHosts)}.");
    }

    private static Microsoft.AspNetCore.Mvc.ProblemDetails? CrossSiteRefusal(HttpRequest request)
    {
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
        {
            return null;
        }

        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        if (fetchSite is "cross-site" or "same-site")
        {
            return Problems.Create(StatusCodes.Status403Forbidden, "Cross-site request refused",
                $"Sec-Fetch-Site: '{fetchSite}': this keyless gateway takes {request.Method} requests only from its own pages or from clients outside a browser.");
        }

        if (request.Headers.Origin is [{ } origin] && !IsSameOrigin(origin, request.Host))
        {
            return Problems.Create(StatusCodes.Status403Forbidden, "Cross-site request refused",
                $"Origin: '{origin}' is not this gateway's origin ({request.Scheme}://{request.Host}); this keyless gateway takes {request.Method} requests only from its own pages or from clients outside a browser.");
        }

        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var type) && FormTypes.Any(f => type.MediaType.Equals(f, StringComparison.OrdinalIgnoreCase)))
        {
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type",
                $"Content-Type: '{type.MediaType}' is a form's type, which any web page can post here; send JSON (application/json), JSON lines (application/x-ndjson) for batches, or no body.");
        }

        return null;
    }

    private static bool IsLoopbackName(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    /// <summary>Same host and port; the scheme is not compared, since a TLS proxy in front may change it.</summary>
    private static bool IsSameOrigin(string origin, HostString host)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || !host.HasValue)
        {
            return false;
        }

        var port = host.Port ?? (uri.Scheme == Uri.UriSchemeHttps ? 443 : 80);
        return string.Equals(uri.Host.Trim('[', ']'), host.Host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase) && uri.Port == port;
    }
}
