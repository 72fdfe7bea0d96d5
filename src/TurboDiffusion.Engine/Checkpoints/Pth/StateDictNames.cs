using System.Globalization;

namespace TurboDiffusion.Engine.Checkpoints.Pth;

/// <summary>
/// Names a state dict's tensors with their dotted paths through nested dicts. A pickle can put one dict under many
/// keys at many levels (its memo shares objects), so a few bytes could name billions of tensors or build names far
/// longer than the file; every name built is charged to a budget proportional to the pickle's size.
/// </summary>
internal sealed class StateDictNames
{
    // Wrappers such as {"model": state_dict} nest a level or two; a pickle can also make a dict contain itself.
    private const int MaxDepth = 8;

    // A real state dict spends more pickle bytes on each tensor (its rebuild call) than its name has characters.
    private const long NameCharactersPerPickleByte = 8;

    private readonly string path;
    private readonly int pickleBytes;
    private readonly long budget;
    private readonly List<KeyValuePair<string, PthTensor>> tensors = [];
    private readonly HashSet<string> seen = new(StringComparer.Ordinal);
    private long spent;

    private StateDictNames(string path, int pickleBytes)
    {
        this.path = path;
        this.pickleBytes = pickleBytes;
        budget = NameCharactersPerPickleByte * Math.Max(pickleBytes, 1024);
    }

    /// <summary>Tensors keep their dotted names; values that are not tensors (counters, versions) carry no weights.</summary>
    public static List<KeyValuePair<string, PthTensor>> Flatten(string path, OrderedDictionary<object, object?> root, int pickleBytes)
    {
        var names = new StateDictNames(path, pickleBytes);
        names.Visit(root, "", 0);
        return names.tensors;
    }

    private void Visit(OrderedDictionary<object, object?> dict, string prefix, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new CheckpointException(path, prefix, $"dicts nested deeper than {MaxDepth} levels (or a dict that contains itself); expected a state dict");
        }

        foreach (var (key, value) in dict)
        {
            if (value is not (PthTensor or OrderedDictionary<object, object?>))
            {
                continue;
            }

            var name = Name(prefix, key);
            if (value is PthTensor tensor)
            {
                tensors.Add(seen.Add(name) ? new(name, tensor) : throw new CheckpointException(path, name, "two tensors have this name (a key with dots beside a nested dict of the same path)"));
            }
            else
            {
                Visit((OrderedDictionary<object, object?>)value, name + ".", depth + 1);
            }
        }
    }

    private string Name(string prefix, object key)
    {
        var text = Convert.ToString(key, CultureInfo.InvariantCulture) ?? "";
        spent += prefix.Length + text.Length + 1;
        if (spent > budget)
        {
            throw new CheckpointException(path, null,
                $"its tensor names need more than {budget} characters, {NameCharactersPerPickleByte} per byte of its {pickleBytes}-byte pickle: " +
                "dicts shared under many keys or very long keys (hostile or corrupt checkpoint)");
        }

        return prefix + text;
    }
}
