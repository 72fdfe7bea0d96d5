using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.WanVae;

/// <summary>
/// The causal history of one chunked pass over a video: a slot per <see cref="CausalConv3d"/> holding the last
/// frames of everything that conv has been fed, so the next chunk convolves as if the whole sequence were
/// present. Only <see cref="CausalConv3d"/> writes a slot. The caller runs chunks in order and calls
/// <see cref="EndChunk"/> after each; <see cref="Reset"/> (or <see cref="IDisposable.Dispose"/>) frees every held
/// frame and starts a new pass.
/// </summary>
internal sealed class FrameCache : IDisposable
{
    private readonly Dictionary<CausalConv3d, Tensor> slots = [];

    /// <summary>True until the first chunk ends: the temporal resamplers pass that chunk's single frame through.</summary>
    public bool IsFirstChunk { get; private set; } = true;

    /// <summary>Slots holding frames now.</summary>
    public int HeldSlots => slots.Count;

    /// <summary>Frames [B, C, ≤ history, H, W] last fed to <paramref name="conv"/>, or null before its first chunk.</summary>
    public Tensor? History(CausalConv3d conv) => slots.GetValueOrDefault(conv);

    /// <summary>Replaces <paramref name="conv"/>'s history; the cache owns <paramref name="frames"/> from now on.</summary>
    public void Keep(CausalConv3d conv, Tensor frames)
    {
        if (slots.Remove(conv, out var previous))
        {
            previous.Dispose();
        }

        slots[conv] = frames.DetachFromDisposeScope();
    }

    public void EndChunk() => IsFirstChunk = false;

    public void Reset()
    {
        foreach (var frames in slots.Values)
        {
            frames.Dispose();
        }

        slots.Clear();
        IsFirstChunk = true;
    }

    public void Dispose() => Reset();
}
