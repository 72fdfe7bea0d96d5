using System.Text.Json;

namespace TurboDiffusion.Cli.Tests.Commands;

public sealed class BenchDitCommandTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("bench-dit-").FullName;

    [Fact]
    public void Times_the_tiny_model_prints_a_table_and_writes_json()
    {
        var json = Path.Combine(directory, "dit.json");

        var (exitCode, output) = CliHarness.Run("bench", "dit", "--model", "tiny", "--frames", "5", "--warmup", "1", "--iterations", "2", "--json", json);

        Assert.Equal(0, exitCode);
        Assert.Contains("tiny  | cpu    | 832x480x5 | 3,120", output);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var result = Assert.Single(document.RootElement.GetProperty("Results").EnumerateArray());
        Assert.Equal(3120, result.GetProperty("Tokens").GetInt64());
        Assert.Equal(2, result.GetProperty("Iterations").GetInt32());
        Assert.True(result.GetProperty("MedianMs").GetDouble() > 0);
        Assert.InRange(result.GetProperty("MedianMs").GetDouble(), result.GetProperty("MinMs").GetDouble(), result.GetProperty("MaxMs").GetDouble());
    }

    [Fact]
    public void Linears_bf16_and_int8_time_two_cases_the_int8_one_at_w8a8()
    {
        var json = Path.Combine(directory, "linears.json");

        var (exitCode, output) = CliHarness.Run("bench", "dit", "--model", "tiny", "--frames", "1", "--linears", "bf16", "int8", "--warmup", "0", "--iterations", "1", "--json", json);

        Assert.Equal(0, exitCode);
        Assert.Contains("bf16 linears", output);
        Assert.Contains("int8 linears", output);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(["fp32", "w8a8"], document.RootElement.GetProperty("Results").EnumerateArray().Select(r => r.GetProperty("Precision").GetString()));
    }

    [Fact]
    public void Fused_on_and_off_time_two_cases_and_a_cpu_run_reports_the_reference_glue_for_both()
    {
        var json = Path.Combine(directory, "fused.json");

        var (exitCode, output) = CliHarness.Run("bench", "dit", "--model", "tiny", "--frames", "1", "--fused", "on", "off", "--warmup", "0", "--iterations", "1", "--json", json);

        Assert.Equal(0, exitCode);
        Assert.Contains("fused on", output);
        Assert.Contains("fused off", output);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        var results = document.RootElement.GetProperty("Results").EnumerateArray().ToList();
        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.Equal("reference", r.GetProperty("Elementwise").GetString()));
    }

    [Theory]
    [InlineData("--frames", "80", "--frames must be 4k+1")]
    [InlineData("--fused", "maybe", "maybe")]
    [InlineData("--model", "7B", "7B")]
    [InlineData("--resolution", "1080p", "1080p")]
    public void Rejects_bad_options_naming_them(string option, string value, string expected)
    {
        var (exitCode, output) = CliHarness.Run("bench", "dit", option, value);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(expected, output);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
