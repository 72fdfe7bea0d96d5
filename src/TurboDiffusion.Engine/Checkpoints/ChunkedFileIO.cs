using Microsoft.Win32.SafeHandles;

namespace TurboDiffusion.Engine.Checkpoints;

/// <summary>
/// Moves bytes between a file and native memory (a tensor's storage) in chunks: a span is limited to
/// 2 GiB, a single tensor of a 14B model is not.
/// </summary>
internal static class ChunkedFileIO
{
    public const int DefaultChunkBytes = 1 << 30;

    /// <summary>Reads up to <paramref name="length"/> bytes; returns how many were there before the file ended.</summary>
    public static unsafe long Read(SafeFileHandle file, long fileOffset, IntPtr destination, long length, int chunkBytes)
    {
        var target = (byte*)destination;
        long done = 0;
        while (done < length)
        {
            var chunk = (int)Math.Min(chunkBytes, length - done);
            var read = RandomAccess.Read(file, new Span<byte>(target + done, chunk), fileOffset + done);
            if (read == 0)
            {
                break;
            }

            done += read;
        }

        return done;
    }

    public static unsafe void Write(SafeFileHandle file, long fileOffset, IntPtr source, long length, int chunkBytes)
    {
        var origin = (byte*)source;
        for (long done = 0; done < length;)
        {
            var chunk = (int)Math.Min(chunkBytes, length - done);
            RandomAccess.Write(file, new ReadOnlySpan<byte>(origin + done, chunk), fileOffset + done);
            done += chunk;
        }
    }

    /// <summary>Fills native memory from a stream (a deflated zip entry); returns the bytes it held.</summary>
    public static unsafe long Read(Stream stream, IntPtr destination, long length, int chunkBytes)
    {
        var target = (byte*)destination;
        long done = 0;
        while (done < length)
        {
            var chunk = (int)Math.Min(chunkBytes, length - done);
            var read = stream.ReadAtLeast(new Span<byte>(target + done, chunk), chunk, throwOnEndOfStream: false);
            done += read;
            if (read < chunk)
            {
                break;
            }
        }

        return done;
    }
}
