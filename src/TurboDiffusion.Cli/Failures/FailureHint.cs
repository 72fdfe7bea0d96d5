using TurboDiffusion.Engine.Media;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Cli.Failures;

/// <summary>
/// What to do about a failure, from the farm's reason (<see cref="AttemptOutcomeExtensions.Label"/>: "oom",
/// "storage_error", ...) and, for an engine error, the exception's type name. Null where the message itself already
/// says what to do (missing ffmpeg, model files, proj_l) or no fix is known.
/// </summary>
public static class FailureHint
{
    private static readonly Dictionary<string, string> ByReason = new(StringComparer.Ordinal)
    {
        [AttemptOutcome.OutOfMemory.Label()] = "render fewer frames (--frames) or a lower resolution, or free the GPU of other processes",
        [AttemptOutcome.StorageError.Label()] = "check that the artifact store has space and is writable (Turbo:Artifacts:Directory, or Turbo:Blob:ConnectionString)",
        [AttemptOutcome.LeaseExpired.Label()] = "render it again; if it happens again, raise the setting the message names",
        [AttemptOutcome.SiloLost.Label()] = "render it again: the farm lost its worker, the job itself did not fail",
        [AttemptOutcome.Drained.Label()] = "render it again: its worker shut down before it finished",
    };

    private static readonly Dictionary<string, string> ByEngineError = new(StringComparer.Ordinal)
    {
        [nameof(FfmpegException)] = "run `turbo doctor` to check the ffmpeg in use; MP4 output needs one with the libx264 encoder",
        [nameof(ImageFormatException)] = "use a PNG or JPEG image as the first frame",
        [nameof(LibTorchNotFoundException)] = "run `turbo doctor`: it shows where libtorch was looked for and what it found",
        [nameof(IOException)] = "check that the path it names can be created and written, and that the disk has space",
        [nameof(UnauthorizedAccessException)] = "check the permissions of the path it names",
    };

    public static string? For(string reason, string? errorType)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (ByReason.TryGetValue(reason, out var fix))
        {
            return fix;
        }

        return reason == AttemptOutcome.EngineError.Label() && errorType is not null && ByEngineError.TryGetValue(errorType, out fix) ? fix : null;
    }
}
