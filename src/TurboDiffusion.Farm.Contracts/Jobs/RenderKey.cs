using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TurboDiffusion.Engine;

namespace TurboDiffusion.Farm.Contracts;

/// <summary>
/// The content address of a render: SHA-256 over everything that decides its pixels, the request's part (model, prompt,
/// image, seed, steps, resolution, aspect, frames, whether frames are kept) and the engine's (<see cref="RenderIdentity"/>:
/// version, checkpoint, attention, linears, device). Two jobs with equal keys are the same video. It is computed by the
/// worker that would render the job, the one place that knows both parts. Neither the tenant nor the job is in it: who
/// may reuse whose render is the store's lookup, not the key.
/// </summary>
public static class RenderKey
{
    private const string Version = "turbo.render.v1";

    /// <param name="imageDigest">The SHA-256 of the first frame's bytes for image-to-video, else null.</param>
    public static string Of(JobSpec spec, RenderIdentity engine, string? imageDigest)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(engine);

        // A JSON array keeps fields apart whatever they contain (a prompt may hold any character).
        string[] parts =
        [
            Version, spec.Model, engine.Checkpoint, spec.Prompt, imageDigest ?? "", spec.Seed.ToString(CultureInfo.InvariantCulture),
            spec.Steps.ToString(CultureInfo.InvariantCulture), spec.Resolution.ToString(), spec.Aspect.ToString(), spec.Frames.ToString(CultureInfo.InvariantCulture),
            spec.WriteFrames ? "frames" : "video", engine.Attention, engine.Linears, engine.Device, engine.EngineVersion,
        ];
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(parts))));
    }

    /// <summary>Whether <paramref name="key"/> has the shape of a key (64 lowercase hex digits), before it names a store key.</summary>
    public static bool IsWellFormed(string? key) => key is { Length: 64 } && key.All(c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c));
}
