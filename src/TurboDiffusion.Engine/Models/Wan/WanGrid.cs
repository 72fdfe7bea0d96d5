namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>The latent token grid (F, H, W) after patching; token index = (f·H + h)·W + w.</summary>
public sealed record WanGrid(long F, long H, long W)
{
    public long Tokens => F * H * W;
}
