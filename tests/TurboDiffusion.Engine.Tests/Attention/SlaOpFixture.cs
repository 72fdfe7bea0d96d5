using TurboDiffusion.Engine.Attention;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Attention;

/// <summary>
/// The sla_op golden set: q, k, v [1, 1024, 2, 128] bf16 and proj_l, the official SLA outputs for one block
/// configuration (<c>q{BQ}_k{BK}</c>) and the linear branch shared by both, with their float64 references.
/// </summary>
internal sealed class SlaOpFixture : IDisposable
{
    private readonly Dictionary<string, Tensor> tensors;

    private SlaOpFixture(GoldenFixture golden, string configuration, SlaOptions options, Dictionary<string, Tensor> tensors)
    {
        (Golden, Configuration, Options, this.tensors) = (golden, configuration, options, tensors);
    }

    public GoldenFixture Golden { get; }

    /// <summary>"q128_k64" or "q64_k128", the prefix of the configuration's outputs.</summary>
    public string Configuration { get; }

    /// <summary>The manifest's ratio with this configuration's blocks.</summary>
    public SlaOptions Options { get; }

    public static SlaOpFixture Open(int queryBlock, int keyBlock)
    {
        var golden = GoldenFixture.Open("sla_op");
        var config = golden.Manifest.RootElement.GetProperty("config");
        var listed = config.GetProperty("blocks").EnumerateArray().Select(b => (b[0].GetInt32(), b[1].GetInt32()));
        Assert.Contains((queryBlock, keyBlock), listed);
        var configuration = $"q{queryBlock}_k{keyBlock}";
        var tensors = new Dictionary<string, Tensor>();
        foreach (var file in new[] { "inputs.safetensors", $"outputs_{configuration}.safetensors", "outputs_linear_branch.safetensors" })
        {
            using var reader = golden.Tensors(file);
            foreach (var name in reader.Names)
            {
                tensors[name.StartsWith(configuration + "_", StringComparison.Ordinal) ? name[(configuration.Length + 1)..] : name] = reader.Load(name);
            }
        }

        return new SlaOpFixture(golden, configuration, new SlaOptions(config.GetProperty("ratio").GetDouble(), queryBlock, keyBlock), tensors);
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
}
