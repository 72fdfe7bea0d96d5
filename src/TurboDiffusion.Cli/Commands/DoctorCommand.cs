using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli.Configuration;
using TurboDiffusion.Engine.Media;
using TurboDiffusion.Engine;
using TurboDiffusion.Engine.Pipelines;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Silo.Options;
using static TorchSharp.torch;

namespace TurboDiffusion.Cli.Commands;

/// <summary>
/// <c>turbo doctor</c>: what this machine gives the engine and the farm (libtorch, CUDA devices, native
/// kernels, the video encoder, the checks a worker runs before it takes jobs, farm settings and where each came
/// from, and whether the configured Redis and blob service answer). Exit code 1 when something required is missing
/// or unreachable.
/// </summary>
public static class DoctorCommand
{
    public const int ProblemsFound = 1;

    public static Command Create(Func<IConfigurationRoot> configuration)
    {
        var plan = new Option<string[]>("--plan")
        {
            Description = "Instead of the checks, print the memory plan of a render of MODEL (a directory or a built-in model) at RESOLUTION (144p, 480p, 720p): where the text encoder lives, whether the decode is tiled, each stage's peak. Exit 1 when it does not fit.",
            HelpName = "MODEL RESOLUTION",
            Arity = new ArgumentArity(2, 2),
            AllowMultipleArgumentsPerToken = true,
        };
        var frames = new Option<int>("--frames") { Description = "With --plan: frames, 4k+1.", DefaultValueFactory = _ => 81 };
        var deviceMemory = new Option<double?>("--device-memory") { Description = "With --plan: plan for a card of this many GiB instead of this machine's GPU." };
        deviceMemory.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double?>() is { } giB && !(giB > 0))
            {
                result.AddError("--device-memory must be a positive number of GiB.");
            }
        });
        var command = new Command("doctor", "Check this machine: libtorch, CUDA devices, native kernels, the video encoder, a worker's preflight and the farm settings in effect.")
        {
            plan, frames, deviceMemory,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(plan) is [var model, var resolution])
            {
                return DoctorPlan.Write(parse.InvocationConfiguration.Output, configuration(), model, resolution, parse.GetValue(frames), parse.GetValue(deviceMemory));
            }

            var report = await ExamineAsync(configuration(), cancellationToken).ConfigureAwait(false);
            report.WriteTo(parse.InvocationConfiguration.Output);
            return report.Problems.Count == 0 ? 0 : ProblemsFound;
        });
        return command;
    }

    public static async Task<DoctorReport> ExamineAsync(IConfigurationRoot configuration, CancellationToken cancellationToken)
    {
        var report = new DoctorReport();
        report.Info(".NET", $"{RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier})");
        var engineReady = ExamineEngine(report, TurboConfiguration.EngineOptions(configuration));
        ExamineFfmpeg(report);
        if (engineReady)
        {
            ExamineWorkerPreflight(report, configuration);
        }

        FarmSettings.Examine(report, configuration);
        await FarmServicesCheck.ExamineAsync(report, configuration, cancellationToken).ConfigureAwait(false);
        return report;
    }

    /// <summary>The checks a GPU worker runs before it leases (scratch space, device, encoder, model files), on this machine's settings.</summary>
    private static void ExamineWorkerPreflight(DoctorReport report, IConfigurationRoot configuration)
    {
        var worker = configuration.GetSection(WorkerOptions.Section).Get<WorkerOptions>() ?? new WorkerOptions();
        string[] models = [.. new[] { configuration["Turbo:Engine:Model"] }.OfType<string>().Concat(worker.Preload)];
        var scratch = worker.ResolveWorkDirectory();
        using var engine = new WarmVideoEngine();
        var problems = ScratchSpace.Check(scratch, worker.MinFreeScratchBytes)
            .Concat(engine.PreflightAsync(new PreflightRequest(models, scratch)).GetAwaiter().GetResult())
            .ToList();
        foreach (var problem in problems)
        {
            report.Problem($"preflight: {problem.Check}", problem.Problem, problem.Fix);
        }

        if (problems.Count == 0)
        {
            var checkedModels = models.Length == 0 ? "no model configured" : $"models {string.Join(", ", models)}";
            report.Ok("worker preflight", $"scratch space {scratch}, device, encoder and {checkedModels}: a worker here would take jobs");
        }
    }

    /// <summary>False when libtorch did not load, so nothing that needs it can be examined.</summary>
    private static bool ExamineEngine(DoctorReport report, TorchRuntimeOptions options)
    {
        RuntimeDescription description;
        try
        {
            description = TorchRuntime.Describe(options);
        }
        catch (LibTorchNotFoundException e)
        {
            report.Problem("libtorch", "not loaded", e.Message);
            return false;
        }

        var libtorch = description.Runtime.LibTorch;
        report.Ok("libtorch", $"{libtorch.Directory} ({SourceName(libtorch.Source)}, version {libtorch.Version ?? "unknown"})");
        report.Ok("TorchSharp glue", description.Runtime.LibTorchSharp);
        if (description.Runtime.Note is { } note)
        {
            report.Info("C++ runtime", note);
        }

        if (description.CudaAvailable)
        {
            report.Ok("CUDA", $"available, {description.Devices.Count} device(s)");
            foreach (var device in description.Devices)
            {
                report.Ok($"cuda:{device.Index}", $"{device.Name}, compute capability {device.ComputeCapability}, {Gib(device.TotalBytes)} total, {Gib(device.FreeBytes)} free");
            }
        }
        else
        {
            report.Info("CUDA", libtorch.HasCuda
                ? "this libtorch has CUDA but no device is usable: the engine runs on CPU"
                : "not in this libtorch (CPU build): the engine runs on CPU");
        }

        if (description.NativeKernelsAvailable)
        {
            report.Ok("native kernels", description.NativeKernels);
        }
        else
        {
            report.Info("native kernels", description.NativeKernels);
        }

        if (description.CudaAvailable)
        {
            report.Info("allocator counters", AllocatorCounters.Status);
        }

        RuntimeSelfTest.Result check;
        try
        {
            check = RuntimeSelfTest.Run(description.CudaAvailable ? CUDA : CPU);
        }
        catch (ExternalException e)
        {
            check = new RuntimeSelfTest.Result("matmul", false, $"libtorch failed: {e.Message.Split('\n')[0]}");
        }

        if (check.Passed)
        {
            report.Ok("compute check", $"{check.Check}: {check.Detail}");
        }
        else
        {
            report.Problem("compute check", $"{check.Check}: {check.Detail}", "libtorch computes wrong results: check that its version matches TorchSharp's (2.10, or 2.11 from PyTorch).");
        }

        return true;
    }

    private static void ExamineFfmpeg(DoctorReport report)
    {
        var encoder = VideoEncoders.Choose(new Mp4Options());
        if (FfmpegLocator.Locate() is { } ffmpeg)
        {
            report.Ok("ffmpeg", $"{ffmpeg.Version} ({ffmpeg.Path})");
            report.Ok("video encoder", encoder.Name);
            var nvenc = NvencProbe.Probe(ffmpeg.Path);
            report.Info("hardware encoder", nvenc.Works ? $"NVENC: {nvenc.Detail}" : $"none: {nvenc.Detail}; libx264 encodes on the CPU cores");
        }
        else
        {
            report.Info("ffmpeg", "not found on PATH: JPEG first frames cannot be read");
            report.Info("video encoder", $"{encoder.Name}: MP4s are uncompressed and many times larger; {VideoEncoders.InstallHint}");
        }
    }

    private static string SourceName(LibTorchSource source) => source switch
    {
        LibTorchSource.Setting => "from setting Turbo:Engine:LibTorchDir",
        LibTorchSource.PyTorch => "from the installed PyTorch",
        _ => "libtorch-cpu package next to the application",
    };

    private static string Gib(long bytes) => $"{bytes / (double)(1L << 30):0.0} GiB";
}
