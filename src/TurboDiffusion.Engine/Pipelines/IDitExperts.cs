using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Sampling;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// The DiT experts of an image-to-video model set (Wan2.2 A14B: high noise, then low noise) as the pipeline runs them:
/// each on the device (<see cref="ResidentExperts"/>), or sharing one device copy (<see cref="SwappedExperts"/>).
/// </summary>
internal interface IDitExperts : IDisposable
{
    /// <summary>The first expert's model: its device, precision and architecture are every expert's.</summary>
    WanModel First { get; }

    /// <summary>Names and self-attention of every expert, for the resident model's description.</summary>
    string DescribeAttention();

    /// <summary>
    /// The sampler's network for one render of <paramref name="prompt"/> (the text encoder's context) and condition
    /// <paramref name="y"/>, the experts taking turns by <paramref name="turns"/>; disposing it frees the prepared prompts.
    /// </summary>
    ExpertsRun Run(Tensor prompt, Tensor y, ExpertSchedule turns);
}

/// <summary>One render's velocity network over a set of experts, owning what it prepared for them.</summary>
internal abstract class ExpertsRun : IVelocityNetwork, IDisposable
{
    public abstract Tensor Velocity(Tensor x, Tensor timestep, int stepIndex);

    public abstract void Dispose();
}

/// <summary>Every expert resident on the device: the turns cost nothing.</summary>
internal sealed class ResidentExperts(IReadOnlyList<WanModel> experts) : IDitExperts
{
    public WanModel First => experts[0];

    public string DescribeAttention() => DitAttention.Describe([.. experts]);

    public ExpertsRun Run(Tensor prompt, Tensor y, ExpertSchedule turns)
    {
        var contexts = new List<WanTextContext>(experts.Count);
        try
        {
            foreach (var expert in experts)
            {
                contexts.Add(expert.PrepareContext(prompt));
            }
        }
        catch
        {
            contexts.ForEach(c => c.Dispose());
            throw;
        }

        return new Turns(contexts, [.. experts.Zip(contexts, (model, context) => new WanVelocityNetwork(model, context, y))], turns);
    }

    public void Dispose()
    {
        foreach (var expert in experts)
        {
            expert.Dispose();
        }
    }

    private sealed class Turns(List<WanTextContext> contexts, IVelocityNetwork[] networks, ExpertSchedule turns) : ExpertsRun
    {
        public override Tensor Velocity(Tensor x, Tensor timestep, int stepIndex) => networks[turns.ExpertAt(stepIndex)].Velocity(x, timestep, stepIndex);

        public override void Dispose() => contexts.ForEach(c => c.Dispose());
    }
}
