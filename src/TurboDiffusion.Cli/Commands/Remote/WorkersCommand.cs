using System.CommandLine;
using Microsoft.Extensions.Configuration;

namespace TurboDiffusion.Cli.Commands.Remote;

/// <summary><c>turbo workers</c>: the queues and GPU workers of the farm.</summary>
public static class WorkersCommand
{
    public static Command Create(Func<IConfigurationRoot> configuration)
    {
        var connection = new GatewayConnection();
        var command = new Command("workers", "List the pools (queue depth, oldest wait) and GPU workers (device, state, models, current job).");
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => GatewayConnection.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            using var client = connection.Connect(parse, configuration());
            foreach (var pool in await client.GetPoolsAsync(cancellationToken).ConfigureAwait(false))
            {
                var quota = pool.QuotaUnit == "gpu-seconds" ? $"; quotas count GPU-seconds: {pool.QueuedInUnit:F1} queued, {pool.HeldInUnit:F1} held" : "";
                stdout.WriteLine($"pool {pool.Pool}: {pool.Depth} queued (oldest {pool.OldestQueuedAgeSeconds:F0} s), {pool.Held} held, {pool.Leased} leased{quota}");
                foreach (var load in pool.ModelLoads ?? [])
                {
                    stdout.WriteLine($"  {load.Model} loads in {load.Seconds:F1} s on worker {load.Worker} ({load.Loads} measured)");
                }
            }

            foreach (var worker in await client.GetWorkersAsync(cancellationToken).ConfigureAwait(false))
            {
                var job = worker.CurrentJob is { } current
                    ? $", job {current.Id}{(current.Progress is { } p ? $" {p.Stage.Replace('_', ' ')} {p.Done}/{p.Total}" : "")}"
                    : "";
                var memory = worker.MemoryTotalBytes > 0 ? $", {worker.MemoryUsedBytes / (double)(1L << 30):F1}/{worker.MemoryTotalBytes / (double)(1L << 30):F1} GiB" : "";
                stdout.WriteLine($"worker {worker.Id} [{worker.Pool}] {worker.State} on {worker.Gpu}{memory}, models [{string.Join(", ", worker.LoadedModels)}]{job}{(worker.Health is { } h ? $" ({h})" : "")}");
            }

            return 0;
        }));
        return command;
    }
}
