using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints.Wan;

/// <summary>Applies <see cref="WanKeyRules"/> to a file's keys: the official names it offers, and where each comes from.</summary>
internal sealed class WanKeyMap
{
    private const int PatchCells = 4; // patch (1, 2, 2)

    private WanKeyMap(WanCheckpointLayout layout)
    {
        Layout = layout;
    }

    public WanCheckpointLayout Layout { get; }

    public OrderedDictionary<string, CanonicalTensor> Dense { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, CanonicalTensor> Sla { get; } = new(StringComparer.Ordinal);

    public OrderedDictionary<string, QuantizedLayer> Quantized { get; } = new(StringComparer.Ordinal);

    /// <summary>The int8 weights and tile scales of <see cref="Quantized"/>, as stored, under unwrapped names.</summary>
    public OrderedDictionary<string, CanonicalTensor> Int8 { get; } = new(StringComparer.Ordinal);

    public static WanKeyMap Build(ITensorReader stored)
    {
        var names = Unwrap(stored);
        var map = new WanKeyMap(DetectLayout(stored, names));
        var int8Suffix = WanKeyRules.Rule(WanKeyRuleKind.QuantizedLinear).Pattern;
        var slaSegment = WanKeyRules.Rule(WanKeyRuleKind.SlaOnly).Pattern;
        var patch = WanKeyRules.Rule(WanKeyRuleKind.LinearPatchEmbedding).Pattern;
        foreach (var (name, storedName) in names)
        {
            var info = stored.Info(storedName) with { Name = name };
            if (name.Contains(slaSegment, StringComparison.Ordinal))
            {
                map.Sla[name] = new StoredTensor(storedName, info);
            }
            else if (name.EndsWith(int8Suffix, StringComparison.Ordinal))
            {
                map.AddQuantized(stored, names, name[..^int8Suffix.Length], storedName, info);
            }
            else if (name.EndsWith(WanKeyRules.ScaleSuffix, StringComparison.Ordinal) && names.ContainsKey(name[..^WanKeyRules.ScaleSuffix.Length] + int8Suffix))
            {
                continue;
            }
            else if (name == patch && info.Shape.Length == 2)
            {
                map.Add(stored, new ReshapedTensor(storedName, info with { Shape = PatchAsConv3d(stored, storedName, info.Shape) }));
            }
            else
            {
                map.Add(stored, new StoredTensor(storedName, info));
            }
        }

        return map;
    }

    private void Add(ITensorReader stored, CanonicalTensor tensor)
    {
        if (!Dense.TryAdd(tensor.Info.Name, tensor))
        {
            throw new CheckpointException(stored.Path, tensor.Info.Name, "stored both as a dense weight and as an int8 weight with scales; expected one of them");
        }
    }

    private void AddQuantized(ITensorReader stored, OrderedDictionary<string, string> names, string layer, string int8Name, TensorInfo int8)
    {
        var scaleName = names.GetValueOrDefault(layer + WanKeyRules.ScaleSuffix)
            ?? throw new CheckpointException(stored.Path, int8Name, $"int8 weight without its '{layer}{WanKeyRules.ScaleSuffix}' tile scales");
        var scale = stored.Info(scaleName);
        if (int8.Type != ScalarType.Int8 || int8.Shape.Length != 2)
        {
            throw new CheckpointException(stored.Path, int8Name, $"expected Int8 [out, in], found {TensorDType.Describe(int8.Type)} [{string.Join(", ", int8.Shape)}]");
        }

        long[] tiles = [Tiles(int8.Shape[0]), Tiles(int8.Shape[1])];
        if (scale.Type != ScalarType.Float32 || !scale.Shape.SequenceEqual(tiles))
        {
            throw new CheckpointException(stored.Path, scaleName,
                $"expected Float32 [{tiles[0]}, {tiles[1]}] (one scale per 128x128 tile of [{int8.Shape[0]}, {int8.Shape[1]}]), found {TensorDType.Describe(scale.Type)} [{string.Join(", ", scale.Shape)}]");
        }

        var source = new QuantizedLayer(layer, int8Name, scaleName, names.GetValueOrDefault(layer + ".bias"));
        Quantized[layer] = source;
        Int8[int8.Name] = new StoredTensor(int8Name, int8);
        Int8[layer + WanKeyRules.ScaleSuffix] = new StoredTensor(scaleName, scale with { Name = layer + WanKeyRules.ScaleSuffix });
        Add(stored, new DequantizedTensor(source, new TensorInfo(layer + ".weight", ScalarType.Float32, int8.Shape)));
    }

    private static long Tiles(long length) => (length + QuantizedLinearWeight.TileSize - 1) / QuantizedLinearWeight.TileSize;

    private static long[] PatchAsConv3d(ITensorReader stored, string storedName, long[] linear) =>
        linear[1] % PatchCells == 0
            ? [linear[0], linear[1] / PatchCells, 1, 2, 2]
            : throw new CheckpointException(stored.Path, storedName, $"expected Linear [dim, C*4] for patch (1, 2, 2), found [{string.Join(", ", linear)}]");

    /// <summary>Official name to stored name; two stored keys that unwrap to one name are ambiguous.</summary>
    private static OrderedDictionary<string, string> Unwrap(ITensorReader stored)
    {
        var names = new OrderedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var storedName in stored.Names)
        {
            var name = WanKeyRules.Unwrap(storedName);
            if (!names.TryAdd(name, storedName))
            {
                throw new CheckpointException(stored.Path, storedName, $"'{names[name]}' and '{storedName}' both name '{name}'; expected one tensor per name");
            }
        }

        return names;
    }

    private static WanCheckpointLayout DetectLayout(ITensorReader stored, OrderedDictionary<string, string> names)
    {
        var patch = WanKeyRules.Rule(WanKeyRuleKind.LinearPatchEmbedding).Pattern;
        var int8Suffix = WanKeyRules.Rule(WanKeyRuleKind.QuantizedLinear).Pattern;
        var patchShape = names.TryGetValue(patch, out var storedPatch) ? stored.Info(storedPatch).Shape : null;
        return patchShape?.Length switch
        {
            2 when names.Keys.Any(n => n.EndsWith(int8Suffix, StringComparison.Ordinal)) => WanCheckpointLayout.TurboQuantized,
            2 => WanCheckpointLayout.Turbo,
            5 => WanCheckpointLayout.OfficialWan,
            _ => throw new CheckpointException(stored.Path, patch,
                "not a Wan DiT layout this engine reads: expected Conv3d [dim, C, 1, 2, 2] (official Wan safetensors) or Linear [dim, C*4] " +
                $"(TurboDiffusion .pth), found {(patchShape is null ? "no such key" : $"[{string.Join(", ", patchShape)}]")}; the file's keys begin {string.Join(", ", names.Keys.Take(4))}"),
        };
    }
}
