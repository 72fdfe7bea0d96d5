using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using TurboDiffusion.Farm.Options;

namespace TurboDiffusion.Silo.Options;

/// <summary>The GPU worker of a silo (section <c>Turbo:Worker</c>).</summary>
public sealed partial class WorkerOptions
{
    public const string Section = "Turbo:Worker";
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultIdlePollInterval = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan DefaultMaxIdlePollInterval = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan DefaultProgressReportInterval = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan DefaultDrainGracePeriod = TimeSpan.FromSeconds(25);
    public static readonly TimeSpan DefaultReportInterval = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan DefaultLivenessTimeout = TimeSpan.FromMinutes(2);
    public const int DefaultUnhealthyAfterFailures = 3;
    public const int DefaultUnhealthyAfterTenants = 2;
    public const int DefaultUnreadyAfterWorkerFaults = 3;
    public static readonly TimeSpan DefaultPreflightRetryInterval = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultPreflightTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan SiloShutdownAllowance = TimeSpan.FromSeconds(30);

    /// <summary>1 GiB: a 720p, 81-frame video from the built-in (uncompressed) encoder is about 110 MB, with PNG frames several times that.</summary>
    public const long DefaultMinFreeScratchBytes = 1L << 30;

    /// <summary>The pool (scheduler) this worker pulls from; must match a pool of Turbo:Scheduler.</summary>
    public string Pool { get; set; } = SchedulerOptions.DefaultPoolName;

    /// <summary>
    /// The worker's id in listings, leases and logs, and the Orleans silo's name. The farm's processes default it to
    /// the host name, which in Kubernetes is the pod's name; several silos on one host need names of their own.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>How often a running job's lease is renewed; must be well below Turbo:Lease:Duration.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = DefaultHeartbeatInterval;

    /// <summary>First wait after an empty lease answer; doubles up to <see cref="MaxIdlePollInterval"/>.</summary>
    public TimeSpan IdlePollInterval { get; set; } = DefaultIdlePollInterval;

    public TimeSpan MaxIdlePollInterval { get; set; } = DefaultMaxIdlePollInterval;

    /// <summary>How often coarse progress goes to the job grain (every step goes to the progress log).</summary>
    public TimeSpan ProgressReportInterval { get; set; } = DefaultProgressReportInterval;

    /// <summary>On SIGTERM, how long the current job may run on before it is stopped and handed back; keep it below the host's shutdown timeout.</summary>
    public TimeSpan DrainGracePeriod { get; set; } = DefaultDrainGracePeriod;

    /// <summary>How often the worker reports itself to the pool's worker registry.</summary>
    public TimeSpan ReportInterval { get; set; } = DefaultReportInterval;

    /// <summary>Liveness fails when the worker loop has not advanced for this long.</summary>
    public TimeSpan LivenessTimeout { get; set; } = DefaultLivenessTimeout;

    /// <summary>Consecutive engine failures that, spanning <see cref="UnhealthyAfterTenants"/> tenants, take the worker out.</summary>
    public int UnhealthyAfterFailures { get; set; } = DefaultUnhealthyAfterFailures;

    /// <summary>Distinct tenants among those failures: failing one tenant's jobs says the jobs are bad, failing several says the worker is.</summary>
    public int UnhealthyAfterTenants { get; set; } = DefaultUnhealthyAfterTenants;

    /// <summary>
    /// Consecutive failures of this worker's machine (encoder, disk, device memory, artifact store) after which it
    /// marks itself unready and leases nothing until a preflight passes. These failures never spend a job's attempts.
    /// </summary>
    public int UnreadyAfterWorkerFaults { get; set; } = DefaultUnreadyAfterWorkerFaults;

    /// <summary>How often an unready worker runs its preflight again.</summary>
    public TimeSpan PreflightRetryInterval { get; set; } = DefaultPreflightRetryInterval;

    /// <summary>How long one preflight may take (an unreachable artifact store answers slowly) before it counts as failed.</summary>
    public TimeSpan PreflightTimeout { get; set; } = DefaultPreflightTimeout;

    /// <summary>Free bytes the work directory needs before the worker leases a job: room for one video and its frames.</summary>
    public long MinFreeScratchBytes { get; set; } = DefaultMinFreeScratchBytes;

