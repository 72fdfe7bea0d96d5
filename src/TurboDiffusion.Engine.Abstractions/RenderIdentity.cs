namespace TurboDiffusion.Engine;

/// <summary>
/// What, besides the request, decides the pixels an engine renders for a model: two renders of the same request with
/// equal identities are the same video, so the farm may answer the second from the first's files.
/// </summary>
/// <param name="EngineVersion">The engine's build (code changes can change pixels).</param>
/// <param name="Checkpoint">The model's weights: a digest of its files' contents, or "built-in {id}" for weights the engine makes from a fixed seed.</param>
/// <param name="Attention">The DiT self-attention settings, e.g. "auto, top-k 0.1, blocks default".</param>
/// <param name="Linears">The DiT block linears setting, e.g. "auto" or "int8".</param>
/// <param name="Device">The kind of device (its precision follows from it), e.g. "cuda" or "cpu".</param>
public sealed record RenderIdentity(string EngineVersion, string Checkpoint, string Attention, string Linears, string Device);
