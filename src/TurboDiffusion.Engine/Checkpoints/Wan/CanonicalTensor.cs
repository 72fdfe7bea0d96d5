using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints.Wan;

/// <summary>A tensor under its official Wan name, and how to produce it from what the file stores.</summary>
internal abstract record CanonicalTensor(TensorInfo Info)
{
    public abstract Tensor Load(ITensorReader stored, ScalarType? type, Device? device);
}

/// <summary>Stored as is, perhaps under a wrapped name.</summary>
internal sealed record StoredTensor(string StoredName, TensorInfo Info) : CanonicalTensor(Info)
{
    public override Tensor Load(ITensorReader stored, ScalarType? type, Device? device) => stored.Load(StoredName, type, device);
}

/// <summary>Stored with the same elements in another shape (Turbo's Linear patch embedding).</summary>
internal sealed record ReshapedTensor(string StoredName, TensorInfo Info) : CanonicalTensor(Info)
{
    public override Tensor Load(ITensorReader stored, ScalarType? type, Device? device)
    {
        using var flat = stored.Load(StoredName, type, device);
        return flat.reshape(Info.Shape);
    }
}

/// <summary>The stored names of one W8A8 Linear.</summary>
internal sealed record QuantizedLayer(string Layer, string Int8Name, string ScaleName, string? BiasName);

/// <summary>A W8A8 Linear's weight, dequantized from int8 and its tile scales.</summary>
internal sealed record DequantizedTensor(QuantizedLayer Source, TensorInfo Info) : CanonicalTensor(Info)
{
    public override Tensor Load(ITensorReader stored, ScalarType? type, Device? device)
    {
        using var int8 = stored.Load(Source.Int8Name, device: device);
        using var scale = stored.Load(Source.ScaleName, ScalarType.Float32, device);
        return QuantizedLinearWeight.Dequantize(int8, scale, type ?? Info.Type);
    }
}
