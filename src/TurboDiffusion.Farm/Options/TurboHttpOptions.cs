using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace TurboDiffusion.Farm.Options;

/// <summary>
/// Where a farm process serves HTTP (section <c>Turbo:Http</c>): <c>Urls</c> is a <c>;</c>-separated list such as
/// <c>http://0.0.0.0:8480</c>. Each process shape has its own default: loopback for the all-in-one farm, every
/// interface for a silo or a gateway, which probes and Prometheus reach from outside the pod.
/// </summary>
public sealed class TurboHttpOptions
{
    public const string Section = "Turbo:Http";
    public const string UrlsKey = Section + ":Urls";

    private TurboHttpOptions(IReadOnlyList<Uri> urls) => Urls = urls;

    public IReadOnlyList<Uri> Urls { get; }

    /// <summary>True when every address is on the loopback interface, so only this machine can connect.</summary>
    public bool LoopbackOnly => Urls.All(IsLoopback);

    /// <summary>The URLs as Kestrel takes them.</summary>
    public string[] ServerUrls => [.. Urls.Select(u => u.GetLeftPart(UriPartial.Authority))];

    /// <summary>The configured URLs, or <paramref name="defaultUrls"/> when <c>Turbo:Http:Urls</c> is unset.</summary>
    /// <exception cref="OptionsValidationException">A URL is not an absolute http URL with a host and a port.</exception>
    public static TurboHttpOptions Read(IConfiguration configuration, string defaultUrls)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var configured = configuration[UrlsKey];
        return Parse(string.IsNullOrWhiteSpace(configured) ? defaultUrls : configured);
    }

    public static TurboHttpOptions Parse(string urls)
    {
        ArgumentNullException.ThrowIfNull(urls);
        var parsed = new List<Uri>();
        foreach (var text in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel's wildcard hosts ("+", "*") are not valid URI hosts; they mean every interface, like 0.0.0.0.
            var normalized = text.Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal);
            if (!Uri.TryCreate(normalized, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttp || url.AbsolutePath != "/")
            {
                throw new OptionsValidationException(UrlsKey, typeof(TurboHttpOptions),
                    [$"{UrlsKey}: '{text}' is not an address to listen on; write http://HOST:PORT, e.g. http://0.0.0.0:8480 (every interface) or http://127.0.0.1:8480 (this machine only), several separated by ';'."]);
            }

            parsed.Add(url);
        }

        return parsed.Count == 0
            ? throw new OptionsValidationException(UrlsKey, typeof(TurboHttpOptions), [$"{UrlsKey} is empty; give at least one address, e.g. http://0.0.0.0:8480."])
            : new TurboHttpOptions(parsed);
    }

    private static bool IsLoopback(Uri url) =>
        url.IsLoopback || IPAddress.TryParse(url.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
}
