using System.Globalization;
using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Wan;

namespace TurboDiffusion.Engine.Pipelines;

/// <summary>
/// Which Wan DiT a checkpoint holds, read from its tensor shapes under the official names (as <see cref="WanCheckpoint"/>
/// gives them), so any Wan-family DiT loads, not only the released sizes:
/// <list type="bullet">
/// <item>dim D and input channels from <c>patch_embedding.weight</c> [D, C_in, pt, ph, pw], which also gives the patch;</item>
/// <item>heads = D / head dim: 128 in every Wan model, or the width of SLA's <c>proj_l</c> [hd, hd] where the checkpoint has it;</item>
/// <item>layers from <c>blocks.0</c> … <c>blocks.N-1</c>, every block with the tensors and shapes of <c>blocks.0</c>;</item>
/// <item>ffn from <c>blocks.0.ffn.0.weight</c> [F, D], freq dim from <c>time_embedding.0.weight</c> [D, F_t], text dim from
/// <c>text_embedding.0.weight</c> [D, C_text], output channels from <c>head.head.weight</c> [C_out·pt·ph·pw, D];</item>
/// <item>more input than output channels is image-to-video (x ‖ y, Wan2.2's experts); equal is text-to-video.</item>
/// </list>
/// Every other tensor must then have the shape that architecture gives it. Text length and eps are not in the weights:
/// they are Wan's (512, 1e-6), or the preset's when the architecture is a preset's, which is then reported by its name.
/// </summary>
public static class WanConfigDetector
{
    private const string PatchEmbedding = "patch_embedding.weight";
    private const string BlockPrefix = "blocks.";

    /// <summary>The released architectures and the built-in ones; A14B's two experts share one architecture, reported under the first's name.</summary>
    private static readonly WanConfig[] Presets =
    [
        WanConfig.Wan21T2V1Point3B, WanConfig.Wan21T2V14B, WanConfig.Wan22I2VA14BHighNoise, WanConfig.Tiny, WanConfig.TinyI2V,
    ];

    /// <param name="headDim">Width of one attention head; by default SLA's proj_l width where present, else <see cref="WanConfig.StandardHeadDim"/>.</param>
    /// <exception cref="CheckpointException">The shapes do not make one consistent Wan DiT; the message names the tensor and the shapes.</exception>
    public static WanConfig Detect(ITensorReader checkpoint, int? headDim = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        RefuseImageEmbedding(checkpoint);
        var patch = Shape(checkpoint, PatchEmbedding, "a Conv3d [dim, in channels, pt, ph, pw]", 5);
        var patchSize = new WanPatchSize(Int(patch[2]), Int(patch[3]), Int(patch[4]));
        var (dim, inDim) = (Int(patch[0]), Int(patch[1]));
        var heads = dim / HeadDim(checkpoint, headDim, patch);
        var layers = BlockCount(checkpoint);
        RequireUniformBlocks(checkpoint, layers);
        var ffn = Int(Shape(checkpoint, "blocks.0.ffn.0.weight", "a Linear [ffn, dim]", 2)[0]);
        var freqDim = Int(Shape(checkpoint, "time_embedding.0.weight", "a Linear [dim, freq dim]", 2)[1]);
        var textDim = Int(Shape(checkpoint, "text_embedding.0.weight", "a Linear [dim, text dim]", 2)[1]);
        var outDim = OutputChannels(checkpoint, patchSize);
        var task = inDim == outDim ? WanTask.TextToVideo
            : inDim > outDim ? WanTask.ImageToVideo
            : throw new CheckpointException(checkpoint.Path, PatchEmbedding,
                $"is {Show(patch)}: {inDim} input channels are fewer than the {outDim} the head predicts; a Wan DiT takes the latent (text-to-video) or the latent and a condition (image-to-video)");
        var detected = new WanConfig("", task, dim, ffn, heads, layers, inDim, outDim, freqDim, textDim) { PatchSize = patchSize };
        detected = detected with { Name = Describe(detected) };
        RequireCatalogShapes(checkpoint, detected);
        return Presets.FirstOrDefault(preset => preset == (detected with { Name = preset.Name, TextLen = preset.TextLen, Eps = preset.Eps })) ?? detected;
    }

