namespace TurboDiffusion.Farm.Tests.Cluster;

/// <summary>Multi-silo tests run one at a time: their lease and probe timings assume the machine is not shared with another cluster.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MultiSiloGroup
{
    public const string Name = "cluster";
}
