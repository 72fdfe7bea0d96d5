namespace TurboDiffusion.Client.Tests;

public sealed class WebhookSignatureTests
{
    private const string Secret = "webhook-secret-0123456789";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    [Fact]
    public void A_signature_verifies_for_its_id_timestamp_and_body_only()
    {
        var signature = WebhookSignature.Sign(Secret, "job_1.v3", Now.ToUnixTimeSeconds(), """{"type":"job.succeeded"}""");

        Assert.StartsWith("v1,", signature, StringComparison.Ordinal);
        Assert.True(WebhookSignature.Verify(Secret, "job_1.v3", "1800000000", """{"type":"job.succeeded"}""", signature, Now));
        Assert.False(WebhookSignature.Verify(Secret, "job_1.v3", "1800000000", """{"type":"job.failed"}""", signature, Now));
        Assert.False(WebhookSignature.Verify(Secret, "job_1.v4", "1800000000", """{"type":"job.succeeded"}""", signature, Now));
        Assert.False(WebhookSignature.Verify("another-secret-0123456", "job_1.v3", "1800000000", """{"type":"job.succeeded"}""", signature, Now));
    }

    [Fact]
    public void An_old_timestamp_is_refused_as_a_replay()
    {
        var signature = WebhookSignature.Sign(Secret, "job_1.v3", Now.ToUnixTimeSeconds(), "{}");

        Assert.False(WebhookSignature.Verify(Secret, "job_1.v3", "1800000000", "{}", signature, Now.AddMinutes(6)));
        Assert.True(WebhookSignature.Verify(Secret, "job_1.v3", "1800000000", "{}", $"v1,bm90LWl0 {signature}", Now.AddMinutes(4)));
    }
}
