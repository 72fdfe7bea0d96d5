using System.Buffers.Binary;
using System.Text;

namespace TurboDiffusion.Engine.Tests.Fixtures;

/// <summary>
/// Writes stored members with every size and offset in ZIP64 extra fields and a ZIP64 end record, as a
/// checkpoint over 4 GiB has them, without writing 4 GiB.
/// </summary>
public static class Zip64Archive
{
    private const uint Saturated = uint.MaxValue;

    public static void Write(string path, IReadOnlyList<KeyValuePair<string, byte[]>> members)
    {
        using var file = new MemoryStream();
        var offsets = new List<long>();
        foreach (var (name, data) in members)
        {
            offsets.Add(file.Position);
            var extra = Extra(data.LongLength, data.LongLength);
            Put(file, 0x04034b50u, (ushort)45, (ushort)0, (ushort)0, 0u, Crc32(data), Saturated, Saturated, (ushort)Encoding.UTF8.GetByteCount(name), (ushort)extra.Length);
            file.Write(Encoding.UTF8.GetBytes(name));
            file.Write(extra);
            file.Write(data);
        }

        var directoryStart = file.Position;
        for (var i = 0; i < members.Count; i++)
        {
            var (name, data) = members[i];
            var extra = Extra(data.LongLength, data.LongLength, offsets[i]);
            Put(file, 0x02014b50u, (ushort)45, (ushort)45, (ushort)0, (ushort)0, 0u, Crc32(data), Saturated, Saturated,
                (ushort)Encoding.UTF8.GetByteCount(name), (ushort)extra.Length, (ushort)0, (ushort)0, (ushort)0, 0u, Saturated);
            file.Write(Encoding.UTF8.GetBytes(name));
            file.Write(extra);
        }

        var directoryEnd = file.Position;
        Put(file, 0x06064b50u, 44L, (ushort)45, (ushort)45, 0u, 0u, (long)members.Count, (long)members.Count, directoryEnd - directoryStart, directoryStart);
        Put(file, 0x07064b50u, 0u, directoryEnd, 1u);
        Put(file, 0x06054b50u, ushort.MaxValue, ushort.MaxValue, ushort.MaxValue, ushort.MaxValue, Saturated, Saturated, (ushort)0);
        File.WriteAllBytes(path, file.ToArray());
    }

    private static byte[] Extra(params long[] values)
    {
        var extra = new byte[4 + (8 * values.Length)];
        BinaryPrimitives.WriteUInt16LittleEndian(extra, 0x0001);
        BinaryPrimitives.WriteUInt16LittleEndian(extra.AsSpan(2), (ushort)(8 * values.Length));
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(extra.AsSpan(4 + (8 * i)), values[i]);
        }

        return extra;
    }

    private static void Put(MemoryStream file, params object[] fields)
    {
        foreach (var field in fields)
        {
            var bytes = field switch
            {
                ushort value => BitConverter.GetBytes(value),
                uint value => BitConverter.GetBytes(value),
                long value => BitConverter.GetBytes(value),
                _ => throw new ArgumentException($"unexpected field type {field.GetType()}", nameof(fields)),
            };
            file.Write(bytes);
        }
    }

    private static uint Crc32(byte[] data)
    {
        var crc = uint.MaxValue;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
