using TorchSharp;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Wan;

public sealed class FusedWanBlockOpsTests
{
    public FusedWanBlockOpsTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void The_fused_ops_refuse_cpu_tensors_naming_dtype_and_device()
    {
        using var x = zeros([1, 4, 16], ScalarType.Float32);
        using var y = zeros([1, 4, 16], ScalarType.BFloat16);

        var error = Assert.Throws<ArgumentException>(() => FusedWanBlockOps.Instance.GatedResidualInPlace(x, y));

        Assert.Contains("Float32 CUDA tensor", error.Message);
        Assert.Contains("cpu", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_reference_layer_norm_modulates_as_the_block_defines_it()
    {
        using var scope = NewDisposeScope();
        var norm = WanLayerNorm.Plain(16, 1e-6, ScalarType.Float64);
        var x = randn([2, 3, 16], ScalarType.Float64);
        var modulation = randn([2, 6, 16], ScalarType.Float64).chunk(6, 1);

        var modulated = ReferenceWanBlockOps.Instance.LayerNormModulate(norm, x, modulation[0], modulation[1]);

        var expected = nn.functional.layer_norm(x, [16], eps: 1e-6) * (1 + modulation[1]) + modulation[0];
        Assert.True(modulated.allclose(expected, rtol: 1e-12, atol: 1e-12));
    }

    [Fact]
    public void The_reference_residual_gates_y_in_the_stream_dtype_in_place_with_the_arithmetic_of_a_new_tensor()
    {
        using var scope = NewDisposeScope();
        var x = randn([2, 3, 16], ScalarType.Float32);
        var y = randn([2, 3, 16], ScalarType.Float32).to(ScalarType.BFloat16);
        var gate = randn([2, 1, 16], ScalarType.Float32);
        var (gated, plain) = (x.clone(), x.clone());

        ReferenceWanBlockOps.Instance.GatedResidualInPlace(gated, y, gate);
        ReferenceWanBlockOps.Instance.GatedResidualInPlace(plain, y);

        Assert.Equal(ScalarType.Float32, gated.dtype);
        TensorAssert.Identical(gated, x + y.to(ScalarType.Float32) * gate, "gated residual");
        TensorAssert.Identical(plain, x + y.to(ScalarType.Float32), "residual");
    }

    [Fact]
    public void An_in_place_residual_on_a_run_of_rows_changes_those_rows_only()
    {
        using var scope = NewDisposeScope();
        var x = randn([1, 6, 16], ScalarType.Float64);
        var y = randn([1, 2, 16], ScalarType.Float64);
        var gate = randn([1, 1, 16], ScalarType.Float64);
        var stream = x.clone();

        ReferenceWanBlockOps.Instance.GatedResidualInPlace(stream.narrow(1, 3, 2), y, gate);

        TensorAssert.Identical(stream.narrow(1, 3, 2), x.narrow(1, 3, 2) + y * gate, "the updated rows");
        TensorAssert.Identical(cat([stream.narrow(1, 0, 3), stream.narrow(1, 5, 1)], 1), cat([x.narrow(1, 0, 3), x.narrow(1, 5, 1)], 1), "the other rows");
    }
}
