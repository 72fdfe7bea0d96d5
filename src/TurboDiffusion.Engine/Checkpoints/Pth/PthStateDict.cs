using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints.Pth;

/// <summary>
/// Turns the unpickled root into named tensors and checks every view against its storage blob before
/// any data is read, so a truncated or inconsistent archive fails at open, naming the tensor.
/// </summary>
internal static class PthStateDict
{
    public static List<KeyValuePair<string, PthTensor>> Collect(PthArchive archive, object? root, int pickleBytes)
    {
        if (root is not OrderedDictionary<object, object?> dict)
        {
            throw new CheckpointException(archive.Path, null, $"data.pkl holds {root?.GetType().Name ?? "None"}; expected a state dict (a dict of tensors)");
        }

        var tensors = StateDictNames.Flatten(archive.Path, dict, pickleBytes);
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

        // A view may repeat storage elements (stride 0, overlapping strides); reading one would turn a few bytes of
        // the file into an arbitrarily large tensor, and torch.save never writes such views for a state dict.
        if (tensor.Numel > storage.Numel)
        {
            throw new CheckpointException(archive.Path, name,
                $"view {Describe(tensor)} has {tensor.Numel} elements but its storage '{storage.Key}' holds {storage.Numel}; a view larger than its storage is refused");
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
