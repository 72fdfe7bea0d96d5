namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>How a Wan DiT is conditioned.</summary>
public enum WanTask
{
    /// <summary>Text to video: the 16 latent channels only.</summary>
    TextToVideo,

    /// <summary>Wan2.2 image to video: 16 latent channels, then the 20-channel condition y (4 mask + 16 latent). No CLIP branch.</summary>
    ImageToVideo,
}

/// <summary>The patch (pt, ph, pw) a token covers in the latent [C, T, H, W].</summary>
public sealed record WanPatchSize(int T, int H, int W)
{
    public int Volume => T * H * W;
}

/// <summary>
/// Hyper-parameters of one Wan DiT, as in Wan's <c>wan/configs</c>. Every preset shares head_dim 128,
/// freq_dim 256, patch (1, 2, 2) and eps 1e-6; qk-RMSNorm over the full hidden dim and the affine
/// LayerNorm before cross-attention are not options (every released model has them).
/// </summary>
/// <param name="Dim">Hidden width D.</param>
/// <param name="FfnDim">FFN inner width F.</param>
/// <param name="InDim">Channels entering the patch embedding: 16 for T2V, 36 for I2V (x ‖ y).</param>
/// <param name="OutDim">Velocity channels, 16.</param>
/// <param name="FreqDim">Width of the timestep sinusoid.</param>
/// <param name="TextDim">Width of the text encoder output (umT5-XXL: 4096).</param>
/// <param name="TextLen">Context rows the text encoder output is zero-padded to (and attended, unmasked).</param>
public sealed record WanConfig(
    string Name,
    WanTask Task,
    int Dim,
    int FfnDim,
    int NumHeads,
    int NumLayers,
    int InDim,
    int OutDim = 16,
    int FreqDim = 256,
    int TextDim = 4096,
    int TextLen = 512,
    double Eps = 1e-6)
{
    /// <summary>The head width of every released Wan DiT (num_heads = dim / 128).</summary>
    public const int StandardHeadDim = 128;

    public WanPatchSize PatchSize { get; init; } = new(1, 2, 2);

    public int HeadDim => Dim / NumHeads;

    /// <summary>Channels of the I2V condition y (the rest of <see cref="InDim"/> after the latent's <see cref="OutDim"/>).</summary>
    public int ConditionDim => InDim - OutDim;

    public static WanConfig Wan21T2V1Point3B { get; } = new("Wan2.1-T2V-1.3B", WanTask.TextToVideo, Dim: 1536, FfnDim: 8960, NumHeads: 12, NumLayers: 30, InDim: 16);

    public static WanConfig Wan21T2V14B { get; } = new("Wan2.1-T2V-14B", WanTask.TextToVideo, Dim: 5120, FfnDim: 13824, NumHeads: 40, NumLayers: 40, InDim: 16);

    /// <summary>The Wan2.2 I2V-A14B expert for high noise; the pipeline switches experts when t &lt; 0.9.</summary>
    public static WanConfig Wan22I2VA14BHighNoise { get; } = new("Wan2.2-I2V-A14B-high-noise", WanTask.ImageToVideo, Dim: 5120, FfnDim: 13824, NumHeads: 40, NumLayers: 40, InDim: 36);

    /// <summary>The Wan2.2 I2V-A14B expert for low noise (same architecture as the high-noise one, other weights).</summary>
    public static WanConfig Wan22I2VA14BLowNoise { get; } = Wan22I2VA14BHighNoise with { Name = "Wan2.2-I2V-A14B-low-noise" };

    /// <summary>The built-in demo network: every code path of the real models at toy width.</summary>
    public static WanConfig Tiny { get; } = new("tiny", WanTask.TextToVideo, Dim: 256, FfnDim: 512, NumHeads: 2, NumLayers: 2, InDim: 16, TextDim: 64, TextLen: 32);

    /// <summary>The built-in image-to-video demo network: <see cref="Tiny"/> with 36 input channels.</summary>
    public static WanConfig TinyI2V { get; } = Tiny with { Name = "tiny-i2v", Task = WanTask.ImageToVideo, InDim = 36 };

    public static IReadOnlyList<WanConfig> Presets { get; } =
        [Wan21T2V1Point3B, Wan21T2V14B, Wan22I2VA14BHighNoise, Wan22I2VA14BLowNoise, Tiny, TinyI2V];

    /// <summary>Throws naming the field when the numbers cannot describe a Wan DiT.</summary>
    public void Validate()
    {
        Require(Dim > 0 && NumHeads > 0 && Dim % NumHeads == 0, $"Dim {Dim} must be a positive multiple of NumHeads {NumHeads}");
        Require(HeadDim % 2 == 0 && HeadDim / 2 >= 3, $"head dim {HeadDim} must be even with at least 3 rotary pairs (t, h, w)");
        Require(FfnDim > 0 && NumLayers > 0 && OutDim > 0 && TextDim > 0 && TextLen > 0, "FfnDim, NumLayers, OutDim, TextDim and TextLen must be positive");
        Require(FreqDim > 0 && FreqDim % 2 == 0, $"FreqDim {FreqDim} must be positive and even ([cos | sin])");
        Require(PatchSize.T > 0 && PatchSize.H > 0 && PatchSize.W > 0, $"PatchSize {PatchSize} must be positive");
        Require(
            Task == WanTask.TextToVideo ? InDim == OutDim : InDim > OutDim,
            $"InDim {InDim} must equal OutDim {OutDim} for {WanTask.TextToVideo} and exceed it for {WanTask.ImageToVideo} (x ‖ y)");
        Require(Eps > 0, $"Eps {Eps} must be positive");
    }

    private void Require(bool condition, string problem)
    {
        if (!condition)
        {
            throw new ArgumentException($"WanConfig '{Name}': {problem}.");
        }
    }
}
