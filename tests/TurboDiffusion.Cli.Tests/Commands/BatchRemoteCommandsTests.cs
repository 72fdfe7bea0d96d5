using System.Text.Json;
using System.Text.RegularExpressions;
using TurboDiffusion.Cli.Commands.Remote;
using TurboDiffusion.Cli.Farm;
using TurboDiffusion.Client;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Cli.Tests.Commands;

/// <summary>
/// <c>turbo download --batch</c> and <c>turbo status --batch</c> against an embedded farm (simulated engine) on
/// loopback. A prompt starting "hang" renders until canceled, which keeps a job unfinished for as long as a test needs;
/// it is submitted at low priority so that it never holds the one worker before the other jobs ran.
/// </summary>
public sealed partial class BatchRemoteCommandsTests : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("remote-batch-").FullName;
    private FarmHost? farm;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string Gateway => farm!.Address.ToString();

    public async ValueTask InitializeAsync() =>
        farm = await CliHarness.StartLoopbackFarmAsync(directory, () => new SimulatedVideoEngine
        {
            StepTime = TimeSpan.FromMilliseconds(20),
            Behavior = (request, _) => IsHang(request.Prompt) ? SimulatedBehavior.Hang : SimulatedBehavior.Succeed,
        });

    public async ValueTask DisposeAsync()
    {
        await farm!.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Download_batch_saves_succeeded_jobs_counts_the_rest_and_a_second_run_skips_what_is_saved()
    {
        var output = Path.Combine(directory, "renders");
        var batchId = await SubmitBatchAsync("panel one", "panel two", "panel three", "hang on the last frame");
        using var client = Client();
        await UntilAsync(client, batchId, b => b.CountOf(JobStatus.Succeeded) == 3);

        var (firstCode, first) = await CliHarness.RunAsync("download", "--batch", batchId, "--out", output, "--parallel", "2", "--gateway", Gateway);
        var hanging = await JobsAsync(client, batchId).SingleAsync(j => IsHang(j.Prompt), Token);
        await client.CancelAsync(hanging.Id, Token);
        await UntilAsync(client, batchId, b => b.IsFinished);
        var (secondCode, second) = await CliHarness.RunAsync("download", "--batch", batchId, "--out", output, "--gateway", Gateway);

        Assert.True(firstCode == 0, first);
        Assert.Contains("3 downloaded, 0 already there, 1 not finished, 0 without a video, 0 failed", first, StringComparison.Ordinal);
        var succeeded = await JobsAsync(client, batchId).Where(j => j.Status == JobStatus.Succeeded).ToListAsync(Token);
        Assert.Equal(
            succeeded.SelectMany(j => new[] { $"{j.Id}.json", $"{j.Id}.mp4" }).Order(StringComparer.Ordinal),
            Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var job in succeeded)
        {
            Assert.StartsWith($"simulated video: {job.Prompt}", await File.ReadAllTextAsync(Path.Combine(output, $"{job.Id}.mp4"), Token), StringComparison.Ordinal);
        }

        Assert.True(secondCode == 0, second);
        Assert.Contains("0 downloaded, 3 already there, 0 not finished, 1 without a video, 0 failed", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_left_under_its_temporary_name_or_of_the_wrong_size_is_downloaded_again()
    {
        var output = Path.Combine(directory, "renders");
        var batchId = await SubmitBatchAsync("panel one", "panel two", "panel three");
        using var client = Client();
        await UntilAsync(client, batchId, b => b.IsFinished);
        await CliHarness.RunAsync("download", "--batch", batchId, "--out", output, "--gateway", Gateway);
        var jobs = await JobsAsync(client, batchId).ToListAsync(Token);
        var whole = await File.ReadAllBytesAsync(Path.Combine(output, $"{jobs[0].Id}.mp4"), Token);
        File.Delete(Path.Combine(output, $"{jobs[0].Id}.mp4"));
        await File.WriteAllBytesAsync(Path.Combine(output, $".{jobs[0].Id}.mp4.{Guid.NewGuid():N}.partial"), whole[..(whole.Length / 2)], Token);
        await File.WriteAllBytesAsync(Path.Combine(output, $"{jobs[1].Id}.mp4"), whole[..(whole.Length / 2)], Token);

        var (code, printed) = await CliHarness.RunAsync("download", "--batch", batchId, "--out", output, "--gateway", Gateway);

        Assert.True(code == 0, printed);
        Assert.Contains("2 downloaded, 1 already there, 0 not finished, 0 without a video, 0 failed", printed, StringComparison.Ordinal);
        Assert.Equal(whole, await File.ReadAllBytesAsync(Path.Combine(output, $"{jobs[0].Id}.mp4"), Token));
        Assert.StartsWith("simulated video: panel two", await File.ReadAllTextAsync(Path.Combine(output, $"{jobs[1].Id}.mp4"), Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_whose_file_cannot_be_saved_is_reported_and_the_download_exits_1()
    {
        var output = Path.Combine(directory, "renders");
        var batchId = await SubmitBatchAsync("panel one", "panel two");
        using var client = Client();
        await UntilAsync(client, batchId, b => b.IsFinished);
        var blocked = (await JobsAsync(client, batchId).FirstAsync(Token)).Id;
        Directory.CreateDirectory(Path.Combine(output, $"{blocked}.mp4"));

        var (code, printed) = await CliHarness.RunAsync("download", "--batch", batchId, "--out", output, "--gateway", Gateway);

        Assert.Equal(GatewayConnection.Failed, code);
        Assert.Contains("1 downloaded, 0 already there, 0 not finished, 0 without a video, 1 failed", printed, StringComparison.Ordinal);
        Assert.Contains($"error: job {blocked} not saved after 3 tries", printed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_batch_shows_counts_pace_and_eta_and_watch_ends_when_the_batch_does()
    {
        var batchId = await SubmitBatchAsync("panel one", "panel two", "hang on the last frame");
        using var client = Client();
        await UntilAsync(client, batchId, b => b.CountOf(JobStatus.Succeeded) == 2);

        var (runningCode, running) = await CliHarness.RunAsync("status", "--batch", batchId, "--gateway", Gateway);
        var hanging = await JobsAsync(client, batchId).SingleAsync(j => IsHang(j.Prompt), Token);
        await client.CancelAsync(hanging.Id, Token);
        var (watchCode, watched) = await CliHarness.RunAsync("status", "--batch", batchId, "--watch", "--interval", "1", "--gateway", Gateway);

        Assert.True(runningCode == 0, running);
        Assert.Contains($"batch {batchId} (local, created ", running, StringComparison.Ordinal);
        Assert.Contains("2 of 3 jobs finished", running, StringComparison.Ordinal);
        Assert.Matches(@"\n  (queued|leased|running) 1, succeeded 2\r?\n", running);
        Assert.Matches(@"pace: [0-9.,]+ jobs finished per minute over \S+ (s|min) since the batch was created", running);
        Assert.Matches(@"\n  ETA [0-9]+ (s|min) \(1 left\)", running);
        Assert.True(watchCode == 0, watched);
        Assert.Contains("  succeeded 2, canceled 1", watched, StringComparison.Ordinal);
        Assert.EndsWith("nothing left", watched.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void Status_batch_shows_the_jobs_held_over_the_quota_beside_the_queued_ones()
    {
        var created = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        var batch = new BatchView("bat_1", "studio", 10, new Dictionary<string, int> { ["queued"] = 3, ["held"] = 7 }, 0, 0, null, created, false);
        using var output = new StringWriter();

        BatchStatus.Describe(output, batch, BatchPace.SinceCreated(batch, created.AddMinutes(1)), "since the batch was created");

        Assert.Contains("0 of 10 jobs finished", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("\n  queued 3, held 7", output.ToString().ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_batch_says_the_eta_is_unknown_until_a_job_finished()
    {
        var batchId = await SubmitBatchAsync("hang on the first frame", "hang on the second frame");

        var (code, printed) = await CliHarness.RunAsync("status", "--batch", batchId, "--gateway", Gateway);

        Assert.True(code == 0, printed);
        Assert.Contains("0 of 2 jobs finished", printed, StringComparison.Ordinal);
        Assert.Matches(@"ETA unknown: no job finished in \S+ (s|min) \(2 left\)", printed);
    }

    [Theory]
    [InlineData("Give the JOB_ID of a job, or --batch BATCH_ID", "download")]
    [InlineData("Give either a JOB_ID or --batch BATCH_ID, not both.", "download", "job_0001", "--batch", "batch_0001")]
    [InlineData("--parallel 0 is outside 1 to 64", "download", "--batch", "batch_0001", "--parallel", "0")]
    [InlineData("--parallel 65 is outside 1 to 64", "download", "--batch", "batch_0001", "--parallel", "65")]
    [InlineData("Give either a JOB_ID or --batch BATCH_ID, not both.", "status", "job_0001", "--batch", "batch_0001")]
    [InlineData("--interval 0 is below 1 second", "status", "--batch", "batch_0001", "--watch", "--interval", "0")]
    public async Task Batch_usage_errors_exit_2_saying_what_to_give(string message, params string[] args)
    {
        var (code, printed) = await CliHarness.RunAsync([.. args, "--gateway", Gateway]);

        Assert.True(code == GatewayConnection.BadInput, printed);
        Assert.Contains($"error: {message}", printed, StringComparison.Ordinal);
    }

    private static bool IsHang(string prompt) => prompt.StartsWith("hang", StringComparison.Ordinal);

    private TurboFarmClient Client() => new(new TurboClientOptions { BaseAddress = farm!.Address });

    private static IAsyncEnumerable<JobView> JobsAsync(TurboFarmClient client, string batchId) => client.StreamBatchJobsAsync(batchId, pageSize: 2, Token);

    private async Task<string> SubmitBatchAsync(params string[] prompts)
    {
        var file = Path.Combine(directory, $"{Guid.NewGuid():N}.jsonl");
        await File.WriteAllLinesAsync(file, prompts.Select(p => JsonSerializer.Serialize(new { prompt = p, priority = IsHang(p) ? "low" : "normal" })), Token);
        var (code, printed) = await CliHarness.RunAsync("submit", "--file", file, "--frames", "5", "--gateway", Gateway);
        Assert.True(code == 0, printed);
        return BatchId().Match(printed).Groups[1].Value;
    }

    private static async Task UntilAsync(TurboFarmClient client, string batchId, Func<BatchView, bool> done)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (!done(await client.GetBatchAsync(batchId, timeout.Token)))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), timeout.Token);
        }
    }

    [GeneratedRegex(@"batch (\S+): \d+ jobs submitted")]
    private static partial Regex BatchId();
}
