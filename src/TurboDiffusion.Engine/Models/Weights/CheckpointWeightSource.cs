using TurboDiffusion.Engine.Checkpoints;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Weights;

/// <summary>
/// Reads each declared tensor from a checkpoint under its declared key, straight into the declared dtype on the
/// target device. A model-specific naming (a Wan DiT's wrapped, reshaped or W8A8 keys) is the reader's business:
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
            throw new CheckpointException(reader.Path, weight.Key, $"missing; expected a floating-point tensor of shape {Show(weight.Shape)}");
        }

        var info = reader.Info(weight.Key);
        if (!IsFloatingPoint(info.Type) || !info.Shape.SequenceEqual(weight.Shape))
        {
            throw new CheckpointException(
                reader.Path, weight.Key, $"expected a floating-point tensor of shape {Show(weight.Shape)}, found {TensorDType.Describe(info.Type)} {Show(info.Shape)}");
        }

        return reader.Load(weight.Key, weight.Type, device);
    }

    private static bool IsFloatingPoint(ScalarType type) =>
        type is ScalarType.Float64 or ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16;

    private static string Show(long[] shape) => $"[{string.Join(", ", shape)}]";
}
