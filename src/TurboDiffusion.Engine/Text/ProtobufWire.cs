using System.Buffers;

namespace TurboDiffusion.Engine.Text;

/// <summary>One field of a protobuf message: its number, wire type, varint value or payload, and its raw bytes.</summary>
internal readonly record struct ProtobufField(int Number, int WireType, ulong Varint, ReadOnlyMemory<byte> Payload, ReadOnlyMemory<byte> Raw)
{
    public const int VarintType = 0;
    public const int Fixed64Type = 1;
    public const int LengthDelimitedType = 2;
    public const int Fixed32Type = 5;
}

/// <summary>
/// Just enough of the protobuf wire format to read a SentencePiece model and rewrite one field: splits a
/// message into its top-level fields, and writes tags, varints and length-delimited payloads.
/// Group wire types (3, 4) are deprecated and not produced by SentencePiece: they are rejected.
/// </summary>
internal static class ProtobufWire
{
    /// <exception cref="InvalidDataException">The bytes are not a well-formed message.</exception>
    public static List<ProtobufField> Fields(ReadOnlyMemory<byte> message)
    {
        var fields = new List<ProtobufField>();
        var span = message.Span;
        for (var position = 0; position < span.Length;)
        {
            var start = position;
            var tag = ReadVarint(span, ref position);
            var (number, wireType) = ((int)(tag >> 3), (int)(tag & 7));
            var (value, payload) = (0UL, ReadOnlyMemory<byte>.Empty);
            switch (wireType)
            {
                case ProtobufField.VarintType:
                    value = ReadVarint(span, ref position);
                    break;
                case ProtobufField.Fixed64Type or ProtobufField.Fixed32Type:
                    payload = Take(message, ref position, wireType == ProtobufField.Fixed64Type ? 8 : 4);
                    break;
                case ProtobufField.LengthDelimitedType:
                    var length = ReadVarint(span, ref position);
                    payload = Take(message, ref position, length > int.MaxValue ? int.MaxValue : (int)length);
                    break;
                default:
                    throw new InvalidDataException($"field {number} at byte {start} has wire type {wireType}, which a SentencePiece model does not use");
            }

            fields.Add(new ProtobufField(number, wireType, value, payload, message[start..position]));
        }

        return fields;
    }

    public static void WriteVarint(IBufferWriter<byte> output, ulong value)
    {
        while (value >= 0x80)
        {
            Write(output, (byte)(value | 0x80));
            value >>= 7;
        }

        Write(output, (byte)value);
    }

    public static void WriteLengthDelimited(IBufferWriter<byte> output, int number, ReadOnlySpan<byte> payload)
    {
        WriteVarint(output, ((ulong)number << 3) | ProtobufField.LengthDelimitedType);
        WriteVarint(output, (ulong)payload.Length);
        output.Write(payload);
    }

    private static void Write(IBufferWriter<byte> output, byte value) => output.Write([value]);

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= span.Length)
            {
                throw new InvalidDataException($"a varint runs past the end of the message ({span.Length} bytes)");
            }

            var b = span[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException($"a varint ending at byte {position} is longer than 10 bytes");
    }

    private static ReadOnlyMemory<byte> Take(ReadOnlyMemory<byte> message, ref int position, int length)
    {
        if (length > message.Length - position)
        {
            throw new InvalidDataException($"a field needs {length} bytes at byte {position} but the message has {message.Length - position} left");
        }

        var payload = message.Slice(position, length);
        position += length;
        return payload;
    }
}
