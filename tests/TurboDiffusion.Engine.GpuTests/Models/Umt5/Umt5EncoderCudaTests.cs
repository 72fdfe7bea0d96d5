using System.Diagnostics;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Umt5;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Text;
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

    [Fact]
    public void An_offloaded_encoder_encodes_on_the_gpu_as_a_resident_one_and_frees_its_copy()
    {
        CudaDevice.Require();
        Assert.True(AllocatorCounters.Available, AllocatorCounters.Status);
        var fixture = Umt5Fixture.Open();
        var tokenizer = Umt5Tokenizer.Load(BuiltInVocabulary.Create(fixture.Config.VocabSize), "built-in vocabulary", fixture.Config.TextLength);
        using var resident = new TextEncoder(tokenizer, Load(fixture, CUDA), "umt5 tiny");
        using var offloaded = new TextEncoder(tokenizer, Load(fixture, CPU), "umt5 tiny", encodeOn: CUDA);
        using var expected = resident.Encode("a red fox running through fresh snow");
        cuda.synchronize();
        var before = AllocatorCounters.Read()!.Value.AllocatedBytes;

        using var context = offloaded.Encode("a red fox running through fresh snow");
        cuda.synchronize();
        var after = AllocatorCounters.Read()!.Value.AllocatedBytes;

        Assert.True(offloaded.Offloaded);
        Assert.Equal(TorchSharp.DeviceType.CPU, offloaded.Encoder.Device.type);
        Assert.Equal(TorchSharp.DeviceType.CUDA, context.device_type);
        Assert.True(context.equal(expected).all().item<bool>(), "the offloaded encode differs from the resident one");
        // What stays is the cached context, not the weights' copy.
        Assert.InRange(after - before, 0, (context.NumberOfElements * context.ElementSize) + (1L << 20));
    }

    private static Umt5Encoder Load(Umt5Fixture fixture, Device device)
    {
        using var reader = PthFile.Open(fixture.Golden.PathOf("umt5.pth"));
        return Umt5Encoder.Load(reader, fixture.Config, Umt5Precision.Bf16, device);
    }
}
