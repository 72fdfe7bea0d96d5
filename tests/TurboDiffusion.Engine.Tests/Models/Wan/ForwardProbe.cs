using TurboDiffusion.Engine.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Wan;

/// <summary>Keeps a float64 CPU copy of every intermediate the model's hooks report, under the fixtures' names.</summary>
internal sealed class ForwardProbe : IWanForwardHooks, IDisposable
{
    private readonly Dictionary<string, Tensor> captured = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, Tensor> Captured => captured;

    public void TextEmbedded(Tensor context) => Keep("context_after_text_embedding", context);

    public void Patchified(Tensor patches) => Keep("patchified_input", patches);

    public void PatchEmbedded(Tensor tokens) => Keep("tokens_after_patch_embedding", tokens);

    public void TimeEmbedded(Tensor sinusoid, Tensor e, Tensor e0)
    {
        Keep("timestep_sinusoid", sinusoid);
        Keep("time_embedding_e", e);
        Keep("time_projection_e0", e0);
    }

    public void RopeAngles(Tensor angles) => Keep("rope_angles", angles);

    public void BlockDone(int index, WanBlockOutput output)
    {
        Keep($"block{index}_self_attn_out", output.SelfAttention ?? throw new InvalidOperationException($"block {index} did not keep its self-attention output for the hooks"));
        Keep($"block{index}_cross_attn_out", output.CrossAttention ?? throw new InvalidOperationException($"block {index} did not keep its cross-attention output for the hooks"));
        Keep($"block{index}_out", output.Stream);
    }

    public void HeadDone(Tensor output) => Keep("head_out_before_unpatchify", output);

    public void Dispose()
    {
        foreach (var tensor in captured.Values)
        {
            tensor.Dispose();
        }
    }

    private void Keep(string name, Tensor value)
    {
        Assert.False(captured.ContainsKey(name), $"the forward reported '{name}' twice");
        using var scope = NewDisposeScope();
        captured[name] = value.to(ScalarType.Float64).cpu().clone().DetachFromDisposeScope();
    }
}