    private static void RefuseImageEmbedding(ITensorReader checkpoint)
    {
        if (checkpoint.Names.FirstOrDefault(n => n.StartsWith("img_emb.", StringComparison.Ordinal)) is { } clip)
        {
            throw new CheckpointException(checkpoint.Path, clip,
                "belongs to Wan2.1 image-to-video's CLIP image branch, which this engine does not run; image-to-video takes Wan2.2's experts (no CLIP branch)");
        }
    }

    private static int HeadDim(ITensorReader checkpoint, int? asked, long[] patch)
    {
        var projection = $"{DitSlaProjection.Prefix(0)}.weight";
        int? fromSla = null;
        if (checkpoint.Contains(projection))
        {
            var shape = Shape(checkpoint, projection, "SLA's Linear [head dim, head dim]", 2);
            fromSla = shape[0] == shape[1]
                ? Int(shape[0])
                : throw new CheckpointException(checkpoint.Path, projection, $"is {Show(shape)}; SLA's proj_l maps a head onto itself, [head dim, head dim]");
        }

        if (asked is { } a && fromSla is { } s && a != s)
        {
            throw new CheckpointException(checkpoint.Path, projection, $"is [{s}, {s}], so its heads are {s} wide, not the {a} asked for");
        }

        var headDim = asked ?? fromSla ?? WanConfig.StandardHeadDim;
        if (headDim <= 0 || patch[0] % headDim != 0)
        {
            throw new CheckpointException(checkpoint.Path, PatchEmbedding,
                $"is {Show(patch)}: dim {patch[0]} is not a multiple of the head dim {headDim} (a Wan DiT has dim / {headDim} heads)");
        }

        return headDim;
    }

    private static int BlockCount(ITensorReader checkpoint)
    {
        var indices = checkpoint.Names.Select(BlockOf).OfType<int>().Distinct().Order().ToList();
        if (indices.Count == 0)
        {
            throw new CheckpointException(checkpoint.Path, $"{BlockPrefix}0", "missing: no tensor is named blocks.N.*, so this holds no Wan DiT blocks");
        }

        var gap = Enumerable.Range(0, indices[^1] + 1).Except(indices).Cast<int?>().FirstOrDefault();
        return gap is { } missing
            ? throw new CheckpointException(checkpoint.Path, $"{BlockPrefix}{missing}",
                $"missing: the checkpoint has blocks up to blocks.{indices[^1]} but no tensor of blocks.{missing}; a Wan DiT numbers its blocks 0 to N-1")
            : indices.Count;
    }

    /// <summary>Every block has exactly the tensors of block 0, each of the same shape.</summary>
    private static void RequireUniformBlocks(ITensorReader checkpoint, int layers)
    {
        var blocks = checkpoint.Names
            .Select(name => (Name: name, Block: BlockOf(name)))
            .Where(n => n.Block is not null)
            .GroupBy(n => n.Block!.Value)
            .ToDictionary(g => g.Key, g => g.ToDictionary(n => InBlock(n.Name), n => checkpoint.Info(n.Name).Shape, StringComparer.Ordinal));
        var first = blocks[0];
        for (var i = 1; i < layers; i++)
        {
            foreach (var (tensor, shape) in first)
            {
                if (!blocks[i].TryGetValue(tensor, out var found))
                {
                    throw new CheckpointException(checkpoint.Path, $"{BlockPrefix}{i}.{tensor}", $"missing, but blocks.0.{tensor} is {Show(shape)}; every block of a Wan DiT has the same tensors");
                }

                if (!found.SequenceEqual(shape))
                {
                    throw new CheckpointException(checkpoint.Path, $"{BlockPrefix}{i}.{tensor}", $"is {Show(found)} but blocks.0.{tensor} is {Show(shape)}; every block of a Wan DiT has the same shapes");
                }
            }

            if (blocks[i].Keys.FirstOrDefault(tensor => !first.ContainsKey(tensor)) is { } extra)
            {
                throw new CheckpointException(checkpoint.Path, $"{BlockPrefix}{i}.{extra}", $"is {Show(blocks[i][extra])} but blocks.0 has no {extra}; every block of a Wan DiT has the same tensors");
            }
        }
    }

