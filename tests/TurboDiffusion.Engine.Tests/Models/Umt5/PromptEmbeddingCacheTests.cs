using TorchSharp;
using TurboDiffusion.Engine.Models.Umt5;
using TurboDiffusion.Engine.Runtime;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Umt5;

public sealed class PromptEmbeddingCacheTests
{
    private readonly List<Tensor> encoded = [];

    public PromptEmbeddingCacheTests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void A_repeated_key_is_encoded_once_and_served_from_the_cache()
    {
        using var cache = new PromptEmbeddingCache(capacity: 2);

        using var first = cache.GetOrAdd(Key("a cat"), () => Encode(1));
        using var second = cache.GetOrAdd(Key("a cat"), () => Encode(2));

        Assert.Single(encoded);
        Assert.Equal((1L, 1L), (cache.Hits, cache.Misses));
        Assert.Equal(1f, second.mean().item<float>());
    }

    [Fact]
    public void The_least_recently_used_entry_is_evicted_and_disposed()
    {
        using var cache = new PromptEmbeddingCache(capacity: 2);
        cache.GetOrAdd(Key("a"), () => Encode(1)).Dispose();
        cache.GetOrAdd(Key("b"), () => Encode(2)).Dispose();
        cache.GetOrAdd(Key("a"), () => Encode(99)).Dispose();

        cache.GetOrAdd(Key("c"), () => Encode(3)).Dispose();

        Assert.Equal(2, cache.Count);
        Assert.True(encoded[1].IsInvalid);
        Assert.False(encoded[0].IsInvalid);
        Assert.False(encoded[2].IsInvalid);
        cache.GetOrAdd(Key("a"), () => Encode(99)).Dispose();
        Assert.Equal(3, encoded.Count);
    }

    [Fact]
    public void A_served_embedding_outlives_its_eviction()
    {
        using var cache = new PromptEmbeddingCache(capacity: 1);
        using var kept = cache.GetOrAdd(Key("a"), () => Encode(5));

        cache.GetOrAdd(Key("b"), () => Encode(6)).Dispose();

        Assert.True(encoded[0].IsInvalid);
        Assert.Equal(5f, kept.mean().item<float>());
    }

    [Fact]
    public void Keys_differ_by_model_dtype_device_and_text_length()
    {
        using var cache = new PromptEmbeddingCache(capacity: 8);
        PromptCacheKey[] keys =
        [
            Key("a"),
            Key("a") with { Model = "other" },
            Key("a") with { Type = ScalarType.BFloat16 },
            Key("a") with { Device = "cuda:0" },
            Key("a") with { TextLength = 512 },
        ];

        foreach (var key in keys)
        {
            cache.GetOrAdd(key, () => Encode(1)).Dispose();
        }

        Assert.Equal(keys.Length, encoded.Count);
        Assert.Equal(0L, cache.Hits);
    }

    [Fact]
    public void Clearing_or_disposing_the_cache_disposes_its_entries()
    {
        var cache = new PromptEmbeddingCache(capacity: 4);
        cache.GetOrAdd(Key("a"), () => Encode(1)).Dispose();
        cache.Clear();
        cache.GetOrAdd(Key("b"), () => Encode(2)).Dispose();

        cache.Dispose();

        Assert.All(encoded, t => Assert.True(t.IsInvalid));
        Assert.Throws<ObjectDisposedException>(() => cache.GetOrAdd(Key("c"), () => Encode(3)));
    }

    [Fact]
    public void Concurrent_lookups_count_every_call_and_serve_the_right_values()
    {
        using var cache = new PromptEmbeddingCache(capacity: 4);
        const int Calls = 200;
        var wrong = 0;

        Parallel.For(0, Calls, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var value = i % 8;
            using var scope = NewDisposeScope();
            var embedding = cache.GetOrAdd(Key($"prompt {value}"), () => full(new long[] { 1, 4, 2 }, (float)value));
            if (embedding.mean().item<float>() != value)
            {
                Interlocked.Increment(ref wrong);
            }
        });

        Assert.Equal(0, wrong);
        Assert.Equal(Calls, cache.Hits + cache.Misses);
        Assert.InRange(cache.Count, 1, cache.Capacity);
    }

    [Fact]
    public void Embeddings_leave_no_live_tensor_behind_once_the_cache_is_gone()
    {
        var live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        using (var cache = new PromptEmbeddingCache(capacity: 1))
        {
            cache.GetOrAdd(Key("a"), () => full(new long[] { 2 }, 1f)).Dispose();
            cache.GetOrAdd(Key("b"), () => full(new long[] { 2 }, 2f)).Dispose();
        }

        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    private static PromptCacheKey Key(string prompt) => new(prompt, "test-model", 4, ScalarType.Float32, "cpu");

    private Tensor Encode(float value)
    {
        var tensor = full(new long[] { 1, 4, 2 }, value);
        encoded.Add(tensor);
        return tensor;
    }
}
