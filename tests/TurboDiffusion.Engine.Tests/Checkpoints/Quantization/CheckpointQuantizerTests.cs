using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Checkpoints.Quantization;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Tests.Fixtures;
using TurboDiffusion.Engine.Tests.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Checkpoints.Quantization;

/// <summary><c>turbo quantize</c>'s conversion against the official <c>-quant</c> file of dit_t2v_tiny.</summary>
public sealed class CheckpointQuantizerTests(ITestOutputHelper output)
{
    private const string Set = "dit_t2v_tiny";
    private const string W8A8Tolerance = "W8A8 implementation vs out_w8a8_gpu or out_w8a8_sim_fp64";
    private const string Int8Suffix = ".int8_weight";
    private const string ScaleSuffix = ".scale";

    [Fact]
    public void Quantizing_turbo_pth_reproduces_every_tensor_of_turbo_quant_pth_bit_for_bit()
    {
        var fixture = GoldenFixture.Open(Set);
        using var scratch = new ScratchDirectory();
        var quantized = scratch.File("turbo-quant.pth");

        var summary = Quantize(fixture.PathOf("turbo.pth"), quantized);

        var recorded = fixture.Manifest.Section("turbo_quant_pth_keys").EnumerateObject().ToList();
        using var official = PthFile.Open(fixture.PathOf("turbo-quant.pth"));
        using var written = PthFile.Open(quantized);
        Assert.Equal(recorded.Select(k => k.Name), written.Names);
        Assert.Equal(recorded.Count(k => k.Name.EndsWith(Int8Suffix, StringComparison.Ordinal)), summary.Int8Layers);
        foreach (var name in official.Names)
        {
            using var scope = NewDisposeScope();
            var (expected, actual) = (official.Load(name), written.Load(name));
            Assert.Equal(expected.dtype, actual.dtype);
            TensorAssert.Identical(actual, expected, name);
        }
    }

    [Fact]
    public void Quantizing_official_wan_safetensors_gives_the_int8_weights_and_scales_of_turbo_quant_pth()
    {
        var fixture = GoldenFixture.Open(Set);
        using var scratch = new ScratchDirectory();
        var quantized = scratch.File("native-quant.pth");

        Quantize(fixture.PathOf("wan_native.safetensors"), quantized);

        using var official = PthFile.Open(fixture.PathOf("turbo-quant.pth"));
        using var written = WanCheckpoint.Open(quantized);
        Assert.Equal(WanCheckpointLayout.TurboQuantized, written.Layout);
        var int8Names = official.Names.Where(n => n.EndsWith(Int8Suffix, StringComparison.Ordinal) || n.EndsWith(ScaleSuffix, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(int8Names);
        foreach (var name in int8Names)
        {
            using var scope = NewDisposeScope();
            TensorAssert.Identical(written.Load(name), official.Load(name), name);
        }
    }

    [Theory]
    [InlineData("out_w8a8_sim_fp64")]
    [InlineData("out_w8a8_gpu")]
    public void The_quantized_checkpoint_loads_as_int8_and_runs_W8A8_within_the_manifest_tolerance(string reference)
    {
        using var fixture = WanFixture.T2V();
        using var scratch = new ScratchDirectory();
        var quantized = scratch.File("turbo-quant.pth");
        Quantize(fixture.Golden.PathOf("turbo.pth"), quantized);
        using var checkpoint = WanCheckpoint.Open(quantized);
        using var outputs = fixture.Golden.Tensors("outputs.safetensors");
        using var expected = outputs.Load(reference);
        using var model = WanModel.Load(checkpoint, fixture.Config, WanPrecision.W8A8);
        using var x = fixture.X.to(ScalarType.BFloat16);
        using var prompt = fixture.Context.to(ScalarType.BFloat16);

        using var context = model.PrepareContext(prompt);
        using var velocity = model.Forward(x, fixture.Timestep, context);

        var difference = TensorAssert.Close(velocity, expected, fixture.Golden.Tolerance(W8A8Tolerance), $"quantized turbo.pth W8A8 vs {reference}");
        output.WriteLine($"max_abs {difference.MaxAbs:E2}, rel_l2 {difference.RelL2:E2}");
    }

    [Fact]
    public void Progress_counts_every_written_tensor_in_order_up_to_the_total_bytes()
    {
        var fixture = GoldenFixture.Open(Set);
        using var scratch = new ScratchDirectory();
        var reports = new List<QuantizeProgress>();

        var summary = Quantize(fixture.PathOf("turbo.pth"), scratch.File("q.pth"), progress: new Recorder(reports));

        using var written = PthFile.Open(scratch.File("q.pth"));
        Assert.Equal(written.Names, reports.Select(r => r.Name));
        Assert.Equal(Enumerable.Range(1, written.Names.Count), reports.Select(r => r.Tensor));
        Assert.All(reports, r => Assert.Equal(written.Names.Count, r.Tensors));
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First.BytesWritten <= p.Second.BytesWritten));
        Assert.Equal(summary.OutputWeightBytes, reports[^1].BytesWritten);
        Assert.Equal(reports[^1].TotalBytes, reports[^1].BytesWritten);
    }