    private static int OutputChannels(ITensorReader checkpoint, WanPatchSize patch)
    {
        var head = Shape(checkpoint, "head.head.weight", "a Linear [out channels × patch cells, dim]", 2);
        return head[0] % patch.Volume == 0
            ? Int(head[0] / patch.Volume)
            : throw new CheckpointException(checkpoint.Path, "head.head.weight",
                $"is {Show(head)}: {head[0]} outputs are not a whole number of channels for the {patch.Volume} cells of the patch ({patch.T}, {patch.H}, {patch.W}) of {PatchEmbedding}");
    }

    /// <summary>With the architecture read, every tensor it has must be there in its shape (the head's dim, the modulation tables, ffn.2, ...).</summary>
    private static void RequireCatalogShapes(ITensorReader checkpoint, WanConfig config)
    {
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException(checkpoint.Path, null, $"its shapes give {Summary(config)}, which is no Wan DiT: {e.Message}", e);
        }

        foreach (var expected in WanTensorCatalog.Tensors(config))
        {
            if (!checkpoint.Contains(expected.Name))
            {
                throw new CheckpointException(checkpoint.Path, expected.Name, $"missing; the architecture the other tensors give ({Summary(config)}) has it as {Show(expected.Shape)}");
            }

            var found = checkpoint.Info(expected.Name).Shape;
            if (!found.SequenceEqual(expected.Shape))
            {
                throw new CheckpointException(checkpoint.Path, expected.Name,
                    $"is {Show(found)}, but the architecture the other tensors give ({Summary(config)}) has it as {Show(expected.Shape)}");
            }
        }
    }

    private static long[] Shape(ITensorReader checkpoint, string name, string expected, int rank)
    {
        if (!checkpoint.Contains(name))
        {
            throw new CheckpointException(checkpoint.Path, name, $"missing; a Wan DiT has it as {expected}");
        }

        var shape = checkpoint.Info(name).Shape;
        return shape.Length == rank && shape.All(size => size > 0)
            ? shape
            : throw new CheckpointException(checkpoint.Path, name, $"is {Show(shape)}; a Wan DiT has it as {expected}");
    }

    private static int? BlockOf(string name)
    {
        if (!name.StartsWith(BlockPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var end = name.IndexOf('.', BlockPrefix.Length);
        return end > BlockPrefix.Length && int.TryParse(name.AsSpan(BlockPrefix.Length, end - BlockPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            ? index
            : null;
    }

    private static string InBlock(string name) => name[(name.IndexOf('.', BlockPrefix.Length) + 1)..];

    private static string Describe(WanConfig c) =>
        $"Wan {(c.Task == WanTask.ImageToVideo ? "I2V" : "T2V")} DiT (dim {c.Dim}, {c.NumHeads} heads, {c.NumLayers} blocks)";

    private static string Summary(WanConfig c) =>
        $"dim {c.Dim}, ffn {c.FfnDim}, {c.NumHeads} heads, {c.NumLayers} blocks, freq dim {c.FreqDim}, text dim {c.TextDim}, " +
        $"{c.InDim} in / {c.OutDim} out channels, patch ({c.PatchSize.T}, {c.PatchSize.H}, {c.PatchSize.W})";

    private static int Int(long size) => checked((int)size);

    private static string Show(long[] shape) => $"[{string.Join(", ", shape)}]";
}
