using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Attention;

/// <summary>
/// Sparse-linear attention (TurboDiffusion's SLA) in TorchSharp: the reference that native SageSLA kernels are
/// tested against. q, k, v [B, L, H, D] → o [B, L, H, D], one dtype throughout, D = proj_l's width (128):
/// o = o_s + proj_l(o_l), where o_s is exact softmax attention of each query block over its top-k key blocks
/// (<see cref="SlaBlockSelection"/>) and o_l is linear attention over all tokens.
/// <para>float64 and float32 are exact to their precision. bf16 rounds where the official bf16 path does: block
/// scores in bf16, fp32 scores and softmax in the sparse branch with P rounded to bf16 before P·V, every
/// linear-branch op and proj_l rounded to bf16, and o = bf16(o_s + proj_l(o_l)).</para>
/// <para>Cost per call: O(B·H·L·(T·BK + D)·D) time for T selected key blocks of BK tokens; memory linear in L (no
/// [L, L] tensor), plus a bounded chunk of gathered blocks and scores. One instance per attention layer: it owns that
/// layer's proj_l.</para>
/// </summary>
public sealed class SlaAttention : IAttention, IDisposable
{
    private readonly SlaProjection projection;
    private readonly ISlaSparseBranch sparseBranch;
    private readonly ISlaLinearBranch linearBranch;

    /// <summary>Takes ownership of proj_l's <paramref name="projectionWeight"/> [D, D] and <paramref name="projectionBias"/> [D].</summary>
    /// <param name="sparseBranch">The sparse-branch implementation; the TorchSharp reference by default.</param>
    /// <param name="linearBranch">The linear branch, proj_l and the sum in <see cref="Forward"/>; the TorchSharp reference by default.</param>
    public SlaAttention(
        Tensor projectionWeight, Tensor projectionBias, SlaOptions options, ISlaSparseBranch? sparseBranch = null, ISlaLinearBranch? linearBranch = null)
        : this(options ?? throw new ArgumentNullException(nameof(options)), new SlaProjection(projectionWeight, projectionBias), sparseBranch, linearBranch)
    {
    }

    private SlaAttention(SlaOptions options, SlaProjection projection, ISlaSparseBranch? sparseBranch, ISlaLinearBranch? linearBranch)
    {
        Options = options;
        this.projection = projection;
        this.sparseBranch = sparseBranch ?? ReferenceSlaSparseBranch.Instance;
        this.linearBranch = linearBranch ?? ReferenceSlaLinearBranch.Instance;
    }

    /// <summary>Which sparse-branch implementation runs ("reference", "native", "sagesla-reference").</summary>
    public string SparseBranch => sparseBranch.Name;

    /// <summary>Which linear-branch implementation <see cref="Forward"/> runs ("reference" or "native"); <see cref="ForwardParts"/> always runs the reference.</summary>
    public string LinearBranch => linearBranch.Name;

    public string Name => "sla";

    public SlaOptions Options { get; }

    /// <summary>The head dim D that proj_l, and so every input, has.</summary>
    public long HeadDim => projection.Features;

    /// <summary>proj_l's weight [D, D] and bias [D] as held, for those that replace them in place (an expert swap).</summary>
    internal (Tensor Weight, Tensor Bias) ProjectionTensors => (projection.Weight, projection.Bias);

    public Tensor Forward(Tensor q, Tensor k, Tensor v)
    {
        Check(q, k, v);
        using var scope = NewDisposeScope();
        var (_, sparse) = sparseBranch.Attend(q, k, v, Options);
        return linearBranch.Combine(q, k, v, sparse, projection.Weight, projection.Bias).MoveToOuterDisposeScope();
    }

    /// <summary>The same forward with the reference linear branch, keeping the selection and both branches (<see cref="SlaParts"/>).</summary>
    public SlaParts ForwardParts(Tensor q, Tensor k, Tensor v)
    {
        using var scope = NewDisposeScope();
        return Compute(q, k, v).MoveToOuterDisposeScope();
    }

    /// <summary>q [B, Lq, H, D], k [B, Lk, H, D] → lut [B, H, Mq, topk] int32, the key blocks the forward attends.</summary>
    public Tensor SelectBlocks(Tensor q, Tensor k)
    {
        Check(q, k, k);
        using var scope = NewDisposeScope();
        return SlaBlockSelection.Select(q, k, Options).MoveToOuterDisposeScope();
    }

    public void Dispose() => projection.Dispose();

    private SlaParts Compute(Tensor q, Tensor k, Tensor v)
    {
        Check(q, k, v);
        var (lut, sparse) = sparseBranch.Attend(q, k, v, Options);

        // The reference linear branch works heads-first.
        var linear = SlaLinearBranch.Forward(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2));
        var projected = projection.Forward(linear);
        var (tokenLinear, tokenProjected) = (linear.transpose(1, 2), projected.transpose(1, 2));
        return new SlaParts(lut, sparse, tokenLinear, tokenProjected, sparse + tokenProjected);
    }

    private void Check(Tensor q, Tensor k, Tensor v)
    {
        AttentionShapes.Check(q, k, v, Name);
        if (!q.is_floating_point())
        {
            throw new ArgumentException($"{Name} attention needs floating-point q, k, v; got {q.dtype}.");
        }

        if (q.shape[3] != HeadDim)
        {
            throw new ArgumentException(
                $"{Name} attention: proj_l is Linear({HeadDim}, {HeadDim}), so the head dim must be {HeadDim}; got q [{string.Join(", ", q.shape)}].");
        }
    }
}
