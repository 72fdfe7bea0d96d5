using TurboDiffusion.Farm.Contracts;
using FarmPriority = TurboDiffusion.Farm.Contracts.JobPriority;
using FarmResolution = TurboDiffusion.Farm.Contracts.JobResolution;
using FarmStage = TurboDiffusion.Farm.Contracts.JobStage;
using FarmStatus = TurboDiffusion.Farm.Contracts.JobStatus;
using WireAspect = TurboDiffusion.Client.Models.JobAspectRatio;
using WirePriority = TurboDiffusion.Client.Models.JobPriority;
using WireResolution = TurboDiffusion.Client.Models.JobResolution;
using WireStage = TurboDiffusion.Client.Models.JobStage;
using WireStatus = TurboDiffusion.Client.Models.JobStatus;

namespace TurboDiffusion.Gateway.Mapping;

/// <summary>
/// The API's vocabulary (TurboDiffusion.Client.Models, by name on the wire) onto the farm's and back. Every member has
/// its own arm: the enums are numbered differently, so nothing is cast, and an unmapped member throws naming it.
/// </summary>
public static class VocabularyMapper
{
    public static FarmResolution ToFarm(WireResolution resolution) => resolution switch
    {
        WireResolution.P144 => FarmResolution.P144,
        WireResolution.P480 => FarmResolution.P480,
        WireResolution.P720 => FarmResolution.P720,
        _ => throw EnumMapping.Unmapped<WireResolution, FarmResolution>(resolution),
    };

    public static WireResolution ToWire(FarmResolution resolution) => resolution switch
    {
        FarmResolution.P144 => WireResolution.P144,
        FarmResolution.P480 => WireResolution.P480,
        FarmResolution.P720 => WireResolution.P720,
        _ => throw EnumMapping.Unmapped<FarmResolution, WireResolution>(resolution),
    };

    public static JobAspect ToFarm(WireAspect aspect) => aspect switch
    {
        WireAspect.Landscape16x9 => JobAspect.Landscape16x9,
        WireAspect.Portrait9x16 => JobAspect.Portrait9x16,
        WireAspect.Square1x1 => JobAspect.Square1x1,
        WireAspect.Landscape4x3 => JobAspect.Landscape4x3,
        WireAspect.Portrait3x4 => JobAspect.Portrait3x4,
        _ => throw EnumMapping.Unmapped<WireAspect, JobAspect>(aspect),
    };

    public static WireAspect ToWire(JobAspect aspect) => aspect switch
    {
        JobAspect.Landscape16x9 => WireAspect.Landscape16x9,
        JobAspect.Portrait9x16 => WireAspect.Portrait9x16,
        JobAspect.Square1x1 => WireAspect.Square1x1,
        JobAspect.Landscape4x3 => WireAspect.Landscape4x3,
        JobAspect.Portrait3x4 => WireAspect.Portrait3x4,
        _ => throw EnumMapping.Unmapped<JobAspect, WireAspect>(aspect),
    };

    public static FarmStatus ToFarm(WireStatus status) => status switch
    {
        WireStatus.Queued => FarmStatus.Queued,
        WireStatus.Leased => FarmStatus.Leased,
        WireStatus.Running => FarmStatus.Running,
        WireStatus.Uploading => FarmStatus.Uploading,
        WireStatus.Succeeded => FarmStatus.Succeeded,
        WireStatus.Failed => FarmStatus.Failed,
        WireStatus.Canceled => FarmStatus.Canceled,
        WireStatus.Expired => FarmStatus.Expired,
        WireStatus.Held => FarmStatus.Held,
        _ => throw EnumMapping.Unmapped<WireStatus, FarmStatus>(status),
    };

    public static WireStatus ToWire(FarmStatus status) => status switch
    {
        FarmStatus.Queued => WireStatus.Queued,
        FarmStatus.Leased => WireStatus.Leased,
        FarmStatus.Running => WireStatus.Running,
        FarmStatus.Uploading => WireStatus.Uploading,
        FarmStatus.Succeeded => WireStatus.Succeeded,
        FarmStatus.Failed => WireStatus.Failed,
        FarmStatus.Canceled => WireStatus.Canceled,
        FarmStatus.Expired => WireStatus.Expired,
        FarmStatus.Held => WireStatus.Held,
        _ => throw EnumMapping.Unmapped<FarmStatus, WireStatus>(status),
    };

    public static FarmPriority ToFarm(WirePriority priority) => priority switch
    {
        WirePriority.Low => FarmPriority.Low,
        WirePriority.Normal => FarmPriority.Normal,
        WirePriority.High => FarmPriority.High,
        WirePriority.Urgent => FarmPriority.Urgent,
        _ => throw EnumMapping.Unmapped<WirePriority, FarmPriority>(priority),
    };

    public static WirePriority ToWire(FarmPriority priority) => priority switch
    {
        FarmPriority.Low => WirePriority.Low,
        FarmPriority.Normal => WirePriority.Normal,
        FarmPriority.High => WirePriority.High,
        FarmPriority.Urgent => WirePriority.Urgent,
        _ => throw EnumMapping.Unmapped<FarmPriority, WirePriority>(priority),
    };

    public static WireStage ToWire(FarmStage stage) => stage switch
    {
        FarmStage.LoadingModel => WireStage.LoadingModel,
        FarmStage.EncodingText => WireStage.EncodingText,
        FarmStage.EncodingImage => WireStage.EncodingImage,
        FarmStage.Denoising => WireStage.Denoising,
        FarmStage.Decoding => WireStage.Decoding,
        FarmStage.Writing => WireStage.Writing,
        FarmStage.Uploading => WireStage.Uploading,
        _ => throw EnumMapping.Unmapped<FarmStage, WireStage>(stage),
    };
}
