using System.Diagnostics;
using static TorchSharp.torch;

namespace TurboDiffusion.Cli.Benchmarks;

/// <summary>Wall-clock timing of CUDA work: the device is synchronized around each run, so a run's time includes all it queued.</summary>
public static class CudaTiming
{
    /// <summary>The median milliseconds of <paramref name="iterations"/> runs after <paramref name="warmup"/> untimed ones; each run's result is disposed.</summary>
    public static double MedianMs(Func<IDisposable> run, int warmup, int iterations)
    {
        var times = new List<double>();
        for (var i = 0; i < warmup + iterations; i++)
        {
            cuda.synchronize();
            var clock = Stopwatch.StartNew();
            run().Dispose();
            cuda.synchronize();
            if (i >= warmup)
            {
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        times.Sort();
        return times[times.Count / 2];
    }
}
