using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Attention;

/// <summary>
/// The tiling the sparse branches share: head-major sequences [B, H, L, X] cut into query blocks of BQ and key
/// blocks of BK tokens, and each query block's selected key blocks (lut [B, H, Mq, T]) gathered for a chunk of
/// query blocks at a time, so no [Lq, Lk] tensor ever exists. Its tensors belong to the dispose scope it is built in.
/// </summary>
internal sealed class SlaBlockGather
{
    private readonly Tensor blocks;
    private readonly Tensor rows;
    private readonly Tensor realKey;

    public SlaBlockGather(Tensor lut, long queries, long keys, SlaOptions options)
    {
        (Batch, Heads, QueryBlocks, Selected) = (lut.shape[0], lut.shape[1], lut.shape[2], lut.shape[3]);
        (Queries, QueryBlock, KeyBlock) = (queries, options.QueryBlock, options.KeyBlock);
        KeyBlocks = SlaTiles.Count(keys, KeyBlock);

        // blocks: [B·H, Mq, T] key-block indices; rows: the same blocks as rows of KeyTiles' [B·H·Mk, BK, X].
        blocks = lut.to(ScalarType.Int64).reshape(Batch * Heads, QueryBlocks, Selected);
        rows = blocks + (arange(Batch * Heads, device: lut.device) * KeyBlocks).view(Batch * Heads, 1, 1);
        realKey = (arange(KeyBlocks * KeyBlock, device: lut.device) < keys).view(KeyBlocks, KeyBlock);
    }

    public long Batch { get; }

    public long Heads { get; }

    /// <summary>Lq, the real query tokens.</summary>
    public long Queries { get; }

    /// <summary>Mq.</summary>
    public long QueryBlocks { get; }

    /// <summary>Mk.</summary>
    public long KeyBlocks { get; }

    /// <summary>T, the key blocks each query block attends.</summary>
    public long Selected { get; }

    /// <summary>BQ.</summary>
    public long QueryBlock { get; }

    /// <summary>BK.</summary>
    public long KeyBlock { get; }

    /// <summary>Query blocks per chunk such that a chunk's scores [B·H, n, BQ, T·BK] number at most <paramref name="chunkScores"/> (at least one block).</summary>
    public long ChunkSize(long chunkScores) => Math.Max(1, chunkScores / (Batch * Heads * QueryBlock * Selected * KeyBlock));

    /// <summary>x [B, H, Lq, X] → [B·H, Mq, BQ, X], zero rows past Lq.</summary>
    public Tensor QueryTiles(Tensor x) => SlaTiles.PadTokens(x, QueryBlocks * QueryBlock).reshape(Batch * Heads, QueryBlocks, QueryBlock, x.shape[3]);

    /// <summary>x [B, H, Lk, X] → [B·H·Mk, BK, X], zero rows past Lk: what <see cref="Gather"/> reads.</summary>
    public Tensor KeyTiles(Tensor x) => SlaTiles.PadTokens(x, KeyBlocks * KeyBlock).reshape(Batch * Heads * KeyBlocks, KeyBlock, x.shape[3]);

    /// <summary>tiles [B·H·Mk, BK, X] → [B·H, n, T·BK, X]: the selected key blocks of query blocks first … first + n − 1.</summary>
    public Tensor Gather(Tensor tiles, long first, long n) =>
        tiles.index_select(0, rows.narrow(1, first, n).reshape(-1)).view(Batch * Heads, n, Selected * KeyBlock, tiles.shape[2]);

    /// <summary>perKeyBlock [B, H, Mk] → [B·H, n, 1, T·BK]: each gathered key's value of its block, for query blocks first … first + n − 1.</summary>
    public Tensor GatherPerKey(Tensor perKeyBlock, long first, long n) =>
        perKeyBlock.reshape(-1).index_select(0, rows.narrow(1, first, n).reshape(-1))
            .view(Batch * Heads, n, Selected, 1).expand(Batch * Heads, n, Selected, KeyBlock).reshape(Batch * Heads, n, 1, Selected * KeyBlock);

    /// <summary>[B·H, n, 1, T·BK]: false for the gathered keys past Lk (in a partial last key block).</summary>
    public Tensor RealKeys(long first, long n) =>
        realKey.index_select(0, blocks.narrow(1, first, n).reshape(-1)).view(Batch * Heads, n, 1, Selected * KeyBlock);

    /// <summary>tiles [B·H, Mq, BQ, X] → [B, H, Lq, X], the padded query rows dropped.</summary>
    public Tensor Untile(Tensor tiles) => tiles.view(Batch, Heads, QueryBlocks * QueryBlock, tiles.shape[3]).narrow(2, 0, Queries);
}
