using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace TurboDiffusion.Engine.Tests.Models.WanVae;

public sealed class VaeConvolutionTests
{
    public VaeConvolutionTests() => TorchRuntime.EnsureLoaded();

    /// <summary>
    /// The bound is bf16's output rounding (2⁻⁹ relative per element) with room to spare; the layers that libtorch's
    /// CPU bf16 kernel gets wrong miss it by two orders of magnitude.
    /// </summary>
    [Theory]
    [InlineData(8, 3, 3)]
    [InlineData(3, 8, 3)]
    [InlineData(16, 15, 3)]
    [InlineData(32, 32, 3)]
    [InlineData(32, 32, 1)]
    public void A_bf16_conv_on_the_cpu_rounds_the_float64_conv_of_its_bf16_operands(int inChannels, int outChannels, int kernel)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(17);
        var x = randn([1, inChannels, 5, 8, 12], ScalarType.Float64, generator: generator).to(ScalarType.BFloat16);
        var weight = (randn([outChannels, inChannels, kernel, kernel, kernel], ScalarType.Float64, generator: generator) / Math.Sqrt(inChannels * kernel * kernel * kernel)).to(ScalarType.BFloat16);
        var bias = randn([outChannels], ScalarType.Float64, generator: generator).to(ScalarType.BFloat16);
        long[] stride = [1, 1, 1];
        long[] padding = [0, kernel / 2, kernel / 2];

        var y = VaeConvolution.Conv3d(x, weight, bias, stride, padding);
        var exact = conv3d(x.to(ScalarType.Float64), weight.to(ScalarType.Float64), bias.to(ScalarType.Float64), stride, padding);

        Assert.Equal(ScalarType.BFloat16, y.dtype);
        var relL2 = (y.to(ScalarType.Float64) - exact).norm().item<double>() / exact.norm().item<double>();
        Assert.True(relL2 < 5e-3, $"{inChannels} -> {outChannels} channels, kernel {kernel}: rel_l2 {relL2:E3} from the float64 conv of the same bf16 operands");
    }
}
