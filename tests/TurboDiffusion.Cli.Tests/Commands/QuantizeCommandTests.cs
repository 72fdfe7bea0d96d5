using TurboDiffusion.Cli.Commands;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Checkpoints.Quantization;

namespace TurboDiffusion.Cli.Tests.Commands;

public sealed class QuantizeCommandTests : IDisposable
{
    private const string Set = "dit_t2v_tiny";

    private readonly string directory = Directory.CreateTempSubdirectory("quantize-").FullName;

    [Fact]
    public void Quantize_writes_a_quant_checkpoint_and_reports_progress_up_to_every_tensor()
    {
        var output = Path.Combine(directory, "turbo-quant.pth");
        var tensors = SharedFixtures.Section(Set, "turbo_quant_pth_keys").EnumerateObject().Count();
        var int8 = SharedFixtures.Section(Set, "turbo_quant_pth_keys").EnumerateObject().Count(k => k.Name.EndsWith(".int8_weight", StringComparison.Ordinal));

        var (exitCode, text) = CliHarness.Run("quantize", SharedFixtures.PathOf(Set, "turbo.pth"), output);

        Assert.Equal(0, exitCode);
        Assert.Contains($"100% tensor {tensors}/{tensors}", text, StringComparison.Ordinal);
        Assert.Contains($"wrote {output}", text, StringComparison.Ordinal);
        Assert.Contains($"{int8} int8 linears, {tensors} tensors", text, StringComparison.Ordinal);
        using var written = WanCheckpoint.Open(output);
        Assert.Equal(WanCheckpointLayout.TurboQuantized, written.Layout);
    }

    [Fact]
    public void An_existing_out_is_kept_without_force_and_replaced_with_it()
    {
        var output = Path.Combine(directory, "exists.pth");
        File.WriteAllText(output, "keep");

        var (refused, text) = CliHarness.Run("quantize", SharedFixtures.PathOf(Set, "turbo.pth"), output);
        var (forced, _) = CliHarness.Run("quantize", SharedFixtures.PathOf(Set, "turbo.pth"), output, "--force");

        Assert.Equal(QuantizeCommand.BadInput, refused);
        Assert.Contains($"error: {output} exists; pass --force", text, StringComparison.Ordinal);
        Assert.Equal(0, forced);
        using var written = WanCheckpoint.Open(output);
        Assert.Equal(WanCheckpointLayout.TurboQuantized, written.Layout);
    }

    [Fact]
    public void A_quant_checkpoint_as_input_exits_with_code_2_naming_the_file()
    {
        var input = SharedFixtures.PathOf(Set, "turbo-quant.pth");

        var (exitCode, text) = CliHarness.Run("quantize", input, Path.Combine(directory, "again.pth"));

        Assert.Equal(QuantizeCommand.BadInput, exitCode);
        Assert.Contains($"error: {input}", text, StringComparison.Ordinal);
        Assert.Contains("already in the -quant layout", text, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(directory));
    }

    [Fact]
    public void A_missing_input_exits_with_code_2_naming_it()
    {
        var input = Path.Combine(directory, "nowhere.pth");

        var (exitCode, text) = CliHarness.Run("quantize", input, Path.Combine(directory, "out.pth"));

        Assert.Equal(QuantizeCommand.BadInput, exitCode);
        Assert.Contains($"error: {input}: file not found", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Milestone_lines_name_the_tensor_count_and_bytes()
    {
        var output = new StringWriter();
        var printer = new QuantizeProgressPrinter(output);

        printer.Report(new QuantizeProgress(1, 4, "a", 1 << 20, 4 << 20));
        printer.Report(new QuantizeProgress(2, 4, "b", 2 << 20, 4 << 20));
        printer.Report(new QuantizeProgress(3, 4, "c", (2 << 20) + 1, 4 << 20));
        printer.Report(new QuantizeProgress(4, 4, "d", 4 << 20, 4 << 20));

        Assert.Equal(
            ["  25% tensor 1/4, 1.0 of 4.0 MiB", "  50% tensor 2/4, 2.0 of 4.0 MiB", "  100% tensor 4/4, 4.0 of 4.0 MiB"],
            output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
