using System.Net;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Engine.Media;
using TurboDiffusion.Gateway.Tests.Support;
using TurboDiffusion.Silo.Simulation;

namespace TurboDiffusion.Gateway.Tests.Apis;

/// <summary><c>GET /v1/jobs/{id}/poster</c>: the first frame of a succeeded job's MP4 (from both encoders), behind the same keys as its video.</summary>
public sealed class PosterApiTests
{
    [Theory]
    [InlineData(VideoEncoderPreference.Ffmpeg)]
    [InlineData(VideoEncoderPreference.BuiltIn)]
    public async Task A_succeeded_jobs_poster_is_its_first_frame_as_a_jpeg_for_its_tenant_only(VideoEncoderPreference encoder)
    {
        await using var host = await GatewayHost.StartAsync(["studio", "rival"], new Mp4Engine(new SimulatedVideoEngine(), encoder));
        using var studio = host.Client("studio");
        using var rival = host.Client("rival");
        var job = await studio.SubmitOkAsync(new JobRequest { Prompt = "a lantern in the rain", Frames = 9 });
        await studio.WaitForAsync(job.Id, j => j.Status == JobStatus.Succeeded);

        using var poster = await studio.GetAsync($"/v1/jobs/{job.Id}/poster", Api.Token);
        var jpeg = await poster.Content.ReadAsByteArrayAsync(Api.Token);
        using var again = new HttpRequestMessage(HttpMethod.Get, $"/v1/jobs/{job.Id}/poster");
        again.Headers.IfNoneMatch.Add(poster.Headers.ETag!);
        using var unchanged = await studio.SendAsync(again, Api.Token);
        using var other = await rival.GetAsync($"/v1/jobs/{job.Id}/poster", Api.Token);

        Assert.Equal(HttpStatusCode.OK, poster.StatusCode);
        Assert.Equal("image/jpeg", poster.Content.Headers.ContentType?.MediaType);
        Assert.Equal([0xFF, 0xD8], jpeg[..2]);
        Assert.Equal((256, 144), JpegSize(jpeg));
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task A_job_without_a_video_yet_or_without_a_decodable_one_has_no_poster_and_the_answer_says_why()
    {
        await using var host = await GatewayHost.StartAsync(["studio"], new SimulatedVideoEngine { Behavior = (r, _) => r.Prompt == "blocker" ? SimulatedBehavior.Hang : SimulatedBehavior.Succeed });
        using var http = host.Client("studio");
        var placeholder = await http.SubmitOkAsync(new JobRequest { Prompt = "a placeholder file, not a video" });
        await http.WaitForAsync(placeholder.Id, j => j.Status == JobStatus.Succeeded);
        var blocker = await http.SubmitOkAsync(new JobRequest { Prompt = "blocker" });

        using var undecodable = await http.GetAsync($"/v1/jobs/{placeholder.Id}/poster", Api.Token);
        using var running = await http.GetAsync($"/v1/jobs/{blocker.Id}/poster", Api.Token);

        Assert.Equal(HttpStatusCode.NotFound, undecodable.StatusCode);
        Assert.Contains("no frame ffmpeg can decode", (await undecodable.ProblemAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, running.StatusCode);
        Assert.Equal("No poster yet", (await running.ProblemAsync()).GetProperty("title").GetString());
    }

    /// <summary>Width and height from a JPEG's start-of-frame segment.</summary>
    private static (int Width, int Height) JpegSize(byte[] jpeg)
    {
        for (var i = 2; i + 9 < jpeg.Length;)
        {
            var marker = jpeg[i + 1];
            var length = (jpeg[i + 2] << 8) | jpeg[i + 3];
            if (marker is >= 0xC0 and <= 0xC3)
            {
                return ((jpeg[i + 7] << 8) | jpeg[i + 8], (jpeg[i + 5] << 8) | jpeg[i + 6]);
            }

            i += 2 + length;
        }

        throw new InvalidDataException("no start-of-frame segment in the poster");
    }
}
