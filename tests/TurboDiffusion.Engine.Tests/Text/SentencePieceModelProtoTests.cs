using System.Buffers;
using TurboDiffusion.Engine.Text;

namespace TurboDiffusion.Engine.Tests.Text;

public sealed class SentencePieceModelProtoTests
{
    private readonly byte[] model = File.ReadAllBytes(TokenizerFixture.Instance.ModelPath);

    [Fact]
    public void The_model_has_the_special_ids_and_piece_count_it_was_trained_with()
    {
        var trained = TokenizerFixture.Instance.Settings;

        var proto = SentencePieceModelProto.Parse(model);

        Assert.Equal(trained.VocabularySize, proto.PieceCount);
        // SentencePiece stores an id the model lacks as -1.
        Assert.Equal(
            (trained.BeginningOfSentenceId ?? -1, trained.PadId, trained.EndOfSentenceId, trained.UnknownId),
            (proto.BeginningOfSentenceId, proto.PadId, proto.EndOfSentenceId, proto.UnknownId));
        Assert.False(proto.PrecompiledCharsMap.IsEmpty);
    }

    [Fact]
    public void Rewriting_bos_id_changes_that_field_only()
    {
        var proto = SentencePieceModelProto.Parse(model);

        var rewritten = SentencePieceModelProto.Parse(proto.WithBeginningOfSentenceId(0));

        Assert.Equal(0, rewritten.BeginningOfSentenceId);
        Assert.Equal((proto.PieceCount, proto.PadId, proto.EndOfSentenceId, proto.UnknownId), (rewritten.PieceCount, rewritten.PadId, rewritten.EndOfSentenceId, rewritten.UnknownId));
        Assert.True(proto.PrecompiledCharsMap.Span.SequenceEqual(rewritten.PrecompiledCharsMap.Span));
        Assert.Equal(Other(model), Other(proto.WithBeginningOfSentenceId(0)));
    }

    [Fact]
    public void Absent_ids_take_sentencepiece_defaults()
    {
        var spec = new ArrayBufferWriter<byte>();
        ProtobufWire.WriteVarint(spec, (42 << 3) | 0);
        ProtobufWire.WriteVarint(spec, 7);
        var bytes = new ArrayBufferWriter<byte>();
        ProtobufWire.WriteLengthDelimited(bytes, 2, spec.WrittenSpan);

        var proto = SentencePieceModelProto.Parse(bytes.WrittenMemory);

        Assert.Equal((0, 1, 7, -1), (proto.UnknownId, proto.BeginningOfSentenceId, proto.EndOfSentenceId, proto.PadId));
        Assert.Equal(0, proto.PieceCount);
        Assert.True(proto.PrecompiledCharsMap.IsEmpty);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(4000)]
    public void A_truncated_model_is_refused(int length)
    {
        var error = Assert.Throws<InvalidDataException>(() => SentencePieceModelProto.Parse(model.AsMemory(0, length)));

        Assert.Contains("bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_without_a_trainer_spec_is_refused()
    {
        var bytes = new ArrayBufferWriter<byte>();
        ProtobufWire.WriteLengthDelimited(bytes, 1, [0x0A, 0x01, 0x61]);

        var error = Assert.Throws<InvalidDataException>(() => SentencePieceModelProto.Parse(bytes.WrittenMemory));

        Assert.Contains("trainer_spec", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_normaliser_deletes_control_characters_but_not_letters_or_spaces()
    {
        var charsMap = PrecompiledCharsMap.Parse(SentencePieceModelProto.Parse(model).PrecompiledCharsMap.Span);

        var deleted = charsMap.DeletedCharacters();

        Assert.Contains('\u0007', deleted);
        Assert.Contains('\u001B', deleted);
        Assert.DoesNotContain('a', deleted);
        Assert.DoesNotContain(' ', deleted);
        Assert.DoesNotContain('\u200B', deleted);
    }

    // Every top-level field but the trainer spec, and every trainer-spec field but bos_id, as raw bytes.
    private static List<byte[]> Other(byte[] bytes)
    {
        var fields = ProtobufWire.Fields(bytes);
        var spec = ProtobufWire.Fields(fields.Single(f => f.Number == 2).Payload);
        return fields.Where(f => f.Number != 2).Concat(spec.Where(f => f.Number != 41)).Select(f => f.Raw.ToArray()).ToList();
    }
}
