using System.Text.Json.Serialization;

namespace TurboDiffusion.Client.Models;

/// <summary>Scheduling priority within a tenant; waiting raises it (ageing).</summary>
/// <remarks>The numbers are what REST answers carried before the names; they are still read.</remarks>
[WireEnum("priority", ReadsNumbers = true)]
public enum JobPriority
{
    [JsonStringEnumMemberName("low")]
    Low = 0,

    [JsonStringEnumMemberName("normal")]
    Normal = 1,

    [JsonStringEnumMemberName("high")]
    High = 2,

    [JsonStringEnumMemberName("urgent")]
    Urgent = 3,
}
