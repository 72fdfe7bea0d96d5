namespace TurboDiffusion.Engine.Tests.Sampling;

/// <summary>Reports on the calling thread, unlike <see cref="Progress{T}"/>, so a test sees each report before the next step.</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
