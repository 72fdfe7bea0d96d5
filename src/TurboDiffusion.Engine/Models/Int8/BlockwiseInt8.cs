using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Int8;

/// <summary>
/// TurboDiffusion's W8A8 quantization of a bf16 [rows, K] matrix, weights and activations alike, as its quant kernel
/// does it: per <see cref="Tile"/>x<see cref="Tile"/> tile, amax = max |x| over the tile's valid elements (1e-8 for an
/// all-zero tile), values = clamp(round_half_even(fp32(x · r)), −128, 127) with r the kernel's 128/amax
/// (<see cref="KernelReciprocal"/>), and scale = amax/128 in fp32, [⌈rows/128⌉, ⌈K/128⌉] with scale[i, j] for rows
/// 128i.. and columns 128j.. of the matrix. Unlike SageSLA's symmetric int8, −128 is used.
/// </summary>
internal static class BlockwiseInt8
{
    public const int Tile = 128;

    /// <summary>The amax of a tile with no nonzero element, so that its scale stays finite and nonzero.</summary>
    public const float EmptyTileAmax = 1e-8f;

    /// <summary>x bf16 [rows, K] → int8 [rows, K] and fp32 scales [⌈rows/128⌉, ⌈K/128⌉], on x's device.</summary>
    public static (Tensor Values, Tensor Scale) Quantize(Tensor x)
    {
        if (x.dtype != ScalarType.BFloat16 || x.dim() != 2)
        {
            // The kernel's reciprocal is only known for bf16 amax values (KernelReciprocal).
            throw new ArgumentException($"expected a BFloat16 [rows, K] matrix, got {x.dtype} [{string.Join(", ", x.shape)}]", nameof(x));
        }

        using var scope = NewDisposeScope();
        var (rows, columns) = (x.shape[0], x.shape[1]);
        var (tileRows, tileColumns) = (Tiles(rows), Tiles(columns));

        // Zero padding leaves the amax of a partial edge tile that of its valid elements.
        var tiles = nn.functional.pad(x.to(ScalarType.Float32), [0, (tileColumns * Tile) - columns, 0, (tileRows * Tile) - rows])
            .view(tileRows, Tile, tileColumns, Tile);
        var amax = tiles.abs().amax([1L, 3L]);
        amax.masked_fill_(amax.eq(0), EmptyTileAmax);
        var reciprocal = tensor(amax.cpu().data<float>().ToArray().Select(KernelReciprocal.Of).ToArray(), [tileRows, tileColumns], device: x.device);
        var values = (tiles * reciprocal.view(tileRows, 1, tileColumns, 1)).round_().clamp_(-128, 127)
            .view(tileRows * Tile, tileColumns * Tile).narrow(0, 0, rows).narrow(1, 0, columns)
            .to(ScalarType.Int8);
        return (values.MoveToOuterDisposeScope(), (amax / KernelReciprocal.Numerator).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// A Linear weight [out, in] of any float dtype as the official <c>-quant</c> conversion quantizes it: cast to bf16
    /// first (the dtype the official model holds it in; exact for bf16-representable values), then <see cref="Quantize"/>.
    /// </summary>
    public static (Tensor Values, Tensor Scale) QuantizeWeight(Tensor weight)
    {
        using var scope = NewDisposeScope();
        var (values, scale) = Quantize(weight.to(ScalarType.BFloat16));
        return (values.MoveToOuterDisposeScope(), scale.MoveToOuterDisposeScope());
    }

    public static long Tiles(long length) => (length + Tile - 1) / Tile;
}
