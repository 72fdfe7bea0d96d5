namespace TurboDiffusion.Engine.Checkpoints.Wan;

internal enum WanKeyRuleKind
{
    StripPrefix,
    StripSegment,
    LinearPatchEmbedding,
    QuantizedLinear,
    SlaOnly,
}

/// <summary>One way a stored key differs from the official Wan name; <see cref="Pattern"/> is the text it looks for.</summary>
internal sealed record WanKeyRule(WanKeyRuleKind Kind, string Pattern);

/// <summary>Every difference between stored Wan DiT keys and the official names, in the order they apply.</summary>
internal static class WanKeyRules
{
    public const string ScaleSuffix = ".scale";

    public static readonly WanKeyRule[] Table =
    [
        // rCM training wraps the DiT as `net`; weights exported from a training checkpoint keep that prefix.
        new(WanKeyRuleKind.StripPrefix, "net."),

        // Activation checkpointing (torch.distributed checkpoint_wrapper) adds this segment to every wrapped module's keys.
        new(WanKeyRuleKind.StripSegment, "_checkpoint_wrapped_module."),

        // Turbo stores the patch embedding as Linear [dim, C*4]; official Wan as Conv3d [dim, C, 1, 2, 2].
        // The elements are in the same order (c*4 + kh*2 + kw), so the Linear is exposed reshaped.
        new(WanKeyRuleKind.LinearPatchEmbedding, "patch_embedding.weight"),

        // W8A8 (-quant.pth): `<layer>.int8_weight` int8 [out, in] and `<layer>.scale` fp32 [ceil(out/128), ceil(in/128)]
        // stand for `<layer>.weight` = int8 * scale of its 128x128 tile; both stay available for the int8 kernels.
        new(WanKeyRuleKind.QuantizedLinear, ".int8_weight"),

        // SLA's linear-branch projection (Linear 128->128, present in every Turbo release): only sparse-linear
        // attention uses it, so it is kept out of the dense model's keys rather than failing a strict load.
        new(WanKeyRuleKind.SlaOnly, ".attn_op.local_attn.proj_l."),
    ];

    public static WanKeyRule Rule(WanKeyRuleKind kind) => Table.Single(r => r.Kind == kind);

    /// <summary>The stored key with every wrapper prefix and segment removed.</summary>
    public static string Unwrap(string stored)
    {
        var name = stored;
        foreach (var rule in Table)
        {
            name = rule.Kind switch
            {
                WanKeyRuleKind.StripPrefix when name.StartsWith(rule.Pattern, StringComparison.Ordinal) => name[rule.Pattern.Length..],
                WanKeyRuleKind.StripSegment => RemoveSegment(name, rule.Pattern),
                _ => name,
            };
        }

        return name;
    }

    private static string RemoveSegment(string name, string segment)
    {
        for (var at = name.IndexOf(segment, StringComparison.Ordinal); at >= 0; at = name.IndexOf(segment, at, StringComparison.Ordinal))
        {
            if (at == 0 || name[at - 1] == '.')
            {
                name = name.Remove(at, segment.Length);
            }
            else
            {
                at += segment.Length;
            }
        }

        return name;
    }
}
