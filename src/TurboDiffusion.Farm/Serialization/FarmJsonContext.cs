using System.Text.Json.Serialization;
using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Serialization;

/// <summary>The JSON form of stored records (Redis values, artifact sidecars of the farm); enums as names so records stay readable.</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JobState))]
[JsonSerializable(typeof(BatchState))]
[JsonSerializable(typeof(Webhooks.WebhookDelivery))]
internal sealed partial class FarmJsonContext : JsonSerializerContext;
