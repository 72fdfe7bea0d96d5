using System.Buffers;

namespace TurboDiffusion.Engine.Text;

/// <summary>
/// What the tokenizer needs from a SentencePiece model file (a serialised <c>ModelProto</c>): the piece
/// count, the special ids of its <c>TrainerSpec</c>, the normaliser's precompiled character map, and a
/// copy with <c>bos_id</c> rewritten. Field numbers: ModelProto pieces 1, trainer_spec 2, normalizer_spec 3;
/// TrainerSpec unk_id 40, bos_id 41, eos_id 42, pad_id 43 (defaults 0, 1, 2, −1); NormalizerSpec
/// precompiled_charsmap 2.
/// </summary>
internal sealed class SentencePieceModelProto
{
    private const int PiecesField = 1;
    private const int TrainerSpecField = 2;
    private const int NormalizerSpecField = 3;
    private const int BosIdField = 41;

    private readonly ReadOnlyMemory<byte> bytes;
    private readonly List<ProtobufField> fields;

    private SentencePieceModelProto(ReadOnlyMemory<byte> bytes, List<ProtobufField> fields, List<ProtobufField> trainerSpec, ReadOnlyMemory<byte> charsMap)
    {
        this.bytes = bytes;
        this.fields = fields;
        PieceCount = fields.Count(f => f.Number == PiecesField);
        UnknownId = Id(trainerSpec, 40, 0);
        BeginningOfSentenceId = Id(trainerSpec, BosIdField, 1);
        EndOfSentenceId = Id(trainerSpec, 42, 2);
        PadId = Id(trainerSpec, 43, -1);
        PrecompiledCharsMap = charsMap;
    }

    public int PieceCount { get; }

    public int UnknownId { get; }

    /// <summary>−1 in T5-style models, which have no BOS.</summary>
    public int BeginningOfSentenceId { get; }

    public int EndOfSentenceId { get; }

    public int PadId { get; }

    /// <summary>Empty when the model normalises by rule name only.</summary>
    public ReadOnlyMemory<byte> PrecompiledCharsMap { get; }

    /// <exception cref="InvalidDataException">Not a well-formed ModelProto, or one without a trainer spec.</exception>
    public static SentencePieceModelProto Parse(ReadOnlyMemory<byte> bytes)
    {
        var fields = ProtobufWire.Fields(bytes);
        var trainerSpec = fields.LastOrDefault(f => f.Number == TrainerSpecField && f.WireType == ProtobufField.LengthDelimitedType);
        if (trainerSpec.Raw.IsEmpty)
        {
            throw new InvalidDataException("it has no trainer_spec (field 2)");
        }

        var normalizer = fields.LastOrDefault(f => f.Number == NormalizerSpecField && f.WireType == ProtobufField.LengthDelimitedType);
        var charsMap = normalizer.Raw.IsEmpty
            ? ReadOnlyMemory<byte>.Empty
            : ProtobufWire.Fields(normalizer.Payload).LastOrDefault(f => f.Number == 2 && f.WireType == ProtobufField.LengthDelimitedType).Payload;
        return new SentencePieceModelProto(bytes, fields, ProtobufWire.Fields(trainerSpec.Payload), charsMap);
    }

    /// <summary>The same model with <c>bos_id</c> set to <paramref name="id"/>; every other byte is kept.</summary>
    public byte[] WithBeginningOfSentenceId(int id)
    {
        var spec = new ArrayBufferWriter<byte>();
        ProtobufWire.WriteVarint(spec, ((ulong)BosIdField << 3) | ProtobufField.VarintType);
        ProtobufWire.WriteVarint(spec, unchecked((ulong)(long)id));
        var trainerSpec = fields.Last(f => f.Number == TrainerSpecField);
        foreach (var field in ProtobufWire.Fields(trainerSpec.Payload).Where(f => f.Number != BosIdField))
        {
            spec.Write(field.Raw.Span);
        }

        var model = new ArrayBufferWriter<byte>(bytes.Length + 16);
        foreach (var field in fields)
        {
            if (field.Number == TrainerSpecField)
            {
                ProtobufWire.WriteLengthDelimited(model, TrainerSpecField, spec.WrittenSpan);
            }
            else
            {
                model.Write(field.Raw.Span);
            }
        }

        return model.WrittenSpan.ToArray();
    }

    // Protobuf encodes a negative int32 as its 64-bit two's complement.
    private static int Id(List<ProtobufField> spec, int number, int fallback) =>
        spec.LastOrDefault(f => f.Number == number && f.WireType == ProtobufField.VarintType) is { Raw.IsEmpty: false } field
            ? unchecked((int)(long)field.Varint)
            : fallback;
}
