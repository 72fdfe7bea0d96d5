using System.IO.Compression;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Tests.Fixtures;

namespace TurboDiffusion.Engine.Tests.Checkpoints;

/// <summary>Small hostile checkpoints that declare huge sizes are refused at open, before anything of that size is allocated.</summary>
public sealed class PthFileAllocationBoundTests
{
    private const byte Binput = (byte)'q';
    private const byte Binget = (byte)'h';
    private const byte Tuple2 = 0x86;

    // 4 GB of float32 elements, as a 41 KB file could declare.
    private const uint FourGigabytes = 0xF0000000;

    [Theory]
    [InlineData(CompressionLevel.NoCompression, "stored member declares 4026531840 bytes but holds")]
    [InlineData(CompressionLevel.Optimal, "more than deflate's 1032:1 can expand")]
    public void A_storage_blob_declaring_more_bytes_than_the_file_holds_is_refused(CompressionLevel level, string expected)
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("liar.pth");
        var numel = FourGigabytes / 4;
        var pickle = new PickleWriter().EmptyDict().Mark().Text("w").Tensor("FloatStorage", "0", numel, 0, [numel], [1]).SetItems().Stop().ToArray();
        TorchSaveArchive.Write(path, "liar", pickle, new Dictionary<string, byte[]> { ["0"] = new byte[64] }, level);
        ZipDirectoryPatch.DeclareSize(path, "liar/data/0", FourGigabytes);

        var error = OpenWithinTheFilesSize(path);

