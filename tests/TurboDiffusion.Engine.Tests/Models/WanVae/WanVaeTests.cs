using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.WanVae;

public sealed class WanVaeTests
{
    public WanVaeTests() => TorchRuntime.EnsureLoaded();

    public static TheoryData<VaePrecision, string> Precisions => new()
    {
        { VaePrecision.Fp64, VaeTinyFixture.Float64 },
        { VaePrecision.Fp32, VaeTinyFixture.Float32 },
    };

    [Theory]
    [MemberData(nameof(Precisions))]
    public void Decode_matches_the_reference_before_and_after_the_clamp_within_fixture_tolerance(VaePrecision precision, string toleranceKey)
    {
        using var scope = NewDisposeScope();
        var tolerance = VaeTinyFixture.Tolerance(toleranceKey);
        using var vae = VaeTinyFixture.Load(precision);
        var z = VaeTinyFixture.Input("z");

        var raw = vae.DecodeUnclamped(z, null, null, TestContext.Current.CancellationToken);
        var clamped = vae.Decode(z, cancellationToken: TestContext.Current.CancellationToken);

        var rawDifference = TensorAssert.Close(raw, VaeTinyFixture.Output("decode_raw_fp64"), tolerance, $"{precision} decode before clamp");
        var clampedDifference = TensorAssert.Close(clamped, VaeTinyFixture.Output("decode_clamped_fp64"), tolerance, $"{precision} decode");
        TestContext.Current.TestOutputHelper?.WriteLine($"{precision} decode: raw max_abs {rawDifference.MaxAbs:E3} rel_l2 {rawDifference.RelL2:E3}; clamped max_abs {clampedDifference.MaxAbs:E3} rel_l2 {clampedDifference.RelL2:E3}");
    }

    [Theory]
    [MemberData(nameof(Precisions))]
    public void Encode_matches_the_reference_within_fixture_tolerance(VaePrecision precision, string toleranceKey)
    {
        using var scope = NewDisposeScope();
        var tolerance = VaeTinyFixture.Tolerance(toleranceKey);
        using var vae = VaeTinyFixture.Load(precision);

        var mu = vae.Encode(VaeTinyFixture.Input("video"), cancellationToken: TestContext.Current.CancellationToken);

        var difference = TensorAssert.Close(mu, VaeTinyFixture.Output("encode_mu_fp64"), tolerance, $"{precision} encode");
        TestContext.Current.TestOutputHelper?.WriteLine($"{precision} encode: max_abs {difference.MaxAbs:E3} rel_l2 {difference.RelL2:E3}");
    }
}
