using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace TurboDiffusion.Engine.Text;

/// <summary>
/// A small SentencePiece unigram model made in memory for the built-in untrained model: pad, EOS and unk
/// (T5 style, no BOS), then one piece per printable ASCII character and the word-boundary mark. It lets
/// the tiny model run the same tokenizer code as umT5-XXL without shipping a vocabulary file.
/// </summary>
public static class BuiltInVocabulary
{
    private const string WordBoundary = "\u2581";

    /// <summary>The serialized model (a <c>spiece.model</c> in content) with at most <paramref name="vocabularySize"/> pieces.</summary>
    public static byte[] Create(int vocabularySize)
    {
        string[] special = ["<pad>", "</s>", "<unk>"];
        var characters = Enumerable.Range(33, 94).Select(c => ((char)c).ToString()).Prepend(WordBoundary);
        var normal = characters.Take(vocabularySize - special.Length).ToList();
        if (normal.Count < 27)
        {
            throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize, "A built-in vocabulary needs room for the special pieces and the letters.");
        }

        var model = new ArrayBufferWriter<byte>();
        WritePiece(model, special[0], PieceType.Control);
        WritePiece(model, special[1], PieceType.Control);
        WritePiece(model, special[2], PieceType.Unknown);
        foreach (var piece in normal)
        {
            WritePiece(model, piece, PieceType.Normal);
        }

        var trainer = new ArrayBufferWriter<byte>();
        Varint(trainer, 3, 1);
        Varint(trainer, 4, (ulong)(special.Length + normal.Count));
        Varint(trainer, 40, 2);
        Varint(trainer, 41, unchecked((ulong)-1L));
        Varint(trainer, 42, 1);
        Varint(trainer, 43, 0);
        ProtobufWire.WriteLengthDelimited(model, 2, trainer.WrittenSpan);

        var normalizer = new ArrayBufferWriter<byte>();
        ProtobufWire.WriteLengthDelimited(normalizer, 1, "identity"u8);
        Varint(normalizer, 3, 1);
        Varint(normalizer, 4, 1);
        Varint(normalizer, 5, 1);
        ProtobufWire.WriteLengthDelimited(model, 3, normalizer.WrittenSpan);
        return model.WrittenSpan.ToArray();
    }

    private enum PieceType
    {
        Normal = 1,
        Unknown = 2,
        Control = 3,
    }

    private static void WritePiece(IBufferWriter<byte> model, string text, PieceType type)
    {
        var piece = new ArrayBufferWriter<byte>();
        ProtobufWire.WriteLengthDelimited(piece, 1, Encoding.UTF8.GetBytes(text));
        ProtobufWire.WriteVarint(piece, (2 << 3) | ProtobufField.Fixed32Type);
        var score = new byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(score, type == PieceType.Normal ? -1f : 0f);
        piece.Write(score);
        Varint(piece, 3, (ulong)type);
        ProtobufWire.WriteLengthDelimited(model, 1, piece.WrittenSpan);
    }

    private static void Varint(IBufferWriter<byte> output, int field, ulong value)
    {
        ProtobufWire.WriteVarint(output, ((ulong)field << 3) | ProtobufField.VarintType);
        ProtobufWire.WriteVarint(output, value);
    }
}
