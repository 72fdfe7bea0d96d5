using Microsoft.Extensions.Logging;
using TurboDiffusion.Cli.Logging;

namespace TurboDiffusion.Cli.Tests.Logging;

public sealed class RenderLogTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("render-log-").FullName;

    [Fact]
    public void Without_verbose_the_terminal_gets_only_errors_each_on_one_line_and_the_file_gets_every_entry_with_its_stack_trace()
    {
        string text;
        IReadOnlyList<string> notices;
        using (var log = RenderLog.Open(directory, verbose: false))
        {
            LogAsTheFarmDoes(log);
            notices = log.Notices.Take();
            text = File.ReadAllText(log.Path);
        }

        var notice = Assert.Single(notices);
        Assert.Equal("farm error: Worker is unhealthy and stops leasing (the disk is full)", notice);
        Assert.Contains("warn: TurboDiffusion.Silo.Worker.JobRun: Job j1 failed (EngineError)", text, StringComparison.Ordinal);
        Assert.Contains("System.InvalidOperationException: the sampler diverged", text, StringComparison.Ordinal);
        Assert.Contains("   at ", text, StringComparison.Ordinal);
        Assert.Contains("info: TurboDiffusion.Silo.Worker.GpuWorker: Worker w1 leased job j1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting started", text, StringComparison.Ordinal);
    }

    [Fact]
    public void With_verbose_the_terminal_gets_every_entry_the_file_gets_with_its_stack_trace()
    {
        using var log = RenderLog.Open(directory, verbose: true);

        LogAsTheFarmDoes(log);
        var notices = log.Notices.Take();

        Assert.Equal(3, notices.Count);
        Assert.StartsWith("warn: TurboDiffusion.Silo.Worker.JobRun: Job j1 failed (EngineError)", notices[1], StringComparison.Ordinal);
        Assert.Contains("   at ", notices[1], StringComparison.Ordinal);
        Assert.Empty(log.Notices.Take());
    }

    [Fact]
    public void The_commands_own_failure_goes_to_the_file_only()
    {
        using var log = RenderLog.Open(directory, verbose: true);

        log.Record(Thrown(new HttpRequestException("connection refused")));

        Assert.Empty(log.Notices.Take());
        Assert.Contains("System.Net.Http.HttpRequestException: connection refused", File.ReadAllText(log.Path), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static void LogAsTheFarmDoes(RenderLog log)
    {
        using var factory = LoggerFactory.Create(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Warning);
            log.Configure(logging);
        });
        Log(factory.CreateLogger("Microsoft.Hosting.Lifetime"), LogLevel.Information, "Hosting started");
        Log(factory.CreateLogger("TurboDiffusion.Silo.Worker.GpuWorker"), LogLevel.Information, "Worker w1 leased job j1 (attempt 1)");
        Log(factory.CreateLogger("TurboDiffusion.Silo.Worker.JobRun"), LogLevel.Warning, "Job j1 failed (EngineError)", Thrown(new InvalidOperationException("the sampler diverged")));
        Log(factory.CreateLogger("TurboDiffusion.Silo.Worker.JobRun"), LogLevel.Error, "Worker is unhealthy and stops leasing", Thrown(new IOException("the disk\nis full")));
    }

    private static void Log(ILogger logger, LogLevel level, string message, Exception? exception = null) =>
        logger.Log(level, default, message, exception, (state, _) => state);

    private static Exception Thrown(Exception exception)
    {
        try
        {
            throw exception;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
