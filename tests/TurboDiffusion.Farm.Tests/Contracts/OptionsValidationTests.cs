using TurboDiffusion.Farm.Options;
using TurboDiffusion.Farm.Stores.Blob;
using TurboDiffusion.Farm.Stores.Redis;

namespace TurboDiffusion.Farm.Tests.Contracts;

public sealed class OptionsValidationTests
{
    [Fact]
    public void Defaults_are_valid()
    {
        Assert.True(new SchedulerOptionsValidator().Validate(null, new SchedulerOptions()).Succeeded);
        Assert.True(new LeaseOptionsValidator().Validate(null, new LeaseOptions()).Succeeded);
        Assert.True(new AdmissionOptionsValidator().Validate(null, new AdmissionOptions()).Succeeded);
    }

    [Fact]
    public void A_sweep_slower_than_the_lease_is_rejected_naming_section_key_and_range()
    {
        var result = new LeaseOptionsValidator().Validate(null, new LeaseOptions { Duration = TimeSpan.FromSeconds(10), SweepInterval = TimeSpan.FromSeconds(20) });

        Assert.Equal("Turbo:Lease:SweepInterval is 00:00:20; it must be between 00:00:00.0100000 and 00:00:10. Set it as a TimeSpan, e.g. \"00:00:30\".", Assert.Single(result.Failures!));
    }

    [Fact]
    public void A_tenant_quota_above_the_pool_bound_is_rejected()
    {
        var result = new AdmissionOptionsValidator().Validate(null, new AdmissionOptions { MaxQueuedPerPool = 10, MaxQueuedPerTenant = 20 });

        Assert.Contains("Turbo:Admission:MaxQueuedPerTenant is 20; it must be between 1 and 10.", result.Failures!);
    }

    [Fact]
    public void Missing_connection_strings_say_what_to_set_and_what_happens_without()
    {
        var redis = new RedisOptionsValidator().Validate(null, new RedisOptions());
        var blob = new BlobArtifactOptionsValidator().Validate(null, new BlobArtifactOptions { Container = "Bad_Name" });

        Assert.Contains(redis.Failures!, f => f.StartsWith("Turbo:Redis:ConnectionString is not set", StringComparison.Ordinal) && f.Contains("Turbo__Redis__ConnectionString", StringComparison.Ordinal));
        Assert.Contains(blob.Failures!, f => f.StartsWith("Turbo:Blob:Container 'Bad_Name' is not a container name", StringComparison.Ordinal));
        Assert.Contains(blob.Failures!, f => f.StartsWith("Turbo:Blob:ConnectionString is not set", StringComparison.Ordinal));
    }

    [Fact]
    public void Models_route_to_their_pool_and_the_rest_to_the_default()
    {
        var options = new SchedulerOptions { ModelPools = new() { ["wan-14b"] = "h100" } };

        Assert.Equal("h100", options.PoolFor("wan-14b"));
        Assert.Equal("default", options.PoolFor("tiny"));
    }
}
