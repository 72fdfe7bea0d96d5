using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Tests.Support;

namespace TurboDiffusion.Farm.Tests.Stores;

/// <summary>What every artifact store must do; each implementation runs this suite against its real backend.</summary>
public abstract class ArtifactStoreContract : IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("artifact-src-").FullName;

    protected abstract Task<IArtifactStore> CreateStoreAsync();

    public virtual void Dispose()
    {
        Directory.Delete(work, recursive: true);
        GC.SuppressFinalize(this);
    }

    private ArtifactUpload Files(string jobId, Guid token, string content, int frames = 0)
    {
        var folder = Directory.CreateDirectory(Path.Combine(work, token.ToString("N"))).FullName;
        File.WriteAllText(Path.Combine(folder, "out.mp4"), content);
        File.WriteAllText(Path.Combine(folder, "out.json"), "{\"seed\":42}");
        string? framesDirectory = null;
        if (frames > 0)
        {
            framesDirectory = Directory.CreateDirectory(Path.Combine(folder, "frames")).FullName;
            for (var i = 0; i < frames; i++)
            {
                File.WriteAllText(Path.Combine(framesDirectory, $"{i:D5}.png"), $"frame {i}");
            }
        }

        return new ArtifactUpload("studio-a", jobId, token, Path.Combine(folder, "out.mp4"), Path.Combine(folder, "out.json"), framesDirectory);
    }

    [Fact]
    public async Task Uploaded_video_sidecar_and_frames_read_back_byte_for_byte()
    {
        var store = await CreateStoreAsync();
        var jobId = Specs.Unique("job");

        var artifact = await store.UploadAsync(Files(jobId, Guid.NewGuid(), "video bytes", frames: 3), TestContext.Current.CancellationToken);

        Assert.Equal("video bytes", await ReadAsync(store, artifact, artifact.VideoName));
        Assert.Equal("{\"seed\":42}", await ReadAsync(store, artifact, artifact.SidecarName));
        Assert.Equal("frame 2", await ReadAsync(store, artifact, "frames/00002.png"));
        Assert.Equal(3, artifact.FrameCount);
        Assert.Equal("video bytes".Length + "{\"seed\":42}".Length + (3 * "frame 0".Length), artifact.Bytes);
    }

    [Fact]
    public async Task A_copy_lands_in_the_new_jobs_attempt_folder_of_its_tenant_with_every_file()
    {
        var store = await CreateStoreAsync();
        var source = await store.UploadAsync(Files(Specs.Unique("job"), Guid.NewGuid(), "video bytes", frames: 2), TestContext.Current.CancellationToken);
        var jobId = Specs.Unique("job");
        var token = Guid.NewGuid();

        var copy = await store.CopyAsync(source, "studio-b", jobId, token, TestContext.Current.CancellationToken);

        Assert.NotNull(copy);
        Assert.Equal([token], await store.ListAttemptsAsync("studio-b", jobId, TestContext.Current.CancellationToken));
        Assert.Equal("video bytes", await ReadAsync(store, copy, copy.VideoName));
        Assert.Equal("{\"seed\":42}", await ReadAsync(store, copy, copy.SidecarName));
        Assert.Equal("frame 1", await ReadAsync(store, copy, "frames/00001.png"));
        Assert.Equal((source.FrameCount, source.Bytes), (copy.FrameCount, copy.Bytes));
        Assert.Equal(token, copy.LeaseToken);
        Assert.Equal("video bytes", await ReadAsync(store, source, source.VideoName));
    }

    [Fact]
    public async Task Copying_an_artifact_whose_files_are_gone_answers_null()
    {
        var store = await CreateStoreAsync();
        var sourceJob = Specs.Unique("job");
        var source = await store.UploadAsync(Files(sourceJob, Guid.NewGuid(), "video bytes"), TestContext.Current.CancellationToken);
        await store.DiscardAsync("studio-a", sourceJob, source.LeaseToken, TestContext.Current.CancellationToken);

        var copy = await store.CopyAsync(source, "studio-a", Specs.Unique("job"), Guid.NewGuid(), TestContext.Current.CancellationToken);

        Assert.Null(copy);
    }

    [Fact]
    public async Task Sealing_the_committed_attempt_removes_every_other_attempt_of_the_job()
    {
        var store = await CreateStoreAsync();
        var jobId = Specs.Unique("job");
        var lost = Guid.NewGuid();
        var winner = Guid.NewGuid();
        await store.UploadAsync(Files(jobId, lost, "attempt 1"), TestContext.Current.CancellationToken);
        var committed = await store.UploadAsync(Files(jobId, winner, "attempt 2"), TestContext.Current.CancellationToken);

        await store.SealAsync(committed, TestContext.Current.CancellationToken);

        Assert.Equal([winner], await store.ListAttemptsAsync("studio-a", jobId, TestContext.Current.CancellationToken));
        Assert.Equal("attempt 2", await ReadAsync(store, committed, committed.VideoName));
    }

    [Fact]
    public async Task Discarding_a_refused_attempt_leaves_the_committed_one()
    {
        var store = await CreateStoreAsync();
        var jobId = Specs.Unique("job");
        var committed = await store.UploadAsync(Files(jobId, Guid.NewGuid(), "winner"), TestContext.Current.CancellationToken);
        var stale = await store.UploadAsync(Files(jobId, Guid.NewGuid(), "stale"), TestContext.Current.CancellationToken);

        await store.DiscardAsync("studio-a", jobId, stale.LeaseToken, TestContext.Current.CancellationToken);

        Assert.Equal([committed.LeaseToken], await store.ListAttemptsAsync("studio-a", jobId, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Discarding_an_attempt_that_never_uploaded_is_harmless()
    {
        var store = await CreateStoreAsync();
        var jobId = Specs.Unique("job");

        await store.DiscardAsync("tenant-without-uploads", jobId, Guid.NewGuid(), TestContext.Current.CancellationToken);

        Assert.Empty(await store.ListAttemptsAsync("tenant-without-uploads", jobId, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_job_never_uploaded_has_no_attempts()
    {
        var store = await CreateStoreAsync();

        Assert.Empty(await store.ListAttemptsAsync("studio-a", Specs.Unique("job"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_step_checkpoint_saved_by_one_attempt_is_what_the_next_attempts_claim_reads()
    {
        var store = await CreateStoreAsync();
        var jobId = Specs.Unique("job");
        var ct = TestContext.Current.CancellationToken;

        Assert.Null(await store.ClaimStepCheckpointAsync("studio-a", jobId, 1, ct));
        await store.SaveStepCheckpointAsync("studio-a", jobId, 1, "step 1"u8.ToArray(), ct);
        await store.SaveStepCheckpointAsync("studio-a", jobId, 1, "step 2"u8.ToArray(), ct);

        Assert.Equal("step 2"u8.ToArray(), await store.ClaimStepCheckpointAsync("studio-a", jobId, 2, ct));
        Assert.Empty(await store.ListAttemptsAsync("studio-a", jobId, ct));
    }

    [Fact]
    public async Task A_stale_attempt_cannot_save_over_the_checkpoint_a_later_attempt_claimed()
    {
        var store = await CreateStoreAsync();
        var jobId = Specs.Unique("job");
        var ct = TestContext.Current.CancellationToken;
        await store.SaveStepCheckpointAsync("studio-a", jobId, 1, "attempt 1 step 2"u8.ToArray(), ct);
        await store.ClaimStepCheckpointAsync("studio-a", jobId, 2, ct);

        var refused = await Assert.ThrowsAsync<StaleCheckpointException>(() => store.SaveStepCheckpointAsync("studio-a", jobId, 1, "attempt 1 step 3"u8.ToArray(), ct));
        var claim = await Assert.ThrowsAsync<StaleCheckpointException>(() => store.ClaimStepCheckpointAsync("studio-a", jobId, 1, ct));

        Assert.Equal((1, 2), (refused.Attempt, refused.Fence));
        Assert.Contains("attempt 2 holds it", claim.Message);
        Assert.Equal("attempt 1 step 2"u8.ToArray(), await store.ClaimStepCheckpointAsync("studio-a", jobId, 3, ct));
    }

    [Fact]
    public async Task Saves_of_two_attempts_racing_end_with_the_later_attempts_checkpoint()
    {
        var store = await CreateStoreAsync();
        var jobId = Specs.Unique("job");
        var ct = TestContext.Current.CancellationToken;

        async Task SaveManyAsync(int attempt)
        {
            for (var step = 0; step < 10; step++)
            {
                try
                {
                    await store.SaveStepCheckpointAsync("studio-a", jobId, attempt, new[] { (byte)attempt, (byte)step }, ct);
                }
                catch (StaleCheckpointException)
                {
                    return;
                }
            }
        }

        await Task.WhenAll(SaveManyAsync(1), SaveManyAsync(2));

        Assert.Equal(new byte[] { 2, 9 }, await store.ClaimStepCheckpointAsync("studio-a", jobId, 2, ct));
    }

    [Fact]
    public async Task Deleting_a_step_checkpoint_leaves_none_and_deleting_none_is_harmless()
    {
        var store = await CreateStoreAsync();
        var jobId = Specs.Unique("job");
        var ct = TestContext.Current.CancellationToken;
        await store.SaveStepCheckpointAsync("studio-a", jobId, 3, "step 1"u8.ToArray(), ct);

        await store.DeleteStepCheckpointAsync("studio-a", jobId, ct);
        await store.DeleteStepCheckpointAsync("tenant-without-uploads", Specs.Unique("job"), ct);

        Assert.Null(await store.ClaimStepCheckpointAsync("studio-a", jobId, 1, ct));
    }

    [Fact]
    public async Task Sealing_the_committed_attempt_removes_the_jobs_step_checkpoint()
    {
        var store = await CreateStoreAsync();
        var jobId = Specs.Unique("job");
        var ct = TestContext.Current.CancellationToken;
        await store.SaveStepCheckpointAsync("studio-a", jobId, 1, "step 3"u8.ToArray(), ct);
        var committed = await store.UploadAsync(Files(jobId, Guid.NewGuid(), "video"), ct);

        await store.SealAsync(committed, ct);

        Assert.Null(await store.ClaimStepCheckpointAsync("studio-a", jobId, 2, ct));
        Assert.Equal([committed.LeaseToken], await store.ListAttemptsAsync("studio-a", jobId, ct));
    }

    private static async Task<string> ReadAsync(IArtifactStore store, Farm.Contracts.ArtifactRef artifact, string name)
    {
        await using var stream = await store.OpenReadAsync(artifact, name, TestContext.Current.CancellationToken);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(TestContext.Current.CancellationToken);
    }
}
