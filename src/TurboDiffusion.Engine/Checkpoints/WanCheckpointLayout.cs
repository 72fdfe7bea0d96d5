namespace TurboDiffusion.Engine.Checkpoints;

/// <summary>How a Wan DiT checkpoint stores its weights; told apart by its keys, not its file name.</summary>
public enum WanCheckpointLayout
{
    /// <summary>Official Wan <c>diffusion_pytorch_model*.safetensors</c>: canonical names, Conv3d patch embedding.</summary>
    OfficialWan,

    /// <summary>TurboDiffusion <c>.pth</c>: Linear patch embedding, plus SLA <c>proj_l</c> weights.</summary>
    Turbo,

    /// <summary>TurboDiffusion <c>-quant.pth</c>: as <see cref="Turbo"/>, with the block Linears stored as W8A8 int8 + tile scales.</summary>
    TurboQuantized,
}
