using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TurboDiffusion.Farm.Metrics;
using TurboDiffusion.Farm.Progress;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Silo.Engine;
using TurboDiffusion.Silo.Options;

namespace TurboDiffusion.Silo.Worker;

/// <summary>What a job run needs from its silo.</summary>
internal sealed record WorkerContext(
    IGrainFactory Grains,
    EngineHost Engine,
    IArtifactStore Artifacts,
    IProgressLog Progress,
    FarmMetrics Metrics,
    WorkerStatus Status,
    IOptions<WorkerOptions> Options,
    TimeProvider Time,
    ILoggerFactory Loggers);
