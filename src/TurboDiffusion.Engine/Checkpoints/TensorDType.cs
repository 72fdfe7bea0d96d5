using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Checkpoints;

/// <summary>The element types checkpoints store, with their safetensors names and libtorch scalar types.</summary>
public static class TensorDType
{
    // TorchSharp's ScalarType enum stops at BFloat16; libtorch's codes for the fp8 types are these.
    public const ScalarType Float8E5M2 = (ScalarType)23;
    public const ScalarType Float8E4M3 = (ScalarType)24;

    private static readonly (string Name, ScalarType Type, int Size)[] Table =
    [
        ("F64", ScalarType.Float64, 8),
        ("F32", ScalarType.Float32, 4),
        ("F16", ScalarType.Float16, 2),
        ("BF16", ScalarType.BFloat16, 2),
        ("I64", ScalarType.Int64, 8),
        ("I32", ScalarType.Int32, 4),
        ("I16", ScalarType.Int16, 2),
        ("I8", ScalarType.Int8, 1),
        ("U8", ScalarType.Byte, 1),
        ("BOOL", ScalarType.Bool, 1),
        ("F8_E4M3", Float8E4M3, 1),
        ("F8_E5M2", Float8E5M2, 1),
    ];

    public static bool TryFromSafetensors(string name, out ScalarType type, out int size)
    {
        foreach (var entry in Table)
        {
            if (entry.Name == name)
            {
                (type, size) = (entry.Type, entry.Size);
                return true;
            }
        }

        (type, size) = (default, 0);
        return false;
    }

    public static string ToSafetensors(ScalarType type) =>
        Table.FirstOrDefault(e => e.Type == type).Name
        ?? throw new NotSupportedException($"dtype {Describe(type)} has no safetensors name; supported: {string.Join(", ", Table.Select(e => e.Name))}.");

    public static int ElementSize(ScalarType type) =>
        Table.FirstOrDefault(e => e.Type == type) is { Size: > 0 } entry
            ? entry.Size
            : throw new NotSupportedException($"dtype {Describe(type)} is not a checkpoint dtype.");

    /// <summary>A readable name, also for the fp8 codes TorchSharp's enum lacks.</summary>
    public static string Describe(ScalarType type) => type switch
    {
        Float8E4M3 => "Float8_e4m3fn",
        Float8E5M2 => "Float8_e5m2",
        _ => type.ToString(),
    };
}
