using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Wan;

/// <summary>What <see cref="WanModel"/> accepts, checked before any work so a caller's mistake names the shapes.</summary>
internal static class WanInputs
{
    /// <summary>context [B, Lc ≤ text_len, text_dim].</summary>
    public static void CheckContext(WanConfig config, Tensor context)
    {
        if (context.dim() != 3 || context.shape[1] > config.TextLen || context.shape[2] != config.TextDim)
        {
            throw new ArgumentException($"{config.Name}: context must be [B, Lc ≤ {config.TextLen}, {config.TextDim}], got {Show(context)}.", nameof(context));
        }
    }

    /// <summary>x [B, out_dim, T, H, W]; y [B, in_dim − out_dim, T, H, W] for I2V and absent for T2V; timestep with 1 or B values.</summary>
    public static void CheckForward(WanConfig config, Tensor x, Tensor timestep, Tensor? y)
    {
        var i2v = config.Task == WanTask.ImageToVideo;
        var latentOk = x.dim() == 5 && x.shape[1] == config.OutDim;
        var conditionOk = i2v
            ? y is not null && y.dim() == 5 && y.shape[1] == config.ConditionDim && y.shape[0] == x.shape[0] && y.shape.Skip(2).SequenceEqual(x.shape.Skip(2))
            : y is null;
        if (!latentOk || !conditionOk)
        {
            var expected = i2v
                ? $"x [B, {config.OutDim}, T, H, W] and y [B, {config.ConditionDim}, T, H, W]"
                : $"x [B, {config.OutDim}, T, H, W] and no y";
            throw new ArgumentException($"{config.Name} takes {expected}; got x {Show(x)}{(y is null ? ", no y" : $", y {Show(y)}")}.");
        }

        if (timestep.numel() != 1 && timestep.numel() != x.shape[0])
        {
            throw new ArgumentException($"{config.Name}: timestep must hold 1 or B = {x.shape[0]} values, got {Show(timestep)}.", nameof(timestep));
        }
    }

    private static string Show(Tensor t) => $"[{string.Join(", ", t.shape)}]";
}
