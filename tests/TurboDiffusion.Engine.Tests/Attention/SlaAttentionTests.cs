using TorchSharp;
using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Attention;

/// <summary>SLA against the sla_op golden set, both block configurations, in float64, float32 and bf16 on the CPU.</summary>
public sealed class SlaAttentionTests(ITestOutputHelper output)
{
    private const string SelectionTolerance = "selection (lut_sorted)";
    private const string ReferenceTolerance = "float64/float32 implementation vs *_o_s_ref, o_l_ref, o_l_proj_ref";
    private const string Bf16Tolerance = "bf16 implementation vs official *_bf16 tensors";

    [Theory]
    [MemberData(nameof(SlaOpFixture.BlockConfigurations), MemberType = typeof(SlaOpFixture))]
    public void Float64_selection_equals_the_official_and_the_float64_luts(int queryBlock, int keyBlock)
    {
        using var fixture = SlaOpFixture.Open(queryBlock, keyBlock);
        using var attention = fixture.Attention();
        using var q = fixture["q"].to(ScalarType.Float64);
        using var k = fixture["k"].to(ScalarType.Float64);

        using var lut = attention.SelectBlocks(q, k);

        var exact = fixture.Golden.Tolerance(SelectionTolerance);
        Assert.Equal(ScalarType.Int32, lut.dtype);
        TensorAssert.Close(lut, fixture["lut_sorted"], exact, $"{fixture.Configuration} fp64 lut vs official");
        TensorAssert.Close(lut, fixture["lut_sorted_fp64"], exact, $"{fixture.Configuration} fp64 lut vs float64 reference");
    }

    public static TheoryData<int, int, ScalarType> BlockConfigurationsInFloat64AndFloat32() =>
        [.. SlaOpFixture.Configurations().SelectMany(o => new[] { ScalarType.Float64, ScalarType.Float32 }.Select(type => (o.QueryBlock, o.KeyBlock, type)))];

    [Theory]
    [MemberData(nameof(BlockConfigurationsInFloat64AndFloat32))]
    public void Branches_and_output_match_the_float64_reference(int queryBlock, int keyBlock, ScalarType type)
    {
        using var fixture = SlaOpFixture.Open(queryBlock, keyBlock);
        using var attention = fixture.Attention();
        using var q = fixture["q"].to(type);
        using var k = fixture["k"].to(type);
        using var v = fixture["v"].to(type);
        using var expected = fixture["o_s_ref"].to(ScalarType.Float64) + fixture["o_l_proj_ref"].to(ScalarType.Float64);

        using var parts = attention.ForwardParts(q, k, v);

        var tolerance = fixture.Golden.Tolerance(ReferenceTolerance);
        var what = $"{fixture.Configuration} {type}";
        TensorAssert.Close(parts.Lut, fixture["lut_sorted"], fixture.Golden.Tolerance(SelectionTolerance), $"{what} lut");
        Check(parts.Sparse, fixture["o_s_ref"], tolerance, $"{what} o_s");
        Check(parts.Linear, fixture["o_l_ref"], tolerance, $"{what} o_l");
        Check(parts.ProjectedLinear, fixture["o_l_proj_ref"], tolerance, $"{what} o_l_proj");
        Check(parts.Output, expected, tolerance, $"{what} o vs o_s_ref + o_l_proj_ref");
        Assert.Equal(type, parts.Output.dtype);
    }

    [Theory]
    [MemberData(nameof(SlaOpFixture.BlockConfigurations), MemberType = typeof(SlaOpFixture))]
    public void Bf16_matches_the_official_bf16_tensors(int queryBlock, int keyBlock)
    {
        using var fixture = SlaOpFixture.Open(queryBlock, keyBlock);
        using var attention = fixture.Attention();
        var (q, k, v) = (fixture["q"], fixture["k"], fixture["v"]);
        using var scores = SlaBlockSelection.Scores(q, k, fixture.Options);

        using var parts = attention.ForwardParts(q, k, v);

        var tolerance = fixture.Golden.Tolerance(Bf16Tolerance);
        var what = $"{fixture.Configuration} bf16";
        Assert.Equal(ScalarType.BFloat16, parts.Output.dtype);
        TensorAssert.Close(parts.Lut, fixture["lut_sorted"], fixture.Golden.Tolerance(SelectionTolerance), $"{what} lut");
        Check(scores, fixture["scores_bf16"], tolerance, $"{what} scores");
        Check(parts.Sparse, fixture["o_s_bf16"], tolerance, $"{what} o_s");
        Check(parts.Linear, fixture["o_l_bf16"], tolerance, $"{what} o_l");
        Check(parts.ProjectedLinear, fixture["o_l_proj_bf16"], tolerance, $"{what} o_l_proj");
        Check(parts.Output, fixture["o_bf16"], tolerance, $"{what} o");
    }

    [Fact]
    public void Forward_returns_the_output_of_the_parts_and_leaves_no_tensor_behind()
    {
        using var fixture = SlaOpFixture.OpenFirst();
        using var attention = fixture.Attention();
        var (q, k, v) = (fixture["q"], fixture["k"], fixture["v"]);
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        using (var o = attention.Forward(q, k, v))
        using (var parts = attention.ForwardParts(q, k, v))
        {
            TensorAssert.Identical(o, parts.Output, "Forward vs ForwardParts");
        }

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    private void Check(Tensor actual, Tensor expected, Tolerance tolerance, string what)
    {
        var difference = TensorAssert.Close(actual, expected, tolerance, what);
        output.WriteLine($"{what}: max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
    }
}
