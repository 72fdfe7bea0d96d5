using System.Diagnostics;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Umt5;
using TurboDiffusion.Engine.Tests.Fixtures;
using TurboDiffusion.Engine.Tests.Models.Umt5;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.GpuTests.Models.Umt5;

/// <summary>The umT5 encoder at inference precision on a GPU.</summary>
public sealed class Umt5EncoderCudaTests(ITestOutputHelper output)
{
    [Fact]
    public void Umt5_tiny_in_bf16_on_cuda_matches_out_fp64()
    {
        CudaDevice.Require();
        var fixture = Umt5Fixture.Open();
        using var scope = NewDisposeScope();
        using var reader = PthFile.Open(fixture.Golden.PathOf("umt5.pth"));
        using var encoder = Umt5Encoder.Load(reader, fixture.Config, Umt5Precision.Bf16, CUDA);
        var n = fixture.ValidTokens();

        var encoded = encoder.Forward(fixture.Input("ids").cuda(), fixture.Input("mask").cuda());

        var tolerance = fixture.Golden.Tolerance("bf16 implementation");
        var difference = TensorAssert.Close(encoded[.., ..n], fixture.Output("out_fp64")[.., ..n], tolerance, "umT5 tiny bf16 CUDA, valid rows");
        output.WriteLine($"umT5 tiny bf16 CUDA vs out_fp64 (valid rows): max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
        Assert.Equal(ScalarType.BFloat16, encoded.dtype);
    }

    [Fact]
    public void Umt5_xxl_context_in_bf16_is_finite_and_well_scaled()
    {
        CudaDevice.Require();
        var config = Umt5Config.Xxl;
        using var weights = new RandomUmt5Weights(config, seed: 1, ScalarType.BFloat16, CUDA);
        using var encoder = Umt5Encoder.Load(weights, config, Umt5Precision.Bf16, CUDA);
        var prompt = Enumerable.Range(0, 120).Select(i => 100 + (i * 997 % 250_000)).Append(1).ToList();
        using (encoder.Context(prompt))
        {
            cuda.synchronize();
        }

        var clock = Stopwatch.StartNew();
        using var context = encoder.Context(prompt);
        cuda.synchronize();
        output.WriteLine($"umT5-XXL bf16, {prompt.Count} tokens: {clock.Elapsed.TotalMilliseconds:F1} ms");

        Assert.Equal(new long[] { 1, 512, 4096 }, context.shape);
        Assert.True(context.isfinite().all().item<bool>());
        Assert.InRange(context[.., ..prompt.Count].to(ScalarType.Float32).std().item<float>(), 0.05f, 20f);
        Assert.Equal(0f, context[.., prompt.Count..].abs().max().to(ScalarType.Float32).item<float>());
    }
}
