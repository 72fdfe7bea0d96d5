using System.Buffers.Binary;
using System.Security.Cryptography;
using TurboDiffusion.Engine;
using TurboDiffusion.Silo.Worker;

namespace TurboDiffusion.Silo.Tests.Worker;

public sealed class StepCheckpointFileTests
{
    private static readonly string Key = new('a', 64);

    private static DenoiseCheckpoint Checkpoint() =>
        new(2, 4, 1, [1, 16, 2, 4, 4], Enumerable.Range(0, 1024).Select(i => (byte)i).ToArray(), Enumerable.Range(0, 40).Select(i => (byte)(255 - i)).ToArray(), 3.25);

    [Fact]
    public void A_written_checkpoint_reads_back_with_its_render_key_and_every_field()
    {
        var written = Checkpoint();

        var (key, read) = StepCheckpointFile.Read(StepCheckpointFile.Write(Key, written));

        Assert.Equal(Key, key);
        Assert.Equal((written.StepsDone, written.StepCount, written.Expert, written.DenoiseSeconds), (read.StepsDone, read.StepCount, read.Expert, read.DenoiseSeconds));
        Assert.Equal(written.LatentShape, read.LatentShape);
        Assert.Equal(written.Latent.ToArray(), read.Latent.ToArray());
        Assert.Equal(written.GeneratorState.ToArray(), read.GeneratorState.ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(1000)]
    public void A_cut_checkpoint_is_refused(int cutBytes)
    {
        var content = StepCheckpointFile.Write(Key, Checkpoint());

        var error = Assert.Throws<InvalidDataException>(() => StepCheckpointFile.Read(content.AsMemory(0, content.Length - cutBytes)));

        Assert.StartsWith("The step checkpoint is unusable:", error.Message);
    }

    [Fact]
    public void A_changed_byte_in_the_latent_fails_the_digest()
    {
        var content = StepCheckpointFile.Write(Key, Checkpoint());
        content[^500] ^= 1;

        var error = Assert.Throws<InvalidDataException>(() => StepCheckpointFile.Read(content));

        Assert.Contains("SHA-256 does not match", error.Message);
    }

    [Fact]
    public void Lengths_that_disagree_with_the_content_are_refused_even_with_a_matching_digest()
    {
        var content = StepCheckpointFile.Write(Key, Checkpoint());
        BinaryPrimitives.WriteInt32LittleEndian(content.AsSpan(8), content.Length);
        SHA256.HashData(content.AsSpan(0, content.Length - 32), content.AsSpan(content.Length - 32));

        var error = Assert.Throws<InvalidDataException>(() => StepCheckpointFile.Read(content));

        Assert.Contains($"header length {content.Length} does not fit", error.Message);
    }

    [Fact]
    public void Content_that_is_not_a_step_checkpoint_is_refused_naming_the_magic()
    {
        var content = new byte[100];
        "PK\u0003\u0004"u8.CopyTo(content);

        var error = Assert.Throws<InvalidDataException>(() => StepCheckpointFile.Read(content));

        Assert.Contains("does not start with TDSTEP01", error.Message);
    }
}
