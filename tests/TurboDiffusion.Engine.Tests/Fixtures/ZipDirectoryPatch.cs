using System.Buffers.Binary;
using System.Text;

namespace TurboDiffusion.Engine.Tests.Fixtures;

/// <summary>Rewrites what a zip's central directory declares about a member, to build archives that lie about their sizes.</summary>
public static class ZipDirectoryPatch
{
    private const uint CentralSignature = 0x02014b50;
    private const int HeaderBytes = 46;
    private const int SizeField = 24;

    public static void DeclareSize(string path, string member, uint size)
    {
        var bytes = File.ReadAllBytes(path);
        var name = Encoding.UTF8.GetBytes(member);
        for (var at = 0; at + HeaderBytes + name.Length <= bytes.Length; at++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at)) == CentralSignature
                && BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 28)) == name.Length
                && bytes.AsSpan(at + HeaderBytes, name.Length).SequenceEqual(name))
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + SizeField), size);
                File.WriteAllBytes(path, bytes);
                return;
            }
        }

        throw new ArgumentException($"no central directory entry for '{member}' in {path}", nameof(member));
    }
}
