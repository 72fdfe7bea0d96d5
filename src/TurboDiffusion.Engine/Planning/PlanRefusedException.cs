namespace TurboDiffusion.Engine.Planning;

/// <summary>
/// The render does not fit this device under any plan: refused before anything loads, saying what it would need. The
/// request asks more than this machine has, which says nothing about the machine's health; another worker with a larger
/// device may take it.
/// </summary>
public sealed class PlanRefusedException(MemoryPlan plan) : JobInputException(plan.Refusal ?? "the render does not fit this device.")
{
    public MemoryPlan Plan { get; } = plan;
}
