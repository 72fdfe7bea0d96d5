using System.Text;
using TurboDiffusion.Engine.Checkpoints.Pth;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints;

/// <summary>
/// Reads a PyTorch <c>torch.save</c> checkpoint (a zip archive with a protocol-2 pickle) holding a state dict.
/// The pickle goes through a restricted unpickler that builds only dicts and tensor views, never Python
/// objects; tensor data is read on demand straight from the archive into the tensor's storage.
/// Storage device tags ('cuda:0', 'cpu') are ignored: the caller says where each tensor goes.
/// </summary>
public sealed class PthFile : ITensorReader
{
    private const long MaxPickleBytes = 256L << 20;

    private readonly PthArchive archive;
    private readonly Dictionary<string, PthTensor> tensors;

    private PthFile(PthArchive archive, List<KeyValuePair<string, PthTensor>> tensors)
    {
        this.archive = archive;
        this.tensors = new Dictionary<string, PthTensor>(tensors, StringComparer.Ordinal);
        Names = tensors.Select(t => t.Key).ToList();
    }

    public string Path => archive.Path;

    /// <summary>Tensor names in the order the state dict lists them.</summary>
    public IReadOnlyCollection<string> Names { get; }

    public static PthFile Open(string path) => Open(path, ChunkedFileIO.DefaultChunkBytes);

    /// <param name="chunkBytes">Largest single read; small values let tests cover the multi-chunk path of huge tensors.</param>
    internal static PthFile Open(string path, int chunkBytes)
    {
        var archive = PthArchive.Open(path, chunkBytes);
        try
        {
            RequireLittleEndian(archive);
            var pickle = archive.Member("data.pkl")!;
            var bytes = archive.ReadAll(pickle, MaxPickleBytes);
            var root = StateDictUnpickler.Load(path, bytes);
            return new PthFile(archive, PthStateDict.Collect(archive, root, bytes.Length));
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => tensors.ContainsKey(name);

    public TensorInfo Info(string name)
    {
        var tensor = Entry(name);
        return new TensorInfo(name, tensor.Storage.Class.Type, tensor.Shape);
    }

    public Tensor Load(string name, ScalarType? type = null, Device? device = null)
    {
        var tensor = Entry(name);
        using var scope = NewDisposeScope();
        var host = ReadView(tensor);
        var result = device is not null && device.type != DeviceType.CPU ? host.to(device) : host;
        if (type is { } target && target != tensor.Storage.Class.Type)
        {
            result = result.to(target);
        }

        return result.MoveToOuterDisposeScope();
    }

    public void Dispose() => archive.Dispose();

    /// <summary>Blobs hold raw native-order bytes; files from before the <c>byteorder</c> record were all little-endian.</summary>
    private static void RequireLittleEndian(PthArchive archive)
    {
        var order = archive.Member("byteorder") is { } member ? Encoding.ASCII.GetString(archive.ReadAll(member, 16)) : "little";
        if (order != "little")
        {
            throw new CheckpointException(archive.Path, null, $"byteorder is '{order}'; expected 'little'");
        }
    }

    private PthTensor Entry(string name) =>
        tensors.TryGetValue(name, out var tensor)
            ? tensor
            : throw new CheckpointException(Path, name, $"not in this file ({tensors.Count} tensors; e.g. {string.Join(", ", Names.Take(5))})");

    /// <summary>A contiguous view is read straight into the result; any other view reads the storage span it covers, then copies out the strided elements.</summary>
    private Tensor ReadView(PthTensor tensor)
    {
        var type = tensor.Storage.Class.Type;
        var elementBytes = TensorDType.ElementSize(type);
        var blob = archive.Member($"data/{tensor.Storage.Key}")!;
        if (tensor.IsContiguous)
        {
            var result = empty(tensor.Shape, type);
            archive.Read(blob, tensor.Offset * elementBytes, TensorMemory.DataPointer(result), tensor.Numel * elementBytes);
            return result;
        }

        var span = empty(tensor.SpanElements, type);
        archive.Read(blob, tensor.Offset * elementBytes, TensorMemory.DataPointer(span), tensor.SpanElements * elementBytes);
        return span.as_strided(tensor.Shape, tensor.Stride).contiguous();
    }
}
