using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Weights;
using TurboDiffusion.Engine.Text;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Models.Umt5;

/// <summary>
/// Prompt → DiT context: Wan's cleaning and tokenizer, then the umT5 encoder on the prompt's real tokens,
/// zero-padded to text_len: [1, text_len, C] in the encoder's weight dtype on its device ([1, 512, 4096]
/// bf16 for Wan). Embeddings are cached by cleaned prompt, model, dtype and device.
/// </summary>
public sealed class TextEncoder : IDisposable
{
    private readonly bool ownsCache;

    /// <param name="encoder">Taken over: disposed with this text encoder.</param>
    /// <param name="model">Names the weights in cache keys (e.g. the checkpoint's full path).</param>
    /// <param name="cache">Shared between text encoders, and not disposed by them; a private one when null.</param>
    /// <param name="encodeOn">Where to encode when not where the encoder's weights are: the weights stay in host memory, and each
    /// prompt not in the cache copies them to this device for its encode and frees them after (the GPU's memory is free for
    /// the DiT the rest of the time). The contexts come back on this device.</param>
    public TextEncoder(Umt5Tokenizer tokenizer, Umt5Encoder encoder, string model, PromptEmbeddingCache? cache = null, Device? encodeOn = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        if (tokenizer.TextLength != encoder.Config.TextLength || tokenizer.PieceCount > encoder.Config.VocabSize)
        {
            throw new ArgumentException(
                $"The tokenizer ({tokenizer.PieceCount} pieces, {tokenizer.TextLength} ids per prompt) does not fit {encoder.Config.Name} " +
                $"(vocabulary {encoder.Config.VocabSize}, text length {encoder.Config.TextLength}).",
                nameof(tokenizer));
        }

        (Tokenizer, Encoder, Model) = (tokenizer, encoder, model);
        EncodeDevice = encodeOn ?? encoder.Device;
        ownsCache = cache is null;
        Cache = cache ?? new PromptEmbeddingCache();
    }

    public Umt5Tokenizer Tokenizer { get; }

    public Umt5Encoder Encoder { get; }

    public string Model { get; }

    public PromptEmbeddingCache Cache { get; }

    /// <summary>Where prompts are encoded and their contexts live: the encoder's own device, or the one it is brought to per prompt.</summary>
    public Device EncodeDevice { get; }

    /// <summary>The weights live in host memory and are brought to <see cref="EncodeDevice"/> for each new prompt.</summary>
    public bool Offloaded => EncodeDevice.type != Encoder.Device.type || EncodeDevice.index != Encoder.Device.index;

    /// <summary>
    /// Loads the encoder from a checkpoint (<c>.pth</c> or safetensors, official key names) and the tokenizer
    /// from <c>spiece.model</c>, with text_len from <paramref name="config"/>.
    /// </summary>
    public static TextEncoder Load(
        string checkpointPath, string spieceModelPath, Umt5Config config, Umt5Precision precision, Device? device = null, PromptEmbeddingCache? cache = null, Device? encodeOn = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var tokenizer = Umt5Tokenizer.Load(spieceModelPath, config.TextLength);
        using var reader = CheckpointFile.Open(checkpointPath);
        var encoder = Umt5Encoder.Load(reader, config, precision, device);
        try
        {
            return new TextEncoder(tokenizer, encoder, Path.GetFullPath(checkpointPath), cache, encodeOn);
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>The context for <paramref name="prompt"/>: [1, text_len, C]; the caller disposes it and must not write to it.</summary>
    public Tensor Encode(string prompt)
    {
        var tokenized = Tokenizer.Tokenize(prompt);
        var key = new PromptCacheKey(tokenized.Cleaned, Model, Encoder.Config.TextLength, Encoder.Precision.Weights, EncodeDevice.ToString());
        return Cache.GetOrAdd(key, () => Offloaded ? EncodeBroughtOver(tokenized.Tokens) : Encoder.Context(tokenized.Tokens));
    }

    /// <summary>Copies the weights to <see cref="EncodeDevice"/>, encodes there and frees the copy before returning.</summary>
    private Tensor EncodeBroughtOver(IReadOnlyList<int> tokens)
    {
        using var weights = new WeightSetReader(Encoder.Weights, $"{Model} (host copy)");
        using var onDevice = Umt5Encoder.Load(weights, Encoder.Config, Encoder.Precision, EncodeDevice);
        return onDevice.Context(tokens);
    }

    public void Dispose()
    {
        Encoder.Dispose();
        if (ownsCache)
        {
            Cache.Dispose();
        }
    }
}
