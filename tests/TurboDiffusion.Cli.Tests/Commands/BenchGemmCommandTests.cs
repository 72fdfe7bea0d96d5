using System.CommandLine;

namespace TurboDiffusion.Cli.Tests.Commands;

public sealed class BenchGemmCommandTests
{
    [Fact]
    public void Without_cuda_and_the_native_kernels_it_says_what_is_missing_and_exits_1()
    {
        var output = new StringWriter();

        var exitCode = TurboCli.Create().Parse(["bench", "gemm"]).Invoke(new InvocationConfiguration { Output = output, Error = output });

        Assert.Equal(1, exitCode);
        Assert.Contains("bench gemm needs a CUDA device and the native kernels", output.ToString());
        Assert.Contains("libturbo_kernels.so", output.ToString());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("3000000000")]
    public void Row_counts_outside_the_kernels_range_are_refused_naming_them(string tokens)
    {
        var result = TurboCli.Create().Parse(["bench", "gemm", "--tokens", "32760", tokens]);

        var error = Assert.Single(result.Errors);
        Assert.Contains("--tokens", error.Message);
        Assert.Contains(tokens, error.Message);
    }
}
