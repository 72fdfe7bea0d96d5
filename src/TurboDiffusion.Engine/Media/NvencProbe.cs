using System.Collections.Concurrent;

namespace TurboDiffusion.Engine.Media;

/// <summary>
/// Whether an ffmpeg can encode H.264 on an NVIDIA hardware encoder (NVENC) here: it must be built with h264_nvenc
/// and find a card that has the encoder (L4, L40S, the RTX cards; the A100, H100 and H200 have none). The answer comes
/// from a 2-frame test encode to nowhere, once per ffmpeg per process.
/// </summary>
public static class NvencProbe
{
    /// <summary>What people are told about the cards that have no encoder.</summary>
    public const string CardsWithout = "the A100, H100 and H200 have no NVENC";

    /// <summary>NVENC's smallest H.264 frame is larger than the software encoder's self-test clip.</summary>
    private const string TestSource = "color=c=gray:s=256x144:r=16";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private static readonly ConcurrentDictionary<string, Lazy<NvencStatus>> Results = new(StringComparer.Ordinal);

    /// <summary>The result for <paramref name="ffmpeg"/>, probed on first use.</summary>
    public static NvencStatus Probe(string ffmpeg)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ffmpeg);
        return Results.GetOrAdd(ffmpeg, path => new Lazy<NvencStatus>(() => Run(path))).Value;
    }

    private static NvencStatus Run(string ffmpeg)
    {
        var errors = new ErrorTail();
        try
        {
            using var process = FfmpegProcess.Start(
                ffmpeg, ["-hide_banner", "-nostats", "-loglevel", "error", "-f", "lavfi", "-i", TestSource, "-frames:v", "2", "-c:v", "h264_nvenc", "-f", "null", "-"], errors);
            process.StandardInput.Close();
            process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                return new NvencStatus(false, $"ffmpeg's h264_nvenc test encode did not finish within {Timeout.TotalSeconds:0} s");
            }

            process.WaitForExit();
            return process.ExitCode == 0
                ? new NvencStatus(true, "h264_nvenc encoded a test clip")
                : new NvencStatus(false, $"ffmpeg's h264_nvenc test encode failed ({Describe(errors)}); {CardsWithout}");
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return new NvencStatus(false, $"ffmpeg could not run the h264_nvenc test: {e.Message}");
        }
    }

    private static string Describe(ErrorTail errors) =>
        errors.Lines() is { Count: > 0 } lines ? string.Join(" ", lines.TakeLast(2)).Trim() : "no message";
}

/// <summary>Whether NVENC encodes here, and why (or why not) in words.</summary>
public sealed record NvencStatus(bool Works, string Detail);
