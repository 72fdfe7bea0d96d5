namespace TurboDiffusion.Engine.Runtime;

/// <summary>A CUDA device's compute capability (8.9 Ada, 9.0 Hopper, ...): which tensor-core instructions it has.</summary>
public readonly record struct ComputeCapability(int Major, int Minor)
{
    /// <summary>The first with fp8 (e4m3) tensor cores, which SageSLA's P·V needs.</summary>
    public static ComputeCapability Fp8 { get; } = new(8, 9);

    public bool AtLeast(ComputeCapability other) => Major > other.Major || (Major == other.Major && Minor >= other.Minor);

    public override string ToString() => $"{Major}.{Minor}";
}
