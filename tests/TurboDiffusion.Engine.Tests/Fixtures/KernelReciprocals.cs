using System.Globalization;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Fixtures;

/// <summary>
/// TurboDiffusion's int8 weight quantization as the int8_linear fixture states it: tiles of <see cref="Tile"/> x
/// <see cref="Tile"/> (<c>config.block</c>), amax = max(a, max|w|) with a the floor its reciprocal table is named after
/// (<c>scale_inv_kernel_amax_1e-8</c>), q = round-half-even(fp32(w * s)) saturated to [-128, 127] with s the quant kernel's
/// measured fp32 value of 128/amax (rcp_table.safetensors), stored scale amax/128.
/// </summary>
public sealed class KernelReciprocals
{
    private const string EmptyTilePrefix = "scale_inv_kernel_amax_";

    private readonly Dictionary<int, float> byBf16Bits;
    private readonly float emptyTileAmax;
    private readonly float emptyTile;

    private KernelReciprocals(int tile, Dictionary<int, float> byBf16Bits, float emptyTileAmax, float emptyTile)
    {
        Tile = tile;
        this.byBf16Bits = byBf16Bits;
        this.emptyTileAmax = emptyTileAmax;
        this.emptyTile = emptyTile;
    }

    /// <summary>Rows and columns of one quantization tile.</summary>
    public int Tile { get; }

    public static KernelReciprocals Open()
    {
        var fixture = GoldenFixture.Open("int8_linear");
        using var file = fixture.Tensors("rcp_table.safetensors");
        using var bits = file.Load("bf16_bits");
        using var reciprocals = file.Load("scale_inv_kernel");
        var emptyName = file.Names.Single(n => n.StartsWith(EmptyTilePrefix, StringComparison.Ordinal));
        using var empty = file.Load(emptyName);
        var table = bits.data<int>().ToArray().Zip(reciprocals.data<float>().ToArray()).ToDictionary(p => p.First, p => p.Second);
        var emptyTileAmax = float.Parse(emptyName[EmptyTilePrefix.Length..], CultureInfo.InvariantCulture);
        return new KernelReciprocals(fixture.Manifest.QuantizationTile(), table, emptyTileAmax, empty.item<float>());
    }

    /// <summary>Quantizes a bf16-valued [rows, columns] weight held in fp32.</summary>
    public (Tensor Int8, Tensor Scale) Quantize(Tensor weight)
    {
        var (rows, columns) = ((int)weight.shape[0], (int)weight.shape[1]);
        var (tileRows, tileColumns) = ((rows + Tile - 1) / Tile, (columns + Tile - 1) / Tile);
        var w = weight.data<float>().ToArray();
        var q = new sbyte[w.Length];
        var scales = new float[tileRows * tileColumns];
        for (var ti = 0; ti < tileRows; ti++)
        {
            for (var tj = 0; tj < tileColumns; tj++)
            {
                var cells = Cells(ti, tj, rows, columns).ToList();
                var max = cells.Max(c => MathF.Abs(w[c]));
                var amax = MathF.Max(emptyTileAmax, max);
                var reciprocal = max == 0 ? emptyTile : byBf16Bits[BitConverter.SingleToInt32Bits(amax) >> 16];
                scales[(ti * tileColumns) + tj] = amax / Tile;
                foreach (var c in cells)
                {
                    q[c] = (sbyte)Math.Clamp(MathF.Round(w[c] * reciprocal, MidpointRounding.ToEven), -128, 127);
                }
            }
        }

        return (tensor(q, [rows, columns]), tensor(scales, [tileRows, tileColumns]));
    }

    private IEnumerable<int> Cells(int ti, int tj, int rows, int columns)
    {
        for (var i = ti * Tile; i < Math.Min(rows, (ti + 1) * Tile); i++)
        {
            for (var j = tj * Tile; j < Math.Min(columns, (tj + 1) * Tile); j++)
            {
                yield return (i * columns) + j;
            }
        }
    }
}
