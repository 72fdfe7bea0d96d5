using System.Runtime.InteropServices;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Tests.Fixtures;

namespace TurboDiffusion.Engine.Tests.Checkpoints;

public sealed class PthFileRejectionTests
{
    [Theory]
    [InlineData("posix", "system")]
    [InlineData("os", "system")]
    [InlineData("builtins", "eval")]
    [InlineData("torch", "load")]
    public void A_pickle_calling_an_arbitrary_global_is_refused_and_nothing_runs(string module, string name)
    {
        using var scratch = new ScratchDirectory();
        var marker = scratch.File("pwned");
        var path = scratch.File("evil.pth");
        var pickle = new PickleWriter().Global(module, name).Text($"open('{marker}', 'w')").Op(0x85).Reduce().Stop().ToArray();
        TorchSaveArchive.Write(path, "evil", pickle, new Dictionary<string, byte[]>());

        var error = Assert.Throws<CheckpointException>(() => PthFile.Open(path));

        Assert.Contains($"refusing global '{module}.{name}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("untrusted input", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void A_hostile_global_posing_as_a_storage_class_is_refused()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("evil-storage.pth");
        var pickle = new PickleWriter().EmptyDict().Mark().Text("w").Tensor("FloatStorage", "0", 1, 0, [1], [1]).SetItems().Stop().ToArray();
        var hostile = ReplaceOnce(pickle, "torch\nFloatStorage\n"u8.ToArray(), "subprocess\nPopen\n"u8.ToArray());
        TorchSaveArchive.Write(path, "evil-storage", hostile, new Dictionary<string, byte[]> { ["0"] = new byte[4] });

        var error = Assert.Throws<CheckpointException>(() => PthFile.Open(path));

        Assert.Contains("refusing global 'subprocess.Popen'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { (byte)'i' }, "0x69")]
    [InlineData(new byte[] { (byte)'o' }, "0x6f")]
    [InlineData(new byte[] { 0x93 }, "0x93")]
    public void Opcodes_that_build_arbitrary_objects_are_refused(byte[] opcode, string named)
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("opcode.pth");
        var pickle = new PickleWriter().Text("os").Text("system").Op(opcode).Stop().ToArray();
        TorchSaveArchive.Write(path, "opcode", pickle, new Dictionary<string, byte[]>());

        var error = Assert.Throws<CheckpointException>(() => PthFile.Open(path));

        Assert.Contains($"refusing pickle opcode {named}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Calling_an_allowed_storage_class_is_refused()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("call.pth");
        var pickle = new PickleWriter().Global("torch", "FloatStorage").Number(1_000_000).Op(0x85).Reduce().Stop().ToArray();
        TorchSaveArchive.Write(path, "call", pickle, new Dictionary<string, byte[]>());

        var error = Assert.Throws<CheckpointException>(() => PthFile.Open(path));

        Assert.Contains("refusing to call torch.FloatStorage", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dict_that_contains_itself_fails_cleanly()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("cycle.pth");
        var pickle = new PickleWriter().EmptyDict().Op((byte)'q', 0).Text("self").Op((byte)'h', 0).Op((byte)'s').Stop().ToArray();
        TorchSaveArchive.Write(path, "cycle", pickle, new Dictionary<string, byte[]>());

        var error = Assert.Throws<CheckpointException>(() => PthFile.Open(path));

        Assert.Contains("contains itself", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_checkpoint_is_reported_as_truncated()
    {
        var fixture = GoldenFixture.Open("umt5_tiny");
        using var scratch = new ScratchDirectory();
        var path = scratch.File("umt5.pth");
        var bytes = File.ReadAllBytes(fixture.PathOf("umt5.pth"));
        File.WriteAllBytes(path, bytes[..(bytes.Length * 2 / 3)]);

        var error = Assert.Throws<CheckpointException>(() => PthFile.Open(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_storage_blob_shorter_than_its_tensor_names_file_key_expected_and_found_bytes()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("short.pth");
        var pickle = new PickleWriter().EmptyDict().Mark().Text("blocks.0.w").Tensor("FloatStorage", "0", 4, 0, [2, 2], [2, 1]).SetItems().Stop().ToArray();
        TorchSaveArchive.Write(path, "short", pickle, new Dictionary<string, byte[]> { ["0"] = new byte[10] });

        var error = Assert.Throws<CheckpointException>(() => PthFile.Open(path));

        Assert.Equal("blocks.0.w", error.Key);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("holds 10 bytes; expected 16 (FloatStorage of 4 elements)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_whose_storage_blob_is_missing_names_the_blob()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("no-blob.pth");
        var pickle = new PickleWriter().EmptyDict().Mark().Text("w").Tensor("FloatStorage", "7", 1, 0, [1], [1]).SetItems().Stop().ToArray();
        TorchSaveArchive.Write(path, "no-blob", pickle, new Dictionary<string, byte[]> { ["0"] = new byte[4] });

        var error = Assert.Throws<CheckpointException>(() => PthFile.Open(path));

        Assert.Equal("w", error.Key);
        Assert.Contains("storage blob 'no-blob/data/7' is missing from the archive", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_view_reaching_past_its_storage_is_rejected()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("view.pth");
        var pickle = new PickleWriter().EmptyDict().Mark().Text("w").Tensor("FloatStorage", "0", 4, 2, [2, 2], [2, 1]).SetItems().Stop().ToArray();
        TorchSaveArchive.Write(path, "view", pickle, new Dictionary<string, byte[]> { ["0"] = MemoryMarshal.AsBytes(new float[4].AsSpan()).ToArray() });

        var error = Assert.Throws<CheckpointException>(() => PthFile.Open(path));

        Assert.Equal("w", error.Key);
        Assert.Contains("reaches storage element 5; expected at most 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_big_endian_checkpoint_is_rejected()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("big.pth");
        var pickle = new PickleWriter().EmptyDict().Stop().ToArray();
        TorchSaveArchive.Write(path, "big", pickle, new Dictionary<string, byte[]>(), byteOrder: "big");

        var error = Assert.Throws<CheckpointException>(() => PthFile.Open(path));

        Assert.Contains("byteorder is 'big'; expected 'little'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_view_whose_size_overflows_is_rejected()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("overflow.pth");
        var pickle = new PickleWriter().EmptyDict().Mark().Text("w").Tensor("FloatStorage", "0", 1, 0, [1L << 40, 1L << 40], [1, 1]).SetItems().Stop().ToArray();
        TorchSaveArchive.Write(path, "overflow", pickle, new Dictionary<string, byte[]> { ["0"] = new byte[4] });

        var error = Assert.Throws<CheckpointException>(() => PthFile.Open(path));

        Assert.Equal("w", error.Key);
        Assert.Contains("overflows 64-bit sizes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_pickle_is_reported_as_truncated()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("cut.pth");
        var pickle = new PickleWriter().EmptyDict().Mark().Text("w").Tensor("FloatStorage", "0", 1, 0, [1], [1]).SetItems().Stop().ToArray();
        TorchSaveArchive.Write(path, "cut", pickle[..(pickle.Length / 2)], new Dictionary<string, byte[]> { ["0"] = new byte[4] });

        var error = Assert.Throws<CheckpointException>(() => PthFile.Open(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated pickle", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_key_names_the_file_and_the_key()
    {
        var fixture = GoldenFixture.Open("umt5_tiny");
        var pastTheLastLayer = $"blocks.{fixture.Manifest.Umt5Config().Layers}.attn.q.weight";
        using var pth = PthFile.Open(fixture.PathOf("umt5.pth"));

        var error = Assert.Throws<CheckpointException>(() => pth.Load(pastTheLastLayer));

        Assert.Equal(pastTheLastLayer, error.Key);
        Assert.Contains(fixture.PathOf("umt5.pth"), error.Message, StringComparison.Ordinal);
        Assert.Contains("not in this file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_zip_archive_is_rejected()
    {
        var fixture = GoldenFixture.Open("umt5_tiny");

        var error = Assert.Throws<CheckpointException>(() => PthFile.Open(fixture.PathOf("umt5.safetensors")));

        Assert.Contains("not a zip archive", error.Message, StringComparison.Ordinal);
        Assert.Contains("umt5.safetensors", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zip_without_a_pickle_is_rejected()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("plain.zip");
        using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create))
        {
            zip.CreateEntry("readme.txt");
        }

        var error = Assert.Throws<CheckpointException>(() => PthFile.Open(path));

        Assert.Contains("expected exactly one '<folder>/data.pkl' member", error.Message, StringComparison.Ordinal);
    }

    private static byte[] ReplaceOnce(byte[] source, byte[] find, byte[] replacement)
    {
        var at = source.AsSpan().IndexOf(find);
        Assert.True(at >= 0);
        return [.. source[..at], .. replacement, .. source[(at + find.Length)..]];
    }
}
