using TorchSharp;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Runtime;

public sealed class TorchRuntimeTests
{
    [Fact]
    public void Float64_matmul_through_the_loaded_runtime_matches_the_hand_computed_product()
    {
        TorchRuntime.EnsureLoaded();
        using var a = tensor(new double[] { 1, 2, 3, 4, 5, 6 }, [2, 3], ScalarType.Float64);
        using var b = tensor(new double[] { 7, 8, 9, 10, 11, 12 }, [3, 2], ScalarType.Float64);

        using var product = matmul(a, b);

        // [1 2 3; 4 5 6] x [7 8; 9 10; 11 12] = [58 64; 139 154]
        Assert.Equal(new double[] { 58, 64, 139, 154 }, product.data<double>().ToArray());
    }
}
