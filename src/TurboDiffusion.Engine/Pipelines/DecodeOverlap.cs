namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// Whether the engine decodes and encodes a render beside the next render's text encoding and denoising
/// (Turbo:Engine:OverlapDecode).
/// </summary>
public enum DecodeOverlap
{
    /// <summary>On with CUDA, where the encoder's CPU work and the decode's kernels run beside the DiT's; off on the CPU, where both halves would share the same cores.</summary>
    Auto,

    On,

    Off,
}
