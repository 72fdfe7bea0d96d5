namespace TurboDiffusion.Farm.Options;

/// <summary>Render once (section <c>Turbo:Dedupe</c>): who may be answered from whose identical finished render.</summary>
public sealed class DedupeOptions
{
    public const string Section = "Turbo:Dedupe";

    /// <summary>
    /// Let a job reuse another tenant's identical render. Off by default: a tenant learns nothing of another's
    /// prompts, not even that someone rendered the same one first (a hit would come back without a render).
    /// </summary>
    public bool AcrossTenants { get; set; }
}
