using System.Collections.Immutable;
using TurboDiffusion.Engine.Pipelines;

namespace TurboDiffusion.Silo.Engine;

/// <summary>The silo's warm engine and the thread every call to it runs on.</summary>
public sealed class EngineHost(IVideoEngine engine) : IDisposable
{
    private readonly EngineThread thread = new("turbo-engine");

    public EngineStatus Status => engine.Status;

    public ImmutableArray<string> LoadedModels => [.. engine.Status.Models.Select(m => m.Model)];

    public long FreeBytes => Math.Max(0, engine.Status.DeviceBytesTotal - engine.Status.DeviceBytesInUse);

    public Task LoadAsync(string model, CancellationToken cancellationToken) =>
        thread.RunAsync(() => engine.LoadAsync(model, null, cancellationToken));

    public Task<VideoResult> GenerateAsync(VideoRequest request, IProgress<GenerationProgress> progress, CancellationToken cancellationToken) =>
        thread.RunAsync(() => engine.GenerateAsync(request, progress, cancellationToken));

    public void Dispose()
    {
        thread.Dispose();
        engine.Dispose();
    }
}
