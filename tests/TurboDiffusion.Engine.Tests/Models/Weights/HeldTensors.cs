using System.Collections;
using System.Reflection;
using TurboDiffusion.Engine.Models.Weights;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Models.Weights;

/// <summary>
/// Every tensor an object graph of engine types holds in its fields, found by walking the fields of each engine object
/// and the elements of each array or list. A <see cref="WeightSet"/> is not entered: what counts is what the modules
/// themselves keep, whether or not it was declared.
/// </summary>
internal static class HeldTensors
{
    private static readonly Assembly Engine = typeof(WeightSet).Assembly;

    public static IReadOnlyList<Tensor> Of(object root)
    {
        var held = new List<Tensor>();
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<object>([root]);
        while (pending.TryPop(out var current))
        {
            if (!seen.Add(current))
            {
                continue;
            }

            switch (current)
            {
                case Tensor tensor:
                    held.Add(tensor);
                    break;
                case WeightSet or string:
                    break;
                case IEnumerable elements when !IsEngineObject(current):
                    foreach (var element in elements.OfType<object>())
                    {
                        pending.Push(element);
                    }

                    break;
                default:
                    if (IsEngineObject(current))
                    {
                        foreach (var value in FieldValues(current))
                        {
                            pending.Push(value);
                        }
                    }

                    break;
            }
        }

        return held;
    }

    // An array's Type.Assembly is its element type's, so an array of modules would pass for a module.
    private static bool IsEngineObject(object instance) => !instance.GetType().IsArray && instance.GetType().Assembly == Engine;

    private static IEnumerable<object> FieldValues(object instance)
    {
        for (var type = instance.GetType(); type is not null; type = type.BaseType)
        {
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (!field.FieldType.IsValueType && field.GetValue(instance) is { } value)
                {
                    yield return value;
                }
            }
        }
    }
}
