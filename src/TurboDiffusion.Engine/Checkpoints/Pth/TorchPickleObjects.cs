using System.Text;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints.Pth;

/// <summary>
/// The allow-list of a state dict's pickle: which globals may be named, what calling them builds, and what a
/// persistent id (a storage blob reference) resolves to. Pickle can call any importable Python function, so
/// everything outside this list is refused before anything is built: a checkpoint is untrusted input.
/// </summary>
internal sealed class TorchPickleObjects(string path)
{
    private static readonly Dictionary<string, object> Allowed = new(StringComparer.Ordinal)
    {
        ["collections.OrderedDict"] = TorchCallable.OrderedDict,
        ["torch._utils._rebuild_tensor_v2"] = TorchCallable.RebuildTensorV2,
        ["torch._utils._rebuild_parameter"] = TorchCallable.RebuildParameter,
        ["torch.DoubleStorage"] = new StorageClass("DoubleStorage", ScalarType.Float64),
        ["torch.FloatStorage"] = new StorageClass("FloatStorage", ScalarType.Float32),
        ["torch.HalfStorage"] = new StorageClass("HalfStorage", ScalarType.Float16),
        ["torch.BFloat16Storage"] = new StorageClass("BFloat16Storage", ScalarType.BFloat16),
        ["torch.LongStorage"] = new StorageClass("LongStorage", ScalarType.Int64),
        ["torch.IntStorage"] = new StorageClass("IntStorage", ScalarType.Int32),
        ["torch.ShortStorage"] = new StorageClass("ShortStorage", ScalarType.Int16),
        ["torch.CharStorage"] = new StorageClass("CharStorage", ScalarType.Int8),
        ["torch.ByteStorage"] = new StorageClass("ByteStorage", ScalarType.Byte),
        ["torch.BoolStorage"] = new StorageClass("BoolStorage", ScalarType.Bool),
    };

    // Libtorch's CUDA kernels index at most 25 dimensions; no checkpoint tensor comes near either bound.
    private const int MaxDimensions = 64;
    private const int MaxDescriptionChars = 200;

    private readonly Dictionary<string, StorageRef> storages = new(StringComparer.Ordinal);

    /// <summary>The <c>torch.*Storage</c> class torch.save names for a dtype's storage, e.g. <c>BFloat16Storage</c>.</summary>
    public static string StorageClassName(ScalarType type) =>
        Allowed.Values.OfType<StorageClass>().FirstOrDefault(c => c.Type == type)?.Name
        ?? throw new NotSupportedException($"dtype {TensorDType.Describe(type)} has no torch storage class this engine writes");

    public object Global(string module, string name) =>
        Allowed.TryGetValue($"{module}.{name}", out var allowed)
            ? allowed
            : throw new CheckpointException(path, null,
                $"refusing global '{module}.{name}': a state dict needs only collections.OrderedDict, torch._utils._rebuild_tensor_v2, " +
                "torch._utils._rebuild_parameter and torch.*Storage classes, and a checkpoint is untrusted input");

    public object Call(object? callable, object?[] args) => callable switch
    {
        TorchCallable.OrderedDict when args.Length == 0 => new OrderedDictionary<object, object?>(),
        TorchCallable.RebuildTensorV2 when args.Length is 6 or 7 => RebuildTensor(args),
        TorchCallable.RebuildParameter when args.Length == 3 && args[0] is PthTensor tensor && IsEmptyDict(args[2]) => tensor,
        _ => throw new CheckpointException(path, null, $"refusing to call {Describe(callable)} with {args.Length} arguments: only OrderedDict(), _rebuild_tensor_v2 and _rebuild_parameter of a plain state dict are accepted"),
    };

    /// <summary>torch.save's persistent id: ('storage', storage class, key, location, numel). The location
    /// ('cpu', 'cuda:0') is where it lived when saved; the caller chooses where it goes now.</summary>
    public StorageRef PersistentLoad(object? id)
    {
        if (id is not object?[] { Length: 5 } fields || fields[0] is not "storage" || fields[1] is not StorageClass type
            || fields[2] is not string key || fields[3] is not string || fields[4] is not long numel || numel < 0)
        {
            throw new CheckpointException(path, null, $"unsupported persistent id {Describe(id)}; expected ('storage', torch.*Storage, key, location, numel)");
        }

        if (storages.TryGetValue(key, out var known))
        {
            return known.Class == type && known.Numel == numel
                ? known
                : throw new CheckpointException(path, null, $"storage '{key}' is referenced as {known.Class.Name} of {known.Numel} and as {type.Name} of {numel} elements");
        }

        return storages[key] = new StorageRef(key, type, numel);
    }

    /// <summary>_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]).</summary>
    private PthTensor RebuildTensor(object?[] args)
    {
        if (args[0] is not StorageRef storage || args[1] is not long offset || offset < 0
            || args[4] is not bool || !IsEmptyDict(args[5]) || (args.Length == 7 && args[6] is not null && !IsEmptyDict(args[6])))
        {
            throw new CheckpointException(path, null, $"unsupported _rebuild_tensor_v2 arguments {Describe(args)}; expected a storage, offset, size, stride, requires_grad and no hooks or metadata");
        }

        var shape = Dimensions(args[2], "size");
        var stride = Dimensions(args[3], "stride");
        return shape.Length == stride.Length
            ? new PthTensor(storage, offset, shape, stride)
            : throw new CheckpointException(path, null, $"a tensor of size {Describe(args[2])} with stride {Describe(args[3])}: their dimensions differ");
    }

    private long[] Dimensions(object? value, string what)
    {
        if (value is not object?[] items || !items.All(i => i is long and >= 0))
        {
            throw new CheckpointException(path, null, $"unsupported _rebuild_tensor_v2 {what} {Describe(value)}; expected a tuple of non-negative integers");
        }

        // Shapes come from the pickle's memo, so one long tuple could be copied into every tensor.
        return items.Length <= MaxDimensions
            ? items.Select(i => (long)i!).ToArray()
            : throw new CheckpointException(path, null, $"a tensor {what} of {items.Length} dimensions; at most {MaxDimensions} are accepted");
    }

    private static bool IsEmptyDict(object? value) => value is OrderedDictionary<object, object?> { Count: 0 };

    /// <summary>A value as an error message shows it, cut short: memo references let a small pickle nest a tuple exponentially deep.</summary>
    private static string Describe(object? value)
    {
        var text = new StringBuilder();
        Describe(value, text);
        return text.Length > MaxDescriptionChars ? $"{text.ToString(0, MaxDescriptionChars)}..." : text.ToString();
    }

    private static void Describe(object? value, StringBuilder text)
    {
        if (text.Length > MaxDescriptionChars)
        {
            return;
        }

        switch (value)
        {
            case object?[] items:
                text.Append('(');
                for (var i = 0; i < items.Length && text.Length <= MaxDescriptionChars; i++)
                {
                    text.Append(i == 0 ? "" : ", ");
                    Describe(items[i], text);
                }

                text.Append(')');
                break;
            case null: text.Append("None"); break;
            case string word: text.Append('\'').Append(word, 0, Math.Min(word.Length, MaxDescriptionChars)).Append('\''); break;
            case OrderedDictionary<object, object?> dict: text.Append("dict of ").Append(dict.Count); break;
            case StorageClass type: text.Append("torch.").Append(type.Name); break;
            default: text.Append(value.ToString() ?? value.GetType().Name); break;
        }
    }
}
