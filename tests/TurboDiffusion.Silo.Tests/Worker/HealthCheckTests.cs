using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using TurboDiffusion.Farm.Metrics;
using TurboDiffusion.Silo.Health;
using TurboDiffusion.Silo.Options;
using TurboDiffusion.Silo.Worker;

namespace TurboDiffusion.Silo.Tests.Worker;

public sealed class HealthCheckTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    private readonly FarmMetrics metrics = new(Prometheus.Metrics.NewCustomRegistry());

    [Fact]
    public async Task Readiness_follows_the_worker_state_and_draining_and_unhealthy_stick()
    {
        var status = new WorkerStatus(time, metrics);
        var check = new WorkerReadinessCheck(status);

        var starting = await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);
        status.Idle();
        var idle = await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);
        status.Unhealthy("3 jobs of 2 tenants failed in a row");
        status.Idle();
        var unhealthy = await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, starting.Status);
        Assert.Equal(HealthStatus.Healthy, idle.Status);
        Assert.Equal(HealthStatus.Unhealthy, unhealthy.Status);
        Assert.Contains("3 jobs of 2 tenants failed in a row", unhealthy.Description);
        Assert.Equal(1, metrics.WorkerState.WithLabels("unhealthy").Value);
        Assert.Equal(0, metrics.WorkerState.WithLabels("idle").Value);
    }

    [Fact]
    public async Task An_unready_worker_is_not_ready_and_says_why_until_a_preflight_passes()
    {
        var status = new WorkerStatus(time, metrics);
        var check = new WorkerReadinessCheck(status);

        status.Unready("encoder: ffmpeg crashed on its test encode. Fix: reinstall ffmpeg.");
        var unready = await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);
        var reason = status.Reason;
        status.Ready();
        var ready = await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, unready.Status);
        Assert.Contains("unready", unready.Description, StringComparison.Ordinal);
        Assert.Contains("ffmpeg crashed on its test encode. Fix: reinstall ffmpeg.", unready.Description, StringComparison.Ordinal);
        Assert.Equal("encoder: ffmpeg crashed on its test encode. Fix: reinstall ffmpeg.", reason);
        Assert.Equal(HealthStatus.Healthy, ready.Status);
        Assert.Null(status.Reason);
        Assert.Equal(0, metrics.WorkerState.WithLabels("unready").Value);
    }

    [Fact]
    public void Unready_does_not_bring_back_a_draining_or_unhealthy_worker()
    {
        var status = new WorkerStatus(time, metrics);
        status.Unhealthy("3 jobs of 2 tenants failed in a row");

        status.Unready("scratch space: full");
        status.Ready();

        Assert.Equal(Farm.Contracts.WorkerState.Unhealthy, status.State);
        Assert.Equal("3 jobs of 2 tenants failed in a row", status.Reason);
    }

    [Fact]
    public async Task Liveness_fails_once_the_worker_loop_stops_advancing_for_the_timeout()
    {
        var status = new WorkerStatus(time, metrics);
        var check = new WorkerLivenessCheck(status, Microsoft.Extensions.Options.Options.Create(new WorkerOptions { LivenessTimeout = TimeSpan.FromMinutes(2) }), time);

        time.Advance(TimeSpan.FromMinutes(1));
        status.Tick();
        time.Advance(TimeSpan.FromMinutes(1.5));
        var quiet = await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromMinutes(1));
        var stalled = await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Healthy, quiet.Status);
        Assert.Equal(HealthStatus.Unhealthy, stalled.Status);
        Assert.Contains("Turbo:Worker:LivenessTimeout", stalled.Description);
    }
}
