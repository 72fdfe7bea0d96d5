namespace TurboDiffusion.Engine.Checkpoints.Pth;

/// <summary>
/// What an unpickler may build from a pickle of a given size. A byte of pickle can build a dict or wrap a value in a
/// tuple, so without a bound a hostile pickle turns into many times its size in objects. Each object is charged about
/// the managed bytes it takes; a torch.save state dict builds 6 to 8 bytes of objects per byte of pickle.
/// </summary>
internal sealed class PickleBudget(string path, int pickleBytes)
{
    public const long BytesPerPickleByte = 24;

    private const long ObjectBytes = 24;
    private const long DictBytes = 80;
    private const long DictEntryBytes = 48;
    private const long ReferenceBytes = 8;

    private long left = (BytesPerPickleByte * pickleBytes) + (64 << 10);

    public object?[] Tuple(object?[] items) => Charge(items, ObjectBytes + (ReferenceBytes * items.Length));

    public string Text(string text) => Charge(text, ObjectBytes + (2L * text.Length));

    public object Integer(long value) => Charge(value, ObjectBytes);

    public OrderedDictionary<object, object?> Dict(OrderedDictionary<object, object?> dict) => Charge(dict, DictBytes);

    public void DictEntries(int count) => Charge(this, DictEntryBytes * count);

    /// <summary>What a call built: a dict, or a tensor view with its size and stride.</summary>
    public object Built(object value) => value switch
    {
        OrderedDictionary<object, object?> dict => Dict(dict),
        PthTensor tensor => Charge(tensor, DictBytes + (2 * (ObjectBytes + (ReferenceBytes * tensor.Shape.Length)))),
        _ => Charge(value, DictBytes),
    };

    private T Charge<T>(T value, long bytes)
    {
        left -= bytes;
        return left >= 0
            ? value
            : throw new CheckpointException(path, null,
                $"data.pkl of {pickleBytes} bytes builds more objects than {BytesPerPickleByte} bytes per byte of pickle; a state dict needs far fewer (hostile or corrupt checkpoint)");
    }
}
