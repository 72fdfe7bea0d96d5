using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>
/// The Wan DiT (Wan2.1 T2V, Wan2.2 I2V-A14B experts): predicts the flow velocity of a noisy latent.
/// x [B, 16, T, H, W] (‖ y [B, 20, T, H, W] for I2V) → patch embedding → tokens [B, L, D], L = T·(H/2)·(W/2)
/// → blocks (self-attention with 3-D RoPE, cross-attention to the prompt, FFN; all modulated by the
/// timestep) → head → velocity [B, 16, T, H, W] in the precision's stream dtype.
/// Built from loaded tensors only (no module allocates weights of its own); device-agnostic.
/// </summary>
public sealed class WanModel : IDisposable
{
    private readonly PatchEmbedding patchEmbedding;
    private readonly TextEmbedding textEmbedding;
    private readonly TimeEmbedding timeEmbedding;
    private readonly WanAttentionBlock[] blocks;
    private readonly WanHead head;
    private readonly Rope3d rope;
    private long feedForwardChunkTokens;

    private WanModel(
        WanConfig config, WanPrecision precision, Device device, WeightSet weights, PatchEmbedding patchEmbedding,
        TextEmbedding textEmbedding, TimeEmbedding timeEmbedding, WanAttentionBlock[] blocks, WanHead head, KernelPlan kernelPlan)
    {
        (Config, Precision, Device, Weights, KernelPlan) = (config, precision, device, weights, kernelPlan);
        (this.patchEmbedding, this.textEmbedding, this.timeEmbedding) = (patchEmbedding, textEmbedding, timeEmbedding);
        (this.blocks, this.head) = (blocks, head);
        rope = new Rope3d(config.HeadDim);
        feedForwardChunkTokens = FeedForwardChunking.Tokens(config, precision.Compute);
    }

    public WanConfig Config { get; }

    public WanPrecision Precision { get; }

    public Device Device { get; }

    /// <summary>Which path each op runs, as decided before the load.</summary>
    public KernelPlan KernelPlan { get; }

    /// <summary>The self-attention kernel of each block, as built at load.</summary>
    public IReadOnlyList<IAttention> SelfAttention => [.. blocks.Select(b => b.SelfAttentionKernel)];

    /// <summary>Every tensor the modules declared, owned by the model.</summary>
    internal WeightSet Weights { get; }

    /// <summary>
    /// Tokens each block's feed-forward runs at once (<see cref="FeedForwardChunking"/>); any value gives the same
    /// result up to the GEMMs' rounding, smaller ones a lower peak.
    /// </summary>
    public long FeedForwardChunkTokens
    {
        get => feedForwardChunkTokens;
        set => feedForwardChunkTokens = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The feed-forward needs at least 1 token per run.");
    }

    /// <summary>Taps on <see cref="PrepareContext"/> and <see cref="Forward"/>; none by default.</summary>
    internal IWanForwardHooks? Hooks { get; set; }

    /// <summary>
    /// Builds the model from a checkpoint with the official Wan key names, reading each tensor straight into
    /// its precision and device. A missing tensor or a wrong shape or dtype throws <see cref="CheckpointException"/>
    /// naming the file and key; nothing stays allocated then.
    /// </summary>
    /// <param name="selfAttention">Block i's self-attention kernel, the one <paramref name="kernelPlan"/> plans, called once
    /// per block here: <see cref="DenseAttention"/> by default, and for SLA required (<see cref="KernelPlan.CreateSlaAttention"/>
    /// over the block's proj_l). The model owns a disposable kernel: it is disposed with the model, or here when the load
    /// fails.</param>
    /// <param name="kernelPlan">Which path each op runs; by default <see cref="KernelPlan.Dense"/> for the device.</param>
    /// <exception cref="ArgumentException">An SLA plan without its kernels.</exception>
    public static WanModel Load(
        ITensorReader weights, WanConfig config, WanPrecision precision, Device? device = null, Func<int, IAttention>? selfAttention = null,
        KernelPlan? kernelPlan = null)
    {
        config.Validate();
        device ??= CPU;
        var plan = kernelPlan ?? KernelPlan.Dense(config, precision, device);
        if (plan.SelfAttention != SelfAttentionKind.Dense && selfAttention is null)
        {
            throw new ArgumentException(
                $"{config.Name} is planned to run {plan.DescribeSelfAttention()}, which needs each block's kernel over its proj_l.", nameof(selfAttention));
        }

        selfAttention ??= _ => DenseAttention.Instance;
        var kernels = new List<IAttention>(config.NumLayers);
        try
        {
            return WeightLoader.Build(new CheckpointWeightSource(weights, device), loader => Build(loader, config, precision, Kernel, plan));
        }
        catch
        {
            DisposeKernels(kernels);
            throw;
        }

        IAttention Kernel(int block)
        {
            kernels.Add(selfAttention(block));
            return kernels[^1];
        }
    }

