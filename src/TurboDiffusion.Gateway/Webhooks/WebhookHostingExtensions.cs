using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TurboDiffusion.Farm.Hosting;

namespace TurboDiffusion.Gateway.Webhooks;

public static class WebhookHostingExtensions
{
    /// <summary>
    /// The webhook dispatcher (Turbo:Webhooks) over the registered <see cref="Farm.Webhooks.IWebhookOutbox"/>: its
    /// HTTP client connects only to addresses the target check allows, at send time.
    /// </summary>
    public static IServiceCollection AddWebhookDispatch(this IServiceCollection services)
    {
        services.AddValidatedOptions<WebhookOptions, WebhookOptionsValidator>(WebhookOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<WebhookConnector>();
        services.AddSingleton<WebhookTargetCheck>();
        services.AddHttpClient(WebhookDispatcher.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<WebhookConnector>().CreateHandler());
        services.AddHostedService<WebhookDispatcher>();
        return services;
    }
}
