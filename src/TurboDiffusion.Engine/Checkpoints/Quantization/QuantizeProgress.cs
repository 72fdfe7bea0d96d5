namespace TurboDiffusion.Engine.Checkpoints.Quantization;

/// <summary>One tensor of a quantized checkpoint written: the <paramref name="Tensor"/>-th (from 1) of <paramref name="Tensors"/>.</summary>
/// <param name="BytesWritten">Tensor bytes written so far, of <paramref name="TotalBytes"/> (the archive's own records aside).</param>
public sealed record QuantizeProgress(int Tensor, int Tensors, string Name, long BytesWritten, long TotalBytes);

/// <summary>What a quantization wrote.</summary>
/// <param name="Model">The architecture read from the input (<see cref="Models.Wan.WanConfig.Name"/>).</param>
/// <param name="Int8Layers">Linears stored as int8 weight and tile scales.</param>
/// <param name="Tensors">Tensors in the output.</param>
/// <param name="InputWeightBytes">Bytes of the input's tensors.</param>
/// <param name="OutputWeightBytes">Bytes of the output's tensors.</param>
public sealed record QuantizeSummary(string Output, string Model, int Int8Layers, int Tensors, long InputWeightBytes, long OutputWeightBytes);
