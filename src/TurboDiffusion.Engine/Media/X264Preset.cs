namespace TurboDiffusion.Engine.Media;

/// <summary>x264's speed/size trade-off; slower presets give smaller files at the same quality.</summary>
public enum X264Preset
{
    Ultrafast,
    Superfast,
    Veryfast,
    Faster,
    Fast,
    Medium,
    Slow,
    Slower,
    Veryslow,
}
