using System.Text.Json;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Engine;

namespace TurboDiffusion.Cli.Benchmarks;

/// <summary>Plain-text tables of benchmark results, readable in a terminal and in logs.</summary>
public static class BenchmarkTable
{
    public static JsonSerializerOptions Json { get; } = new() { WriteIndented = true };

    public static void WriteDit(TextWriter output, IReadOnlyList<DitBenchmarkResult> results)
    {
        string[] header = ["model", "device", "video", "tokens", "attention", "elementwise", "prec", "median ms", "min ms", "4 steps s", "100 fwd s",
            "weights GiB", "peak alloc GiB", "peak resv GiB", "device used GiB"];
        var rows = results.Select(r => new[]
        {
            r.Model, r.Device, $"{r.Width}x{r.Height}x{r.Frames}", r.Tokens.ToString("N0"), r.Attention, r.Elementwise, r.Precision,
            r.MedianMs.ToString("F1"), r.MinMs.ToString("F1"), r.FourStepSeconds.ToString("F2"), r.OriginalSeconds.ToString("F1"),
            GiB(r.Memory?.WeightsBytes), GiB(r.Memory?.PeakAllocatedBytes), GiB(r.Memory?.PeakReservedBytes), GiB(r.DeviceBytesUsed),
        }).ToList();
        Write(output, header, rows);
    }

    public static void WritePipeline(TextWriter output, IReadOnlyList<PipelineRun> runs)
    {
        string[] stages = ["EncodingText", "Denoising", "Decoding", "Writing"];
        string[] header = ["run", "device", "model", "video", "steps", "text s", "denoise s", "decode s", "mp4 s", "decode ∥ mp4", "total s",
            "text peak GiB", "denoise peak GiB", "decode peak GiB", "mp4 peak GiB", "device used GiB"];
        var rows = runs.Select(r => new[]
        {
            r.Run.ToString(), r.Device, r.Model, $"{r.Width}x{r.Height}x{r.Frames}", r.Steps.ToString(),
        }.Concat(stages.Select(s => r.StageSeconds.TryGetValue(s, out var v) ? v.ToString("F2") : "-"))
         .Append(r.EncodedWhileDecoding ? "overlapped" : "after")
         .Append(r.StageSeconds.Values.Sum().ToString("F2"))
         .Concat(stages.Select(s => GiB(r.StagePeakAllocatedBytes.TryGetValue(s, out var b) ? b : null)))
         .Append(GiB(r.DeviceBytesInUse)).ToArray()).ToList();
        Write(output, header, rows);
    }

    public static void WriteBatch(TextWriter output, BatchBenchmarkResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        string[] header = ["jobs", "job state", "upload s", "first lease s", "summary p50 / p99 / max ms", "list s", "cancel s", "canceled", "Redis B/job", "managed MiB before / after upload", "peak working set MiB"];
        var row = new[]
        {
            r.Jobs.ToString("N0"), r.JobState, r.UploadSeconds.ToString("F1"), r.FirstLeaseSeconds.ToString("F2"),
            $"{r.SummaryP50Ms:F1} / {r.SummaryP99Ms:F1} / {r.SummaryMaxMs:F1}", r.ListingSeconds.ToString("F1"), r.CancelSeconds.ToString("F1"),
            r.Canceled.ToString("N0"), r.RedisBytesPerJob is { } b ? b.ToString("N0") : "-",
            $"{r.ProcessManagedMiBBefore:F0} / {r.ProcessManagedMiBAfterUpload:F0}", r.ProcessPeakWorkingSetMiB.ToString("F0"),
        };
        if (r.Gateway is { } gateway)
        {
            header = [.. header, "gateway process working set MiB ready / after upload / peak", "gateway managed MiB ready / after upload"];
            row = [.. row, $"{gateway.WorkingSetMiBReady:F0} / {gateway.WorkingSetMiBAfterUpload:F0} / {gateway.PeakWorkingSetMiB:F0}", $"{gateway.ManagedMiBReady:F0} / {gateway.ManagedMiBAfterUpload:F0}"];
        }

        Write(output, header, [row]);
    }

    public static void WriteGemm(TextWriter output, IReadOnlyList<GemmTiming> timings)
    {
        string[] header = ["shape", "M", "N", "K", "variant", "median ms", "TOP/s", "x bf16"];
        var rows = timings.Select(t => new[]
        {
            t.Shape, t.M.ToString("N0"), t.N.ToString("N0"), t.K.ToString("N0"), t.Variant, t.MedianMs.ToString("F3"),
            t.Tops > 0 ? t.Tops.ToString("F0") : "-", t.SpeedupOverBf16?.ToString("F2") ?? "-",
        }).ToList();
        Write(output, header, rows);
    }

