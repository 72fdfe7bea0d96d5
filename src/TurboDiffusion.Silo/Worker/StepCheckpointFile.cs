using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using TurboDiffusion.Engine;

namespace TurboDiffusion.Silo.Worker;

/// <summary>
/// A job's step checkpoint as stored: <c>TDSTEP01</c>, the header's length (int32, little-endian), the header (JSON:
/// the render key and the checkpoint's numbers and section lengths), the float64 latent, the generator state, and a
/// SHA-256 of everything before it. The render key ties it to one render (spec, engine, model, device): another
/// render never goes on from it. The lengths and the digest catch a truncated or damaged file before any of it is used.
/// </summary>
public static class StepCheckpointFile
{
    private const int DigestBytes = 32;
    private static readonly byte[] Magic = "TDSTEP01"u8.ToArray();

    public static byte[] Write(string renderKey, DenoiseCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(renderKey);
        ArgumentNullException.ThrowIfNull(checkpoint);
        var header = JsonSerializer.SerializeToUtf8Bytes(
            new StepCheckpointHeader(
                renderKey, checkpoint.StepsDone, checkpoint.StepCount, checkpoint.Expert, [.. checkpoint.LatentShape], checkpoint.DenoiseSeconds,
                checkpoint.Latent.Length, checkpoint.GeneratorState.Length),
            StepCheckpointJson.Default.StepCheckpointHeader);
        var content = new byte[Magic.Length + sizeof(int) + header.Length + checkpoint.Latent.Length + checkpoint.GeneratorState.Length + DigestBytes];
        var at = 0;
        Magic.CopyTo(content, at);
        at += Magic.Length;
        BinaryPrimitives.WriteInt32LittleEndian(content.AsSpan(at), header.Length);
        at += sizeof(int);
        header.CopyTo(content, at);
        at += header.Length;
        checkpoint.Latent.Span.CopyTo(content.AsSpan(at));
        at += checkpoint.Latent.Length;
        checkpoint.GeneratorState.Span.CopyTo(content.AsSpan(at));
        at += checkpoint.GeneratorState.Length;
        SHA256.HashData(content.AsSpan(0, at), content.AsSpan(at));
        return content;
    }

    /// <returns>The render key it was saved under, and the checkpoint.</returns>
    /// <exception cref="InvalidDataException">The content is not a whole, intact step checkpoint; the message says what is wrong.</exception>
    public static (string RenderKey, DenoiseCheckpoint Checkpoint) Read(ReadOnlyMemory<byte> content)
    {
        var bytes = content.Span;
        var fixedPart = Magic.Length + sizeof(int) + DigestBytes;
        Require(bytes.Length >= fixedPart, $"it has {bytes.Length} bytes, fewer than the {fixedPart} of an empty one");
        Require(bytes[..Magic.Length].SequenceEqual(Magic), $"it does not start with {Encoding.ASCII.GetString(Magic)}");
        var body = bytes[..^DigestBytes];
        Require(SHA256.HashData(body).AsSpan().SequenceEqual(bytes[^DigestBytes..]), "its SHA-256 does not match its content (damaged or cut)");
        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[Magic.Length..]);
        var at = Magic.Length + sizeof(int);
        Require(headerLength > 0 && headerLength <= body.Length - at, $"its header length {headerLength} does not fit its {bytes.Length} bytes");
        StepCheckpointHeader header;
        try
        {
            header = JsonSerializer.Deserialize(body.Slice(at, headerLength), StepCheckpointJson.Default.StepCheckpointHeader)
                ?? throw new InvalidDataException("The step checkpoint is unusable: its header is null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The step checkpoint is unusable: its header is not valid JSON ({e.Message}).", e);
        }

        at += headerLength;
        Require(header.LatentBytes >= 0 && header.GeneratorBytes >= 0 && (long)at + header.LatentBytes + header.GeneratorBytes == body.Length,
            $"its header announces {header.LatentBytes} + {header.GeneratorBytes} bytes of latent and generator state, and {body.Length - at} follow");
        Require(!string.IsNullOrEmpty(header.RenderKey) && header.LatentShape is { Length: > 0 }, "its header has no render key or no latent shape");
        var latent = content.Slice(at, header.LatentBytes).ToArray();
        var generator = content.Slice(at + header.LatentBytes, header.GeneratorBytes).ToArray();
        return (header.RenderKey, new DenoiseCheckpoint(header.StepsDone, header.StepCount, header.Expert, header.LatentShape, latent, generator, header.DenoiseSeconds));
    }

    private static void Require(bool valid, string problem)
    {
        if (!valid)
        {
            throw new InvalidDataException($"The step checkpoint is unusable: {problem}.");
        }
    }
}

internal sealed record StepCheckpointHeader(
    string RenderKey, int StepsDone, int StepCount, int? Expert, long[] LatentShape, double DenoiseSeconds, int LatentBytes, int GeneratorBytes);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(StepCheckpointHeader))]
internal sealed partial class StepCheckpointJson : JsonSerializerContext;
