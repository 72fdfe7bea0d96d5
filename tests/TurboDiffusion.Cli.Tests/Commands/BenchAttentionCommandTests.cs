using System.CommandLine;

namespace TurboDiffusion.Cli.Tests.Commands;

public sealed class BenchAttentionCommandTests
{
    [Fact]
    public void Without_cuda_and_the_native_kernels_it_says_what_is_missing_and_exits_1()
    {
        var output = new StringWriter();

        var exitCode = TurboCli.Create().Parse(["bench", "attention"]).Invoke(new InvocationConfiguration { Output = output, Error = output });

        Assert.Equal(1, exitCode);
        Assert.Contains("needs a CUDA device and the native kernels", output.ToString());
        Assert.Contains("libturbo_kernels.so", output.ToString());
    }
}
