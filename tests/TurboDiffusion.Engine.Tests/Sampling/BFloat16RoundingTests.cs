using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Sampling;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Sampling;

public sealed class BFloat16RoundingTests
{
    [Fact]
    public void Rounds_like_the_libtorch_cast_including_ties_and_specials()
    {
        TorchRuntime.EnsureLoaded();
        var random = new Random(11);
        float[] ties = [1f + MathF.Pow(2, -8), 1f + 3 * MathF.Pow(2, -8), -(1f + MathF.Pow(2, -8)), 933.781f, 987.6543f, 0f, -0f, float.MaxValue, float.Epsilon, float.PositiveInfinity, float.NegativeInfinity];
        var values = ties.Concat(Enumerable.Range(0, 2000).Select(_ => (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-6, 7))))).ToArray();

        using var reference = tensor(values, ScalarType.Float32).to(ScalarType.BFloat16).to(ScalarType.Float32);
        var expected = reference.data<float>().ToArray();

        for (var i = 0; i < values.Length; i++)
        {
            Assert.True(BitConverter.SingleToUInt32Bits(expected[i]) == BitConverter.SingleToUInt32Bits(BFloat16Rounding.Round(values[i])),
                $"{values[i]:R}: libtorch {expected[i]:R}, ours {BFloat16Rounding.Round(values[i]):R}");
        }
    }

    [Fact]
    public void Nan_stays_nan()
    {
        Assert.True(float.IsNaN(BFloat16Rounding.Round(float.NaN)));
    }
}
