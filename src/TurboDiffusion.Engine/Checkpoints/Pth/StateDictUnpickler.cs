namespace TurboDiffusion.Engine.Checkpoints.Pth;

/// <summary>
/// A pickle machine restricted to what torch.save writes for a state dict (protocol 2): ints, strings,
/// tuples, dicts, the allowed globals of <see cref="TorchPickleObjects"/>, persistent storage ids and
/// REDUCE/BUILD on those. Any other opcode is refused, so no Python object can be built or called.
/// </summary>
internal sealed class StateDictUnpickler
{
    private const int HighestProtocol = 2;

    // Small ints (BININT1) and booleans recur in every shape and tensor; boxing each again would cost 24 bytes a byte.
    private static readonly object[] SmallIntegers = [.. Enumerable.Range(0, 256).Select(i => (object)(long)i)];
    private static readonly object True = true;
    private static readonly object False = false;

    private readonly string path;
    private readonly PickleCursor cursor;
    private readonly PickleBudget budget;
    private readonly TorchPickleObjects objects;
    private readonly List<object?> stack = [];
    private readonly Stack<int> marks = new();
    private readonly Dictionary<uint, object?> memo = [];

    private StateDictUnpickler(string path, byte[] pickle, TorchPickleObjects objects)
    {
        this.path = path;
        cursor = new PickleCursor(path, pickle);
        budget = new PickleBudget(path, pickle.Length);
        this.objects = objects;
    }

    /// <summary>The unpickled root object: dicts, strings, numbers and <see cref="PthTensor"/> views.</summary>
    public static object? Load(string path, byte[] pickle) => new StateDictUnpickler(path, pickle, new TorchPickleObjects(path)).Run();

    private object? Run()
    {
        while (true)
        {
            var at = cursor.Position;
            var opcode = cursor.Byte();
            switch (opcode)
            {
                case 0x80: // PROTO
                    var protocol = cursor.Byte();
                    if (protocol > HighestProtocol)
                    {
                        throw cursor.Malformed($"pickle protocol {protocol}; torch.save's default protocol {HighestProtocol} is supported");
                    }

                    break;
                case (byte)'c': // GLOBAL
                    var module = cursor.Line();
                    Push(objects.Global(module, cursor.Line()));
                    break;
                case (byte)'Q': // BINPERSID
                    Push(budget.Built(objects.PersistentLoad(Pop())));
                    break;
                case (byte)'R': // REDUCE
                    var args = Pop() as object?[] ?? throw cursor.Malformed("REDUCE without an argument tuple");
                    Push(budget.Built(objects.Call(Pop(), args)));
                    break;
                case (byte)'b': // BUILD: only the `_metadata` attribute torch puts on a state dict, which is not needed
                    if (Pop() is not OrderedDictionary<object, object?> || Peek() is not OrderedDictionary<object, object?>)
                    {
                        throw cursor.Malformed("BUILD on something other than a state dict");
                    }

                    break;
                case (byte)'.': // STOP
                    return Pop();
                case (byte)'(': marks.Push(stack.Count); break; // MARK
                case (byte)')': Push(Array.Empty<object?>()); break; // EMPTY_TUPLE
                case (byte)'t': Push(budget.Tuple(PopToMark())); break; // TUPLE
                case 0x85: Push(budget.Tuple(PopTuple(1))); break; // TUPLE1
                case 0x86: Push(budget.Tuple(PopTuple(2))); break; // TUPLE2
                case 0x87: Push(budget.Tuple(PopTuple(3))); break; // TUPLE3
                case (byte)'}': Push(budget.Dict(new OrderedDictionary<object, object?>())); break; // EMPTY_DICT
                case (byte)'s': // SETITEM
                    var value = Pop();
                    SetItems([Pop(), value]);
                    break;
                case (byte)'u': SetItems(PopToMark()); break; // SETITEMS
                case (byte)'K': Push(SmallIntegers[cursor.Byte()]); break; // BININT1
                case (byte)'M': Push(budget.Integer(cursor.UInt16())); break; // BININT2
                case (byte)'J': Push(budget.Integer(cursor.Int32())); break; // BININT
                case 0x8a: Push(budget.Integer(cursor.SignedInteger(cursor.Byte()))); break; // LONG1
                case (byte)'X': Push(budget.Text(cursor.Utf8(cursor.UInt32()))); break; // BINUNICODE
                case (byte)'N': Push(null); break; // NONE
                case 0x88: Push(True); break; // NEWTRUE
                case 0x89: Push(False); break; // NEWFALSE
                case (byte)'q': memo[cursor.Byte()] = Peek(); break; // BINPUT
                case (byte)'r': memo[cursor.UInt32()] = Peek(); break; // LONG_BINPUT
                case (byte)'h': Push(Memo(cursor.Byte())); break; // BINGET
                case (byte)'j': Push(Memo(cursor.UInt32())); break; // LONG_BINGET
                default:
                    throw new CheckpointException(path, null, $"refusing pickle opcode 0x{opcode:x2} ('{(char)opcode}') at byte {at}: not one torch.save writes for a state dict, and a checkpoint is untrusted input");
            }
        }
    }

    private void Push(object? value) => stack.Add(value);

    private object? Peek() => stack.Count > 0 ? stack[^1] : throw cursor.Malformed("an opcode needs a value but the stack is empty");

    private object? Pop()
    {
        var value = Peek();
        stack.RemoveAt(stack.Count - 1);
        return value;
    }

    private object?[] PopTuple(int count)
    {
        if (stack.Count - (marks.Count > 0 ? marks.Peek() : 0) < count)
        {
            throw cursor.Malformed($"a {count}-tuple needs {count} values on the stack");
        }

        return PopFrom(stack.Count - count);
    }

    private object?[] PopToMark()
    {
        if (marks.Count == 0)
        {
            throw cursor.Malformed("an opcode needs a MARK but there is none");
        }

        return PopFrom(marks.Pop());
    }

    private object?[] PopFrom(int start)
    {
        var items = new object?[stack.Count - start];
        stack.CopyTo(start, items, 0, items.Length);
        stack.RemoveRange(start, items.Length);
        return items;
    }

    private void SetItems(object?[] pairs)
    {
        if (Peek() is not OrderedDictionary<object, object?> dict || pairs.Length % 2 != 0)
        {
            throw cursor.Malformed("SETITEM(S) without a dict and key/value pairs");
        }

        budget.DictEntries(pairs.Length / 2);
        for (var i = 0; i < pairs.Length; i += 2)
        {
            dict[pairs[i] is string or long ? pairs[i]! : throw cursor.Malformed("a dict key that is not a string or integer")] = pairs[i + 1];
        }
    }

    private object? Memo(uint index) =>
        memo.TryGetValue(index, out var value) ? value : throw cursor.Malformed($"memo slot {index} read before it was written");
}
