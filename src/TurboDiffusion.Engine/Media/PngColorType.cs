namespace TurboDiffusion.Engine.Media;

/// <summary>The IHDR colour type byte.</summary>
internal enum PngColorType : byte
{
    Gray = 0,
    Rgb = 2,
    Palette = 3,
    GrayAlpha = 4,
    Rgba = 6,
}
