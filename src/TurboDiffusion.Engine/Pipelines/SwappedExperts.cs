using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Sampling;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// Experts of one architecture sharing a single copy on the device, for a card that cannot hold them all (two 14B
/// experts are 55 GiB in bf16): every expert's weights wait in pinned host memory, and the device model holds, block
/// by block, those of the expert the step needs. The switch is prefetched: during the step before it, each block's
/// weights are replaced on a side stream as soon as that step's forward is done with the block, so the copies run
/// beside the rest of the step and the device never holds two experts. After a render's last step the first expert
/// comes back the same way, for the next render. Without the side stream (the CPU, or no
/// <c>libturbo_torch_memory.so</c>) the copies run in line; the results are the same either way.
/// </summary>
internal sealed class SwappedExperts : IDitExperts
{
    private readonly WanModel model;
    private readonly SwappableTensor[] tensors;
    private readonly Tensor[][] homes;
    private readonly PinnedHostSlabs? pinned;
    private readonly int[][] groups;
    private readonly int[] holds;
    private readonly SideStream? stream;

    private SwappedExperts(WanModel model, SwappableTensor[] tensors, Tensor[][] homes, PinnedHostSlabs? pinned, SideStream? stream)
    {
        (this.model, this.tensors, this.homes, this.pinned, this.stream) = (model, tensors, homes, pinned, stream);
        groups = [.. Enumerable.Range(-1, model.Config.NumLayers + 1).Select(block => tensors.Select((t, i) => (t, i)).Where(p => p.t.Block == block).Select(p => p.i).ToArray())];
        holds = new int[groups.Length];
    }

    public WanModel First => model;

    /// <summary>Bytes of host memory the experts' copies take (pinned beside a GPU).</summary>
    public long HostBytes => pinned?.Bytes ?? homes.Sum(home => home.Sum(t => t.NumberOfElements * t.ElementSize));

    /// <summary>Whether the switches overlap the compute (a side stream), rather than running in line.</summary>
    public bool Overlapped => stream is not null;

