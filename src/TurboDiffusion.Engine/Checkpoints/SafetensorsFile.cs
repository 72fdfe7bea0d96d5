using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints;

/// <summary>One tensor's entry in a safetensors header.</summary>
/// <param name="Begin">Absolute file offset of the first byte.</param>
public sealed record SafetensorsEntry(string Name, string DType, ScalarType Type, long[] Shape, long Begin, long Length);

/// <summary>
/// Reads a <c>.safetensors</c> file: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw little-endian data. Tensors are read on demand
/// straight into their storage (no intermediate managed copy), in chunks, so tensors over 2 GiB work.
/// </summary>
public sealed class SafetensorsFile : ITensorReader
{
    private const long MaxHeaderBytes = 100L << 20;

    private readonly SafeFileHandle handle;
    private readonly int chunkBytes;

    private SafetensorsFile(string path, SafeFileHandle handle, int chunkBytes, Dictionary<string, SafetensorsEntry> entries, Dictionary<string, string> metadata)
    {
        Path = path;
        this.handle = handle;
        this.chunkBytes = chunkBytes;
        Entries = entries;
        Metadata = metadata;
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, SafetensorsEntry> Entries { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public IReadOnlyCollection<string> Names => (IReadOnlyCollection<string>)Entries.Keys;

    public bool Contains(string name) => Entries.ContainsKey(name);

    public TensorInfo Info(string name)
    {
        var entry = Entry(name);
        return new TensorInfo(entry.Name, entry.Type, entry.Shape);
    }

    public static SafetensorsFile Open(string path) => Open(path, ChunkedFileIO.DefaultChunkBytes);

    /// <param name="chunkBytes">Largest single read; small values let tests cover the multi-chunk path of huge tensors.</param>
    internal static SafetensorsFile Open(string path, int chunkBytes)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointException(path, null, "file not found");
        }

        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            var (entries, metadata) = ReadHeader(path, handle);
            return new SafetensorsFile(path, handle, chunkBytes, entries, metadata);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public SafetensorsEntry Entry(string name) =>
        Entries.TryGetValue(name, out var entry)
            ? entry
            : throw new CheckpointException(Path, name, $"not in this file ({Entries.Count} tensors; e.g. {string.Join(", ", Entries.Keys.Take(5))})");

    public Tensor Load(string name, ScalarType? type = null, Device? device = null)
    {
        var entry = Entry(name);
        using var scope = NewDisposeScope();
        var host = empty(entry.Shape, entry.Type);
        ReadInto(entry, host);
        var result = device is not null && device.type != DeviceType.CPU ? host.to(device) : host;
        if (type is { } target && target != entry.Type)
        {
            result = result.to(target);
        }

        return result.MoveToOuterDisposeScope();
    }

    public void Dispose() => handle.Dispose();

    private void ReadInto(SafetensorsEntry entry, Tensor host)
    {
        var read = ChunkedFileIO.Read(handle, entry.Begin, TensorMemory.DataPointer(host), entry.Length, chunkBytes);
        if (read != entry.Length)
        {
            throw new CheckpointException(Path, entry.Name, $"file ended after {read} of {entry.Length} bytes (truncated)");
        }
    }

    private static (Dictionary<string, SafetensorsEntry>, Dictionary<string, string>) ReadHeader(string path, SafeFileHandle handle)
    {
        var fileLength = RandomAccess.GetLength(handle);
        Span<byte> prefix = stackalloc byte[8];
        if (fileLength < 8 || RandomAccess.Read(handle, prefix, 0) != 8)
        {
            throw new CheckpointException(path, null, $"file is {fileLength} bytes, too short for a safetensors header (truncated?)");
        }

        var headerLength = BinaryPrimitives.ReadInt64LittleEndian(prefix);
        if (headerLength <= 0 || headerLength > MaxHeaderBytes || 8 + headerLength > fileLength)
        {
            throw new CheckpointException(path, null, $"header claims {headerLength} bytes but the file has {fileLength - 8} after the length prefix (truncated or not safetensors)");
        }

        var header = new byte[headerLength];
        RandomAccess.Read(handle, header, 8);
        var dataStart = 8 + headerLength;
        var entries = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new CheckpointException(path, null, $"header is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    foreach (var item in property.Value.EnumerateObject())
                    {
                        metadata[item.Name] = item.Value.ToString();
                    }

                    continue;
                }

                var entry = ParseEntry(path, property, dataStart, fileLength);
                if (!entries.TryAdd(entry.Name, entry))
                {
                    throw new CheckpointException(path, entry.Name, "the header lists this tensor twice");
                }
            }
        }

