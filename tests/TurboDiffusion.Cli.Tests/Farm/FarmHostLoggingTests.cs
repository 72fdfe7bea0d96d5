using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using TurboDiffusion.Cli.Farm;
using TurboDiffusion.Cli.Logging;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Cli.Tests.Farm;

public sealed class FarmHostLoggingTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("farm-log-").FullName;

    [Fact]
    public async Task A_farm_given_a_render_log_logs_there_and_not_to_the_console_that_draws_the_bars()
    {
        using var log = RenderLog.Open(directory, verbose: false);

        var withConsole = await ProvidersAsync(logging: null);
        var withLog = await ProvidersAsync(log.Configure);

        Assert.Contains(withConsole, p => p is ConsoleLoggerProvider);
        Assert.DoesNotContain(withLog, p => p is ConsoleLoggerProvider);
        Assert.Contains(withLog, p => p is LogFileProvider);
        Assert.Contains(withLog, p => p is TerminalNotices);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private async Task<List<ILoggerProvider>> ProvidersAsync(Action<ILoggingBuilder>? logging)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Turbo:Worker:WorkDirectory"] = Path.Combine(directory, "work"),
        }).Build();
        await using var farm = await FarmHost.StartAsync(
            configuration,
            new FarmHostSettings(FarmRole.All, () => new SimulatedVideoEngine(), 0, FreeClusterPorts: true, Path.Combine(directory, "artifacts"), Logging: logging),
            TestContext.Current.CancellationToken);
        return [.. farm.App.Services.GetServices<ILoggerProvider>()];
    }
}
