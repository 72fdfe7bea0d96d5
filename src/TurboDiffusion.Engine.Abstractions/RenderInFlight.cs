namespace TurboDiffusion.Engine;

/// <summary>
/// A render under way (<see cref="IVideoEngine.Start"/>). <see cref="Video"/> completes with its files.
/// <see cref="EngineFree"/> completes as soon as the engine can begin the next render: on an engine that decodes and
/// encodes beside the next render's denoising, once this render's denoising is done; otherwise when the render has
/// ended. A render that fails or is canceled before that point ends both the same way.
/// </summary>
public sealed record RenderInFlight(Task EngineFree, Task<VideoResult> Video);
