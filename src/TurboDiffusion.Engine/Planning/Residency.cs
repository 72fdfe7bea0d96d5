namespace TurboDiffusion.Engine.Planning;

/// <summary>Where a model set's parts live while it is loaded, as a <see cref="MemoryPlan"/> decides it.</summary>
public sealed record Residency(TextEncoderPlacement TextEncoder, ExpertPlacement Experts)
{
    /// <summary>Everything on the device: the fastest, where it fits.</summary>
    public static Residency OnDevice { get; } = new(TextEncoderPlacement.Cuda, ExpertPlacement.Resident);
}

/// <summary>Where a plan puts the DiT experts of a model set that has several (Wan2.2 A14B); a single DiT is always resident.</summary>
public enum ExpertPlacement
{
    /// <summary>Every expert on the device.</summary>
    Resident,

    /// <summary>
    /// One copy on the device holding the expert the step needs; every expert in pinned host memory, the next one
    /// copied in block by block during the step before the switch.
    /// </summary>
    Swapped,
}
