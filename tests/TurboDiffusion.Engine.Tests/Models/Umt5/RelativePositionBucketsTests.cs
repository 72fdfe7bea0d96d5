using TurboDiffusion.Engine.Models.Umt5;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Umt5;

public sealed class RelativePositionBucketsTests
{
    private readonly Umt5Fixture fixture = Umt5Fixture.Open();

    [Fact]
    public void Buckets_match_the_reference_over_every_recorded_relative_position()
    {
        var exact = fixture.Golden.Tolerance("rel_bucket");
        using var scope = NewDisposeScope();
        var positions = Assert.Single(fixture.Golden.Manifest.Section("tensors").GetProperty("inputs.safetensors").EnumerateObject(), t => t.Name.StartsWith("rel_pos_", StringComparison.Ordinal)).Name;
        var relative = fixture.Input(positions).data<long>().ToArray();

        var buckets = relative.Select(r => (long)RelativePositionBuckets.Of((int)r, fixture.Config.Buckets, fixture.Config.MaxDistance)).ToArray();

        TensorAssert.Close(tensor(buckets), fixture.Input("rel_bucket"), exact, "relative-position buckets");
    }

    [Fact]
    public void Table_puts_the_bucket_of_key_minus_query_at_each_pair()
    {
        using var table = RelativePositionBuckets.Table(3, 5, 32, 128, CPU);

        var values = table.data<long>().ToArray();

        Assert.Equal(new long[] { 3, 5 }, table.shape);
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 5; j++)
            {
                Assert.Equal(RelativePositionBuckets.Of(j - i, 32, 128), values[(i * 5) + j]);
            }
        }
    }
}
