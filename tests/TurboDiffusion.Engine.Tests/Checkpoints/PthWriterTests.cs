using System.IO.Compression;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Checkpoints.Pth;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Checkpoints;

public sealed class PthWriterTests
{
    public PthWriterTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Written_tensors_read_back_with_their_names_dtypes_shapes_and_values()
    {
        using var scratch = new ScratchDirectory();
        using var scope = NewDisposeScope();
        using var generator = new Generator(seed: 5);
        var tensors = new Dictionary<string, Tensor>
        {
            ["blocks.0.ffn.0.int8_weight"] = randint(-128, 128, [300, 130], ScalarType.Int8, generator: generator),
            ["blocks.0.ffn.0.scale"] = rand([3, 2], generator: generator),
            ["blocks.0.ffn.0.bias"] = randn([300], generator: generator).to(ScalarType.BFloat16),
            ["head.modulation"] = randn([1, 2, 7], ScalarType.Float64, generator: generator),
            ["step"] = tensor(1234567890123L),
            ["empty"] = zeros([0, 4], ScalarType.Float16),
        };
        var path = scratch.File("model.pth");

        using (var writer = PthWriter.Create(path, [.. tensors.Select(t => new TensorInfo(t.Key, t.Value.dtype, t.Value.shape))]))
        {
            foreach (var tensor in tensors.Values)
            {
                writer.Append(tensor);
            }

            writer.Complete();
        }

        using var file = PthFile.Open(path);
        Assert.Equal(tensors.Keys, file.Names);
        foreach (var (name, expected) in tensors)
        {
            var loaded = file.Load(name);
            Assert.Equal(expected.dtype, loaded.dtype);
            TensorAssert.Identical(loaded, expected, name);
        }
    }

    [Fact]
    public void The_archive_has_torch_saves_members_under_the_file_stem_with_data_64_byte_aligned()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("turbo-quant.pth");
        using var weight = ones([5, 3], ScalarType.BFloat16);
        using var bias = ones([5], ScalarType.BFloat16);

        using (var writer = PthWriter.Create(path, [new TensorInfo("w", weight.dtype, weight.shape), new TensorInfo("b", bias.dtype, bias.shape)]))
        {
            writer.Append(weight);
            writer.Append(bias);
            writer.Complete();
        }

        using (var zip = ZipFile.OpenRead(path))
        {
            Assert.Equal(
                ["data.pkl", ".format_version", ".storage_alignment", "byteorder", "data/0", "data/1", "version", ".data/serialization_id"],
                zip.Entries.Select(e => e.FullName["turbo-quant/".Length..]));
            Assert.All(zip.Entries, e => Assert.Equal(e.Length, e.CompressedLength));
            Assert.Equal("little", new StreamReader(zip.GetEntry("turbo-quant/byteorder")!.Open()).ReadToEnd());
            Assert.Equal("64", new StreamReader(zip.GetEntry("turbo-quant/.storage_alignment")!.Open()).ReadToEnd());
        }

        using var handle = File.OpenHandle(path);
        var catalog = ZipCatalog.Read(path, handle);
        Assert.All(catalog.Members.Values, m => Assert.Equal(0, catalog.DataOffset(m) % StoredZipWriter.DataAlignment));
    }

    [Fact]
    public void Zip_crcs_verify_as_a_zip_reader_checks_them()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("crc.pth");
        using var values = arange(0, 100_000, ScalarType.Float32);

        using (var writer = PthWriter.Create(path, [new TensorInfo("values", values.dtype, values.shape)]))
        {
            writer.Append(values);
            writer.Complete();
        }

        using var zip = ZipFile.OpenRead(path);
        foreach (var entry in zip.Entries)
        {
            using var stream = entry.Open();
            stream.CopyTo(Stream.Null);
        }
    }

    [Fact]
    public void A_tensor_other_than_the_listed_one_is_refused_naming_it()
    {
        using var scratch = new ScratchDirectory();
        using var wrong = zeros([2, 2], ScalarType.Float32);
        using var writer = PthWriter.Create(scratch.File("x.pth"), [new TensorInfo("blocks.0.q.scale", ScalarType.Float32, [2, 3])]);

        var error = Assert.Throws<ArgumentException>(() => writer.Append(wrong));

        Assert.Contains("blocks.0.q.scale", error.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 3]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unfinished_archive_never_appears_and_leaves_nothing_behind()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("partial.pth");
        using var first = zeros([4], ScalarType.Float32);

        using (var writer = PthWriter.Create(path, [new TensorInfo("a", ScalarType.Float32, [4]), new TensorInfo("b", ScalarType.Float32, [4])]))
        {
            writer.Append(first);
            Assert.Throws<InvalidOperationException>(() => writer.Complete());
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(scratch.Path));
    }

    [Fact]
    public void Complete_keeps_an_existing_file_unless_told_to_overwrite()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("kept.pth");
        File.WriteAllText(path, "precious");
        using var value = zeros([1], ScalarType.Float32);

        using (var writer = PthWriter.Create(path, [new TensorInfo("a", ScalarType.Float32, [1])]))
        {
            writer.Append(value);
            Assert.Throws<IOException>(() => writer.Complete());
        }

        Assert.Equal("precious", File.ReadAllText(path));
        Assert.Single(Directory.EnumerateFileSystemEntries(scratch.Path));
    }
}
