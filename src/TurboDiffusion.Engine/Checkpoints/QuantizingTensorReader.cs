using TurboDiffusion.Engine.Checkpoints.Wan;
using TurboDiffusion.Engine.Models.Int8;
using TurboDiffusion.Engine.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints;

/// <summary>
/// A dense Wan DiT checkpoint (official names, as <see cref="WanCheckpoint"/> gives them) that also offers
/// <c>&lt;layer&gt;.int8_weight</c> and <c>&lt;layer&gt;.scale</c> for each W8A8 layer, made when read
/// from <c>&lt;layer&gt;.weight</c> by the official rule (<see cref="BlockwiseInt8.QuantizeWeight"/>), on the device asked
/// for: int8 linears from a bf16 checkpoint hold int8 and scales, never the bf16 weight beside them. Reading a layer's
/// int8 weight keeps its scales until they are read, so a layer loaded as int8 weight then scales is quantized once.
/// It does not own the dense checkpoint.
/// </summary>
public sealed class QuantizingTensorReader : ITensorReader
{
    private static readonly string Int8Suffix = WanKeyRules.Rule(WanKeyRuleKind.QuantizedLinear).Pattern;

    private readonly ITensorReader dense;
    private readonly HashSet<string> layers;
    private (string Layer, Tensor Scale)? pendingScale;

    private QuantizingTensorReader(ITensorReader dense, IEnumerable<string> int8Layers)
    {
        this.dense = dense;
        layers = new HashSet<string>(int8Layers, StringComparer.Ordinal);
    }

    /// <summary>The W8A8 layers of <paramref name="config"/> (<see cref="WanTensorCatalog.Int8Layers"/>) offered as int8 from <paramref name="dense"/>.</summary>
    public static QuantizingTensorReader Over(ITensorReader dense, WanConfig config) => new(dense, WanTensorCatalog.Int8Layers(config));

    public string Path => dense.Path;

    public IReadOnlyCollection<string> Names =>
        [.. dense.Names.Concat(layers.SelectMany(layer => new[] { layer + Int8Suffix, layer + WanKeyRules.ScaleSuffix }))];

    public bool Contains(string name) => dense.Contains(name) || QuantizedLayer(name) is not null;

    public TensorInfo Info(string name)
    {
        if (QuantizedLayer(name) is not var (layer, isScale))
        {
            return dense.Info(name);
        }

        var weight = dense.Info(layer + ".weight").Shape;
        return isScale
            ? new TensorInfo(name, ScalarType.Float32, [BlockwiseInt8.Tiles(weight[0]), BlockwiseInt8.Tiles(weight[1])])
            : new TensorInfo(name, ScalarType.Int8, weight);
    }

    public Tensor Load(string name, ScalarType? type = null, Device? device = null)
    {
        if (QuantizedLayer(name) is not var (layer, isScale))
        {
            return dense.Load(name, type, device);
        }

        if (isScale && pendingScale is { } pending && pending.Layer == layer)
        {
            pendingScale = null;
            return pending.Scale;
        }

        using var weight = dense.Load(layer + ".weight", ScalarType.BFloat16, device);
        var (values, scale) = BlockwiseInt8.QuantizeWeight(weight);
        if (isScale)
        {
            values.Dispose();
            return scale;
        }

        DropPendingScale();
        // Kept past the caller's dispose scope, which frees what it does not keep when the int8 weight is loaded.
        pendingScale = (layer, scale.DetachFromDisposeScope());
        return values;
    }

    public void Dispose() => DropPendingScale();

    private void DropPendingScale()
    {
        pendingScale?.Scale.Dispose();
        pendingScale = null;
    }

    private (string Layer, bool IsScale)? QuantizedLayer(string name)
    {
        if (name.EndsWith(Int8Suffix, StringComparison.Ordinal) && layers.Contains(name[..^Int8Suffix.Length]))
        {
            return (name[..^Int8Suffix.Length], false);
        }

        return name.EndsWith(WanKeyRules.ScaleSuffix, StringComparison.Ordinal) && layers.Contains(name[..^WanKeyRules.ScaleSuffix.Length])
            ? (name[..^WanKeyRules.ScaleSuffix.Length], true)
            : null;
    }
}
