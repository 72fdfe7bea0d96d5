using TurboDiffusion.Engine;

namespace TurboDiffusion.Farm.Contracts;

/// <summary>
/// The farm's resolution and aspect as the engine names them: the worker builds its request from these, and the
/// scheduler prices queued work by the engine's frame sizes. Every member has its own arm; an unmapped one throws naming it.
/// </summary>
public static class EngineEnums
{
    public static VideoResolution ToEngine(JobResolution resolution) => resolution switch
    {
        JobResolution.P144 => VideoResolution.P144,
        JobResolution.P480 => VideoResolution.P480,
        JobResolution.P720 => VideoResolution.P720,
        _ => throw EnumMapping.Unmapped<JobResolution, VideoResolution>(resolution),
    };

    public static AspectRatio ToEngine(JobAspect aspect) => aspect switch
    {
        JobAspect.Landscape16x9 => AspectRatio.Landscape16x9,
        JobAspect.Portrait9x16 => AspectRatio.Portrait9x16,
        JobAspect.Square1x1 => AspectRatio.Square1x1,
        JobAspect.Landscape4x3 => AspectRatio.Landscape4x3,
        JobAspect.Portrait3x4 => AspectRatio.Portrait3x4,
        _ => throw EnumMapping.Unmapped<JobAspect, AspectRatio>(aspect),
    };
}
