using TurboDiffusion.Engine.Checkpoints;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Runtime;

/// <summary>
/// Pinned host copies of many device tensors, packed into a few large pinned slabs, one dtype per slab. libtorch's
/// pinned allocator rounds every allocation up to a power of two, so pinning a 14B expert tensor by tensor takes about
/// 1.5 times its size (a 135 MiB feed-forward weight takes 256 MiB) and pays one page-locking call per tensor. Slabs of a
/// power-of-two size lose nothing to the rounding; each copy is a view into its slab, 256-byte aligned for the copy
/// engines. A tensor larger than a slab gets a pinned allocation of its own.
/// </summary>
internal sealed class PinnedHostSlabs : IDisposable
{
    /// <summary>The largest slab: a power of two, so the pinned allocator rounds nothing.</summary>
    public const long SlabBytes = 1L << 30;

    private const long AlignmentBytes = 256;

    private readonly long slabBytes;
    private readonly Dictionary<ScalarType, long> bytesToPlace;
    private readonly Dictionary<ScalarType, (Tensor Slab, long UsedElements)> open = [];
    private readonly List<Tensor> owned = [];

    /// <summary>Plans slabs for copies of <paramref name="tensors"/>: the last slab of a dtype is no larger than what is left of it (rounded up to a power of two).</summary>
    /// <param name="slabBytes">The largest slab, a power of two; <see cref="SlabBytes"/> unless a test needs small ones.</param>
    public PinnedHostSlabs(IEnumerable<Tensor> tensors, long slabBytes = SlabBytes)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (slabBytes < AlignmentBytes || !System.Numerics.BitOperations.IsPow2(slabBytes))
        {
            throw new ArgumentOutOfRangeException(nameof(slabBytes), slabBytes, $"A slab must be a power of two of at least {AlignmentBytes} bytes.");
        }

        this.slabBytes = slabBytes;
        bytesToPlace = tensors.GroupBy(t => t.dtype).ToDictionary(g => g.Key, g => g.Sum(AlignedBytes));
    }

    /// <summary>Pinned host memory taken, slabs and single allocations together.</summary>
    public long Bytes => owned.Sum(t => t.NumberOfElements * t.ElementSize);

    /// <summary>A pinned host tensor of <paramref name="source"/>'s shape and dtype holding a copy of it; freed with the slabs.</summary>
    public Tensor Copy(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var home = Place(source.dtype, source.shape, AlignedBytes(source));
        home.copy_(source);
        return home;
    }

    public void Dispose()
    {
        owned.ForEach(t => t.Dispose());
        owned.Clear();
        open.Clear();
    }

    private Tensor Place(ScalarType type, long[] shape, long bytes)
    {
        var elementSize = (long)TensorDType.ElementSize(type);
        var elements = shape.Aggregate(1L, (a, b) => a * b);
        bytesToPlace[type] = Math.Max(0, bytesToPlace.GetValueOrDefault(type) - bytes);
        if (bytes > slabBytes)
        {
            return Pin(empty(shape, type));
        }

        if (!open.TryGetValue(type, out var slab) || (slab.Slab.NumberOfElements - slab.UsedElements) * elementSize < bytes)
        {
            var size = Math.Min(slabBytes, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)(bytes + bytesToPlace[type])));
            slab = (Pin(empty([size / elementSize], type)), 0);
        }

        var view = slab.Slab.narrow(0, slab.UsedElements, elements).view(shape);
        open[type] = (slab.Slab, slab.UsedElements + (bytes / elementSize));
        return view;
    }

    private Tensor Pin(Tensor pageable)
    {
        using (pageable)
        {
            // The slabs outlive whatever dispose scope the first copy into them runs in.
            var pinned = pageable.pin_memory().DetachFromDisposeScope();
            owned.Add(pinned);
            return pinned;
        }
    }

    private static long AlignedBytes(Tensor tensor)
    {
        var bytes = tensor.NumberOfElements * tensor.ElementSize;
        return (bytes + AlignmentBytes - 1) / AlignmentBytes * AlignmentBytes;
    }
}
