namespace TurboDiffusion.Engine.Media.BuiltInEncoder;

/// <summary>
/// BT.709 as ITU-T H.273 numbers it: the code points the H.264 VUI and the MP4 <c>colr</c> box carry, and the
/// limited ("tv") sample range the ffmpeg path also writes.
/// </summary>
internal static class Bt709
{
    public const byte ColourPrimaries = 1;
    public const byte TransferCharacteristics = 1;
    public const byte MatrixCoefficients = 1;
    public const bool FullRange = false;

    public const byte LumaMin = 16;
    public const byte LumaMax = 235;
    public const byte ChromaMin = 16;
    public const byte ChromaMax = 240;
}
