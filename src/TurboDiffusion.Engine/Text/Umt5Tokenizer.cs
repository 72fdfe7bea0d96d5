using Microsoft.ML.Tokenizers;

namespace TurboDiffusion.Engine.Text;

/// <summary>
/// umT5's tokenizer with Wan's contract: <see cref="WanPromptCleaner"/>, then SentencePiece unigram pieces
/// (Microsoft.ML.Tokenizers on the model's <c>spiece.model</c>, with its precompiled normaliser), cut to
/// text_len − 1, EOS appended, padded with the pad id to text_len, and the attention mask.
/// Two gaps of the library are closed here so ids equal <c>spm_encode</c>'s: characters the normaliser
/// deletes (control characters) are removed before encoding instead of becoming &lt;unk&gt;, and a run
/// of unknown characters is one &lt;unk&gt;, as SentencePiece merges them. Special-token text in a prompt
/// ("&lt;/s&gt;") is encoded as plain text.
/// </summary>
public sealed class Umt5Tokenizer
{
    private readonly SentencePieceTokenizer sentencePiece;
    private readonly IReadOnlySet<char> deleted;
    private readonly Lock gate = new();

    private Umt5Tokenizer(SentencePieceTokenizer sentencePiece, SentencePieceModelProto model, IReadOnlySet<char> deleted, int textLength)
    {
        this.sentencePiece = sentencePiece;
        this.deleted = deleted;
        TextLength = textLength;
        PieceCount = model.PieceCount;
        PadId = model.PadId;
        EndOfSentenceId = model.EndOfSentenceId;
        UnknownId = model.UnknownId;
    }

    /// <summary>Ids per prompt, EOS and padding included (512 for Wan).</summary>
    public int TextLength { get; }

    /// <summary>Pieces in the model: every id is below this.</summary>
    public int PieceCount { get; }

    public int PadId { get; }

    public int EndOfSentenceId { get; }

    public int UnknownId { get; }

    /// <summary>Loads a T5-style SentencePiece model (<c>spiece.model</c>: pad, EOS and unk ids, no BOS).</summary>
    /// <exception cref="InvalidDataException">The file is not such a model; the message names it and what is wrong.</exception>
    public static Umt5Tokenizer Load(string spieceModelPath, int textLength = 512) =>
        Load(File.ReadAllBytes(spieceModelPath), spieceModelPath, textLength);

    /// <summary>Loads a T5-style SentencePiece model from its bytes; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">The bytes are not such a model; the message names the source.</exception>
    public static Umt5Tokenizer Load(byte[] bytes, string source, int textLength = 512)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(textLength, 1);
        try
        {
            var model = SentencePieceModelProto.Parse(bytes);
            if (model.PadId < 0 || model.EndOfSentenceId < 0 || model.UnknownId < 0)
            {
                throw new InvalidDataException(
                    $"needs pad, EOS and unk ids (T5 style); it has pad {model.PadId}, eos {model.EndOfSentenceId}, unk {model.UnknownId}");
            }

            // The library indexes its vocabulary with bos_id while loading, so T5's −1 would crash it. Any valid
            // id will do: BOS is never emitted, and the library gives the pad id back its own piece afterwards.
            var loadable = model.BeginningOfSentenceId < 0 ? model.WithBeginningOfSentenceId(model.PadId) : bytes;
            using var stream = new MemoryStream(loadable, writable: false);
            var sentencePiece = SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false);
            var deleted = model.PrecompiledCharsMap.IsEmpty
                ? new HashSet<char>()
                : PrecompiledCharsMap.Parse(model.PrecompiledCharsMap.Span).DeletedCharacters();
            return new Umt5Tokenizer(sentencePiece, model, deleted, textLength);
        }
        // The library reports a malformed model with whatever its protobuf parser or vocabulary builder throws
        // (InvalidProtocolBufferException, ArgumentException, ...): parsing bytes in memory fails only for the file's content.
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{source}: not a usable SentencePiece model: {e.Message}", e);
        }
    }

    /// <summary>Cleans <paramref name="prompt"/> as Wan does, then <see cref="TokenizeCleaned"/>.</summary>
    public TokenizedPrompt Tokenize(string prompt) => TokenizeCleaned(WanPromptCleaner.Clean(prompt));

    /// <summary>Encodes text that is already clean: ids and mask of length <see cref="TextLength"/>.</summary>
    public TokenizedPrompt TokenizeCleaned(string cleaned)
    {
        ArgumentNullException.ThrowIfNull(cleaned);
        var pieces = Pieces(cleaned);
        var ids = new int[TextLength];
        var mask = new int[TextLength];
        var kept = Math.Min(pieces.Count, TextLength - 1);
        for (var i = 0; i < kept; i++)
        {
            ids[i] = pieces[i];
        }

        ids[kept] = EndOfSentenceId;
        Array.Fill(ids, PadId, kept + 1, TextLength - kept - 1);
        Array.Fill(mask, 1, 0, kept + 1);
        return new TokenizedPrompt(cleaned, ids, mask);
    }

    /// <summary>SentencePiece ids of <paramref name="text"/>, no EOS, no truncation: what <c>spm_encode</c> prints.</summary>
    public IReadOnlyList<int> Pieces(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var kept = text.Any(deleted.Contains) ? string.Concat(text.Where(c => !deleted.Contains(c))) : text;
        IReadOnlyList<int> ids;

        // The library does not document its encoder as thread-safe.
        lock (gate)
        {
            ids = sentencePiece.EncodeToIds(kept, addBeginningOfSentence: false, addEndOfSentence: false);
        }

        var merged = new List<int>(ids.Count);
        foreach (var id in ids)
        {
            if (id != UnknownId || merged.Count == 0 || merged[^1] != UnknownId)
            {
                merged.Add(id);
            }
        }

        return merged;
    }
}
