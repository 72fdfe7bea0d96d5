namespace TurboDiffusion.Farm.Scheduling;

/// <summary>
/// Per-tenant usage in the spirit of start-time fair queueing: each lease adds 1/weight to the tenant's usage and
/// the least-used tenant with work goes first. A tenant that becomes busy again starts at the least usage of the
/// busy tenants, so idle time is not banked as credit for a later flood.
/// </summary>
internal sealed class FairShare
{
    private readonly Dictionary<string, double> usage = [];

    public void Activate(string tenant, IEnumerable<string> busyTenants)
    {
        var floor = busyTenants.Where(t => t != tenant).Select(UsageOf).DefaultIfEmpty(UsageOf(tenant)).Min();
        usage[tenant] = Math.Max(UsageOf(tenant), floor);
    }

    public void Charge(string tenant, double weight) => usage[tenant] = UsageOf(tenant) + (1.0 / weight);

    public IEnumerable<string> ByUsage(IEnumerable<string> tenants) =>
        tenants.OrderBy(UsageOf).ThenBy(t => t, StringComparer.Ordinal);

    /// <summary>Leases charged to <paramref name="tenant"/> so far, each 1/weight.</summary>
    public double UsageOf(string tenant) => usage.GetValueOrDefault(tenant);
}
