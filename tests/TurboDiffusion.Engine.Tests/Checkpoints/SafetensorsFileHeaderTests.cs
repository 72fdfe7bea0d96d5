using System.Buffers.Binary;
using System.Text;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Tests.Fixtures;

namespace TurboDiffusion.Engine.Tests.Checkpoints;

/// <summary>Headers whose byte ranges could read one tensor's bytes as another's, or wrap a huge size to a small one, are refused at open, naming the tensor.</summary>
public sealed class SafetensorsFileHeaderTests
{
    public static TheoryData<string, int, string, string> HostileHeaders => new()
    {
        {
            """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}""", 24,
            "b", "data_offsets [8, 24] overlap tensor 'a' (ending at 16)"
        },
        {
            """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}}""", 24,
            "b", "leave bytes 8..16 of the data section unused"
        },
        {
            """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 16,
            "a", "the data section has 16 bytes but its tensors cover 8"
        },
        {
            """{"huge":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}}""", 0,
            "huge", "overflows 64-bit sizes"
        },
        {
            """{"far":{"dtype":"F32","shape":[1],"data_offsets":[9223372036854775800,9223372036854775804]}}""", 8,
            "far", "data_offsets [9223372036854775800, 9223372036854775804] reach past the data section's 8 bytes"
        },
        {
            """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8,
            "a", "the header lists this tensor twice"
        },
    };

    [Theory]
    [MemberData(nameof(HostileHeaders))]
    public void A_header_whose_byte_ranges_do_not_tile_the_data_exactly_is_refused_naming_the_tensor(string header, int dataBytes, string tensor, string expected)
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("hostile.safetensors");
        Write(path, header, dataBytes);

        var error = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path));

        Assert.Equal(tensor, error.Key);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tensors_listed_out_of_offset_order_that_tile_the_data_are_read()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.File("reordered.safetensors");
        Write(path, """{"second":{"dtype":"U8","shape":[2],"data_offsets":[2,4]},"first":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}""", 4);

        using var file = SafetensorsFile.Open(path);

        Assert.Equal(2, file.Entries["second"].Length);
        Assert.Equal(file.Entries["first"].Begin + 2, file.Entries["second"].Begin);
    }

    private static void Write(string path, string header, int dataBytes)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, json.Length);
        json.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
    }
}
