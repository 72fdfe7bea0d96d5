using System.Security.Cryptography;
using System.Text;
using TurboDiffusion.Engine.Checkpoints.Pth;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints;

/// <summary>
/// Writes a state dict as torch.save does (what <see cref="PthFile"/> and <c>torch.load</c> read), one tensor at a time:
/// the tensors' names, dtypes and shapes are given up front, so the pickle goes first, as torch.save puts it, and each
/// tensor's bytes are then streamed into its <c>data/i</c> member as it is <see cref="Append"/>ed, then released by the
/// caller. The archive has torch.save's members (<c>data.pkl</c>, <c>.format_version</c>, <c>.storage_alignment</c>,
/// <c>byteorder</c>, <c>data/0..</c>, <c>version</c>, <c>.data/serialization_id</c>) under a folder named after the file,
/// data 64-byte aligned. It is written beside the target and appears under its name only once <see cref="Complete"/>.
/// </summary>
public sealed class PthWriter : IDisposable
{
    // Record versions of torch.save's current format (PyTorch 2.x).
    private const string FormatVersion = "1";
    private const string ArchiveVersion = "3\n";
    private const int SerializationIdDigits = 40;
    private const int ChunkBytes = 64 << 20;

    private readonly string path;
    private readonly string temporary;
    private readonly string folder;
    private readonly IReadOnlyList<TensorInfo> tensors;
    private readonly StoredZipWriter zip;
    private bool completed;

    private PthWriter(string path, string temporary, string folder, IReadOnlyList<TensorInfo> tensors, StoredZipWriter zip)
    {
        (this.path, this.temporary, this.folder, this.tensors, this.zip) = (path, temporary, folder, tensors, zip);
        TotalBytes = tensors.Sum(Bytes);
    }

    /// <summary>How many tensors have been written.</summary>
    public int Written { get; private set; }

    /// <summary>Tensor bytes written so far, of <see cref="TotalBytes"/>.</summary>
    public long BytesWritten { get; private set; }

    public long TotalBytes { get; }

    /// <param name="tensors">Every tensor of the state dict, in the order <see cref="Append"/> will give them.</param>
    public static PthWriter Create(string path, IReadOnlyList<TensorInfo> tensors)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var duplicate = tensors.GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"tensor '{duplicate.Key}' is listed {duplicate.Count()} times; a state dict names each tensor once", nameof(tensors));
        }

        var full = Path.GetFullPath(path);
        var temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20);
        var writer = new PthWriter(full, temporary, ArchiveFolder(full), tensors, new StoredZipWriter(file));
        try
        {
            writer.zip.Add(writer.Member("data.pkl"), StateDictPickler.Pickle(tensors));
            writer.zip.Add(writer.Member(".format_version"), Encoding.ASCII.GetBytes(FormatVersion));
            writer.zip.Add(writer.Member(".storage_alignment"), Encoding.ASCII.GetBytes(StoredZipWriter.DataAlignment.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            writer.zip.Add(writer.Member("byteorder"), "little"u8);
            return writer;
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    /// <summary>Writes the next tensor of the list given to <see cref="Create"/>; its dtype and shape must be the listed ones.</summary>
    public void Append(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (Written == tensors.Count)
        {
            throw new InvalidOperationException($"all {tensors.Count} tensors of {path} are written; no more were listed");
        }

        var expected = tensors[Written];
        if (tensor.dtype != expected.Type || !tensor.shape.SequenceEqual(expected.Shape))
        {
            throw new ArgumentException(
                $"{path}, tensor '{expected.Name}': listed as {TensorDType.Describe(expected.Type)} [{string.Join(", ", expected.Shape)}], given {TensorDType.Describe(tensor.dtype)} [{string.Join(", ", tensor.shape)}]",
                nameof(tensor));
        }

        using var scope = NewDisposeScope();
        var host = tensor.cpu().contiguous();
        var bytes = Bytes(expected);
        zip.Begin(Member($"data/{StateDictPickler.StorageKey(Written)}"), bytes);
        for (long done = 0; done < bytes; done += ChunkBytes)
        {
            zip.Write(TensorMemory.HostBytes(host, done, (int)Math.Min(ChunkBytes, bytes - done)));
        }

        zip.End();
        Written++;
        BytesWritten += bytes;
    }

    /// <summary>Ends the archive and moves it to its path, replacing a file there only when <paramref name="overwrite"/>.</summary>
    public void Complete(bool overwrite = false)
    {
        if (Written != tensors.Count)
        {
            throw new InvalidOperationException($"{path}: {Written} of {tensors.Count} tensors were written; the next is '{tensors[Written].Name}'");
        }

        zip.Add(Member("version"), Encoding.ASCII.GetBytes(ArchiveVersion));
        zip.Add(Member(".data/serialization_id"), Encoding.ASCII.GetBytes(SerializationId()));
        zip.Finish();
        zip.Dispose();
        File.Move(temporary, path, overwrite);
        completed = true;
    }

    /// <summary>Without <see cref="Complete"/>, the partial archive is deleted: a half-written checkpoint never appears under the name.</summary>
    public void Dispose()
    {
        zip.Dispose();
        if (!completed)
        {
            File.Delete(temporary);
        }
    }

    private static long Bytes(TensorInfo tensor) => StateDictPickler.Numel(tensor) * TensorDType.ElementSize(tensor.Type);

    private string Member(string name) => $"{folder}/{name}";

    /// <summary>torch.save names the top folder after the file's stem; readers accept any single folder.</summary>
    private static string ArchiveFolder(string path) =>
        Path.GetFileNameWithoutExtension(path) is { Length: > 0 } stem && !stem.Contains('/', StringComparison.Ordinal) ? stem : "archive";

    private static string SerializationId() =>
        string.Concat(Enumerable.Range(0, SerializationIdDigits).Select(_ => (char)('0' + RandomNumberGenerator.GetInt32(10))));
}
