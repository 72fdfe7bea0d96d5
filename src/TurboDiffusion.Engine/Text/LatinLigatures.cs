using System.Collections.Frozen;

namespace TurboDiffusion.Engine.Text;

/// <summary>
/// ftfy's ligature fix: Latin ligatures and digraphs become the letters they are made of, one level of
/// their Unicode compatibility decomposition ("ﬁ" → "fi", "ﬅ" → "ſt", "Ǆ" → "DŽ").
/// </summary>
internal static class LatinLigatures
{
    private static readonly FrozenDictionary<char, string> Map = new Dictionary<char, string>
    {
        ['\u0132'] = "IJ", ['\u0133'] = "ij", ['\u0149'] = "\u02BCn",
        ['\u01C4'] = "D\u017D", ['\u01C5'] = "D\u017E", ['\u01C6'] = "d\u017E",
        ['\u01C7'] = "LJ", ['\u01C8'] = "Lj", ['\u01C9'] = "lj",
        ['\u01CA'] = "NJ", ['\u01CB'] = "Nj", ['\u01CC'] = "nj",
        ['\u01F1'] = "DZ", ['\u01F2'] = "Dz", ['\u01F3'] = "dz",
        ['\uFB00'] = "ff", ['\uFB01'] = "fi", ['\uFB02'] = "fl", ['\uFB03'] = "ffi", ['\uFB04'] = "ffl",
        ['\uFB05'] = "\u017Ft", ['\uFB06'] = "st",
    }.ToFrozenDictionary();

    public static string Fix(string text) => CharacterMap.Replace(text, Map);
}
