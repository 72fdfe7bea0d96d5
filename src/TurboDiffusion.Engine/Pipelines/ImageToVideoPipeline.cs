using TurboDiffusion.Engine.Media;
using TurboDiffusion.Engine.Models.Umt5;
using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Sampling;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// Wan2.2 A14B image-to-video: the first frame is resized to the adaptive size, encoded by the VAE as frame 0
/// of an otherwise grey video, and given to both experts as y = mask (one channel per video frame of a latent frame,
/// 4; 1 on latent frame 0) ‖ latent (16 channels). The high-noise expert runs while t ≥ 0.9, then the low-noise expert
/// (<see cref="ExpertSchedule"/>); both on the device, or sharing one copy there (<see cref="SwappedExperts"/>).
/// </summary>
internal sealed class ImageToVideoPipeline(
    TextEncoder text, IDitExperts experts, WanVae vae, ResidentModel description, bool untrained)
    : IVideoPipeline
{
    public ResidentModel Description { get; } = description;

    public bool TakesImage => true;

    public bool Untrained { get; } = untrained;

    public DenoisedVideo DenoiseVideo(VideoRequest request, RenderCheckpoints? checkpoints, StageClock clock, CancellationToken cancellationToken)
    {
        var imagePath = request.ImagePath ?? throw new ArgumentException($"{Description.Model} is an image-to-video model: the request needs a first-frame image.", nameof(request));
        var image = ImageLoader.Load(imagePath);
        var geometry = VideoGeometry.Adaptive(request.Resolution, image.Width, image.Height, request.Frames);
        using var scope = NewDisposeScope();
        var y = clock.Run(GenerationStage.EncodingImage, geometry.LatentFrames, report => Condition(image, geometry, report, cancellationToken));
        var embedded = clock.Run(GenerationStage.EncodingText, 1, _ => text.Encode(request.Prompt));
        var schedule = RcmSchedule.ImageToVideo(request.Steps);
        var turns = new ExpertSchedule(2, schedule);
        using var network = experts.Run(embedded, y, turns);
        var denoised = Denoise.Run(network, schedule, turns, request.Seed, geometry.LatentShape(), experts.First.Device, clock, checkpoints, cancellationToken);
        return new DenoisedVideo(denoised.Latents.DetachFromDisposeScope(), request, geometry, clock, denoised.Resumed);
    }

    public VideoResult DecodeVideo(DenoisedVideo video, VaeTiling? decodeTiling, CancellationToken cancellationToken) =>
        VideoOutput.DecodeAndWrite(vae, video, decodeTiling, Description, Untrained, cancellationToken);

    public void Dispose()
    {
        text.Dispose();
        experts.Dispose();
        vae.Dispose();
    }

    /// <summary>y [1, 20, T, h, w]: the first-frame mask then the VAE latent of the image followed by grey frames.</summary>
    private Tensor Condition(RgbImage image, VideoGeometry geometry, Action<int, int> report, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        var pixels = tensor(image.Pixels, [image.Height, image.Width, 3], ScalarType.Byte)
            .permute(2, 0, 1).unsqueeze(0).to(ScalarType.Float32);
        var resized = nn.functional.interpolate(pixels, [geometry.Height, geometry.Width], mode: InterpolationMode.Bicubic, align_corners: false);
        var frame = (resized / 127.5 - 1).clamp(-1, 1).to(vae.Device);
        var latent = vae.EncodeImage(frame, geometry.Frames, new CallbackProgress<VaeProgress>(p => report(p.Done, p.Total)), cancellationToken);
        var mask = zeros([1, vae.Config.TemporalStride, geometry.LatentFrames, geometry.LatentHeight, geometry.LatentWidth], latent.dtype, latent.device);
        mask[.., .., 0] = 1;
        return cat([mask, latent], 1).to(experts.First.Precision.Compute).MoveToOuterDisposeScope();
    }
}
