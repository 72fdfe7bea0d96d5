using System.Text.Json.Serialization;

namespace TurboDiffusion.Client.Models;

/// <summary>Where a job is: held (a batch item waiting for room in its tenant's quota), queued, leased, running, uploading, then succeeded, failed, canceled or expired.</summary>
/// <remarks>The numbers are what REST answers carried before the names; they are still read.</remarks>
[WireEnum("job status", ReadsNumbers = true)]
public enum JobStatus
{
    [JsonStringEnumMemberName("queued")]
    Queued = 0,

    [JsonStringEnumMemberName("leased")]
    Leased = 1,

    [JsonStringEnumMemberName("running")]
    Running = 2,

    [JsonStringEnumMemberName("uploading")]
    Uploading = 3,

    [JsonStringEnumMemberName("succeeded")]
    Succeeded = 4,

    [JsonStringEnumMemberName("failed")]
    Failed = 5,

    [JsonStringEnumMemberName("canceled")]
    Canceled = 6,

    [JsonStringEnumMemberName("expired")]
    Expired = 7,

    [JsonStringEnumMemberName("held")]
    Held = 8,
}
