using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Attention;

public sealed class NativeSlaSparseBranchTests
{
    [Fact]
    public void The_native_branch_refuses_cpu_tensors_naming_dtype_and_device()
    {
        TorchRuntime.EnsureLoaded();
        using var q = zeros([1, 64, 1, 128], ScalarType.BFloat16);
        using var lut = zeros([1, 1, 1, 1], ScalarType.Int32);

        var error = Assert.Throws<ArgumentException>(() => NativeSlaSparseBranch.Instance.Forward(q, q, q, lut, SlaOptions.Default));

        Assert.Contains("bf16 CUDA", error.Message);
        Assert.Contains("cpu", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Without_the_library_the_status_says_where_it_looked_and_that_the_reference_runs()
    {
        TorchRuntime.EnsureLoaded();

        Assert.False(NativeKernels.Available);
        Assert.Contains(NativeKernelLibrary.FileName, NativeKernels.Status);
        Assert.Contains("reference", NativeKernels.Status);
    }
}
