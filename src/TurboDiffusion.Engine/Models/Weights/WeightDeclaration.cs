using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Weights;

/// <summary>
/// One tensor a module declares: its checkpoint key, the shape the checkpoint stores it in, and the dtype the module
/// computes with it (its precision role, resolved for the precision the model is built in).
/// </summary>
internal sealed record WeightDeclaration(string Key, long[] Shape, ScalarType Type);
