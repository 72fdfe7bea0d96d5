using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// A render whose denoising is done and whose decode is still to come, perhaps on another thread: its latents (owned
/// here, in no dispose scope, freed by <see cref="Dispose"/>), its request and size, and the clock its stages go on with.
/// </summary>
/// <param name="Latents">[1, 16, T, h, w] in float32 on the device.</param>
internal sealed record DenoisedVideo(Tensor Latents, VideoRequest Request, VideoGeometry Geometry, StageClock Clock, ResumedRender? Resumed) : IDisposable
{
    public void Dispose() => Latents.Dispose();
}
