using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TurboDiffusion.Client.Models;

/// <summary>Reads and writes a <see cref="WireEnumAttribute"/> enum by its wire names; anything else is a <see cref="WireValueException"/>.</summary>
internal sealed class WireEnumConverter<T> : JsonConverter<T>
    where T : struct, Enum
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var vocabulary = WireVocabulary<T>.Instance;
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                var name = reader.GetString()!;
                return vocabulary.TryParse(name, out var named) ? named : throw new WireValueException(vocabulary.Problem($"'{name}'"));
            case JsonTokenType.Number when vocabulary.ReadsNumbers && reader.TryGetInt32(out var number) && vocabulary.TryFromNumber(number, out var numbered):
                return numbered;
            case JsonTokenType.Number:
                throw new WireValueException(vocabulary.Problem(Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan)));
            default:
                throw new WireValueException(vocabulary.Problem($"a JSON {reader.TokenType}"));
        }
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(WireVocabulary<T>.Instance.NameOf(value));
    }
}
