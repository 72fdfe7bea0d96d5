using System.Text.RegularExpressions;
using TurboDiffusion.Cli.Commands.Remote;
using TurboDiffusion.Cli.Farm;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Cli.Tests.Commands;

/// <summary>The gateway commands against an embedded farm (simulated engine) on loopback, as a user types them.</summary>
public sealed partial class RemoteCommandsTests : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("remote-").FullName;
    private FarmHost? farm;

    private string Gateway => farm!.Address.ToString();

    public async ValueTask InitializeAsync() =>
        farm = await CliHarness.StartLoopbackFarmAsync(directory, () => new SimulatedVideoEngine { StepTime = TimeSpan.FromMilliseconds(100) });

    public async ValueTask DisposeAsync()
    {
        await farm!.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Submit_watch_status_download_and_workers_work_against_a_gateway()
    {
        var video = Path.Combine(directory, "fox.mp4");

        var (submitCode, submitted) = await CliHarness.RunAsync("submit", "a fox in the snow", "--frames", "9", "--gateway", Gateway);
        var jobId = JobId().Match(submitted).Groups[1].Value;
        var (watchCode, watched) = await CliHarness.RunAsync("watch", jobId, "--gateway", Gateway);
        var (statusCode, status) = await CliHarness.RunAsync("status", jobId, "--gateway", Gateway);
        var (downloadCode, _) = await CliHarness.RunAsync("download", jobId, "--out", video, "--gateway", Gateway);
        var (workersCode, workers) = await CliHarness.RunAsync("workers", "--gateway", Gateway);

        Assert.True(submitCode == 0, submitted);
        Assert.Equal(0, watchCode);
        Assert.Contains("denoising 4/4", watched, StringComparison.Ordinal);
        Assert.EndsWith("succeeded", watched.TrimEnd(), StringComparison.Ordinal);
        Assert.Equal(0, statusCode);
        Assert.Contains("prompt: a fox in the snow", status, StringComparison.Ordinal);
        Assert.Contains("attempt 1 on", status, StringComparison.Ordinal);
        Assert.Equal(0, downloadCode);
        Assert.StartsWith("simulated video: a fox in the snow", await File.ReadAllTextAsync(video, TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.ChangeExtension(video, ".json")));
        Assert.Equal(0, workersCode);
        Assert.Contains("pool default:", workers, StringComparison.Ordinal);
        Assert.Contains("on simulated (no GPU)", workers, StringComparison.Ordinal);
        Assert.Matches(@"\n  \S+ loads in \d+\.\d s on worker \S+ \(1 measured\)", workers);
    }

    [Fact]
    public async Task A_refused_submission_exits_with_code_2_naming_the_field_and_an_unreachable_gateway_says_how_to_start_one()
    {
        var (badCode, bad) = await CliHarness.RunAsync("submit", "a fox", "--frames", "10", "--gateway", Gateway);
        var (downCode, down) = await CliHarness.RunAsync("status", "--gateway", "http://127.0.0.1:9/");

        Assert.True(badCode == GatewayConnection.BadInput, bad);
        Assert.Contains("frames:", bad, StringComparison.Ordinal);
        Assert.Equal(GatewayConnection.Failed, downCode);
        Assert.Contains("turbo farm up", down, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watching_an_unknown_job_exits_with_code_2_saying_it_does_not_exist()
    {
        var (code, watched) = await CliHarness.RunAsync("watch", "job_000000000000000000000000", "--gateway", Gateway);

        Assert.True(code == GatewayConnection.BadInput, watched);
        Assert.Contains("job_000000000000000000000000 does not exist", watched, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_answers_for_a_job_and_submit_file_queues_a_batch()
    {
        var file = Path.Combine(directory, "prompts.txt");
        await File.WriteAllLinesAsync(file, ["# storyboard", "panel one", "", "panel two"], TestContext.Current.CancellationToken);

        var (batchCode, batch) = await CliHarness.RunAsync("submit", "--file", file, "--frames", "5", "--gateway", Gateway);
        var (_, submitted) = await CliHarness.RunAsync("submit", "a long take", "--gateway", Gateway);
        var (cancelCode, canceled) = await CliHarness.RunAsync("cancel", JobId().Match(submitted).Groups[1].Value, "--gateway", Gateway);

        Assert.Equal(0, batchCode);
        Assert.Contains(": 2 jobs submitted", batch, StringComparison.Ordinal);
        Assert.Equal(0, cancelCode);
        Assert.Matches("canceled|cancel requested", canceled);
    }

    [Fact]
    public async Task Resolution_aspect_ratio_and_priority_are_given_and_shown_by_their_api_names()
    {
        var (submitCode, submitted) = await CliHarness.RunAsync("submit", "a square shot", "--resolution", "480p", "--aspect-ratio", "1:1", "--priority", "high", "--frames", "5", "--gateway", Gateway);
        var (statusCode, status) = await CliHarness.RunAsync("status", JobId().Match(submitted).Groups[1].Value, "--gateway", Gateway);

        Assert.True(submitCode == 0, submitted);
        Assert.Matches(@"job job_[0-9a-f]+: [a-z]+ \(tiny, 480p, 5 frames\)", submitted);
        Assert.Equal(0, statusCode);
        Assert.Contains("tiny, 480p 1:1, 5 frames, 4 steps, seed 0, priority high, pool default", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_name_outside_the_vocabulary_exits_with_code_2_naming_the_option_or_line_and_the_names_to_use()
    {
        var file = Path.Combine(directory, "shots.jsonl");
        await File.WriteAllLinesAsync(file, ["""{"prompt": "one"}""", """{"prompt": "two", "aspectRatio": "2:1"}"""], TestContext.Current.CancellationToken);

        var (optionCode, option) = await CliHarness.RunAsync("submit", "a fox", "--resolution", "1080p", "--gateway", Gateway);
        var (lineCode, line) = await CliHarness.RunAsync("submit", "--file", file, "--gateway", Gateway);

        Assert.Equal(GatewayConnection.BadInput, optionCode);
        Assert.Contains("error: --resolution: '1080p' is not a resolution; use 144p, 480p or 720p.", option, StringComparison.Ordinal);
        Assert.Equal(GatewayConnection.BadInput, lineCode);
        Assert.Contains($"{file}:2: is not a job request ('2:1' is not an aspect ratio; use 16:9, 9:16, 1:1, 4:3 or 3:4.)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_with_a_gateway_renders_the_file_on_that_farm_and_writes_each_video_to_out()
    {
        var file = Path.Combine(directory, "shots.txt");
        var output = Path.Combine(directory, "rendered");
        await File.WriteAllLinesAsync(file, ["a harbour at dawn", "a train in the rain"], TestContext.Current.CancellationToken);

        var (code, printed) = await CliHarness.RunAsync("render", file, "--gateway", Gateway, "--frames", "5", "--out", output);

        Assert.True(code == 0, printed);
        Assert.Contains($"farm: {Gateway} (a running farm", printed, StringComparison.Ordinal);
        Assert.StartsWith("simulated video: a harbour at dawn", await File.ReadAllTextAsync(Path.Combine(output, "01-a-harbour-at-dawn.mp4"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "02-a-train-in-the-rain.json")));
    }

    [Fact]
    public async Task Render_with_an_unreachable_gateway_exits_1_saying_so()
    {
        var file = Path.Combine(directory, "one.txt");
        await File.WriteAllLinesAsync(file, ["a lighthouse"], TestContext.Current.CancellationToken);

        var (code, printed) = await CliHarness.RunAsync("render", file, "--gateway", "http://127.0.0.1:9/", "--out", Path.Combine(directory, "none"));

        Assert.Equal(TurboDiffusion.Cli.Commands.RenderCommand.SomeFailed, code);
        Assert.Contains("the gateway is not reachable", printed, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"job (job_[0-9a-f]+)")]
    private static partial Regex JobId();
}
