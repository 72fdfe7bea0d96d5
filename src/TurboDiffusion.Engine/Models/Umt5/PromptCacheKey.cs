using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Umt5;

/// <summary>
/// What a prompt embedding depends on: the cleaned prompt (prompts that clean alike share it), the model,
/// the rows it is padded to, its dtype and its device.
/// </summary>
public sealed record PromptCacheKey(string CleanedPrompt, string Model, int TextLength, ScalarType Type, string Device);
