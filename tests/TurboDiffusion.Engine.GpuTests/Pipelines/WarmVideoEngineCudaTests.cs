using System.Diagnostics;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Planning;
using TurboDiffusion.Engine.Runtime;

namespace TurboDiffusion.Engine.GpuTests.Pipelines;

/// <summary>The warm engine plans each request on the GPU before it loads anything.</summary>
public sealed class WarmVideoEngineCudaTests(ITestOutputHelper output)
{
    private const long GiB = 1L << 30;

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

    [Fact]
    public Task The_1point3B_model_renders_480p_on_a_24_GB_budget() => RendersOnA24GBBudget("random-1.3B", DitLinears.Auto);

    // A consumer card's budget for the 14B: its weights in int8 (14.3 GiB) and the text encoder off the device.
    [Fact]
    public Task The_14B_model_with_int8_linears_renders_480p_on_a_24_GB_budget() => RendersOnA24GBBudget("random-14B", DitLinears.Int8);

    private async Task RendersOnA24GBBudget(string model, DitLinears linears)
    {
        CudaDevice.Require();
        Assert.True(AllocatorCounters.Available, AllocatorCounters.Status);
        var video = Path.Combine(Directory.CreateTempSubdirectory("budget-").FullName, "fox.mp4");
        AllocatorCounters.ReleaseCache();
        AllocatorCounters.CapDeviceMemory(24.0 * GiB / CudaDevices.List()[0].TotalBytes);
        try
        {
            AllocatorCounters.ResetPeaks();
            using var engine = new WarmVideoEngine(linears: linears);
            var plan = await engine.PlanAsync(model, imageToVideo: false, VideoGeometry.For(VideoResolution.P480, AspectRatio.Landscape16x9, 81), TestContext.Current.CancellationToken);

            var result = await engine.GenerateAsync(
                new VideoRequest("a red fox running through fresh snow", model, VideoResolution.P480, AspectRatio.Landscape16x9, 81, 4, 1, video),
                cancellationToken: TestContext.Current.CancellationToken);

            var peak = AllocatorCounters.Read()!.Value.PeakReservedBytes;
            output.WriteLine(string.Join(Environment.NewLine, plan!.Describe()));
            output.WriteLine($"{model}: peak reserved {peak / (double)GiB:F1} GiB; per stage allocated: {string.Join(", ", result.StagePeakAllocatedBytes!.Select(p => $"{p.Key} {p.Value / (double)GiB:F1} GiB"))}");
            Assert.True(plan.Fits);
            Assert.True(File.Exists(result.VideoPath));
            Assert.InRange(peak, 1, 24 * GiB);
        }
        finally
        {
            AllocatorCounters.CapDeviceMemory(1);
            AllocatorCounters.ReleaseCache();
        }
    }
}
