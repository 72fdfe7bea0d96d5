using TorchSharp;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Wan;

public sealed class WanModelTests(ITestOutputHelper output)
{
    private const string Float64Tolerance = "float64 implementation vs out_fp64";
    private const string Float32Tolerance = "float32 implementation vs out_fp64";
    private const string Bf16Tolerance = "bf16 GPU implementation vs out_fp64";
    private const string IntermediatesTolerance = "intermediates (float32 copies of float64 values; rope_angles float64)";

    [Fact]
    public void Dit_t2v_tiny_in_float64_matches_out_fp64()
    {
        using var fixture = WanFixture.T2V();

        using var velocity = Run(fixture, WanPrecision.Fp64);

        Check(velocity, fixture.OutFp64, fixture.Golden.Tolerance(Float64Tolerance), "dit_t2v_tiny fp64 vs out_fp64");
    }

    [Fact]
    public void Dit_t2v_tiny_in_float32_matches_out_fp64()
    {
        using var fixture = WanFixture.T2V();

        using var velocity = Run(fixture, WanPrecision.Fp32);

        Check(velocity, fixture.OutFp64, fixture.Golden.Tolerance(Float32Tolerance), "dit_t2v_tiny fp32 vs out_fp64");
    }

    [Fact]
    public void Dit_i2v_tiny_in_float64_matches_out_fp64()
    {
        using var fixture = WanFixture.I2V();

        using var velocity = Run(fixture, WanPrecision.Fp64);

        Check(velocity, fixture.OutFp64, fixture.Golden.Tolerance(Float64Tolerance), "dit_i2v_tiny fp64 vs out_fp64");
    }

    [Fact]
    public void Dit_i2v_tiny_in_float32_matches_out_fp64()
    {
        using var fixture = WanFixture.I2V();

        using var velocity = Run(fixture, WanPrecision.Fp32);

        Check(velocity, fixture.OutFp64, fixture.Golden.Tolerance(Float32Tolerance), "dit_i2v_tiny fp32 vs out_fp64");
    }

    [Fact]
    public void Dit_t2v_tiny_in_bf16_on_the_cpu_matches_out_fp64()
    {
        using var fixture = WanFixture.T2V();
        using var model = fixture.Load(WanPrecision.Bf16);
        using var x = fixture.X.to(ScalarType.BFloat16);
        using var prompt = fixture.Context.to(ScalarType.BFloat16);

        using var context = model.PrepareContext(prompt);
        using var velocity = model.Forward(x, fixture.Timestep, context);

        Assert.Equal(ScalarType.Float32, velocity.dtype);
        Check(velocity, fixture.OutFp64, fixture.Golden.Tolerance(Bf16Tolerance), "dit_t2v_tiny bf16 CPU vs out_fp64");
    }

    [Theory]
    [InlineData(WanFixture.TextToVideoSet)]
    [InlineData(WanFixture.ImageToVideoSet)]
    public void Every_float64_intermediate_matches_the_reference(string set)
    {
        using var fixture = set == WanFixture.TextToVideoSet ? WanFixture.T2V() : WanFixture.I2V();
        using var model = fixture.Load(WanPrecision.Fp64);
        using var probe = new ForwardProbe();
        model.Hooks = probe;

        using (var context = model.PrepareContext(fixture.Context))
        using (model.Forward(fixture.X, fixture.Timestep, context, fixture.Y))
        {
        }

        var tolerance = fixture.Golden.Tolerance(IntermediatesTolerance);
        Assert.NotEmpty(fixture.IntermediateNames);
        foreach (var name in fixture.IntermediateNames)
        {
            Assert.True(probe.Captured.ContainsKey(name), $"the forward reported no '{name}'");
            Check(probe.Captured[name], fixture.Reference(name), tolerance, $"{set} {name}");
        }
    }

    [Fact]
    public void A_prepared_context_serves_every_step_unchanged()
    {
        using var fixture = WanFixture.T2V();
        using var model = fixture.Load(WanPrecision.Fp32);
        using var context = model.PrepareContext(fixture.Context);
        using var otherStep = fixture.Timestep / 2;

        using var first = model.Forward(fixture.X, fixture.Timestep, context);
        using var between = model.Forward(fixture.X, otherStep, context);
        using var again = model.Forward(fixture.X, fixture.Timestep, context);

        Assert.True(again.equal(first).all().item<bool>(), "a forward changed the prepared keys/values");
        Assert.False(between.allclose(first), "the timestep had no effect");
        Check(again, fixture.OutFp64, fixture.Golden.Tolerance(Float32Tolerance), "reused context fp32 vs out_fp64");
    }