    [Fact]
    public void An_already_quantized_checkpoint_is_refused_naming_the_file()
    {
        var fixture = GoldenFixture.Open(Set);
        using var scratch = new ScratchDirectory();

        var error = Assert.Throws<CheckpointException>(() => Quantize(fixture.PathOf("turbo-quant.pth"), scratch.File("again.pth")));

        Assert.Contains("turbo-quant.pth", error.Message, StringComparison.Ordinal);
        Assert.Contains("already", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(scratch.Path));
    }

    [Fact]
    public void A_truncated_checkpoint_is_refused_naming_the_file()
    {
        var fixture = GoldenFixture.Open(Set);
        using var scratch = new ScratchDirectory();
        var truncated = scratch.File("turbo.pth");
        var bytes = File.ReadAllBytes(fixture.PathOf("turbo.pth"));
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<CheckpointException>(() => Quantize(truncated, scratch.File("out.pth")));

        Assert.Equal(truncated, error.FilePath);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(scratch.File("out.pth")));
    }

    [Fact]
    public void A_file_that_is_no_DiT_is_refused_naming_the_missing_key()
    {
        var fixture = GoldenFixture.Open(Set);
        using var scratch = new ScratchDirectory();

        var error = Assert.Throws<CheckpointException>(() => Quantize(fixture.PathOf("inputs.safetensors"), scratch.File("out.pth")));

        Assert.Contains("inputs.safetensors", error.Message, StringComparison.Ordinal);
        Assert.Equal("patch_embedding.weight", error.Key);
    }

    [Fact]
    public void The_input_is_never_the_output()
    {
        var fixture = GoldenFixture.Open(Set);

        var error = Assert.Throws<ArgumentException>(() => Quantize(fixture.PathOf("turbo.pth"), fixture.PathOf("turbo.pth"), overwrite: true));

        Assert.Contains("input", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_existing_output_is_kept_unless_overwrite_is_asked()
    {
        var fixture = GoldenFixture.Open(Set);
        using var scratch = new ScratchDirectory();
        var existing = scratch.File("out.pth");
        File.WriteAllText(existing, "keep me");

        Assert.Throws<IOException>(() => Quantize(fixture.PathOf("turbo.pth"), existing));
        Assert.Equal("keep me", File.ReadAllText(existing));

        Quantize(fixture.PathOf("turbo.pth"), existing, overwrite: true);
        using var written = WanCheckpoint.Open(existing);
        Assert.Equal(WanCheckpointLayout.TurboQuantized, written.Layout);
        Assert.Single(Directory.EnumerateFileSystemEntries(scratch.Path));
    }

    private static QuantizeSummary Quantize(string input, string output, bool overwrite = false, IProgress<QuantizeProgress>? progress = null) =>
        CheckpointQuantizer.Quantize(input, output, overwrite, progress, TestContext.Current.CancellationToken);

    /// <summary>Reports as they come, on the calling thread (<see cref="Progress{T}"/> would post them).</summary>
    private sealed class Recorder(List<QuantizeProgress> reports) : IProgress<QuantizeProgress>
    {
        public void Report(QuantizeProgress value) => reports.Add(value);
    }
}
