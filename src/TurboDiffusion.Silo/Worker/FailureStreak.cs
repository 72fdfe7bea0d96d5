namespace TurboDiffusion.Silo.Worker;

/// <summary>
/// Consecutive engine failures of this worker and whose jobs they were. Failing one tenant's jobs in a row says the
/// jobs are bad; failing jobs of several tenants in a row says this worker (its GPU, driver, disk) is: then it stops.
/// Two runs may report at once (one finishing its upload beside the next), so each change is made under a lock.
/// </summary>
public sealed class FailureStreak(int failures, int tenants)
{
    private readonly Lock gate = new();
    private readonly List<string> streak = [];

    public void Succeeded()
    {
        lock (gate)
        {
            streak.Clear();
        }
    }

    /// <summary>Records an engine failure; true when the streak now says the worker is unhealthy.</summary>
    public bool Failed(string tenant)
    {
        lock (gate)
        {
            streak.Add(tenant);
            return streak.Count >= failures && streak.Distinct(StringComparer.Ordinal).Count() >= tenants;
        }
    }

    public string Describe()
    {
        lock (gate)
        {
            return $"{streak.Count} jobs of {streak.Distinct(StringComparer.Ordinal).Count()} tenants failed in a row on this worker (Turbo:Worker:UnhealthyAfterFailures, UnhealthyAfterTenants); restart it after checking the GPU and engine logs";
        }
    }
}