    [Fact]
    public void Forwards_and_prompts_leave_no_tensor_behind()
    {
        using var fixture = WanFixture.I2V();
        using var model = fixture.Load(WanPrecision.Fp32);
        var live = () => DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var before = live();

        using (var context = model.PrepareContext(fixture.Context))
        using (model.Forward(fixture.X, fixture.Timestep, context, fixture.Y))
        {
            // The embedded prompt (each block's keys and values live only while the block runs), and the velocity.
            Assert.Equal(before + 2, live());
        }

        Assert.Equal(before, live());
    }

    [Theory]
    [InlineData(WanFixture.TextToVideoSet)]
    [InlineData(WanFixture.ImageToVideoSet)]
    public void A_feed_forward_run_over_uneven_runs_of_tokens_matches_out_fp64(string set)
    {
        using var fixture = set == WanFixture.TextToVideoSet ? WanFixture.T2V() : WanFixture.I2V();
        using var model = fixture.Load(WanPrecision.Fp64);
        var patch = fixture.Config.PatchSize;
        var tokens = fixture.X.shape[2] / patch.T * (fixture.X.shape[3] / patch.H) * (fixture.X.shape[4] / patch.W);
        // Three runs, the last one shorter.
        model.FeedForwardChunkTokens = tokens / 3 + 1;

        using var velocity = Run(model, fixture);

        Assert.True(model.FeedForwardChunkTokens < tokens, $"{tokens} tokens fit one run of {model.FeedForwardChunkTokens}");
        Check(velocity, fixture.OutFp64, fixture.Golden.Tolerance(Float64Tolerance), $"{set} fp64 with the feed-forward in runs of {model.FeedForwardChunkTokens} vs out_fp64");
    }

    [Fact]
    public void The_live_tensors_of_a_forward_do_not_grow_with_its_depth()
    {
        using var fixture = WanFixture.T2V();
        using var model = fixture.Load(WanPrecision.Fp32);
        var counter = new LiveTensorCounter();
        model.Hooks = counter;

        using (Run(model, fixture))
        {
        }

        Assert.True(fixture.Config.NumLayers >= 2, $"{WanFixture.TextToVideoSet} has {fixture.Config.NumLayers} block; depth needs two");
        Assert.Equal(fixture.Config.NumLayers, counter.AfterBlock.Count);
        Assert.All(counter.AfterBlock, live => Assert.Equal(counter.AfterBlock[0], live));
    }

    [Fact]
    public void Context_of_only_valid_rows_is_zero_padded_and_the_pad_rows_are_attended()
    {
        using var fixture = WanFixture.T2V();
        using var model = fixture.Load(WanPrecision.Fp64);
        var valid = fixture.Golden.Manifest.Size("ctx_valid");
        using var trimmed = fixture.Context.narrow(1, 0, valid);

        using var context = model.PrepareContext(trimmed);
        using var velocity = model.Forward(fixture.X, fixture.Timestep, context);

        Check(velocity, fixture.OutFp64, fixture.Golden.Tolerance(Float64Tolerance), "trimmed context fp64 vs out_fp64");
    }

    private static Tensor Run(WanFixture fixture, WanPrecision precision)
    {
        using var model = fixture.Load(precision);
        return Run(model, fixture);
    }

    private static Tensor Run(WanModel model, WanFixture fixture)
    {
        using var context = model.PrepareContext(fixture.Context);
        return model.Forward(fixture.X, fixture.Timestep, context, fixture.Y);
    }

    private void Check(Tensor actual, Tensor expected, Tolerance tolerance, string what)
    {
        var difference = TensorAssert.Compare(actual, expected);
        output.WriteLine($"{what}: max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
        TensorAssert.Close(actual, expected, tolerance, what);
    }

    /// <summary>Counts the thread's live tensors as each block ends: what a forward holds at that depth.</summary>
    private sealed class LiveTensorCounter : IWanForwardHooks
    {
        public List<long> AfterBlock { get; } = [];

        public void BlockDone(int index, WanBlockOutput output) => AfterBlock.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);

        public void TextEmbedded(Tensor context)
        {
        }

        public void Patchified(Tensor patches)
        {
        }

        public void PatchEmbedded(Tensor tokens)
        {
        }

        public void TimeEmbedded(Tensor sinusoid, Tensor e, Tensor e0)
        {
        }

        public void RopeAngles(Tensor angles)
        {
        }

        public void HeadDone(Tensor output)
        {
        }
    }
}
