namespace TurboDiffusion.Engine.Pipelines;

/// <summary>An <see cref="IProgress{T}"/> that calls back at once on the reporting thread (System.Progress posts to a context).</summary>
internal sealed class CallbackProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