        Assert.Equal("liar/data/0", error.Key);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CompressionLevel.NoCompression)]
    [InlineData(CompressionLevel.Optimal)]
    public void A_pickle_declaring_more_bytes_than_the_file_holds_is_refused_without_allocating_them(CompressionLevel level)
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("big-pickle.pth");
        var pickle = new PickleWriter().EmptyDict().Stop().ToArray();
        TorchSaveArchive.Write(path, "big-pickle", pickle, new Dictionary<string, byte[]>(), level);
        ZipDirectoryPatch.DeclareSize(path, "big-pickle/data.pkl", 200 << 20);

        var error = OpenWithinTheFilesSize(path);

        Assert.Equal("big-pickle/data.pkl", error.Key);
        Assert.Contains("declares 209715200 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_view_that_repeats_a_small_storage_into_a_huge_tensor_is_refused()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("broadcast.pth");
        var pickle = new PickleWriter().EmptyDict().Mark().Text("w").Tensor("FloatStorage", "0", 1, 0, [1L << 30], [0]).SetItems().Stop().ToArray();
        TorchSaveArchive.Write(path, "broadcast", pickle, new Dictionary<string, byte[]> { ["0"] = new byte[4] });

        var error = OpenWithinTheFilesSize(path);

        Assert.Equal("w", error.Key);
        Assert.Contains("has 1073741824 elements but its storage '0' holds 1; a view larger than its storage is refused", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_shape_shared_through_the_memo_by_many_tensors_is_refused_before_it_is_copied()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("shapes.pth");
        var pickle = new PickleWriter().EmptyDict().Mark();
        for (var i = 0; i < 1000; i++)
        {
            pickle.Text($"t{i}").Global("torch._utils", "_rebuild_tensor_v2").Mark();
            pickle.Mark().Text("storage").Global("torch", "FloatStorage").Text("0").Text("cpu").Number(1).Tuple().PersistentId().Number(0);
            if (i == 0)
            {
                pickle.Numbers(Enumerable.Repeat(1L, 5000).ToArray()).Op(Binput, 0);
            }
            else
            {
                pickle.Op(Binget, 0);
            }

            pickle.Op(Binget, 0).False().Global("collections", "OrderedDict").EmptyTuple().Reduce().Tuple().Reduce();
        }

        TorchSaveArchive.Write(path, "shapes", pickle.SetItems().Stop().ToArray(), new Dictionary<string, byte[]> { ["0"] = new byte[4] });

        var error = OpenWithinTheFilesSize(path);

        Assert.Contains("a tensor size of 5000 dimensions; at most 64 are accepted", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dict_shared_under_many_keys_with_a_long_key_is_refused_before_naming_every_copy()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("fan-out.pth");
        var pickle = new PickleWriter().EmptyDict().Mark()
            .Text("a0").EmptyDict().Op(Binput, 1).Mark().Text(new string('k', 20_000)).Tensor("FloatStorage", "0", 1, 0, [1], [1]).SetItems();
        for (var i = 1; i < 3000; i++)
        {
            pickle.Text($"a{i}").Op(Binget, 1);
        }

        TorchSaveArchive.Write(path, "fan-out", pickle.SetItems().Stop().ToArray(), new Dictionary<string, byte[]> { ["0"] = new byte[4] });

        var error = OpenWithinTheFilesSize(path);

        Assert.Contains("its tensor names need more than", error.Message, StringComparison.Ordinal);
        Assert.Contains("dicts shared under many keys or very long keys", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tuple_nested_exponentially_through_the_memo_is_described_briefly_in_the_refusal()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("nested.pth");
        var pickle = new PickleWriter().Text("x").Tuple1().Op(Binput, 0);
        for (byte level = 1; level <= 20; level++)
        {
            pickle.Op(Binget, (byte)(level - 1)).Op(Binget, (byte)(level - 1)).Op(Tuple2).Op(Binput, level);
        }

        TorchSaveArchive.Write(path, "nested", pickle.PersistentId().Stop().ToArray(), new Dictionary<string, byte[]>());

        var error = OpenWithinTheFilesSize(path);

        Assert.Contains("unsupported persistent id ((((", error.Message, StringComparison.Ordinal);
        Assert.InRange(error.Message.Length, 1, 1000);
    }

    [Fact]
    public void A_string_declaring_2_GB_in_a_small_pickle_is_refused_as_truncated()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("long-string.pth");
        var pickle = new PickleWriter().Op((byte)'X', 0xF0, 0xFF, 0xFF, 0x7F).Op((byte)'.').ToArray();
        TorchSaveArchive.Write(path, "long-string", pickle, new Dictionary<string, byte[]>());

        var error = OpenWithinTheFilesSize(path);

        Assert.Contains("truncated pickle", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_tensors_flattened_to_the_same_name_are_refused_naming_it()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("twice.pth");
        var pickle = new PickleWriter().EmptyDict().Mark()
            .Text("a.b").Tensor("FloatStorage", "0", 1, 0, [1], [1])
            .Text("a").EmptyDict().Mark().Text("b").Tensor("FloatStorage", "0", 1, 0, [1], [1]).SetItems()
            .SetItems().Stop().ToArray();
        TorchSaveArchive.Write(path, "twice", pickle, new Dictionary<string, byte[]> { ["0"] = new byte[4] });

        var error = Assert.Throws<CheckpointException>(() => PthFile.Open(path));

        Assert.Equal("a.b", error.Key);
        Assert.Contains("two tensors have this name", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData((byte)'}')]
    [InlineData((byte)0x85)]
    public void A_pickle_that_builds_an_object_from_every_byte_is_refused_within_a_small_multiple_of_its_size(byte opcode)
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("flood.pth");
        var pickle = new PickleWriter().EmptyDict().Op(Enumerable.Repeat(opcode, 1_000_000).ToArray()).Stop().ToArray();
        TorchSaveArchive.Write(path, "flood", pickle, new Dictionary<string, byte[]>());

        var error = OpenWithinTheFilesSize(path);

        Assert.Contains("builds more objects than 24 bytes per byte of pickle", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Opens a hostile file, which must be refused having allocated no more than a small multiple of its size.</summary>
    private static CheckpointException OpenWithinTheFilesSize(string path)
    {
        var bound = (32 * new FileInfo(path).Length) + (4L << 20);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<CheckpointException>(() => PthFile.Open(path));

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < bound, $"opening {new FileInfo(path).Length} bytes allocated {allocated} (bound {bound}) before: {error.Message[..Math.Min(error.Message.Length, 300)]}");
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        return error;
    }
}
