using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Silo.Engine;
using TurboDiffusion.Silo.Worker;

namespace TurboDiffusion.Silo.Tests.Worker;

public sealed class WorkerPartsTests
{
    [Fact]
    public void Failures_of_one_tenant_never_make_the_worker_unhealthy_but_of_two_tenants_in_a_row_do()
    {
        var streak = new FailureStreak(failures: 3, tenants: 2);

        var oneTenant = Enumerable.Range(0, 5).Select(_ => streak.Failed("a")).ToList();
        streak.Succeeded();
        var mixed = new[] { streak.Failed("a"), streak.Failed("b"), streak.Failed("a") };

        Assert.All(oneTenant, Assert.False);
        Assert.Equal([false, false, true], mixed);
        Assert.Contains("3 jobs of 2 tenants failed in a row", streak.Describe());
    }

    [Fact]
    public void A_success_resets_the_streak()
    {
        var streak = new FailureStreak(failures: 2, tenants: 2);

        streak.Failed("a");
        streak.Succeeded();

        Assert.False(streak.Failed("b"));
    }

    [Theory]
    [InlineData("CUDA out of memory. Tried to allocate 2.00 GiB", AttemptOutcome.OutOfMemory)]
    [InlineData("shape mismatch in attention", AttemptOutcome.EngineError)]
    public void Engine_exceptions_are_classified_by_whose_fault_they_are(string message, AttemptOutcome expected)
    {
        Assert.Equal(expected, FailureClassifier.Classify(new InvalidOperationException(message)));
    }

    [Fact]
    public void Storage_failures_are_the_farms_fault()
    {
        Assert.Equal(AttemptOutcome.StorageError, FailureClassifier.Classify(new ArtifactStoreException("c/p", "upload failed")));
    }

    [Fact]
    public void Machine_faults_and_a_full_disk_blame_the_worker_and_spend_no_attempt()
    {
        var encoder = FailureClassifier.Classify(new MachineFaultException("the video encoder failed", "install ffmpeg"));
        var diskFull = FailureClassifier.Classify(new IOException("No space left on device", OperatingSystem.IsWindows() ? unchecked((int)0x80070070) : 28));
        var otherIo = FailureClassifier.Classify(new IOException("the first frame is truncated"));

        Assert.Equal(AttemptOutcome.WorkerFault, encoder);
        Assert.Equal(AttemptOutcome.WorkerFault, diskFull);
        Assert.Equal(AttemptOutcome.EngineError, otherIo);
        Assert.True(encoder.BlamesWorker() && encoder.IsInfrastructure());
        Assert.False(AttemptOutcome.EngineError.BlamesWorker() || AttemptOutcome.Drained.BlamesWorker());
    }

    [Fact]
    public void A_job_spec_maps_onto_the_engine_request_field_by_field()
    {
        var spec = new JobSpec("p", "tiny", JobResolution.P720, JobAspect.Portrait9x16, 49, 2, 7, JobPriority.High, "t", ImageReference: "file:///data/first.png", WriteFrames: true);

        var request = VideoRequestMapper.Map(spec, "/work/out.mp4");

        Assert.Equal(new VideoRequest("p", "tiny", VideoResolution.P720, AspectRatio.Portrait9x16, 49, 2, 7, "/work/out.mp4", "/data/first.png", true), request);
    }
}
