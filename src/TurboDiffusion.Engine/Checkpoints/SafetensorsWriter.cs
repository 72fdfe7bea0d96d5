using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints;

/// <summary>
/// Writes a <c>.safetensors</c> file that <see cref="SafetensorsFile"/> and the <c>safetensors</c> package read:
/// an 8-byte little-endian header length, a JSON header padded with spaces so the data starts 8-byte
/// aligned, then each tensor's raw bytes in order. The file appears under its name only once complete.
/// </summary>
public static class SafetensorsWriter
{
    private const string MetadataKey = "__metadata__";

    private sealed record Slot(string Name, Tensor Tensor, string DType, long Begin, long Length);

    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Write(path, tensors, metadata, ChunkedFileIO.DefaultChunkBytes);

    /// <param name="chunkBytes">Largest single write; small values let tests cover the multi-chunk path of huge tensors.</param>
    internal static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata, int chunkBytes)
    {
        var slots = Plan(tensors);
        var header = Header(slots, metadata);
        var dataStart = 8L + header.Length;
        var temporary = Path.Combine(
            Path.GetDirectoryName(Path.GetFullPath(path))!,
            $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var total = dataStart + slots.Sum(s => s.Length);
            using (var file = File.OpenHandle(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, total))
            {
                var prefix = new byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(prefix, header.Length);
                RandomAccess.Write(file, prefix, 0);
                RandomAccess.Write(file, header, 8);
                foreach (var slot in slots)
                {
                    WriteData(file, dataStart + slot.Begin, slot, chunkBytes);
                }
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static List<Slot> Plan(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        var slots = new List<Slot>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        long offset = 0;
        foreach (var (name, tensor) in tensors)
        {
            if (string.IsNullOrEmpty(name) || name == MetadataKey || !names.Add(name))
            {
                throw new ArgumentException($"Tensor name '{name}' is empty, reserved or used twice; safetensors names must be unique.", nameof(tensors));
            }

            var length = tensor.numel() * TensorDType.ElementSize(tensor.dtype);
            slots.Add(new Slot(name, tensor, TensorDType.ToSafetensors(tensor.dtype), offset, length));
            offset += length;
        }

        return slots;
    }

    private static byte[] Header(List<Slot> slots, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            foreach (var slot in slots)
            {
                json.WriteStartObject(slot.Name);
                json.WriteString("dtype", slot.DType);
                json.WriteStartArray("shape");
                foreach (var dimension in slot.Tensor.shape)
                {
                    json.WriteNumberValue(dimension);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(slot.Begin);
                json.WriteNumberValue(slot.Begin + slot.Length);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        // Readers that map the file expect every tensor 8-byte aligned; JSON allows trailing spaces.
        var padding = (int)((8 - (buffer.Length % 8)) % 8);
        buffer.Write(Enumerable.Repeat((byte)' ', padding).ToArray());
        return buffer.ToArray();
    }

    private static void WriteData(SafeFileHandle file, long fileOffset, Slot slot, int chunkBytes)
    {
        using var scope = NewDisposeScope();
        var host = slot.Tensor.cpu().contiguous();
        ChunkedFileIO.Write(file, fileOffset, TensorMemory.DataPointer(host), slot.Length, chunkBytes);
    }
}
