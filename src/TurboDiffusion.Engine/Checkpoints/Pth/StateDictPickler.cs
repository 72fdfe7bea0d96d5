using System.Buffers.Binary;
using System.Text;

namespace TurboDiffusion.Engine.Checkpoints.Pth;

/// <summary>
/// The protocol-2 pickle torch.save writes for a state dict of contiguous tensors, one storage each:
/// <c>OrderedDict</c> of name → <c>_rebuild_tensor_v2((persistent id ('storage', torch.XStorage, key, 'cpu', numel)),
/// 0, size, stride, False, OrderedDict())</c>, storage key i for the i-th tensor (its blob is <c>data/i</c>). Only
/// opcodes <see cref="StateDictUnpickler"/> and Python's pickle both read are used.
/// </summary>
internal static class StateDictPickler
{
    private const string Location = "cpu";

    public static byte[] Pickle(IReadOnlyList<TensorInfo> tensors)
    {
        var pickle = new PickleBuffer();
        pickle.Op(0x80, 2);
        pickle.Global("collections", "OrderedDict").Op((byte)')').Op((byte)'R');
        pickle.Op((byte)'(');
        for (var i = 0; i < tensors.Count; i++)
        {
            var tensor = tensors[i];
            pickle.Text(tensor.Name);
            pickle.Global("torch._utils", "_rebuild_tensor_v2").Op((byte)'(');
            pickle.Op((byte)'(').Text("storage").Global("torch", TorchPickleObjects.StorageClassName(tensor.Type)).Text(StorageKey(i)).Text(Location)
                .Number(Numel(tensor)).Op((byte)'t').Op((byte)'Q');
            pickle.Number(0).Numbers(tensor.Shape).Numbers(ContiguousStride(tensor.Shape)).Op(0x89);
            pickle.Global("collections", "OrderedDict").Op((byte)')').Op((byte)'R');
            pickle.Op((byte)'t').Op((byte)'R');
        }

        pickle.Op((byte)'u').Op((byte)'.');
        return pickle.ToArray();
    }

    public static string StorageKey(int index) => index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static long Numel(TensorInfo tensor) => tensor.Shape.Aggregate(1L, (a, d) => checked(a * d));

    private static long[] ContiguousStride(long[] shape)
    {
        var stride = new long[shape.Length];
        long step = 1;
        for (var i = shape.Length - 1; i >= 0; i--)
        {
            stride[i] = step;
            step *= shape[i];
        }

        return stride;
    }

    private sealed class PickleBuffer
    {
        private readonly List<byte> bytes = [];

        public PickleBuffer Op(params byte[] opcodeAndOperands)
        {
            bytes.AddRange(opcodeAndOperands);
            return this;
        }

        public PickleBuffer Global(string module, string name) => Op((byte)'c').Op(Encoding.UTF8.GetBytes($"{module}\n{name}\n"));

        /// <summary>BINUNICODE: a 4-byte length, then UTF-8.</summary>
        public PickleBuffer Text(string value)
        {
            var utf8 = Encoding.UTF8.GetBytes(value);
            var length = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(length, utf8.Length);
            return Op((byte)'X').Op(length).Op(utf8);
        }

        /// <summary>BININT1/BININT2 for small values, BININT for int32, LONG1 (8 bytes) beyond.</summary>
        public PickleBuffer Number(long value)
        {
            if (value is >= 0 and < 256)
            {
                return Op((byte)'K', (byte)value);
            }

            if (value is >= 0 and < 65536)
            {
                var two = new byte[2];
                BinaryPrimitives.WriteUInt16LittleEndian(two, (ushort)value);
                return Op((byte)'M').Op(two);
            }

            if (value is >= int.MinValue and <= int.MaxValue)
            {
                var four = new byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(four, (int)value);
                return Op((byte)'J').Op(four);
            }

            var eight = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(eight, value);
            return Op(0x8a, 8).Op(eight);
        }

        public PickleBuffer Numbers(long[] values)
        {
            Op((byte)'(');
            foreach (var value in values)
            {
                Number(value);
            }

            return Op((byte)'t');
        }

        public byte[] ToArray() => bytes.ToArray();
    }
}
