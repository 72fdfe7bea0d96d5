using TurboDiffusion.Engine.Checkpoints;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// The Wan2.1 VAE as the pipeline uses it (<c>WanVAE</c> around <c>WanVAE_</c>): decodes the sampler's normalised
/// latents to video frame by frame (optionally in spatial tiles), and encodes video or an I2V first frame to
/// normalised latents chunk by chunk. Both keep memory bounded by one chunk plus the causal cache, report
/// progress per unit and honour cancellation between units. Returned tensors are on <see cref="Device"/>, in
/// float64 for <see cref="VaePrecision.Fp64"/> and float32 otherwise.
/// </summary>
public sealed class WanVae : IDisposable
{
    private readonly WanVaeModel model;

    private WanVae(WanVaeModel model, VaePrecision precision, Device device)
    {
        (this.model, Precision, Device) = (model, precision, device);
    }

    public WanVaeConfig Config => model.Config;

    public VaePrecision Precision { get; }

    public Device Device { get; }

    /// <summary>
    /// Builds the VAE from a checkpoint with the official key names (<c>Wan2.1_VAE.pth</c>, or any reader with the
    /// same names), reading each tensor straight into the precision's dtype on <paramref name="device"/> (CPU by default).
    /// </summary>
    /// <exception cref="CheckpointException">A tensor is missing, has another shape, or belongs to another config; names file and key.</exception>
    public static WanVae Load(ITensorReader weights, WanVaeConfig config, VaePrecision precision = VaePrecision.Fp32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(config);
        device ??= CPU;
        return new WanVae(WanVaeModel.Load(weights, config, precision, device), precision, device);
    }

    /// <summary>
    /// latents [B, 16, T, h, w], normalised as the sampler produces them (any float dtype and device) → video
    /// [B, 3, 1 + 4(T − 1), 8h, 8w] in [−1, 1]. <paramref name="tiling"/> runs the upsampling stack in spatial tiles.
    /// </summary>
    /// <param name="progress">Told after each latent frame (of each tile, when tiled).</param>
    /// <exception cref="ArgumentException">The latents are not [B, 16, T, h, w].</exception>
    /// <exception cref="OperationCanceledException">Cancelled; checked before each latent frame.</exception>
    public Tensor Decode(Tensor latents, VaeTiling? tiling = null, IProgress<VaeProgress>? progress = null, CancellationToken cancellationToken = default) =>
        DecodeUnclamped(latents, tiling, progress, cancellationToken).clamp_(-1, 1);

    /// <summary>
    /// <see cref="Decode"/> untiled, streamed: the video frames in [−1, 1], [B, 3, n, 8h, 8w] in the compute dtype, go to
    /// <paramref name="frames"/> as each latent frame is decoded (the first frame alone, then 4 at a time), valid during
    /// the call; the whole video is never held. The same frames as <see cref="Decode"/> without tiling.
    /// </summary>
    /// <param name="progress">Told after each latent frame.</param>
    /// <exception cref="ArgumentException">The latents are not [B, 16, T, h, w].</exception>
    /// <exception cref="OperationCanceledException">Cancelled; checked before each latent frame.</exception>
    public void DecodeStreaming(Tensor latents, Action<Tensor> frames, IProgress<VaeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(latents);
        ArgumentNullException.ThrowIfNull(frames);
        VaeInputs.CheckLatents(latents, Config);
        FrameDecoder.Stream(model, Precision, Device, latents, chunk => frames(chunk.clamp(-1, 1)), progress, cancellationToken);
    }

    /// <summary>
    /// video [B, 3, 1 + 4k, H, W] in [−1, 1] (any float dtype and device; H, W multiples of 8) → normalised latent
    /// means [B, 16, 1 + k, H/8, W/8].
    /// </summary>
    /// <param name="progress">Told after each chunk (the first frame, then every 4 frames).</param>
    /// <exception cref="ArgumentException">The video is not [B, 3, 1 + 4k, H, W] with H and W multiples of 8.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; checked before each chunk.</exception>
    public Tensor Encode(Tensor video, IProgress<VaeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(video);
        VaeInputs.CheckVideo(video, Config);
        var stride = Config.TemporalStride;
        var chunks = 1 + (int)((video.shape[2] - 1) / stride);
        return ChunkedEncoder.Encode(
            model, Precision, Device, video.shape[0], video.shape[3], video.shape[4], chunks,
            c => c == 0 ? video.narrow(2, 0, 1) : video.narrow(2, 1 + (stride * (c - 1)), stride),
            progress, cancellationToken);
    }

    /// <summary>
    /// The I2V conditioning latent: image [B, 3, H, W] in [−1, 1] as frame 0, followed by <paramref name="frames"/> − 1
    /// mid-grey (zero) frames, encoded without materialising the video → [B, 16, 1 + (frames − 1)/4, H/8, W/8].
    /// </summary>
    /// <param name="frames">Video length, 1 + 4k (81 for 5 s at 16 fps).</param>
    /// <exception cref="ArgumentException">The image is not [B, 3, H, W] with H and W multiples of 8, or frames is not 1 + 4k.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; checked before each chunk.</exception>
    public Tensor EncodeImage(Tensor image, int frames, IProgress<VaeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        VaeInputs.CheckImage(image, Config);
        VaeInputs.CheckFrameCount(frames, Config, nameof(frames));
        var (b, h, w) = (image.shape[0], image.shape[2], image.shape[3]);
        var stride = Config.TemporalStride;
        return ChunkedEncoder.Encode(
            model, Precision, Device, b, h, w, 1 + ((frames - 1) / stride),
            c => c == 0 ? image.unsqueeze(2) : zeros([b, 3, stride, h, w], Precision.ComputeType(), Device),
            progress, cancellationToken);
    }

    public void Dispose() => model.Dispose();

    /// <summary><see cref="Decode"/> before the clamp: the reference's <c>WanVAE_.decode</c>.</summary>
    internal Tensor DecodeUnclamped(Tensor latents, VaeTiling? tiling, IProgress<VaeProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(latents);
        VaeInputs.CheckLatents(latents, Config);
        return tiling is null
            ? FrameDecoder.Decode(model, Precision, Device, latents, progress, cancellationToken)
            : TiledDecoder.Decode(model, Precision, Device, latents, tiling, progress, cancellationToken);
    }
}
