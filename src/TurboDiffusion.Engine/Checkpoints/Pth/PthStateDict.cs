using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints.Pth;

/// <summary>
/// Turns the unpickled root into named tensors and checks every view against its storage blob before
/// any data is read, so a truncated or inconsistent archive fails at open, naming the tensor.
/// </summary>
internal static class PthStateDict
{
    // Wrappers such as {"model": state_dict} nest a level or two; a pickle can also make a dict contain itself.
    private const int MaxDepth = 8;

    public static List<KeyValuePair<string, PthTensor>> Collect(PthArchive archive, object? root)
    {
        if (root is not OrderedDictionary<object, object?> dict)
        {
            throw new CheckpointException(archive.Path, null, $"data.pkl holds {root?.GetType().Name ?? "None"}; expected a state dict (a dict of tensors)");
        }

        var tensors = new List<KeyValuePair<string, PthTensor>>();
        Flatten(archive.Path, dict, "", 0, tensors);
        foreach (var (name, tensor) in tensors)
        {
            try
            {
                Validate(archive, name, tensor);
            }
            catch (OverflowException)
            {
                throw new CheckpointException(archive.Path, name, $"view {Describe(tensor)} of {tensor.Storage.Numel} elements overflows 64-bit sizes (corrupt checkpoint)");
            }
        }

        return tensors;
    }

    /// <summary>Tensors keep their dotted names; values that are not tensors (counters, versions) carry no weights.</summary>
    private static void Flatten(string path, OrderedDictionary<object, object?> dict, string prefix, int depth, List<KeyValuePair<string, PthTensor>> tensors)
    {
        if (depth > MaxDepth)
        {
            throw new CheckpointException(path, prefix, $"dicts nested deeper than {MaxDepth} levels (or a dict that contains itself); expected a state dict");
        }

        foreach (var (key, value) in dict)
        {
            var name = prefix + Convert.ToString(key, System.Globalization.CultureInfo.InvariantCulture);
            if (value is PthTensor tensor)
            {
                tensors.Add(new(name, tensor));
            }
            else if (value is OrderedDictionary<object, object?> nested)
            {
                Flatten(path, nested, name + ".", depth + 1, tensors);
            }
        }
    }

    private static void Validate(PthArchive archive, string name, PthTensor tensor)
    {
        var storage = tensor.Storage;
        var blob = archive.Member($"data/{storage.Key}")
            ?? throw new CheckpointException(archive.Path, name, $"storage blob '{archive.Folder}/data/{storage.Key}' is missing from the archive");
        var expectedBytes = checked(storage.Numel * TensorDType.ElementSize(storage.Class.Type));
        if (blob.Size != expectedBytes)
        {
            throw new CheckpointException(archive.Path, name,
                $"storage blob '{blob.Name}' holds {blob.Size} bytes; expected {expectedBytes} ({storage.Class.Name} of {storage.Numel} elements) — truncated or mismatched");
        }

        if (tensor.Numel > 0 && checked(tensor.Offset + tensor.SpanElements) > storage.Numel)
        {
            throw new CheckpointException(archive.Path, name,
                $"view {Describe(tensor)} reaches storage element {tensor.Offset + tensor.SpanElements - 1}; expected at most {storage.Numel - 1} ({storage.Class.Name} '{storage.Key}')");
        }
    }

    public static string Describe(PthTensor tensor) =>
        $"{TensorDType.Describe(tensor.Storage.Class.Type)} [{string.Join(", ", tensor.Shape)}] stride [{string.Join(", ", tensor.Stride)}] offset {tensor.Offset}";
}
