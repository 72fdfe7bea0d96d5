using TurboDiffusion.Engine.Checkpoints;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Weights;

/// <summary>
/// Reads each declared tensor from a checkpoint under its declared key, straight into the declared dtype on the
/// target device; an int8 tensor (a W8A8 weight) only from an int8 one, as stored. A model-specific naming (a Wan DiT's wrapped, reshaped or W8A8 keys) is the reader's business:
/// pass a <see cref="WanCheckpoint"/> rather than the raw file. The header is checked before any data is read.
/// </summary>
internal sealed class CheckpointWeightSource(ITensorReader reader, Device device) : IWeightSource
{
    public Device Device => device;

    /// <exception cref="CheckpointException">The key is missing, or its dtype or shape differ; names file, key, expected and found.</exception>
    public Tensor Read(WeightDeclaration weight)
    {
        if (!reader.Contains(weight.Key))
        {
            throw new CheckpointException(reader.Path, weight.Key, $"missing; expected {Expected(weight)}");
        }

        var info = reader.Info(weight.Key);
        if (!Readable(info.Type, weight.Type) || !info.Shape.SequenceEqual(weight.Shape))
        {
            throw new CheckpointException(
                reader.Path, weight.Key, $"expected {Expected(weight)}, found {TensorDType.Describe(info.Type)} {Show(info.Shape)}");
        }

        return reader.Load(weight.Key, weight.Type, device);
    }

    // Quantized values converted from floats, or floats from them, would no longer mean what the model expects.
    private static bool Readable(ScalarType stored, ScalarType declared) =>
        declared == ScalarType.Int8 ? stored == ScalarType.Int8 : IsFloatingPoint(stored);

    private static string Expected(WeightDeclaration weight) =>
        $"{(weight.Type == ScalarType.Int8 ? "an Int8" : "a floating-point")} tensor of shape {Show(weight.Shape)}";

    private static bool IsFloatingPoint(ScalarType type) =>
        type is ScalarType.Float64 or ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16;

    private static string Show(long[] shape) => $"[{string.Join(", ", shape)}]";
}
