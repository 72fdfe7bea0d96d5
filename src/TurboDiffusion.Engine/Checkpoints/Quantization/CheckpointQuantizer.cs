using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Pipelines;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints.Quantization;

/// <summary>
/// Converts a dense Wan DiT checkpoint (TurboDiffusion <c>.pth</c>, official Wan safetensors, a shard index or a model
/// directory) to TurboDiffusion's <c>-quant.pth</c> layout (<see cref="ConversionPlan"/>), bit-exact with the official
/// conversion (<c>modify_model.py --quant_linear</c>): the same layers, the same int8 values and scales. It streams:
/// one stored tensor is read, converted, written and freed before the next, so memory holds one tensor (and its
/// quantization's temporaries), never a second copy of the model.
/// </summary>
public static class CheckpointQuantizer
{
    /// <param name="input">The dense checkpoint.</param>
    /// <param name="output">The <c>.pth</c> to write; it appears only once complete.</param>
    /// <param name="overwrite">Replace a file already at <paramref name="output"/>.</param>
    /// <exception cref="CheckpointException">The input is unreadable, truncated, not a Wan DiT, or already quantized; names file and key.</exception>
    /// <exception cref="ArgumentException">The output is the input.</exception>
    /// <exception cref="IOException">Writing failed, or the output exists and <paramref name="overwrite"/> is false.</exception>
    public static QuantizeSummary Quantize(
        string input, string output, bool overwrite = false, IProgress<QuantizeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(input);
        ArgumentException.ThrowIfNullOrEmpty(output);
        if (string.Equals(Path.GetFullPath(input), Path.GetFullPath(output), StringComparison.Ordinal))
        {
            throw new ArgumentException($"{output} is the input checkpoint; write the quantized one to another path", nameof(output));
        }

        using var checkpoint = WanCheckpoint.Open(input);
        RequireDense(checkpoint);
        var config = WanConfigDetector.Detect(checkpoint);
        var layers = Int8Layers(checkpoint, config);
        var steps = ConversionPlan.For(checkpoint.Stored, layers);
        var outputs = steps.SelectMany(s => s.Outputs).ToList();
        using var writer = PthWriter.Create(output, outputs);
        foreach (var step in steps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            foreach (var tensor in step.Convert(checkpoint.Stored.Load(step.Source)))
            {
                writer.Append(tensor);
                progress?.Report(new QuantizeProgress(writer.Written, outputs.Count, outputs[writer.Written - 1].Name, writer.BytesWritten, writer.TotalBytes));
            }
        }

        writer.Complete(overwrite);
        var inputBytes = checkpoint.Stored.Names.Select(checkpoint.Stored.Info).Sum(Bytes);
        return new QuantizeSummary(Path.GetFullPath(output), config.Name, layers.Count, outputs.Count, inputBytes, writer.TotalBytes);
    }

    private static void RequireDense(WanCheckpoint checkpoint)
    {
        if (checkpoint.Layout == WanCheckpointLayout.TurboQuantized)
        {
            throw new CheckpointException(checkpoint.Path, checkpoint.QuantizedLayers.First() + ".int8_weight",
                $"this checkpoint is already in the -quant layout ({checkpoint.QuantizedLayers.Count} int8 layers); quantize the dense (bf16) checkpoint it came from");
        }
    }

    /// <summary>The W8A8 layers of the architecture; the official int8 GEMM takes only in-features that are whole 128-wide tiles.</summary>
    private static IReadOnlyList<string> Int8Layers(WanCheckpoint checkpoint, WanConfig config)
    {
        try
        {
            return WanTensorCatalog.Int8Layers(config);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException(checkpoint.Path, null, $"{config.Name} cannot run W8A8: {e.Message}", e);
        }
    }

    private static long Bytes(TensorInfo tensor) => tensor.Shape.Aggregate(1L, (a, d) => a * d) * TensorDType.ElementSize(tensor.Type);
}
