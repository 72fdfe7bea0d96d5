namespace TurboDiffusion.Engine;

/// <summary>Sampler steps a render can take: the distilled rCM schedule has levels for 1 to 4 network evaluations.</summary>
public static class SamplerStepsRule
{
    public const int Min = 1;
    public const int Max = 4;

    public static bool IsValid(int steps) => steps is >= Min and <= Max;
}
