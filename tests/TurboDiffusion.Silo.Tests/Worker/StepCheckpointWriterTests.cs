using Microsoft.Extensions.Logging.Abstractions;
using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Stores.Local;
using TurboDiffusion.Silo.Worker;

namespace TurboDiffusion.Silo.Tests.Worker;

/// <summary>The writer against a real local store whose checkpoint saves can be held, as a slow store would.</summary>
public sealed class StepCheckpointWriterTests : IDisposable
{
    private static readonly string Key = new('b', 64);
    private readonly string root = Directory.CreateTempSubdirectory("checkpoints-").FullName;
    private readonly HeldSaves store;

    public StepCheckpointWriterTests() =>
        store = new HeldSaves(new LocalArtifactStore(Microsoft.Extensions.Options.Options.Create(new LocalArtifactOptions { Directory = root })));

    [Fact]
    public async Task Offers_during_a_slow_save_return_at_once_and_only_the_latest_is_written_after_it()
    {
        var lease = Lease(attempt: 1);
        await using var writer = new StepCheckpointWriter(store, lease, Key, () => { }, NullLogger.Instance);
        store.Hold();
        writer.Offer(Checkpoint(1));
        await store.SaveStarted.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        var offering = Task.Run(() =>
        {
            for (var step = 2; step <= 4; step++)
            {
                writer.Offer(Checkpoint(step));
            }
        }, TestContext.Current.CancellationToken);
        await offering.WaitAsync(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        store.Release();
        await writer.FlushAsync();

        Assert.Equal([1, 4], store.SavedSteps);
        Assert.Equal(1, store.MostAtOnce);
        Assert.Equal(4, writer.LastStepsDone);
        var (_, stored) = StepCheckpointFile.Read(await store.ClaimStepCheckpointAsync("studio-a", lease.JobId, 2, TestContext.Current.CancellationToken));
        Assert.Equal(4, stored.StepsDone);
    }

    [Fact]
    public async Task A_fenced_out_attempt_is_told_once_and_saves_nothing_more()
    {
        var lease = Lease(attempt: 1);
        var told = 0;
        await using var writer = new StepCheckpointWriter(store, lease, Key, () => Interlocked.Increment(ref told), NullLogger.Instance);
        writer.Offer(Checkpoint(1));
        await writer.FlushAsync();
        await store.ClaimStepCheckpointAsync("studio-a", lease.JobId, 2, TestContext.Current.CancellationToken);

        writer.Offer(Checkpoint(2));
        await writer.FlushAsync();
        writer.Offer(Checkpoint(3));
        await writer.FlushAsync();

        Assert.Equal(1, told);
        Assert.Equal([1], store.SavedSteps);
        Assert.Equal(1, writer.Written);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static JobLease Lease(int attempt) =>
        new($"job-{Guid.NewGuid():N}", Guid.NewGuid(), new JobSpec("a fox", "tiny", JobResolution.P480, JobAspect.Landscape16x9, 81, 4, 42, JobPriority.Normal, "studio-a", null), attempt, DateTimeOffset.UtcNow.AddMinutes(1));

    private static DenoiseCheckpoint Checkpoint(int step) => new(step, 4, null, [1, 8], new byte[64], new byte[16], step);

    /// <summary>Passes every call to a real store; checkpoint saves wait while held, and each stored one is recorded.</summary>
    private sealed class HeldSaves(IArtifactStore inner) : IArtifactStore
    {
        private readonly Lock gate = new();
        private readonly List<int> saved = [];
        private readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource release = Released();
        private int atOnce;

        public Task SaveStarted => started.Task;

        public int MostAtOnce { get; private set; }

        public IReadOnlyList<int> SavedSteps
        {
            get
            {
                lock (gate)
                {
                    return [.. saved];
                }
            }
        }

        public void Hold() => release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => release.TrySetResult();

        public async Task SaveStepCheckpointAsync(string tenant, string jobId, int attempt, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
        {
            var now = Interlocked.Increment(ref atOnce);
            MostAtOnce = Math.Max(MostAtOnce, now);
            started.TrySetResult();
            try
            {
                await release.Task.WaitAsync(cancellationToken);
                await inner.SaveStepCheckpointAsync(tenant, jobId, attempt, content, cancellationToken);
                lock (gate)
                {
                    saved.Add(StepCheckpointFile.Read(content).Checkpoint.StepsDone);
                }
            }
            finally
            {
                Interlocked.Decrement(ref atOnce);
            }
        }

        public Task<byte[]?> ClaimStepCheckpointAsync(string tenant, string jobId, int attempt, CancellationToken cancellationToken = default) =>
            inner.ClaimStepCheckpointAsync(tenant, jobId, attempt, cancellationToken);

        public Task DeleteStepCheckpointAsync(string tenant, string jobId, CancellationToken cancellationToken = default) => inner.DeleteStepCheckpointAsync(tenant, jobId, cancellationToken);

        public Task CheckAsync(CancellationToken cancellationToken = default) => inner.CheckAsync(cancellationToken);

        public Task<ArtifactRef> UploadAsync(ArtifactUpload upload, CancellationToken cancellationToken = default) => inner.UploadAsync(upload, cancellationToken);

        public Task<ArtifactRef?> CopyAsync(ArtifactRef source, string tenant, string jobId, Guid leaseToken, CancellationToken cancellationToken = default) =>
            inner.CopyAsync(source, tenant, jobId, leaseToken, cancellationToken);

        public Task SealAsync(ArtifactRef committed, CancellationToken cancellationToken = default) => inner.SealAsync(committed, cancellationToken);

        public Task DiscardAsync(string tenant, string jobId, Guid leaseToken, CancellationToken cancellationToken = default) =>
            inner.DiscardAsync(tenant, jobId, leaseToken, cancellationToken);

        public Task<IReadOnlyList<Guid>> ListAttemptsAsync(string tenant, string jobId, CancellationToken cancellationToken = default) =>
            inner.ListAttemptsAsync(tenant, jobId, cancellationToken);

        public Task<Stream> OpenReadAsync(ArtifactRef artifact, string name, CancellationToken cancellationToken = default) => inner.OpenReadAsync(artifact, name, cancellationToken);

        private static TaskCompletionSource Released()
        {
            var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            released.SetResult();
            return released;
        }
    }
}
