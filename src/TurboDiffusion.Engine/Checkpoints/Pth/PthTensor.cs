using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints.Pth;

/// <summary>The callables a state dict's pickle may call; anything else is refused.</summary>
internal enum TorchCallable
{
    OrderedDict,
    RebuildTensorV2,
    RebuildParameter,
}

/// <summary>A <c>torch.*Storage</c> class: it only names the element type of a storage blob.</summary>
internal sealed record StorageClass(string Name, ScalarType Type);

/// <summary>One storage blob of the archive (<c>&lt;stem&gt;/data/&lt;Key&gt;</c>), <paramref name="Numel"/> elements.</summary>
internal sealed record StorageRef(string Key, StorageClass Class, long Numel);

/// <summary>A tensor as torch.save records it: a strided view of a storage; several may share one.</summary>
internal sealed record PthTensor(StorageRef Storage, long Offset, long[] Shape, long[] Stride)
{
    public long Numel => Shape.Aggregate(1L, (a, d) => checked(a * d));

    /// <summary>Elements from <see cref="Offset"/> to the last one the view touches (0 for an empty tensor).</summary>
    public long SpanElements => Numel == 0 ? 0 : 1 + Shape.Zip(Stride, (size, stride) => checked((size - 1) * stride)).Sum();

    /// <summary>Row-major with no gaps, so the bytes can be read straight into the result; size-1 dims may have any stride.</summary>
    public bool IsContiguous
    {
        get
        {
            long expected = 1;
            for (var i = Shape.Length - 1; i >= 0; i--)
            {
                if (Shape[i] != 1 && Stride[i] != expected)
                {
                    return false;
                }

                expected *= Shape[i];
            }

            return true;
        }
    }
}
