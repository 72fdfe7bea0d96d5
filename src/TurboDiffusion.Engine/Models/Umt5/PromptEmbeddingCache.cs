using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Umt5;

/// <summary>
/// The most recently used prompt embeddings, so a batch that repeats a prompt with other seeds encodes it
/// once. Thread-safe. The cache owns its tensors and disposes one when it is evicted (least recently used
/// first), cleared or the cache disposed; callers get an alias of the cached tensor, which stays valid
/// after eviction and is theirs to dispose. Aliases share storage: treat them as read-only.
/// </summary>
public sealed class PromptEmbeddingCache : IDisposable
{
    /// <summary>umT5-XXL contexts are [1, 512, 4096] bf16, 4 MiB each.</summary>
    public const int DefaultCapacity = 16;

    private readonly Lock gate = new();
    private readonly Dictionary<PromptCacheKey, LinkedListNode<(PromptCacheKey Key, Tensor Value)>> entries = [];
    private readonly LinkedList<(PromptCacheKey Key, Tensor Value)> recency = new();
    private bool disposed;
    private long hits;
    private long misses;

    public PromptEmbeddingCache(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count
    {
        get
        {
            lock (gate)
            {
                return entries.Count;
            }
        }
    }

    /// <summary>Lookups answered from the cache.</summary>
    public long Hits
    {
        get
        {
            lock (gate)
            {
                return hits;
            }
        }
    }

    /// <summary>Lookups that ran the encoder.</summary>
    public long Misses
    {
        get
        {
            lock (gate)
            {
                return misses;
            }
        }
    }

    /// <summary>
    /// The cached embedding for <paramref name="key"/>, or <paramref name="encode"/>'s result, which the cache
    /// takes over. The encoder runs outside the lock; if two threads miss the same key at once, the first
    /// result is kept and the other disposed.
    /// </summary>
    public Tensor GetOrAdd(PromptCacheKey key, Func<Tensor> encode)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(encode);
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (entries.TryGetValue(key, out var cached))
            {
                hits++;
                return Touch(cached);
            }

            misses++;
        }

        var value = encode().DetachFromDisposeScope();
        lock (gate)
        {
            if (disposed || entries.ContainsKey(key))
            {
                value.Dispose();
                ObjectDisposedException.ThrowIf(disposed, this);
                return Touch(entries[key]);
            }

            entries[key] = recency.AddFirst((key, value));
            while (entries.Count > Capacity)
            {
                Evict(recency.Last!);
            }

            return value.alias();
        }
    }

    /// <summary>Disposes every cached embedding.</summary>
    public void Clear()
    {
        lock (gate)
        {
            while (recency.First is { } node)
            {
                Evict(node);
            }
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
        }

        Clear();
    }

    private Tensor Touch(LinkedListNode<(PromptCacheKey Key, Tensor Value)> node)
    {
        recency.Remove(node);
        recency.AddFirst(node);
        return node.Value.Value.alias();
    }

    private void Evict(LinkedListNode<(PromptCacheKey Key, Tensor Value)> node)
    {
        recency.Remove(node);
        entries.Remove(node.Value.Key);
        node.Value.Value.Dispose();
    }
}
