using System.Diagnostics;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Planning;
using TurboDiffusion.Engine.Runtime;

namespace TurboDiffusion.Engine.GpuTests.Pipelines;

/// <summary>The warm engine plans each request on the GPU before it loads anything.</summary>
public sealed class WarmVideoEngineCudaTests
{
    [Fact]
    public async Task A_request_that_fits_no_plan_is_refused_in_seconds_with_nothing_loaded()
    {
        CudaDevice.Require();
        using var engine = new WarmVideoEngine();
        // 801 frames of 14B at 720P: ten times the tokens of the released clips, far beyond an 80 GB card.
        var request = new VideoRequest("a long take", "random-14B", VideoResolution.P720, AspectRatio.Landscape16x9, 801, 4, 1, Path.Combine(Path.GetTempPath(), "never.mp4"));
        var clock = Stopwatch.StartNew();

        var refused = await Assert.ThrowsAsync<PlanRefusedException>(() => engine.GenerateAsync(request, cancellationToken: TestContext.Current.CancellationToken));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"refused after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.Contains("random-14B at 1280x720x801 needs", refused.Message, StringComparison.Ordinal);
        Assert.Empty(engine.Status.Models);
        Assert.InRange(AllocatorCounters.Read()?.AllocatedBytes ?? 0, 0, 1L << 30);
    }
}
