using TorchSharp;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Weights;
using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Tests.Models.Wan;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Weights;

public sealed class WeightLoaderTests
{
    private const string FilePath = "toy.safetensors";

    public WeightLoaderTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void The_catalog_lists_each_declaration_once_in_order_with_its_scoped_key_and_stored_shape()
    {
        var catalog = WeightCatalog.Record(weights => ToyModule.Build(weights, ScalarType.Float64), ScalarType.BFloat16);

        Assert.Equal([ToyModule.EmbeddingKey, ToyModule.ProjectionKey], catalog.Select(t => t.Name));
        Assert.Equal([ToyModule.EmbeddingShape, ToyModule.ProjectionShape], catalog.Select(t => t.Shape));
        Assert.All(catalog, t => Assert.Equal(ScalarType.BFloat16, t.Type));
        Assert.Equal(24, WeightCatalog.ParameterCount(catalog));
    }

    [Fact]
    public void Loading_reads_each_declared_tensor_in_the_declared_dtype_and_view_and_disposing_the_set_frees_them()
    {
        using var scope = NewDisposeScope();
        using var reader = Checkpoint();
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        var (module, owner) = WeightLoader.Build(new CheckpointWeightSource(reader, CPU), weights => (ToyModule.Build(weights, ScalarType.Float64), weights.Owner));

        Assert.Equal(live + 2, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Same(module.Embedding, owner.Tensors[0]);
        Assert.Same(module.Projection, owner.Tensors[1]);
        Assert.Equal([ToyModule.EmbeddingKey, ToyModule.ProjectionKey], owner.Keys);
        Assert.Equal(ScalarType.Float64, module.Projection.dtype);
        Assert.Equal(ToyModule.ProjectionView, module.Projection.shape);
        using (var element = module.Projection[1, 2, 1])
        {
            Assert.Equal(11.0, element.item<double>());
        }

        owner.Dispose();

        Assert.True(module.Embedding.IsInvalid);
        Assert.True(module.Projection.IsInvalid);
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void A_missing_tensor_fails_naming_file_key_and_expected_shape_and_frees_what_was_read()
    {
        using var scope = NewDisposeScope();
        using var reader = new ComposedTensorReader(FilePath).Layer(Checkpoint()).Without(ToyModule.ProjectionKey);
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        var error = Assert.Throws<CheckpointException>(() => WeightLoader.Build(new CheckpointWeightSource(reader, CPU), weights => ToyModule.Build(weights, ScalarType.Float32)));

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.Equal(FilePath, error.FilePath);
        Assert.Equal(ToyModule.ProjectionKey, error.Key);
        Assert.Contains("missing; expected a floating-point tensor of shape [2, 6]", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ScalarType.Float32, new long[] { 2, 7 }, "found Float32 [2, 7]")]
    [InlineData(ScalarType.Int8, new long[] { 2, 6 }, "found Int8 [2, 6]")]
    public void A_tensor_of_another_shape_or_a_non_float_dtype_fails_naming_expected_and_found(ScalarType type, long[] shape, string found)
    {
        using var scope = NewDisposeScope();
        using var reader = new ComposedTensorReader(FilePath).Layer(Checkpoint()).Layer(new InMemoryTensorReader("patch.safetensors", new Dictionary<string, Tensor>
        {
            [ToyModule.ProjectionKey] = zeros(shape, type),
        }));

        var error = Assert.Throws<CheckpointException>(() => WeightLoader.Build(new CheckpointWeightSource(reader, CPU), weights => ToyModule.Build(weights, ScalarType.Float32)));

        Assert.Equal(ToyModule.ProjectionKey, error.Key);
        Assert.Contains($"expected a floating-point tensor of shape [2, 6], {found}", error.Message, StringComparison.Ordinal);
    }

    private static InMemoryTensorReader Checkpoint() => new(FilePath, new Dictionary<string, Tensor>
    {
        [ToyModule.EmbeddingKey] = arange(12, ScalarType.Float32).reshape(ToyModule.EmbeddingShape),
        [ToyModule.ProjectionKey] = arange(12, ScalarType.Float32).reshape(ToyModule.ProjectionShape),
    });
}
