using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Prometheus;
using TurboDiffusion.Farm.Hosting;
using TurboDiffusion.Gateway.Apis;
using TurboDiffusion.Gateway.Auth;
using TurboDiffusion.Gateway.Dashboard;
using TurboDiffusion.Gateway.Errors;
using TurboDiffusion.Gateway.Health;
using TurboDiffusion.Gateway.Options;
using TurboDiffusion.Gateway.Webhooks;

namespace TurboDiffusion.Gateway.Hosting;

/// <summary>
/// The gateway as a table of contents, on a host that already reaches the farm (a silo host, or an Orleans client
/// with the farm's stores):
/// <code>
/// builder.Services.AddTurboGateway();   // options (Turbo:Gateway), API keys, per-tenant rate limits, problem details, OpenAPI,
///                                       // the webhook dispatcher (Turbo:Webhooks)
/// app.MapTurboGateway();                // /v1/..., /openapi/v1.json, /healthz, /readyz, /metrics
/// </code>
/// </summary>
public static class GatewayHostingExtensions
{
    public const string TenantRateLimit = "tenant";
    public const string GatewayReadyTag = "gateway-ready";

    public static IServiceCollection AddTurboGateway(this IServiceCollection services)
    {
        services.AddValidatedOptions<GatewayOptions, GatewayOptionsValidator>(GatewayOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ApiKeyRing>();
        services.AddSingleton<FarmAccess>();
        services.AddSingleton<Mapping.ModelAdmission>();
        services.AddSingleton<Posters.PosterFrames>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        services.AddProblemDetails();
        // A query value that does not bind (limit=abc) then reaches the exception handler, whose 400 names the parameter and value.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddSingleton<IProblemDetailsWriter, ProblemJsonWriter>();
        services.AddExceptionHandler<FarmExceptionHandler>();
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(TenantRateLimit, context =>
            {
                var tenant = context.User.FindFirst(Caller.TenantClaim)?.Value ?? "anonymous";
                var rate = context.RequestServices.GetRequiredService<IOptionsMonitor<GatewayOptions>>().CurrentValue.RateLimit;
                return RateLimitPartition.GetTokenBucketLimiter(tenant, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = rate.Burst,
                    TokensPerPeriod = rate.PermitsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                Problems.SetRetryAfter(context.HttpContext.Response, retryAfter);
                await Problems.WriteAsync(context.HttpContext, Problems.TooManyRequests(retryAfter,
                    $"This tenant sent more requests than Turbo:Gateway:RateLimit allows; retry after {Math.Ceiling(retryAfter.TotalSeconds):0} s."));
            };
        });
        services.AddWebhookDispatch();
        services.AddOpenApi("v1", o => o.AddDocumentTransformer<BearerSecurityTransformer>().AddSchemaTransformer<WireEnumSchemaTransformer>());
        services.AddHealthChecks().AddCheck<FarmReachableCheck>("farm-reachable", tags: [FarmNames.ReadyTag, GatewayReadyTag]);
        return services;
    }

    /// <summary>The API under /v1 (authenticated, rate limited per tenant), the OpenAPI document, health and metrics.</summary>
    public static WebApplication MapTurboGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Outermost, so the request counter sees the status the error handlers set (a 404 or 500, not the 200 of an unwritten response).
        app.UseHttpMetrics();
        app.Use(KeepEndpointForMetricsAsync);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<KeylessRequestGuard>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();

        var api = app.MapGroup("").RequireAuthorization().RequireRateLimiting(TenantRateLimit).AddEndpointFilter(TransientFarmErrors.RetryHandlerAsync);
        api.MapJobsApi();
        api.MapArtifactsApi();
        api.MapBatchesApi();
        api.MapWorkersApi();
        api.MapOverviewApi();
        app.MapDashboard();

        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(FarmNames.LiveTag), ResponseWriter = HealthReportWriter.WriteAsync });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(FarmNames.ReadyTag), ResponseWriter = HealthReportWriter.WriteAsync });
        if (!app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().Any(e => e.RoutePattern.RawText == "/metrics"))
        {
            app.MapMetrics();
        }

        return app;
    }

    /// <summary>The exception handler clears the endpoint before it answers; put it back so the error is counted under its endpoint.</summary>
    private static async Task KeepEndpointForMetricsAsync(HttpContext context, RequestDelegate next)
    {
        var endpoint = context.GetEndpoint();
        await next(context);
        if (context.GetEndpoint() is null && endpoint is not null)
        {
            context.SetEndpoint(endpoint);
        }
    }
}
