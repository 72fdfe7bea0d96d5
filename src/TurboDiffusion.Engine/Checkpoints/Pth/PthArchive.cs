using System.IO.Compression;
using System.Text.RegularExpressions;
using Microsoft.Win32.SafeHandles;

namespace TurboDiffusion.Engine.Checkpoints.Pth;

/// <summary>
/// The zip side of a torch.save file: one top folder (the stem of the name it was saved under, which
/// need not match the current name) holding <c>data.pkl</c> and one blob per storage under <c>data/</c>.
/// Stored members (what torch.save writes) are read in place by offset; deflated ones are streamed.
/// </summary>
internal sealed partial class PthArchive : IDisposable
{
    private readonly SafeFileHandle file;
    private readonly ZipCatalog catalog;
    private readonly int chunkBytes;

    private PthArchive(string path, SafeFileHandle file, ZipCatalog catalog, string folder, int chunkBytes)
    {
        Path = path;
        this.file = file;
        this.catalog = catalog;
        Folder = folder;
        this.chunkBytes = chunkBytes;
    }

    public string Path { get; }

    /// <summary>The archive's top folder, e.g. <c>turbo</c> for a file saved as <c>turbo.pth</c>.</summary>
    public string Folder { get; }

    public static PthArchive Open(string path, int chunkBytes)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointException(path, null, "file not found");
        }

        var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            var catalog = ZipCatalog.Read(path, file);
            var pickles = catalog.Members.Keys.Where(n => PickleName().IsMatch(n)).ToList();
            if (pickles.Count != 1)
            {
                throw new CheckpointException(path, null,
                    $"expected exactly one '<folder>/data.pkl' member as torch.save writes, found {pickles.Count} among {catalog.Members.Count} members (e.g. {string.Join(", ", catalog.Members.Keys.Take(5))})");
            }

            return new PthArchive(path, file, catalog, pickles[0][..pickles[0].IndexOf('/', StringComparison.Ordinal)], chunkBytes);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The member <c>&lt;folder&gt;/<paramref name="name"/></c>, or null when absent.</summary>
    public ZipMember? Member(string name) => catalog.Members.GetValueOrDefault($"{Folder}/{name}");

    /// <summary>A small member (the pickle, the byte order) read whole into managed memory.</summary>
    public unsafe byte[] ReadAll(ZipMember member, long maxBytes)
    {
        if (member.Size > maxBytes)
        {
            throw new CheckpointException(Path, member.Name, $"member holds {member.Size} bytes; expected at most {maxBytes}");
        }

        var bytes = new byte[member.Size];
        fixed (byte* destination = bytes)
        {
            Read(member, 0, (IntPtr)destination, bytes.Length);
        }

        return bytes;
    }

    /// <summary>Copies bytes [<paramref name="begin"/>, +<paramref name="length"/>) of a member's content into native memory.</summary>
    public void Read(ZipMember member, long begin, IntPtr destination, long length)
    {
        var start = catalog.DataOffset(member);
        var read = member.Method == ZipMethod.Stored
            ? ChunkedFileIO.Read(file, start + begin, destination, length, chunkBytes)
            : Inflate(member, start, begin, destination, length);
        if (read != length)
        {
            throw new CheckpointException(Path, member.Name, $"expected {length} bytes from offset {begin} of the member, found {read} (truncated)");
        }
    }

    public void Dispose() => file.Dispose();

    private long Inflate(ZipMember member, long start, long begin, IntPtr destination, long length)
    {
        try
        {
            using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16) { Position = start };
            using var inflated = new DeflateStream(stream, CompressionMode.Decompress);
            var skip = new byte[64 << 10];
            for (var skipped = 0L; skipped < begin;)
            {
                var read = inflated.Read(skip, 0, (int)Math.Min(skip.Length, begin - skipped));
                if (read == 0)
                {
                    return 0;
                }

                skipped += read;
            }

            return ChunkedFileIO.Read(inflated, destination, length, chunkBytes);
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointException(Path, member.Name, $"deflated member is corrupt: {e.Message}", e);
        }
    }

    [GeneratedRegex(@"^[^/]+/data\.pkl$")]
    private static partial Regex PickleName();
}
