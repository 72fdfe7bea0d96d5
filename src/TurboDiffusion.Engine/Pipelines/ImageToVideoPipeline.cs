using TurboDiffusion.Engine.Media;
using TurboDiffusion.Engine.Models.Umt5;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Sampling;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// Wan2.2 A14B image-to-video: the first frame is resized to the adaptive size, encoded by the VAE as frame 0
/// of an otherwise grey video, and given to both experts as y = mask (one channel per video frame of a latent frame,
/// 4; 1 on latent frame 0) ‖ latent (16 channels). The high-noise expert runs while t ≥ 0.9, then the low-noise expert.
/// </summary>
public sealed class ImageToVideoPipeline(
    TextEncoder text, WanModel highNoise, WanModel lowNoise, WanVae vae, ResidentModel description, bool untrained)
    : IVideoPipeline
{
    public ResidentModel Description { get; } = description;

    public bool TakesImage => true;

    public bool Untrained { get; } = untrained;

    public VideoResult Generate(VideoRequest request, VaeTiling? decodeTiling, IProgress<GenerationProgress>? progress, CancellationToken cancellationToken)
    {
        var imagePath = request.ImagePath ?? throw new ArgumentException($"{Description.Model} is an image-to-video model: the request needs a first-frame image.", nameof(request));
        var image = ImageLoader.Load(imagePath);
        var geometry = VideoGeometry.Adaptive(request.Resolution, image.Width, image.Height, request.Frames);
        var clock = new StageClock(progress);
        using var scope = NewDisposeScope();
        var y = clock.Run(GenerationStage.EncodingImage, geometry.LatentFrames, report => Condition(image, geometry, report, cancellationToken));
        var embedded = clock.Run(GenerationStage.EncodingText, 1, _ => text.Encode(request.Prompt));
        using var highPrompt = highNoise.PrepareContext(embedded);
        using var lowPrompt = lowNoise.PrepareContext(embedded);
        var schedule = RcmSchedule.ImageToVideo(request.Steps);
        var experts = new NoiseExperts([new WanVelocityNetwork(highNoise, highPrompt, y), new WanVelocityNetwork(lowNoise, lowPrompt, y)], schedule);
        var latents = Denoise.Run(experts, schedule, request.Seed, geometry.LatentShape(), highNoise.Device, clock, cancellationToken);
        var video = clock.Run(GenerationStage.Decoding, geometry.LatentFrames, report =>
            vae.Decode(latents, decodeTiling, new CallbackProgress<VaeProgress>(p => report(p.Done, p.Total)), cancellationToken));
        return VideoOutput.Write(video, request, geometry, clock, Description, Untrained, cancellationToken);
    }

    public void Dispose()
    {
        text.Dispose();
        highNoise.Dispose();
        lowNoise.Dispose();
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
        return cat([mask, latent], 1).to(highNoise.Precision.Compute).MoveToOuterDisposeScope();
    }
}
