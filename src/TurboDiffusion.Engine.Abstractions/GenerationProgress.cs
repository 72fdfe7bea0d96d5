namespace TurboDiffusion.Engine;

/// <summary>The stages of one generation, in order.</summary>
public enum GenerationStage
{
    LoadingModel,
    EncodingText,
    EncodingImage,
    Denoising,
    Decoding,
    Writing,
}

/// <summary>A progress event: the stage, and within it how far (for Denoising: sampler step of steps).</summary>
public sealed record GenerationProgress(GenerationStage Stage, int Done, int Total, TimeSpan Elapsed);
