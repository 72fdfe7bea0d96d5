using System.Buffers.Binary;
using System.Text.Json;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Checkpoints;

public sealed class SafetensorsWriterTests
{
    public SafetensorsWriterTests() => TorchRuntime.EnsureLoaded();

    public static TheoryData<string> CheckpointDTypes => ["F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2"];

    [Theory]
    [MemberData(nameof(CheckpointDTypes))]
    public void Every_checkpoint_dtype_round_trips_bit_exactly(string dtype)
    {
        using var scratch = new ScratchDirectory();
        Assert.True(TensorDType.TryFromSafetensors(dtype, out var type, out var size));
        using var values = SampleValues(type);
        using var original = values.to(type);
        var path = scratch.File("t.safetensors");

        SafetensorsWriter.Write(path, [new("t", original)]);
        using var file = SafetensorsFile.Open(path);
        using var loaded = file.Load("t");

        Assert.Equal(type, loaded.dtype);
        Assert.Equal(new long[] { 3, 4 }, loaded.shape);
        Assert.Equal(size, TensorDType.ElementSize(loaded.dtype));
        Assert.Equal(RawBytes(original), RawBytes(loaded));
        Assert.Equal(values.data<double>().ToArray(), loaded.to(ScalarType.Float64).data<double>().ToArray());
    }

    [Theory]
    [InlineData("F8_E4M3", 0x38)]
    [InlineData("F8_E5M2", 0x3C)]
    public void Fp8_codes_are_the_formats_their_names_say(string dtype, byte encodedOne)
    {
        Assert.True(TensorDType.TryFromSafetensors(dtype, out var type, out _));

        using var one = ones(1, ScalarType.Float32).to(type);

        Assert.Equal(type, one.dtype);
        Assert.Equal(new[] { encodedOne }, RawBytes(one));
    }

    [Fact]
    public void Header_is_padded_to_eight_bytes_and_carries_the_metadata()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("m.safetensors");
        using var odd = arange(3, ScalarType.Int8);
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "tiny \"quoted\" value" };

        SafetensorsWriter.Write(path, [new("odd_length_name_x", odd)], metadata);

        var bytes = File.ReadAllBytes(path);
        var headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        Assert.Equal(new long[] { 0, 3 }, header.RootElement.GetProperty("odd_length_name_x").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(8 + headerLength + 3, bytes.Length);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(metadata, file.Metadata);
    }

    [Fact]
    public void Tensors_larger_than_a_chunk_are_written_and_read_in_several_chunks()
    {
        using var scratch = new ScratchDirectory();
        using var generator = new Generator(7);
        using var big = randn([37, 29], ScalarType.Float32, generator: generator);
        using var strided = randn([16, 9], ScalarType.BFloat16, generator: generator).t();
        var chunked = scratch.File("chunked.safetensors");
        var whole = scratch.File("whole.safetensors");

        SafetensorsWriter.Write(chunked, [new("big", big), new("strided", strided)], null, chunkBytes: 7);
        SafetensorsWriter.Write(whole, [new("big", big), new("strided", strided)]);
        using var file = SafetensorsFile.Open(chunked, chunkBytes: 5);
        using var loadedBig = file.Load("big");
        using var loadedStrided = file.Load("strided");

        Assert.Equal(File.ReadAllBytes(whole), File.ReadAllBytes(chunked));
        TensorAssert.Identical(loadedBig, big, "big");
        TensorAssert.Identical(loadedStrided, strided, "strided");
    }

    [Fact]
    public void Rewriting_replaces_the_file_and_leaves_no_temporary_behind()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("w.safetensors");
        using var first = zeros(4);
        using var second = ones(2, 2, dtype: ScalarType.Float64);

        SafetensorsWriter.Write(path, [new("a", first)]);
        SafetensorsWriter.Write(path, [new("b", second)]);

        Assert.Equal([path], Directory.GetFiles(scratch.Path));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["b"], file.Names);
        using var loaded = file.Load("b");
        TensorAssert.Identical(loaded, second, "b");
    }

    [Fact]
    public void A_failed_write_keeps_the_previous_file()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("keep.safetensors");
        using var kept = ones(3);
        using var complex = zeros(2, dtype: ScalarType.ComplexFloat32);
        SafetensorsWriter.Write(path, [new("kept", kept)]);
        var before = File.ReadAllBytes(path);

        Assert.Throws<NotSupportedException>(() => SafetensorsWriter.Write(path, [new("kept", kept), new("z", complex)]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [new("kept", kept), new("kept", kept)]));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(scratch.Path));
    }

    [Fact]
    public void A_fixture_checkpoint_survives_a_read_write_read_cycle()
    {
        var fixture = GoldenFixture.Open("vae_tiny");
        using var scratch = new ScratchDirectory();
        var copy = scratch.File("vae.safetensors");
        using var original = fixture.Tensors("vae.safetensors");
        using var scope = NewDisposeScope();

        SafetensorsWriter.Write(copy, original.Names.Select(n => new KeyValuePair<string, Tensor>(n, original.Load(n))));
        using var reread = SafetensorsFile.Open(copy);

        Assert.Equal(original.Names.Order(), reread.Names.Order());
        foreach (var name in original.Names)
        {
            Assert.Equal(original.Info(name).Shape, reread.Info(name).Shape);
            TensorAssert.Identical(reread.Load(name), original.Load(name), name);
        }
    }

    /// <summary>Twelve values every checkpoint dtype represents exactly (fp8 e5m2 has two mantissa bits).</summary>
    private static Tensor SampleValues(ScalarType type)
    {
        double[] values = type switch
        {
            ScalarType.Bool => [0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 0],
            ScalarType.Byte => [0, 1, 2, 3, 7, 12, 48, 96, 128, 200, 254, 255],
            ScalarType.Int8 or ScalarType.Int16 or ScalarType.Int32 or ScalarType.Int64 => [-128, -7, -3, -1, 0, 1, 2, 3, 5, 64, 100, 127],
            _ => [-3.5, -2.5, -1.5, -0.75, -0.25, 0, 0.125, 0.5, 1, 1.75, 3, 3.5],
        };
        return tensor(values, [3, 4], ScalarType.Float64);
    }

    private static byte[] RawBytes(Tensor tensor)
    {
        using var host = tensor.contiguous();
        return TensorMemory.HostBytes(host, 0, (int)(host.numel() * TensorDType.ElementSize(host.dtype))).ToArray();
    }
}
