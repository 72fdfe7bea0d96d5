using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Attention;

/// <summary>
/// The sla_op golden set: q, k, v [B, L, H, D] bf16 and proj_l, the official SLA outputs for one block configuration
/// (<c>q{BQ}_k{BK}</c>) and the linear branch shared by all, with their float64 references. The branch outputs (o_s,
/// o_l), which the reference keeps heads-first, are read token-major [B, L, H, D], the layout every attention here
/// returns.
/// </summary>
internal sealed class SlaOpFixture : IDisposable
{
    private const string Set = "sla_op";

    private readonly Dictionary<string, Tensor> tensors;

    private SlaOpFixture(GoldenFixture golden, SlaOptions options, Dictionary<string, Tensor> tensors)
    {
        (Golden, Options, this.tensors) = (golden, options, tensors);
    }

    public GoldenFixture Golden { get; }

    /// <summary>"q{BQ}_k{BK}", the prefix of the configuration's outputs.</summary>
    public string Configuration => Name(Options);

    /// <summary>The manifest's ratio with this configuration's blocks.</summary>
    public SlaOptions Options { get; }

    /// <summary>Every block configuration the manifest lists, with its ratio.</summary>
    public static IReadOnlyList<SlaOptions> Configurations() => GoldenFixture.Open(Set).Manifest.SlaBlockConfigurations();

    /// <summary><see cref="Configurations"/> as (query block, key block) theory rows.</summary>
    public static TheoryData<int, int> BlockConfigurations() => [.. Configurations().Select(o => (o.QueryBlock, o.KeyBlock))];

    /// <summary>The first configuration the manifest lists, for tests that need one.</summary>
    public static SlaOpFixture OpenFirst() => Open(Configurations()[0].QueryBlock, Configurations()[0].KeyBlock);

    public static SlaOpFixture Open(int queryBlock, int keyBlock)
    {
        var golden = GoldenFixture.Open(Set);
        var options = Assert.Single(golden.Manifest.SlaBlockConfigurations(), o => (o.QueryBlock, o.KeyBlock) == (queryBlock, keyBlock));
        var configuration = Name(options);
        var tensors = new Dictionary<string, Tensor>();
        foreach (var file in new[] { "inputs.safetensors", $"outputs_{configuration}.safetensors", "outputs_linear_branch.safetensors" })
        {
            using var reader = golden.Tensors(file);
            foreach (var name in reader.Names)
            {
                var key = name.StartsWith(configuration + "_", StringComparison.Ordinal) ? name[(configuration.Length + 1)..] : name;
                using var scope = NewDisposeScope();
                var tensor = reader.Load(name);
                tensors[key] = (IsBranchOutput(key) ? tensor.transpose(1, 2).contiguous() : tensor).MoveToOuterDisposeScope();
            }
        }

        return new SlaOpFixture(golden, options, tensors);
    }

    /// <summary>A tensor by its name without the configuration prefix: "q", "o_s_ref", "lut_sorted", "o_l_bf16".</summary>
    public Tensor this[string name] => tensors[name];

    /// <summary>An <see cref="SlaAttention"/> over the fixture's proj_l (fp32 parameters), on the TorchSharp SLA sparse branch by default.</summary>
    public SlaAttention Attention(ISlaSparseBranch? sparseBranch = null) =>
        new(tensors["proj_l_weight"].clone(), tensors["proj_l_bias"].clone(), Options, sparseBranch);

    public void Dispose()
    {
        foreach (var tensor in tensors.Values)
        {
            tensor.Dispose();
        }
    }

    private static string Name(SlaOptions options) => $"q{options.QueryBlock}_k{options.KeyBlock}";

    private static bool IsBranchOutput(string name) => name.StartsWith("o_s_", StringComparison.Ordinal) || name.StartsWith("o_l_", StringComparison.Ordinal);
}
