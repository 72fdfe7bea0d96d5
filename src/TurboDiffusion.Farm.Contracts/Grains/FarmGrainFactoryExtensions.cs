namespace TurboDiffusion.Farm.Contracts;

/// <summary>Submission entry points for anything holding an <see cref="IGrainFactory"/> (gateway, CLI, tests).</summary>
public static class FarmGrainFactoryExtensions
{
    /// <summary>Validates <paramref name="spec"/> and submits it under its idempotent job id.</summary>
    public static Task<SubmitResult> SubmitJobAsync(this IGrainFactory grains, JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(grains);
        JobSpecValidator.EnsureValid(spec);
        return grains.GetGrain<IJobGrain>(JobIds.For(spec)).Submit(spec, batchId: null, submittedAt: null);
    }

    /// <summary>Validates every item and submits the batch under its idempotent batch id.</summary>
    public static Task<BatchSummary> SubmitBatchAsync(this IGrainFactory grains, BatchSpec batch)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(batch);
        var problems = batch.Items.SelectMany((item, i) => JobSpecValidator.Problems(item).Select(p => $"items[{i}].{p}")).ToList();
        if (batch.Items.IsDefaultOrEmpty)
        {
            problems.Add("items: the batch is empty; add at least one job spec.");
        }

        if (batch.Items.Any(item => item.Tenant != batch.Tenant))
        {
            problems.Add($"items: every item must belong to the batch's tenant '{batch.Tenant}'.");
        }

        if (problems.Count > 0)
        {
            throw new InvalidJobSpecException(problems);
        }

        return grains.GetGrain<IBatchGrain>(JobIds.ForBatch(batch.Tenant, batch.IdempotencyKey)).Submit(batch);
    }
}