    /// <summary>Builds every module, each declaring its tensors to <paramref name="weights"/>, in the reference's module order.</summary>
    internal static WanModel Build(WeightLoader weights, WanConfig config, WanPrecision precision, Func<int, IAttention> selfAttention, KernelPlan kernelPlan)
    {
        var ops = kernelPlan.BlockOps;
        var patch = PatchEmbedding.Load(weights, config, precision);
        var text = TextEmbedding.Load(weights, config, precision.Compute);
        var time = TimeEmbedding.Load(weights, config, precision.Stream);
        var blocks = new WanAttentionBlock[config.NumLayers];
        for (var i = 0; i < blocks.Length; i++)
        {
            blocks[i] = WanAttentionBlock.Load(weights, i, config, precision, selfAttention(i), ops);
        }

        var head = WanHead.Load(weights, config, precision.Stream);
        return new WanModel(config, precision, weights.Device, weights.Owner, patch, text, time, blocks, head, kernelPlan);
    }

    /// <summary>
    /// Prepares a prompt: context [B, Lc ≤ text_len, text_dim] (the text encoder output, valid rows then
    /// zeros) is zero-padded to text_len rows and embedded; each block projects its cross-attention keys and values
    /// from it as it runs. All text_len rows are attended, unmasked, as in the reference.
    /// </summary>
    public WanTextContext PrepareContext(Tensor context)
    {
        WanInputs.CheckContext(Config, context);
        using var scope = NewDisposeScope();
        var padded = nn.functional.pad(context.to(Precision.Compute, Device), [0, 0, 0, Config.TextLen - context.shape[1]]);
        var embedded = textEmbedding.Forward(padded);
        Hooks?.TextEmbedded(embedded);
        return new WanTextContext(this, embedded.DetachFromDisposeScope());
    }

    /// <summary>
    /// The velocity for x [B, 16, T, H, W] at timestep [B] (or one value for all; the sampler's bf16(t·1000)),
    /// given a prepared prompt and, for I2V, the condition y [B, 20, T, H, W]. T, H, W must be multiples of
    /// the patch (1, 2, 2). Returns [B, 16, T, H, W] in the stream dtype; every temporary is disposed.
    /// </summary>
    /// <param name="blockDone">Called with i once block i's work is queued: from then on this forward no longer reads
    /// that block's weights, so they may be replaced behind it (an expert swap).</param>
    public Tensor Forward(Tensor x, Tensor timestep, WanTextContext context, Tensor? y = null, Action<int>? blockDone = null)
    {
        WanInputs.CheckForward(Config, x, timestep, y);
        if (!ReferenceEquals(context.Model, this) || context.Batch != x.shape[0])
        {
            throw new ArgumentException($"{Config.Name}: the text context must come from this model's PrepareContext with batch {x.shape[0]}, got batch {context.Batch}.", nameof(context));
        }

        var hooks = Hooks;
        using var scope = NewDisposeScope();
        var latent = x.to(Precision.Compute, Device);
        var input = y is null ? latent : cat([latent, y.to(Precision.Compute, Device)], 1);
        var grid = patchEmbedding.GridOf(input);
        var patches = patchEmbedding.Patchify(input);
        hooks?.Patchified(patches);
        var tokens = patchEmbedding.Forward(patches);
        hooks?.PatchEmbedded(tokens);

        var t = timestep.to(Device).flatten().expand(x.shape[0]);
        var (e, e0) = timeEmbedding.Forward(t);
        if (hooks is not null)
        {
            // Computed for the hooks alone: the forward itself needs neither the sinusoid outside the time embedding nor the angles.
            hooks.TimeEmbedded(TimeEmbedding.Sinusoid(t, Config.FreqDim), e, e0);
            hooks.RopeAngles(rope.Angles(grid, Device));
        }

        using var table = rope.Table(grid, Device, Precision.Stream);
        // One residual stream for all blocks: each updates it in place, so a forward holds one stream-sized tensor, not one per block.
        for (var i = 0; i < blocks.Length; i++)
        {
            var block = blocks[i].Forward(tokens, e0, table, context.Embedded, feedForwardChunkTokens, keepAttentionOutputs: hooks is not null);
            hooks?.BlockDone(i, block);
            tokens = block.ReleaseStream();
            blockDone?.Invoke(i);
        }

        var output = head.Forward(tokens, e);
        hooks?.HeadDone(output);
        return head.Unpatchify(output, grid).MoveToOuterDisposeScope();
    }

    /// <summary>Frees every weight and the disposable attention kernels (each once, however many blocks share it).</summary>
    public void Dispose()
    {
        Weights.Dispose();
        DisposeKernels(SelfAttention);
    }

    private static void DisposeKernels(IEnumerable<IAttention> kernels)
    {
        foreach (var owned in kernels.OfType<IDisposable>().Distinct())
        {
            owned.Dispose();
        }
    }
}