        RequireTiledData(path, entries.Values, dataStart, fileLength);
        return (entries, metadata);
    }

    /// <summary>
    /// As the safetensors format requires, the tensors' byte ranges, in offset order, cover the data section exactly:
    /// overlapping ranges would let several tensors (or a huge one) be read from the same few bytes, and a gap or a
    /// tail of bytes no tensor owns is not a file any safetensors writer produces.
    /// </summary>
    private static void RequireTiledData(string path, IEnumerable<SafetensorsEntry> entries, long dataStart, long fileLength)
    {
        var end = dataStart;
        SafetensorsEntry? previous = null;
        foreach (var entry in entries.OrderBy(e => e.Begin).ThenBy(e => e.Length))
        {
            if (entry.Begin < end)
            {
                throw new CheckpointException(path, entry.Name,
                    $"data_offsets [{entry.Begin - dataStart}, {entry.Begin - dataStart + entry.Length}] overlap tensor '{previous!.Name}' (ending at {end - dataStart})");
            }

            if (entry.Begin > end)
            {
                throw new CheckpointException(path, entry.Name,
                    $"data_offsets [{entry.Begin - dataStart}, {entry.Begin - dataStart + entry.Length}] leave bytes {end - dataStart}..{entry.Begin - dataStart} of the data section unused; tensors must follow one another without gaps");
            }

            end = entry.Begin + entry.Length;
            previous = entry;
        }

        if (end != fileLength)
        {
            throw new CheckpointException(path, previous?.Name,
                $"the data section has {fileLength - dataStart} bytes but its tensors cover {end - dataStart}; a safetensors file holds no bytes beyond its last tensor");
        }
    }

    private static SafetensorsEntry ParseEntry(string path, JsonProperty property, long dataStart, long fileLength)
    {
        var name = property.Name;
        try
        {
            var dtype = property.Value.GetProperty("dtype").GetString() ?? "";
            var shape = property.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            if (!TensorDType.TryFromSafetensors(dtype, out var type, out var size))
            {
                throw new CheckpointException(path, name, $"unsupported dtype '{dtype}'");
            }

            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || shape.Any(d => d < 0))
            {
                throw new CheckpointException(path, name, $"malformed entry: shape [{string.Join(", ", shape)}], data_offsets [{string.Join(", ", offsets)}]");
            }

            if (offsets[1] > fileLength - dataStart)
            {
                throw new CheckpointException(path, name, $"data_offsets [{offsets[0]}, {offsets[1]}] reach past the data section's {fileLength - dataStart} bytes (truncated or corrupt)");
            }

            var expected = checked(shape.Aggregate(1L, (a, d) => checked(a * d)) * size);
            if (offsets[1] - offsets[0] != expected)
            {
                throw new CheckpointException(path, name, $"{dtype} [{string.Join(", ", shape)}] needs {expected} bytes but data_offsets span {offsets[1] - offsets[0]}");
            }

            return new SafetensorsEntry(name, dtype, type, shape, dataStart + offsets[0], expected);
        }
        catch (OverflowException e)
        {
            throw new CheckpointException(path, name, "its shape's byte size overflows 64-bit sizes (corrupt or hostile header)", e);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new CheckpointException(path, name, $"malformed header entry ({e.Message})", e);
        }
    }
}
