using TurboDiffusion.Engine.Checkpoints.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints;

/// <summary>
/// A Wan DiT checkpoint in any supported layout (<see cref="WanCheckpointLayout"/>), read under the official Wan
/// key names and shapes of <c>diffusion_pytorch_model.safetensors</c>. <see cref="Names"/> are the dense model's
/// tensors; SLA projections and the int8 form of W8A8 layers (<c>&lt;layer&gt;.int8_weight</c>, <c>&lt;layer&gt;.scale</c>)
/// are offered beside them.
/// </summary>
public sealed class WanCheckpoint : ITensorReader
{
    private const string OfficialName = "diffusion_pytorch_model.safetensors";

    private readonly ITensorReader stored;
    private readonly WanKeyMap map;

    private WanCheckpoint(ITensorReader stored, WanKeyMap map)
    {
        this.stored = stored;
        this.map = map;
    }

    public string Path => stored.Path;

    public WanCheckpointLayout Layout => map.Layout;

    /// <summary>The file as stored: its own key names, shapes and dtypes.</summary>
    internal ITensorReader Stored => stored;

    /// <summary>The dense model's tensors, under official names (W8A8 weights appear dequantized as <c>&lt;layer&gt;.weight</c>).</summary>
    public IReadOnlyCollection<string> Names => map.Dense.Keys;

    /// <summary>SLA <c>proj_l</c> weights, loadable by name but not part of <see cref="Names"/>.</summary>
    public IReadOnlyCollection<string> SlaNames => map.Sla.Keys;

    /// <summary>Layers stored as W8A8 (e.g. <c>blocks.0.self_attn.q</c>), for <see cref="LoadQuantized"/>.</summary>
    public IReadOnlyCollection<string> QuantizedLayers => map.Quantized.Keys;

    /// <summary>
    /// Opens a file of any layout (detected from its keys), a <c>*.safetensors.index.json</c> of shards, or a
    /// directory holding the official <c>diffusion_pytorch_model.safetensors[.index.json]</c>.
    /// </summary>
    public static WanCheckpoint Open(string path) => Over(CheckpointFile.Open(Resolve(path)));

    /// <summary>Maps an already open checkpoint; the result owns it.</summary>
    public static WanCheckpoint Over(ITensorReader stored)
    {
        try
        {
            return new WanCheckpoint(stored, WanKeyMap.Build(stored));
        }
        catch
        {
            stored.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => map.Dense.ContainsKey(name) || map.Sla.ContainsKey(name) || map.Int8.ContainsKey(name);

    public TensorInfo Info(string name) => Canonical(name).Info;

    /// <summary>
    /// Reads a dense, SLA or int8 tensor by name; a W8A8 weight read as <c>&lt;layer&gt;.weight</c> is dequantized (fp32
    /// unless <paramref name="type"/> says otherwise).
    /// </summary>
    public Tensor Load(string name, ScalarType? type = null, Device? device = null) => Canonical(name).Load(stored, type, device);

    /// <summary>The int8 weight, tile scales and bias of a W8A8 layer, as stored, on <paramref name="device"/>.</summary>
    public QuantizedLinearWeight LoadQuantized(string layer, Device? device = null)
    {
        var source = map.Quantized.GetValueOrDefault(layer)
            ?? throw new CheckpointException(Path, layer, $"not a W8A8 layer of this {Layout} checkpoint ({map.Quantized.Count} are; e.g. {string.Join(", ", QuantizedLayers.Take(3))})");
        using var scope = NewDisposeScope();
        var int8 = stored.Load(source.Int8Name, device: device);
        var scale = stored.Load(source.ScaleName, device: device);
        var bias = source.BiasName is { } biasName ? stored.Load(biasName, device: device) : null;
        return new QuantizedLinearWeight(layer, int8.MoveToOuterDisposeScope(), scale.MoveToOuterDisposeScope(), bias?.MoveToOuterDisposeScope());
    }

    public void Dispose() => stored.Dispose();

    private CanonicalTensor Canonical(string name) =>
        map.Dense.GetValueOrDefault(name) ?? map.Sla.GetValueOrDefault(name) ?? map.Int8.GetValueOrDefault(name)
        ?? throw new CheckpointException(Path, name, $"not in this {Layout} checkpoint ({map.Dense.Count} tensors; e.g. {string.Join(", ", Names.Take(5))})");

    private static string Resolve(string path)
    {
        if (!Directory.Exists(path))
        {
            return path;
        }

        return new[] { OfficialName + ".index.json", OfficialName }.Select(n => System.IO.Path.Combine(path, n)).FirstOrDefault(File.Exists)
            ?? throw new CheckpointException(path, null, $"directory holds neither {OfficialName}.index.json nor {OfficialName}");
    }
}
