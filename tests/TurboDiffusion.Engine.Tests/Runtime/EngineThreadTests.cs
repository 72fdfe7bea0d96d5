using TurboDiffusion.Engine.Runtime;

namespace TurboDiffusion.Engine.Tests.Runtime;

public sealed class EngineThreadTests
{
    [Fact]
    public async Task Calls_run_on_one_dedicated_thread_in_order_and_their_exceptions_reach_the_caller()
    {
        using var thread = new EngineThread("test-engine");

        var first = await thread.RunAsync(() => Environment.CurrentManagedThreadId, TestContext.Current.CancellationToken);
        var second = await thread.RunAsync(() => (Environment.CurrentManagedThreadId, Thread.CurrentThread.Name), TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => thread.RunAsync<int>(() => throw new InvalidOperationException("boom"), TestContext.Current.CancellationToken));

        Assert.NotEqual(Environment.CurrentManagedThreadId, first);
        Assert.Equal((first, "test-engine"), second);
        Assert.Equal("boom", error.Message);
    }

    [Fact]
    public async Task A_call_canceled_while_it_waits_for_the_thread_never_runs()
    {
        using var thread = new EngineThread("test-engine");
        using var release = new ManualResetEventSlim();
        using var cancel = new CancellationTokenSource();
        var ran = false;

        var busy = thread.RunAsync(() => release.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        var waiting = thread.RunAsync(() => ran = true, cancel.Token);
        await cancel.CancelAsync();
        release.Set();
        await busy;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.False(ran);
    }
}
