using System.Globalization;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli.Configuration;
using TurboDiffusion.Engine;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Planning;
using TurboDiffusion.Engine.Runtime;

namespace TurboDiffusion.Cli.Commands;

/// <summary>
/// <c>turbo doctor --plan MODEL RESOLUTION</c>: the memory plan a render would get on this machine's GPU (or on a card of
/// <c>--device-memory</c> GiB), before anything loads: where the text encoder lives, whether the decode is tiled, what
/// each stage holds at its peak, and whether it fits. The DiT's weights count its block linears as
/// <c>Turbo:Engine:Linears</c> would load them (int8: 1 byte a weight plus tile scales).
/// </summary>
public static class DoctorPlan
{
    public const int DoesNotFit = 1;

    public static int Write(TextWriter output, IConfiguration configuration, string model, string resolution, int frames, double? deviceMemoryGiB)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(configuration);
        RuntimeDescription runtime;
        try
        {
            runtime = TorchRuntime.Describe(TurboConfiguration.EngineOptions(configuration));
        }
        catch (LibTorchNotFoundException e)
        {
            output.WriteLine($"plan: {e.Message}");
            return DoesNotFit;
        }

        long deviceBytes;
        string device;
        if (deviceMemoryGiB is { } giB)
        {
            deviceBytes = (long)(giB * (1L << 30));
            device = string.Create(CultureInfo.InvariantCulture, $"a card of {giB:0.#} GiB (--device-memory)");
        }
        else if (runtime.Devices is [var gpu, ..])
        {
            deviceBytes = gpu.TotalBytes;
            device = $"cuda:{gpu.Index} ({gpu.Name}, {MemoryPlan.GiB(gpu.TotalBytes)})";
        }
        else
        {
            output.WriteLine("plan: no CUDA device here; give --device-memory GiB to plan for a card (e.g. --device-memory 80 for an H100).");
            return DoesNotFit;
        }

        MemoryPlan plan;
        try
        {
            var geometry = VideoGeometry.For(EngineVocabulary.Resolution(resolution), AspectRatio.Landscape16x9, frames);
            plan = MemoryPlanner.Plan(ModelFootprint.For(model, linears: LinearsSettings.Resolve(configuration)), geometry, deviceBytes, TextEncoderSettings.Resolve(configuration));
        }
        catch (Exception e) when (e is ModelNotFoundException or CheckpointException or ArgumentException or FormatException)
        {
            output.WriteLine($"plan: {e.Message}");
            return DoesNotFit;
        }

        output.WriteLine($"plan for {device}:");
        foreach (var line in plan.Describe())
        {
            output.WriteLine($"  {line}");
        }

        return plan.Fits ? 0 : DoesNotFit;
    }
}
