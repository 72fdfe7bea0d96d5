using System.Collections.Frozen;
using System.Text;

namespace TurboDiffusion.Engine.Text;

/// <summary>Replaces single characters by strings through a table; text without any of them is returned as is.</summary>
internal static class CharacterMap
{
    public static string Replace(string text, FrozenDictionary<char, string> map)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Any(map.ContainsKey))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (map.TryGetValue(c, out var replacement))
            {
                result.Append(replacement);
            }
            else
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }
}