    /// <summary>
    /// Takes over <paramref name="model"/>, loaded with expert 0's weights, and copies each expert's weights to host
    /// memory: expert 0's from the model, the others' read from <paramref name="others"/> onto the model's device (as
    /// a resident load reads them) one tensor at a time. Nothing stays allocated when it throws.
    /// </summary>
    /// <exception cref="CheckpointException">Another expert lacks a tensor, or holds it in another size.</exception>
    public static SwappedExperts Create(WanModel model, IReadOnlyList<ITensorReader> others)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(others);
        var homes = new List<Tensor[]>();
        PinnedHostSlabs? pinned = null;
        try
        {
            var tensors = Tensors(model);
            if (model.Device.type == DeviceType.CUDA)
            {
                pinned = new PinnedHostSlabs(Enumerable.Repeat(tensors, others.Count + 1).SelectMany(ts => ts.Select(t => t.Tensor)));
            }

            homes.Add([.. tensors.Select(t => Home(t.Tensor, pinned))]);
            foreach (var reader in others)
            {
                homes.Add([.. tensors.Select(t => HomeOfRead(reader, t, model.Device, pinned))]);
            }

            var stream = model.Device.type == DeviceType.CUDA ? AllocatorCounters.OpenSideStream(model.Device.index < 0 ? 0 : model.Device.index) : null;
            return new SwappedExperts(model, tensors, [.. homes], pinned, stream);
        }
        catch
        {
            homes.ForEach(Free);
            pinned?.Dispose();
            model.Dispose();
            throw;
        }
    }

    public string DescribeAttention() => DitAttention.Describe(model);

    public ExpertsRun Run(Tensor prompt, Tensor y, ExpertSchedule turns)
    {
        if (turns.Experts != homes.Length)
        {
            throw new ArgumentException($"The schedule takes turns between {turns.Experts} experts; {homes.Length} are loaded.", nameof(turns));
        }

        return new SwappingRun(this, prompt, y, turns);
    }

    /// <summary>Makes the device model hold <paramref name="expert"/>'s weights everywhere before the compute stream goes on.</summary>
    public void Ensure(int expert)
    {
        for (var group = 0; group < groups.Length; group++)
        {
            Replace(group, expert);
        }

        stream?.Join();
    }

    /// <summary>
    /// Starts replacing block <paramref name="block"/>'s weights (-1: the embeddings and the head) with
    /// <paramref name="expert"/>'s, after the work queued so far; <see cref="Ensure"/> waits for it.
    /// </summary>
    public void Prefetch(int block, int expert) => Replace(block + 1, expert);

    public void Dispose()
    {
        // Copies still in flight write into the weights freed below: the compute stream, which frees them, waits first.
        stream?.Join();
        stream?.Dispose();
        model.Dispose();
        foreach (var home in homes)
        {
            Free(home);
        }

        pinned?.Dispose();
    }

    private void Replace(int group, int expert)
    {
        if (holds[group] == expert)
        {
            return;
        }

        var home = homes[expert];
        void Copy()
        {
            foreach (var i in groups[group])
            {
                tensors[i].Tensor.copy_(home[i], nonBlocking: stream is not null);
            }
        }

        if (stream is null)
        {
            Copy();
        }
        else
        {
            stream.Enqueue(Copy);
        }

        holds[group] = expert;
    }

    private static SwappableTensor[] Tensors(WanModel model)
    {
        var declared = model.Weights.Declarations.Zip(model.Weights.Tensors, (d, t) => new SwappableTensor(d.Key, BlockOf(d.Key), t));
        var projections = model.SelfAttention.Select((kernel, block) => (Block: block, Sla: kernel as SlaAttention))
            .Where(b => b.Sla is not null)
            .SelectMany(b => new[]
            {
                new SwappableTensor($"{DitSlaProjection.Prefix(b.Block)}.weight", b.Block, b.Sla!.ProjectionTensors.Weight),
                new SwappableTensor($"{DitSlaProjection.Prefix(b.Block)}.bias", b.Block, b.Sla!.ProjectionTensors.Bias),
            });
        return [.. declared.Concat(projections)];
    }

    private static int BlockOf(string key)
    {
        const string prefix = "blocks.";
        return key.StartsWith(prefix, StringComparison.Ordinal)
            ? int.Parse(key.AsSpan(prefix.Length, key.IndexOf('.', prefix.Length) - prefix.Length), System.Globalization.CultureInfo.InvariantCulture)
            : -1;
    }

    private static Tensor Read(ITensorReader reader, SwappableTensor like, Device device)
    {
        if (!reader.Contains(like.Key))
        {
            throw new CheckpointException(reader.Path, like.Key, $"missing; the first expert holds it as [{string.Join(", ", like.Tensor.shape)}]");
        }

        using var scope = NewDisposeScope();
        var read = reader.Load(like.Key, like.Tensor.dtype, device);
        if (read.NumberOfElements != like.Tensor.NumberOfElements)
        {
            throw new CheckpointException(reader.Path, like.Key, $"holds [{string.Join(", ", read.shape)}], but the first expert's is [{string.Join(", ", like.Tensor.shape)}]");
        }

        return read.reshape(like.Tensor.shape).MoveToOuterDisposeScope();
    }

    /// <summary>Reads one tensor onto the device as a resident load would and keeps only its host copy: the device holds one tensor of it at a time.</summary>
    private static Tensor HomeOfRead(ITensorReader reader, SwappableTensor like, Device device, PinnedHostSlabs? pinned)
    {
        using var read = Read(reader, like, device);
        return Home(read, pinned);
    }

    /// <summary>A host copy that stays apart from <paramref name="tensor"/>; in the pinned slabs beside a GPU, so copies from it can overlap the compute.</summary>
    private static Tensor Home(Tensor tensor, PinnedHostSlabs? pinned)
    {
        using var scope = NewDisposeScope();
        return (pinned is null ? tensor.clone() : pinned.Copy(tensor)).MoveToOuterDisposeScope();
    }

    private static void Free(Tensor[] home)
    {
        foreach (var tensor in home)
        {
            tensor.Dispose();
        }
    }

    /// <summary>One render: each expert's prompt prepared when its weights are first on the device, switches prefetched a step ahead.</summary>
    private sealed class SwappingRun(SwappedExperts experts, Tensor prompt, Tensor y, ExpertSchedule turns) : ExpertsRun
    {
        private readonly WanTextContext?[] contexts = new WanTextContext?[turns.Experts];

        public override Tensor Velocity(Tensor x, Tensor timestep, int stepIndex)
        {
            var expert = turns.ExpertAt(stepIndex);
            experts.Ensure(expert);
            var model = experts.model;
            var context = contexts[expert] ??= model.PrepareContext(prompt);
            var next = turns.ExpertAfter(stepIndex);
            using var scope = NewDisposeScope();
            var input = x.to(model.Precision.Compute);
            var t = timestep.reshape(timestep.shape[0]);
            if (next == expert)
            {
                return model.Forward(input, t, context, y).MoveToOuterDisposeScope();
            }

            var velocity = model.Forward(input, t, context, y, block => experts.Prefetch(block, next));
            experts.Prefetch(-1, next);
            return velocity.MoveToOuterDisposeScope();
        }

        public override void Dispose()
        {
            foreach (var context in contexts)
            {
                context?.Dispose();
            }
        }
    }
}
