using System.IO.Compression;
using System.Runtime.InteropServices;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Checkpoints;

public sealed class PthFileViewTests
{
    public PthFileViewTests() => TorchRuntime.EnsureLoaded();

    public static TheoryData<CompressionLevel, int> Storage => new()
    {
        { CompressionLevel.NoCompression, 1 << 20 },
        { CompressionLevel.NoCompression, 3 },
        { CompressionLevel.Optimal, 1 << 20 },
        { CompressionLevel.Optimal, 5 },
    };

    [Theory]
    [MemberData(nameof(Storage))]
    public void Tensors_sharing_one_storage_read_their_own_offset_and_strides(CompressionLevel level, int chunkBytes)
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("renamed.pth");
        var pickle = new PickleWriter().Global("collections", "OrderedDict").EmptyTuple().Reduce().Mark()
            .Text("whole").Tensor("FloatStorage", "0", 12, 0, [3, 4], [4, 1])
            .Text("transposed").Tensor("FloatStorage", "0", 12, 0, [4, 3], [1, 4])
            .Text("row").Tensor("FloatStorage", "0", 12, 8, [4], [1])
            .Text("column").Tensor("FloatStorage", "0", 12, 1, [3], [4])
            .Text("corner").Tensor("FloatStorage", "0", 12, 6, [2, 2], [4, 1])
            .Text("half").Tensor("HalfStorage", "1", 3, 0, [3], [1])
            .SetItems().Stop().ToArray();
        TorchSaveArchive.Write(path, "saved_under_another_name", pickle, new Dictionary<string, byte[]>
        {
            ["0"] = MemoryMarshal.AsBytes(Enumerable.Range(0, 12).Select(i => (float)i).ToArray().AsSpan()).ToArray(),
            ["1"] = MemoryMarshal.AsBytes(new[] { (Half)0.5, (Half)(-2), (Half)1024 }.AsSpan()).ToArray(),
        }, level);

        using var pth = PthFile.Open(path, chunkBytes);

        Assert.Equal(["whole", "transposed", "row", "column", "corner", "half"], pth.Names);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (float)i), Values(pth, "whole"));
        Assert.Equal([0f, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11], Values(pth, "transposed"));
        Assert.Equal([8f, 9, 10, 11], Values(pth, "row"));
        Assert.Equal([1f, 5, 9], Values(pth, "column"));
        Assert.Equal([6f, 7, 10, 11], Values(pth, "corner"));
        Assert.Equal([0.5f, -2, 1024], Values(pth, "half"));
        Assert.Equal(ScalarType.Float16, pth.Info("half").Type);
        Assert.Equal(new long[] { 4, 3 }, pth.Info("transposed").Shape);
    }

    [Fact]
    public void Nested_dicts_are_flattened_with_dotted_names_and_plain_values_are_skipped()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("nested.pth");
        var pickle = new PickleWriter().EmptyDict().Mark()
            .Text("epoch").Number(3)
            .Text("model").EmptyDict().Mark().Text("net.w").Tensor("FloatStorage", "0", 2, 0, [2], [1]).SetItems()
            .SetItems().Stop().ToArray();
        TorchSaveArchive.Write(path, "nested", pickle, new Dictionary<string, byte[]> { ["0"] = MemoryMarshal.AsBytes(new[] { 1.5f, -1f }.AsSpan()).ToArray() });

        using var pth = PthFile.Open(path);

        Assert.Equal(["model.net.w"], pth.Names);
        Assert.Equal([1.5f, -1f], Values(pth, "model.net.w"));
    }

    [Fact]
    public void Parameters_are_read_as_their_tensors()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("parameter.pth");
        var pickle = new PickleWriter().EmptyDict().Mark()
            .Text("p").Global("torch._utils", "_rebuild_parameter").Mark()
            .Tensor("FloatStorage", "0", 2, 0, [2], [1]).Op(0x88).Global("collections", "OrderedDict").EmptyTuple().Reduce()
            .Tuple().Reduce()
            .SetItems().Stop().ToArray();
        TorchSaveArchive.Write(path, "parameter", pickle, new Dictionary<string, byte[]> { ["0"] = MemoryMarshal.AsBytes<float>([0.25f, 4f]).ToArray() });

        using var pth = PthFile.Open(path);

        Assert.Equal(["p"], pth.Names);
        Assert.Equal([0.25f, 4f], Values(pth, "p"));
    }

    [Fact]
    public void Archives_with_zip64_sizes_and_offsets_are_read()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("zip64.pth");
        var pickle = new PickleWriter().EmptyDict().Mark().Text("w").Tensor("BFloat16Storage", "0", 2, 0, [2], [1]).SetItems().Stop().ToArray();
        Zip64Archive.Write(path, [new("zip64/data.pkl", pickle), new("zip64/data/0", [0x80, 0x3f, 0x00, 0xc0])]);

        using var pth = PthFile.Open(path);

        Assert.Equal([1f, -2f], Values(pth, "w"));
    }

    private static float[] Values(PthFile pth, string name)
    {
        using var tensor = pth.Load(name, ScalarType.Float32);
        return tensor.data<float>().ToArray();
    }
}
