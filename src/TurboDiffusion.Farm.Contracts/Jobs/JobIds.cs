using System.Security.Cryptography;
using System.Text;

namespace TurboDiffusion.Farm.Contracts;

/// <summary>
/// Job and batch ids. With an idempotency key the id is derived from (tenant, key), so a resubmission reaches
/// the same job grain and the store decides it is a duplicate; without one, a fresh random id.
/// </summary>
public static class JobIds
{
    public static string For(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.IdempotencyKey is { } key ? Derived("job", spec.Tenant, key) : Random("job");
    }

    public static string ForBatch(string tenant, string? idempotencyKey) =>
        idempotencyKey is { } key ? Derived("bat", tenant, key) : Random("bat");

    /// <summary>The id of item <paramref name="index"/> of a batch: stable, so resubmitting the batch reaches the same jobs.</summary>
    public static string ForBatchItem(string batchId, int index) => $"{batchId}.{index:D5}";

    private static string Derived(string kind, string tenant, string key)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{kind}\n{tenant}\n{key}"));
        return $"{kind}_{Convert.ToHexStringLower(hash.AsSpan(0, 12))}";
    }

    private static string Random(string kind) => $"{kind}_{Guid.CreateVersion7():N}";
}
