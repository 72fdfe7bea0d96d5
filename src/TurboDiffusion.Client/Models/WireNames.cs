namespace TurboDiffusion.Client.Models;

/// <summary>
/// The API's vocabulary as the wire spells it: <see cref="JobResolution"/> ("480p"), <see cref="JobAspectRatio"/>
/// ("16:9"), <see cref="JobStatus"/> ("succeeded"), <see cref="JobStage"/> ("denoising") and <see cref="JobPriority"/>
/// ("normal"). JSON bodies, query strings and keys of counts all use these names.
/// </summary>
public static class WireNames
{
    /// <exception cref="ArgumentOutOfRangeException">The value is no member of <typeparamref name="T"/>.</exception>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> is not a <see cref="WireEnumAttribute"/> enum.</exception>
    public static string Of<T>(T value)
        where T : struct, Enum => WireVocabulary<T>.Instance.NameOf(value);

    /// <summary>The member a name stands for, in any case ("480P" is 480p).</summary>
    public static bool TryParse<T>(string? text, out T value)
        where T : struct, Enum => WireVocabulary<T>.Instance.TryParse(text, out value);

    /// <summary>Every name of <typeparamref name="T"/>, in member order.</summary>
    public static IReadOnlyList<string> All<T>()
        where T : struct, Enum => WireVocabulary<T>.Instance.Names;

    /// <summary>Every name of <paramref name="type"/> when it is a <see cref="WireEnumAttribute"/> enum: for code that has the type only at run time.</summary>
    public static bool TryGetAll(Type type, out IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(type);
        var isWireEnum = type.IsEnum && type.IsDefined(typeof(WireEnumAttribute), inherit: false);
        names = isWireEnum ? (IReadOnlyList<string>)typeof(WireNames).GetMethod(nameof(All))!.MakeGenericMethod(type).Invoke(null, null)! : [];
        return isWireEnum;
    }

    /// <summary>What to tell whoever sent <paramref name="text"/>: "'1080p' is not a resolution; use 144p, 480p or 720p."</summary>
    public static string Unknown<T>(string text)
        where T : struct, Enum => WireVocabulary<T>.Instance.Problem($"'{text}'");
}
