namespace TurboDiffusion.Farm.Hosting;

/// <summary>Names every host of the farm agrees on (silos, gateway tiers, the CLI), kept in one place.</summary>
public static class FarmNames
{
    /// <summary>The Orleans cluster and service id when Turbo:Cluster sets none.</summary>
    public const string DefaultClusterId = "turbodiffusion";

    /// <summary>Health checks of the process itself (liveness probes).</summary>
    public const string LiveTag = "live";

    /// <summary>Health checks that must pass before traffic is sent (readiness probes).</summary>
    public const string ReadyTag = "ready";
}
