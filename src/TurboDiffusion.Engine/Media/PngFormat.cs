using System.Buffers;

namespace TurboDiffusion.Engine.Media;

/// <summary>Constants of the PNG file format (ISO/IEC 15948).</summary>
internal static class PngFormat
{
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static readonly SearchValues<byte> ChunkTypeLetters = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>Chunks whose type starts upper-case are critical: a decoder that does not know one must not guess.</summary>
    public static bool IsCritical(string chunkType) => char.IsAsciiLetterUpper(chunkType[0]);
}
