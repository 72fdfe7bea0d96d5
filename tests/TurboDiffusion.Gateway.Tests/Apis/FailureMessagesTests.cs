using TurboDiffusion.Client.Models;
using TurboDiffusion.Engine;
using TurboDiffusion.Gateway.Tests.Support;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Gateway.Tests.Apis;

/// <summary>What a tenant reads about a failed job names the file at fault, never where the server keeps it.</summary>
public sealed class FailureMessagesTests
{
    [Fact]
    public async Task A_failure_naming_a_file_in_the_work_directory_shows_only_the_file_name()
    {
        var engine = new MissingFileEngine(new SimulatedVideoEngine { StepTime = TimeSpan.FromMilliseconds(10) });
        await using var host = await GatewayHost.StartAsync(["studio-f"], engine, new Dictionary<string, string?> { ["Turbo:Lease:MaxEngineAttempts"] = "1" });
        using var http = host.Client("studio-f");
        var job = await http.SubmitOkAsync(new JobRequest { Prompt = "a failing render", Steps = 1 });

        var failed = await http.WaitForAsync(job.Id, j => j.IsFinished);
        var json = await http.GetStringAsync(new Uri($"/v1/jobs/{job.Id}", UriKind.Relative), Api.Token);

        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Contains($"'{Path.GetFileName(engine.MissingPath)}'", failed.Failure!.Message, StringComparison.Ordinal);
        Assert.All(failed.Attempts, a => Assert.DoesNotContain(Path.GetDirectoryName(engine.MissingPath)!, a.Detail ?? "", StringComparison.Ordinal));
        Assert.DoesNotContain(Path.GetDirectoryName(engine.MissingPath)!.Replace("\\", "\\\\", StringComparison.Ordinal), json, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetTempPath().TrimEnd(Path.DirectorySeparatorChar), json, StringComparison.Ordinal);
    }

    /// <summary>Fails as an engine does that cannot find a file in its output folder, naming the full path.</summary>
    private sealed class MissingFileEngine(SimulatedVideoEngine inner) : IVideoEngine
    {
        public string MissingPath { get; private set; } = "";

        public EngineStatus Status => inner.Status;

        public Task<IReadOnlyList<PreflightProblem>> PreflightAsync(PreflightRequest request, CancellationToken cancellationToken = default) =>
            inner.PreflightAsync(request, cancellationToken);

        public Task LoadAsync(string model, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default) =>
            inner.LoadAsync(model, progress, cancellationToken);

        public Task<VideoResult> GenerateAsync(VideoRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            MissingPath = Path.Combine(Path.GetDirectoryName(request.OutputPath)!, "latents.bin");
            throw new FileNotFoundException($"Could not find file '{MissingPath}'.", MissingPath);
        }

        public void Dispose() => inner.Dispose();
    }
}
