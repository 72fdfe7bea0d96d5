namespace TurboDiffusion.Engine.Sampling;

/// <summary>The two Wan2.2 A14B experts; the values are the reference's expert indices.</summary>
public enum NoiseExpert
{
    HighNoise = 0,
    LowNoise = 1,
}