    /// <summary>Where the engine writes a job's files before upload; defaults to a folder in the temp directory.</summary>
    public string? WorkDirectory { get; set; }

    /// <summary>
    /// Save a step checkpoint to the artifact store after every denoising step, resume a job handed back (drain, lease
    /// expiry, silo lost) from its last one, and on SIGTERM hand a job back at its next step instead of waiting out
    /// <see cref="DrainGracePeriod"/>. Off: every attempt renders from the first step.
    /// </summary>
    public bool CheckpointSteps { get; set; } = true;

    /// <summary>
    /// Lease and render the next job while the last one's files upload and its success is recorded, so the engine does
    /// not wait on the artifact store; at most one job finishes so while another renders. Off: one job at a time, start
    /// to finish.
    /// </summary>
    public bool OverlapUploads { get; set; } = true;

    /// <summary>Models to load at start so the first jobs find them warm.</summary>
    public List<string> Preload { get; set; } = [];

    /// <summary>
    /// How long the host may take to stop: the drain grace, then the silo leaving the cluster and handing its grains
    /// on. A pod's terminationGracePeriodSeconds must exceed it (docs/deploy.md).
    /// </summary>
    public TimeSpan ShutdownTimeout => DrainGracePeriod + SiloShutdownAllowance;

    /// <summary>How long the process waits after SIGTERM before it is ended regardless: the host's stop and a margin to exit.</summary>
    public TimeSpan ProcessTerminationTimeout => ShutdownTimeout + TimeSpan.FromSeconds(10);

    public string ResolveWorkDirectory() => WorkDirectory ?? Path.Combine(Path.GetTempPath(), "turbodiffusion-work");

    /// <summary>A host name or pod name: 1 to 253 letters, digits, '.', '-' or '_'.</summary>
    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,253}$")]
    private static partial Regex NamePattern();
}

public sealed class WorkerOptionsValidator(IOptions<LeaseOptions> lease) : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var leaseDuration = lease.Value.Duration;
        return new OptionsProblems(WorkerOptions.Section)
            .Require(options.Name is null || WorkerOptions.IsValidName(options.Name), nameof(options.Name), $"'{options.Name}' is not a worker name; use 1 to 253 letters, digits, '.', '-' or '_' (a host or pod name), or leave it unset for the host name.")
            .Require(!string.IsNullOrWhiteSpace(options.Pool), nameof(options.Pool), $"is empty; name the pool this worker serves, e.g. \"{SchedulerOptions.DefaultPoolName}\".")
            .Range(nameof(options.HeartbeatInterval), options.HeartbeatInterval, TimeSpan.FromMilliseconds(50), leaseDuration / 2)
            .Range(nameof(options.IdlePollInterval), options.IdlePollInterval, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1))
            .Range(nameof(options.MaxIdlePollInterval), options.MaxIdlePollInterval, options.IdlePollInterval, TimeSpan.FromMinutes(5))
            .Range(nameof(options.ProgressReportInterval), options.ProgressReportInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(5))
            .Range(nameof(options.DrainGracePeriod), options.DrainGracePeriod, TimeSpan.Zero, TimeSpan.FromHours(1))
            .Range(nameof(options.ReportInterval), options.ReportInterval, TimeSpan.FromMilliseconds(100), leaseDuration)
            .Range(nameof(options.LivenessTimeout), options.LivenessTimeout, options.HeartbeatInterval * 2, TimeSpan.FromHours(1))
            .Range(nameof(options.UnhealthyAfterFailures), options.UnhealthyAfterFailures, 1, 1000)
            .Range(nameof(options.UnhealthyAfterTenants), options.UnhealthyAfterTenants, 1, options.UnhealthyAfterFailures)
            .Range(nameof(options.UnreadyAfterWorkerFaults), options.UnreadyAfterWorkerFaults, 1, 1000)
            .Range(nameof(options.PreflightRetryInterval), options.PreflightRetryInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1))
            .Range(nameof(options.PreflightTimeout), options.PreflightTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10))
            .Range(nameof(options.MinFreeScratchBytes), options.MinFreeScratchBytes, 0L, long.MaxValue)
            .Result();
    }
}
