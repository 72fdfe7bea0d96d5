namespace TurboDiffusion.Engine.Sampling;

/// <summary>
/// A noise source whose place in its sequence can be saved and restored: a render resumed from a step draws exactly
/// what an uninterrupted one would have drawn after that step.
/// </summary>
public interface IRestorableNoiseSource : INoiseSource
{
    /// <summary>The source's state now: after restoring it, the next draws repeat those that follow now.</summary>
    byte[] SaveState();

    /// <exception cref="ArgumentException">The state is not one this kind of source saved (wrong size).</exception>
    void RestoreState(ReadOnlySpan<byte> state);
}
