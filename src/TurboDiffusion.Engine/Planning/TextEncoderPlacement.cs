namespace TurboDiffusion.Engine.Planning;

/// <summary>Where the umT5 text encoder may live, as set (Turbo:Engine:TextEncoderDevice).</summary>
public enum TextEncoderDevice
{
    /// <summary>The plan decides: resident on the GPU when everything fits, else offloaded, else on the CPU.</summary>
    Auto,

    /// <summary>Resident on the GPU beside the DiT.</summary>
    Cuda,

    /// <summary>In host memory, encoding there.</summary>
    Cpu,
}

/// <summary>Where a plan puts the text encoder.</summary>
public enum TextEncoderPlacement
{
    /// <summary>Resident on the GPU.</summary>
    Cuda,

    /// <summary>In host memory, copied to the GPU for each new prompt and freed after; cached prompts cost nothing.</summary>
    Offloaded,

    /// <summary>In host memory, encoding on the CPU; cached prompts cost nothing.</summary>
    Cpu,
}
