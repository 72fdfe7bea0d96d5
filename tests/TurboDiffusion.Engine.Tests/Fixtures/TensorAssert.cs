using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Fixtures;

/// <summary>Compares tensors the way the fixtures do: max_abs = max|a-b|, rel_l2 = ||a-b|| / ||b|| (b the reference).</summary>
public static class TensorAssert
{
    public sealed record Difference(double MaxAbs, double RelL2, long WorstIndex, double Actual, double Expected);

    public static Difference Compare(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        Assert.Equal(expected.shape, actual.shape);
        var a = actual.to(ScalarType.Float64, CPU).flatten();
        var b = expected.to(ScalarType.Float64, CPU).flatten();
        var diff = (a - b).abs();
        var worst = diff.argmax().item<long>();
        var norm = b.norm().item<double>();
        var relL2 = (a - b).norm().item<double>() / (norm == 0 ? 1 : norm);
        var maxAbs = diff.max().item<double>();
        if (double.IsNaN(maxAbs) || a.isnan().any().item<bool>())
        {
            maxAbs = relL2 = double.NaN;
        }

        return new Difference(maxAbs, relL2, worst, a[worst].item<double>(), b[worst].item<double>());
    }

    /// <returns>The measured difference, for the test output.</returns>
    public static Difference Close(Tensor actual, Tensor expected, Tolerance tolerance, string what)
    {
        var d = Compare(actual, expected);
        var report = $"{what}: max_abs {d.MaxAbs:E3}, rel_l2 {d.RelL2:E3}; worst at flat index {d.WorstIndex}: {d.Actual:R} vs {d.Expected:R}. Tolerance: {tolerance.Source}";
        Assert.False(double.IsNaN(d.MaxAbs), report);
        if (tolerance.MaxAbs is { } maxAbs)
        {
            Assert.True(d.MaxAbs <= maxAbs, report);
        }

        if (tolerance.RelL2 is { } relL2)
        {
            Assert.True(d.RelL2 <= relL2, report);
        }

        return d;
    }

    /// <summary>Same shape and every element equal (after type promotion, so a bf16 file can match its fp32 copy).</summary>
    public static void Identical(Tensor actual, Tensor expected, string what)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape), $"{what}: shape [{string.Join(", ", actual.shape)}], expected [{string.Join(", ", expected.shape)}]");
        using var scope = NewDisposeScope();
        var differing = actual.to(CPU).ne(expected.to(CPU)).sum().item<long>();
        Assert.True(differing == 0, $"{what}: {differing} of {expected.numel()} elements differ");
    }
}
