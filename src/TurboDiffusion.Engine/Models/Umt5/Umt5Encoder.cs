using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Umt5;

/// <summary>
/// The umT5 encoder Wan conditions on: token embedding (not scaled) → pre-norm layers, each with its own
/// relative-position bias → final RMSNorm. Built from the tensors of a checkpoint with the official key
/// names (<c>token_embedding.weight</c>, <c>blocks.{i}.*</c>, <c>norm.weight</c>), nothing initialised
/// randomly and no second copy kept.
/// </summary>
public sealed class Umt5Encoder : IDisposable
{
    private readonly Tensor tokenEmbedding;
    private readonly IReadOnlyList<Umt5Block> blocks;
    private readonly Umt5RmsNorm norm;
    private bool disposed;

    private Umt5Encoder(Umt5Config config, Umt5Precision precision, Device device, WeightSet weights, Tensor tokenEmbedding, IReadOnlyList<Umt5Block> blocks, Umt5RmsNorm norm)
    {
        (Config, Precision, Device, Weights) = (config, precision, device, weights);
        (this.tokenEmbedding, this.blocks, this.norm) = (tokenEmbedding, blocks, norm);
    }

    public Umt5Config Config { get; }

    public Umt5Precision Precision { get; }

    public Device Device { get; }

    /// <summary>Every tensor the modules declared, owned by the encoder.</summary>
    internal WeightSet Weights { get; }

    /// <summary>Reads every weight from <paramref name="reader"/> into the precision's weight dtype on <paramref name="device"/> (CPU when null).</summary>
    /// <exception cref="CheckpointException">A tensor is missing or has the wrong dtype or shape; nothing read stays allocated.</exception>
    public static Umt5Encoder Load(ITensorReader reader, Umt5Config config, Umt5Precision precision, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(precision);
        config.Validate();
        return WeightLoader.Build(new CheckpointWeightSource(reader, device ?? CPU), weights => Build(weights, config, precision));
    }

    /// <summary>Builds every module, each declaring its tensors to <paramref name="weights"/>, in file order.</summary>
    internal static Umt5Encoder Build(WeightLoader weights, Umt5Config config, Umt5Precision precision)
    {
        var embedding = weights.Load("token_embedding.weight", [config.VocabSize, config.Dim], precision.Weights);
        var blocks = Enumerable.Range(0, config.Layers).Select(i => Umt5Block.Load(weights, i, config, precision)).ToList();
        var norm = Umt5RmsNorm.Load(weights, "norm", config, precision);
        return new Umt5Encoder(config, precision, weights.Device, weights.Owner, embedding, blocks, norm);
    }

    /// <summary>
    /// The reference module's forward: ids [B, L] int64 (and mask [B, L], nonzero on real tokens) →
    /// [B, L, C] in the weights' dtype. Padded query rows are computed too; they attend to real keys only.
    /// </summary>
    public Tensor Forward(Tensor ids, Tensor? mask = null)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ObjectDisposedException.ThrowIf(disposed, this);
        Umt5Inputs.CheckIds(ids, mask, Config);
        using var scope = NewDisposeScope();
        var (b, l) = (ids.shape[0], ids.shape[1]);
        var x = tokenEmbedding.index_select(0, ids.to(Device).flatten()).view(b, l, Config.Dim);
        var buckets = RelativePositionBuckets.Table(l, l, Config.Buckets, Config.MaxDistance, Device);
        var keyPadding = mask?.to(Device).eq(0).view(b, 1, 1, l);
        foreach (var block in blocks)
        {
            x = block.Forward(x, buckets, keyPadding);
        }

        return norm.Forward(x).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// What the DiT receives for one prompt: its n real tokens (EOS included) encoded on their own, then
    /// zero rows up to <see cref="Umt5Config.TextLength"/>: [1, TextLength, C] in the weights' dtype.
    /// Keys past the prompt are masked in the reference, so leaving them out changes nothing but the cost.
    /// </summary>
    public Tensor Context(IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Count == 0 || tokens.Count > Config.TextLength)
        {
            throw new ArgumentException($"A prompt has 1 to {Config.TextLength} tokens for {Config.Name}; got {tokens.Count}.", nameof(tokens));
        }

        using var scope = NewDisposeScope();
        var ids = tensor(tokens.Select(t => (long)t).ToArray(), [1, tokens.Count], ScalarType.Int64);
        var encoded = Forward(ids);
        var padding = zeros([1, Config.TextLength - tokens.Count, Config.Dim], encoded.dtype, Device);
        return cat([encoded, padding], 1).MoveToOuterDisposeScope();
    }

    /// <summary>Layer <paramref name="layer"/>'s relative-position bias for <paramref name="length"/> tokens: [1, H, L, L].</summary>
    public Tensor PositionBias(int layer, long length)
    {
        using var scope = NewDisposeScope();
        var buckets = RelativePositionBuckets.Table(length, length, Config.Buckets, Config.MaxDistance, Device);
        return blocks[layer].PositionBias(buckets).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        disposed = true;
        Weights.Dispose();
    }
}
