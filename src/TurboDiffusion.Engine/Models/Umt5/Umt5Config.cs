namespace TurboDiffusion.Engine.Models.Umt5;

/// <summary>
/// Shape of a umT5 encoder (Wan's <c>T5Encoder</c> with <c>shared_pos=False</c>: every layer owns its
/// relative-position table). <see cref="TextLength"/> is the number of context rows the DiT receives.
/// </summary>
/// <param name="DimAttn">Width of q/k/v (heads × head_dim); equals <paramref name="Dim"/> in umT5-XXL.</param>
/// <param name="Buckets">Relative-position buckets, half per direction.</param>
/// <param name="MaxDistance">Distance at which the log-spaced buckets saturate.</param>
public sealed record Umt5Config(
    string Name,
    int VocabSize,
    int Dim,
    int DimAttn,
    int DimFfn,
    int Heads,
    int Layers,
    int Buckets,
    int MaxDistance,
    double Eps,
    int TextLength)
{
    /// <summary>umT5-XXL as Wan uses it (<c>models_t5_umt5-xxl-enc-bf16.pth</c>), 512 context rows.</summary>
    public static Umt5Config Xxl { get; } = new("umt5-xxl", 256_384, 4096, 4096, 10_240, 64, 24, 32, 128, 1e-6, 512);

    /// <summary>The built-in demo encoder: umT5's code paths at toy width, 24 context rows.</summary>
    public static Umt5Config Tiny { get; } = new("umt5-tiny", 512, 64, 64, 128, 4, 2, 32, 128, 1e-6, 24);

    public int HeadDim => DimAttn / Heads;

    /// <exception cref="ArgumentException">A size is not positive, heads do not divide DimAttn, or Buckets is odd.</exception>
    public void Validate()
    {
        int[] sizes = [VocabSize, Dim, DimAttn, DimFfn, Heads, Layers, Buckets, MaxDistance, TextLength];
        if (sizes.Any(size => size <= 0) || Eps <= 0)
        {
            throw new ArgumentException($"umT5 config '{Name}': every size and eps must be positive ({this}).");
        }

        if (DimAttn % Heads != 0)
        {
            throw new ArgumentException($"umT5 config '{Name}': DimAttn {DimAttn} is not a multiple of Heads {Heads}.");
        }

        // Half the buckets hold exact distances, the rest are log-spaced up to MaxDistance.
        if (Buckets % 4 != 0 || MaxDistance <= Buckets / 4)
        {
            throw new ArgumentException($"umT5 config '{Name}': Buckets {Buckets} must be a multiple of 4 and MaxDistance {MaxDistance} above Buckets/4.");
        }
    }
}
