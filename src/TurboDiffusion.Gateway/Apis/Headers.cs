namespace TurboDiffusion.Gateway.Apis;

/// <summary>Header names of the API.</summary>
public static class Headers
{
    /// <summary>Required on submissions: a retry with the same key answers the original job instead of rendering twice.</summary>
    public const string IdempotencyKey = "Idempotency-Key";

    public const string LastEventId = "Last-Event-ID";
}
