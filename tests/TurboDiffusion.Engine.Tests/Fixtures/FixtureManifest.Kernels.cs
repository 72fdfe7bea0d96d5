using TurboDiffusion.Engine.Attention;

namespace TurboDiffusion.Engine.Tests.Fixtures;

/// <summary>The settings the sla_op, dit_t2v_tiny (SLA run) and int8_linear fixtures were made with.</summary>
public sealed partial class FixtureManifest
{
    /// <summary>sla_op: its top-k ratio with each block configuration it holds outputs for (<c>config.blocks</c>, [query, key] tokens).</summary>
    public IReadOnlyList<SlaOptions> SlaBlockConfigurations()
    {
        var ratio = Number("ratio");
        return [.. Setting("blocks").EnumerateArray().Select(b => new SlaOptions(ratio, b[0].GetInt32(), b[1].GetInt32()))];
    }

    /// <summary>A dit_* set's SLA run (<c>sla_gpu</c>): top-k ratio and blocks.</summary>
    public SlaOptions DitSlaOptions()
    {
        var run = Section("sla_gpu");
        return new SlaOptions(run.GetProperty("topk_ratio").GetDouble(), run.GetProperty("BLKQ").GetInt32(), run.GetProperty("BLKK").GetInt32());
    }

    /// <summary>int8_linear: rows and columns of one W8A8 quantization tile (<c>config.block</c>).</summary>
    public int QuantizationTile() => Size("block");
}