    public static void WriteEncode(TextWriter output, IReadOnlyList<EncodeTiming> timings)
    {
        string[] header = ["clip", "video", "encoder", "preset", "crf", "encode s", "fps", "MB", "Mbit/s", "PSNR dB"];
        var rows = timings.Select(t => new[]
        {
            t.Clip, $"{t.Width}x{t.Height}x{t.Frames}", t.Encoder, t.Preset, t.ConstantRateFactor.ToString(), t.Seconds.ToString("F2"), t.FramesPerSecond.ToString("F0"),
            (t.Bytes / 1e6).ToString("F2"), t.MegabitsPerSecond.ToString("F1"), t.PsnrDb.ToString("F1"),
        }).ToList();
        Write(output, header, rows);
    }

    public static void WriteWorker(TextWriter output, WorkerBenchmarkSettings settings, IReadOnlyList<WorkerBenchmarkRow> rows)
    {
        ArgumentNullException.ThrowIfNull(settings);
        output.WriteLine($"{settings.Model}, {WireNames.Of(settings.Resolution)}, {settings.Frames} frames, {settings.Steps} steps; stage seconds summed over the jobs; " +
            "DiT busy = text encoding + denoising over the wall time; reserved = device memory the allocator held at the end (high-water)");
        string[] header = ["overlap", "jobs", "wall s", "videos/min", "text s", "denoise s", "decode s", "write s", "upload + finish s", "DiT busy %", "reserved GiB", "x off"];
        var off = rows.FirstOrDefault(r => !r.Overlap)?.VideosPerMinute;
        Write(output, header, [.. rows.Select(r => new[]
        {
            r.Overlap ? "on" : "off", r.Jobs.ToString(), r.WallSeconds.ToString("F1"), r.VideosPerMinute.ToString("F2"),
            Seconds(r, GenerationStage.EncodingText), Seconds(r, GenerationStage.Denoising), Seconds(r, GenerationStage.Decoding), Seconds(r, GenerationStage.Writing),
            r.FinishSeconds.ToString("F1"), (100 * r.DenoiseBusyShare).ToString("F0"), GiB(r.ReservedBytes), off is { } o ? (r.VideosPerMinute / o).ToString("F2") : "-",
        })]);
    }

    private static string Seconds(WorkerBenchmarkRow row, GenerationStage stage) => row.StageSeconds.GetValueOrDefault(stage).ToString("F1");

    public static void WriteAttention(TextWriter output, IReadOnlyList<AttentionTiming> timings)
    {
        string[] header = ["shape", "variant", "top-k", "median ms", "TFLOP/s", "x dense"];
        var rows = timings.Select(t => new[]
        {
            t.Shape, t.Variant, t.TopK.ToString("0.##"), t.MedianMs.ToString("F2"), t.Tflops > 0 ? t.Tflops.ToString("F0") : "-", t.SpeedupOverDense.ToString("F2"),
        }).ToList();
        Write(output, header, rows);
    }

    /// <summary>Bytes in GiB, or "-" where not measured (no allocator counters).</summary>
    private static string GiB(long? bytes) => bytes is { } b ? (b / (double)(1L << 30)).ToString("F1") : "-";

    private static void Write(TextWriter output, string[] header, List<string[]> rows)
    {
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        output.WriteLine(string.Join(" | ", header.Select((h, i) => h.PadRight(widths[i]))));
        output.WriteLine(string.Join("-|-", widths.Select(w => new string('-', w))));
        foreach (var row in rows)
        {
            output.WriteLine(string.Join(" | ", row.Select((c, i) => c.PadRight(widths[i]))));
        }
    }
}

/// <summary>One timed render of <c>turbo bench pipeline</c>.</summary>
/// <param name="StagePeakAllocatedBytes">Per stage, the allocator's peak of live device memory (weights included); empty without the allocator's counters.</param>
public sealed record PipelineRun(
    int Run, string Device, string Model, int Width, int Height, int Frames, int Steps, Dictionary<string, double> StageSeconds, long DeviceBytesInUse,
    Dictionary<string, long> StagePeakAllocatedBytes, bool EncodedWhileDecoding = false);
