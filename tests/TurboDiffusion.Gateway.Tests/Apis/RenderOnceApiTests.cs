using System.Net;
using System.Net.Http.Json;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Gateway.Tests.Support;

namespace TurboDiffusion.Gateway.Tests.Apis;

/// <summary>Render once through the API: who is answered from an identical finished render, and how the job shows it.</summary>
[Collection(SharedGatewayGroup.Name)]
public sealed class RenderOnceApiTests(SharedGateway gateway)
{
    private GatewayHost Host => gateway.Host;

    /// <summary>A prompt no other test renders, so the shared farm holds no render of it yet.</summary>
    private static string Prompt() => $"a kite over the dunes {Guid.NewGuid():N}";

    [Fact]
    public async Task A_repeated_request_with_a_seed_shows_the_job_it_reused_and_serves_the_same_video()
    {
        using var http = Host.Client("studio-a");
        var request = new JobRequest { Prompt = Prompt(), Frames = 9, Seed = 11 };
        var first = await http.WaitForAsync((await http.SubmitOkAsync(request)).Id, j => j.IsFinished);

        var second = await http.WaitForAsync((await http.SubmitOkAsync(request)).Id, j => j.IsFinished);
        var wire = await http.GetStringAsync(new Uri($"/v1/jobs/{second.Id}", UriKind.Relative), Api.Token);
        var firstVideo = await http.GetByteArrayAsync(new Uri(first.Artifact!.VideoUrl, UriKind.Relative), Api.Token);
        var secondVideo = await http.GetByteArrayAsync(new Uri(second.Artifact!.VideoUrl, UriKind.Relative), Api.Token);

        Assert.Equal(JobStatus.Succeeded, second.Status);
        Assert.Null(first.ReusedFrom);
        Assert.Equal(first.Id, second.ReusedFrom);
        Assert.Contains($"\"reusedFrom\":\"{first.Id}\"", wire, StringComparison.Ordinal);
        Assert.Equal(firstVideo, secondVideo);
        Assert.Equal($"/v1/jobs/{second.Id}/video", second.Artifact.VideoUrl);
    }

    [Fact]
    public async Task A_request_without_a_seed_or_with_dedupe_false_renders_anew()
    {
        using var http = Host.Client("studio-a");
        var prompt = Prompt();
        await http.WaitForAsync((await http.SubmitOkAsync(new JobRequest { Prompt = prompt, Frames = 9, Seed = 0 })).Id, j => j.IsFinished);

        var noSeed = await http.WaitForAsync((await http.SubmitOkAsync(new JobRequest { Prompt = prompt, Frames = 9 })).Id, j => j.IsFinished);
        var optedOut = await http.WaitForAsync((await http.SubmitOkAsync(new JobRequest { Prompt = prompt, Frames = 9, Seed = 0, Dedupe = false })).Id, j => j.IsFinished);

        Assert.Equal(JobStatus.Succeeded, noSeed.Status);
        Assert.Null(noSeed.ReusedFrom);
        Assert.Equal(JobStatus.Succeeded, optedOut.Status);
        Assert.Null(optedOut.ReusedFrom);
    }

    [Fact]
    public async Task Another_tenants_identical_request_renders_anew()
    {
        using var owner = Host.Client("studio-a");
        using var other = Host.Client("studio-b");
        var request = new JobRequest { Prompt = Prompt(), Frames = 9, Seed = 5 };
        await owner.WaitForAsync((await owner.SubmitOkAsync(request)).Id, j => j.IsFinished);

        var theirs = await other.WaitForAsync((await other.SubmitOkAsync(request)).Id, j => j.IsFinished);

        Assert.Equal(JobStatus.Succeeded, theirs.Status);
        Assert.Null(theirs.ReusedFrom);
    }

    [Fact]
    public async Task Batch_lines_identical_to_a_finished_job_reuse_it()
    {
        using var http = Host.Client("batcher");
        var prompt = Prompt();
        var first = await http.WaitForAsync((await http.SubmitOkAsync(new JobRequest { Prompt = prompt, Frames = 9, Seed = 3 })).Id, j => j.IsFinished);
        var line = $$"""{"prompt": "{{prompt}}", "frames": 9, "seed": 3}""";

        using var response = await BatchUploads.PostLinesAsync(http, Guid.NewGuid().ToString(), $"{line}\n{line}\n");
        var batch = await BatchUploads.WaitForBatchAsync(http, (await response.ReadAsync<BatchView>()).Id);
        var items = await http.GetFromJsonAsync<Page<JobView>>($"/v1/jobs?batchId={batch.Id}", TurboJson.Options, Api.Token);

        Assert.Equal(2, batch.CountOf(JobStatus.Succeeded));
        Assert.All(items!.Items, j => Assert.NotNull(j.ReusedFrom));
        Assert.Contains(items.Items, j => j.ReusedFrom == first.Id);
    }

    [Fact]
    public async Task A_dedupe_that_is_not_a_boolean_answers_400_naming_the_field()
    {
        using var http = Host.Client("studio-a");

        using var response = await http.SubmitAsync("""{"prompt": "a fox", "seed": 1, "dedupe": "sometimes"}""", Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ProblemAsync()).GetProperty("errors").TryGetProperty("dedupe", out _));
    }
}
