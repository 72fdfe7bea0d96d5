using System.Buffers.Binary;
using System.Text;

namespace TurboDiffusion.Engine.Tests.Fixtures;

/// <summary>Emits protocol-2 pickle opcodes one by one, to build well-formed and hostile <c>data.pkl</c> files.</summary>
public sealed class PickleWriter
{
    private readonly List<byte> bytes = [];

    public PickleWriter() => Op(0x80, 2);

    public PickleWriter Global(string module, string name) => Op((byte)'c').Raw(Encoding.UTF8.GetBytes($"{module}\n{name}\n"));

    public PickleWriter Text(string value)
    {
        var utf8 = Encoding.UTF8.GetBytes(value);
        var length = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, utf8.Length);
        return Op((byte)'X').Raw(length).Raw(utf8);
    }

    public PickleWriter Number(long value)
    {
        if (value is >= 0 and < 256)
        {
            return Op((byte)'K', (byte)value);
        }

        var little = BitConverter.GetBytes(value);
        return Op(0x8a, 8).Raw(little);
    }

    public PickleWriter Numbers(params long[] values)
    {
        Mark();
        foreach (var value in values)
        {
            Number(value);
        }

        return Tuple();
    }

    public PickleWriter Mark() => Op((byte)'(');

    public PickleWriter Tuple() => Op((byte)'t');

    public PickleWriter Tuple1() => Op(0x85);

    public PickleWriter EmptyTuple() => Op((byte)')');

    public PickleWriter EmptyDict() => Op((byte)'}');

    public PickleWriter SetItems() => Op((byte)'u');

    public PickleWriter Reduce() => Op((byte)'R');

    public PickleWriter PersistentId() => Op((byte)'Q');

    public PickleWriter False() => Op(0x89);

    public PickleWriter Stop() => Op((byte)'.');

    public PickleWriter Op(params byte[] opcodeAndOperands) => Raw(opcodeAndOperands);

    /// <summary>What torch.save writes for one tensor: _rebuild_tensor_v2 of a persistent storage id.</summary>
    public PickleWriter Tensor(string storageClass, string key, long numel, long offset, long[] shape, long[] stride)
    {
        Global("torch._utils", "_rebuild_tensor_v2").Mark();
        Mark().Text("storage").Global("torch", storageClass).Text(key).Text("cuda:0").Number(numel).Tuple().PersistentId();
        Number(offset).Numbers(shape).Numbers(stride).False();
        return Global("collections", "OrderedDict").EmptyTuple().Reduce().Tuple().Reduce();
    }

    public byte[] ToArray() => bytes.ToArray();

    private PickleWriter Raw(byte[] data)
    {
        bytes.AddRange(data);
        return this;
    }
}
