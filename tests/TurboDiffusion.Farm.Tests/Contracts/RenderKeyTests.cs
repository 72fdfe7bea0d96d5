using TurboDiffusion.Engine;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Farm.Tests.Support;

namespace TurboDiffusion.Farm.Tests.Contracts;

/// <summary>Everything that decides a render's pixels changes its key; who asked for it does not.</summary>
public sealed class RenderKeyTests
{
    private static readonly RenderIdentity Engine = new("1.0.0", "sha256:abc", "Auto, top-k 0.1, blocks default/default", "Auto", "CUDA");

    private static readonly JobSpec Spec = Specs.Job() with { Dedupe = true };

    [Fact]
    public void Each_part_of_the_request_and_of_the_engine_changes_the_key()
    {
        var key = RenderKey.Of(Spec, Engine, null);
        string[] changed =
        [
            RenderKey.Of(Spec with { Model = "random-1.3B" }, Engine, null),
            RenderKey.Of(Spec with { Prompt = Spec.Prompt + "." }, Engine, null),
            RenderKey.Of(Spec, Engine, "00ff"),
            RenderKey.Of(Spec with { Seed = Spec.Seed + 1 }, Engine, null),
            RenderKey.Of(Spec with { Steps = 2 }, Engine, null),
            RenderKey.Of(Spec with { Resolution = JobResolution.P720 }, Engine, null),
            RenderKey.Of(Spec with { Aspect = JobAspect.Square1x1 }, Engine, null),
            RenderKey.Of(Spec with { Frames = 41 }, Engine, null),
            RenderKey.Of(Spec with { WriteFrames = true }, Engine, null),
            RenderKey.Of(Spec, Engine with { EngineVersion = "1.0.1" }, null),
            RenderKey.Of(Spec, Engine with { Checkpoint = "sha256:abd" }, null),
            RenderKey.Of(Spec, Engine with { Attention = "Dense, top-k 0.1, blocks default/default" }, null),
            RenderKey.Of(Spec, Engine with { Linears = "Int8" }, null),
            RenderKey.Of(Spec, Engine with { Device = "CPU" }, null),
        ];

        Assert.All(changed, other => Assert.NotEqual(key, other));
        Assert.Equal(changed.Length, changed.Distinct().Count());
        Assert.True(RenderKey.IsWellFormed(key));
    }

    [Fact]
    public void Tenant_priority_idempotency_key_and_webhook_leave_the_key_alone()
    {
        var other = Spec with { Tenant = "studio-b", Priority = JobPriority.Urgent, IdempotencyKey = "k", Webhook = new Uri("https://example.com/hook") };

        Assert.Equal(RenderKey.Of(Spec, Engine, null), RenderKey.Of(other, Engine, null));
    }

    [Fact]
    public void Fields_cannot_run_into_each_other()
    {
        // The checkpoint comes just before the prompt: joined with a plain "," these two would be the same text.
        var split = RenderKey.Of(Spec with { Prompt = "z" }, Engine with { Checkpoint = "x\",\"y" }, null);
        var joined = RenderKey.Of(Spec with { Prompt = "y\",\"z" }, Engine with { Checkpoint = "x" }, null);

        Assert.NotEqual(split, joined);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789")]
    [InlineData("abc:def")]
    public void Anything_but_64_lowercase_hex_digits_is_no_key(string? key)
    {
        Assert.False(RenderKey.IsWellFormed(key));
    }
}
