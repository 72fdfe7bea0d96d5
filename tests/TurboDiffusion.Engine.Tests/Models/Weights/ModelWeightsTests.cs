using TorchSharp;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Umt5;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Models.WanVae;
using TurboDiffusion.Engine.Models.Weights;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Weights;

/// <summary>
/// Each model's declarations, followed through: the catalog they give, random weights drawn for that catalog, the
/// model loaded from them, and the model's disposal.
/// </summary>
public sealed class ModelWeightsTests
{
    public ModelWeightsTests() => TorchRuntime.EnsureLoaded();

    public static TheoryData<string> Models => ["dit", "umt5", "vae"];

    [Theory]
    [MemberData(nameof(Models))]
    public void A_model_loaded_from_its_catalog_declares_exactly_the_catalog_and_holds_only_declared_tensors(string name)
    {
        var model = Model.Named(name);
        using var weights = model.RandomWeights();

        using var loaded = model.Load(weights);

        var declared = model.Weights(loaded);
        Assert.Equal(model.Catalog.Select(t => (t.Name, Shape(t.Shape))), declared.Declarations.Select(d => (d.Key, Shape(d.Shape))));
        Assert.All(declared.Declarations.Zip(declared.Tensors), pair => Assert.Equal(pair.First.Type, pair.Second.dtype));
        var held = HeldTensors.Of(loaded);
        Assert.Equal(model.Catalog.Count, held.Count);
        Assert.All(held, tensor => Assert.Contains(tensor, declared.Tensors, ReferenceEqualityComparer.Instance));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Disposing_a_loaded_model_frees_every_tensor_it_holds(string name)
    {
        var model = Model.Named(name);
        using var weights = model.RandomWeights();
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var loaded = model.Load(weights);
        var held = HeldTensors.Of(loaded);
        Assert.Equal(live + model.Catalog.Count, DisposeScopeManager.Statistics.ThreadTotalLiveCount);

        loaded.Dispose();

        Assert.All(held, tensor => Assert.True(tensor.IsInvalid));
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Dit_tensors_are_held_in_the_dtype_of_their_precision_role()
    {
        using var weights = new RandomWanWeights(WanConfig.Tiny, seed: 1);

        using var model = WanModel.Load(weights, WanConfig.Tiny, WanPrecision.Bf16);

        var types = model.Weights.Declarations.ToDictionary(d => d.Key, d => d.Type);
        Assert.Equal(ScalarType.BFloat16, types["blocks.0.self_attn.q.weight"]);
        Assert.Equal(ScalarType.BFloat16, types["patch_embedding.weight"]);
        Assert.Equal(ScalarType.Float32, types["blocks.0.modulation"]);
        Assert.Equal(ScalarType.Float32, types["blocks.0.cross_attn.norm_k.weight"]);
        Assert.Equal(ScalarType.Float32, types["head.head.weight"]);
    }

    private static string Shape(long[] shape) => string.Join(", ", shape);

    /// <summary>One model's catalog, how to draw random weights for it, load it, and reach its declared weights.</summary>
    private sealed record Model(IReadOnlyList<TensorInfo> Catalog, Func<ITensorReader> RandomWeights, Func<ITensorReader, IDisposable> Load, Func<IDisposable, WeightSet> Weights)
    {
        public static Model Named(string name) => name switch
        {
            "dit" => new(
                WanTensorCatalog.Tensors(WanConfig.Tiny),
                () => new RandomWanWeights(WanConfig.Tiny, seed: 1),
                weights => WanModel.Load(weights, WanConfig.Tiny, WanPrecision.Fp32),
                model => ((WanModel)model).Weights),
            "umt5" => new(
                Umt5TensorCatalog.Tensors(Umt5Config.Tiny, ScalarType.Float32),
                () => new RandomUmt5Weights(Umt5Config.Tiny, seed: 1),
                weights => Umt5Encoder.Load(weights, Umt5Config.Tiny, Umt5Precision.Fp32),
                model => ((Umt5Encoder)model).Weights),
            "vae" => new(
                WanVaeTensorCatalog.Tensors(WanVaeConfig.Tiny),
                () => new RandomWanVaeWeights(WanVaeConfig.Tiny, seed: 1),
                weights => WanVaeModel.Load(weights, WanVaeConfig.Tiny, VaePrecision.Fp32, CPU),
                model => ((WanVaeModel)model).Weights),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such model"),
        };
    }
}
