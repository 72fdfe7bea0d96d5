using System.Collections.Frozen;

namespace TurboDiffusion.Engine.Text;

/// <summary>
/// ftfy's character-width fix: the ideographic space U+3000 becomes a space and every character of the
/// Halfwidth and Fullwidth Forms block (U+FF01–U+FFEE) becomes its NFKC form ("ＡＢＣ：" → "ABC:",
/// half-width katakana → full-width). The table is spelled out because string normalisation is not
/// available under invariant globalization.
/// </summary>
internal static class FullWidthForms
{
    private static readonly FrozenDictionary<char, string> Map = Build();

    public static string Fix(string text) => CharacterMap.Replace(text, Map);

    private static FrozenDictionary<char, string> Build()
    {
        var map = new Dictionary<char, string> { ['\u3000'] = " ", ['\uFFE3'] = " \u0304" };
        for (var c = '\uFF01'; c <= '\uFF5E'; c++)
        {
            map[c] = ((char)(c - 0xFEE0)).ToString();
        }

        // Brackets, CJK punctuation and half-width katakana (U+FF5F–U+FF9F).
        Add(map, '\uFF5F',
            "\u2985\u2986\u3002\u300C\u300D\u3001\u30FB\u30F2\u30A1\u30A3\u30A5\u30A7\u30A9\u30E3\u30E5\u30E7\u30C3" +
            "\u30FC\u30A2\u30A4\u30A6\u30A8\u30AA\u30AB\u30AD\u30AF\u30B1\u30B3\u30B5\u30B7\u30B9\u30BB\u30BD\u30BF" +
            "\u30C1\u30C4\u30C6\u30C8\u30CA\u30CB\u30CC\u30CD\u30CE\u30CF\u30D2\u30D5\u30D8\u30DB\u30DE\u30DF\u30E0" +
            "\u30E1\u30E2\u30E4\u30E6\u30E8\u30E9\u30EA\u30EB\u30EC\u30ED\u30EF\u30F3\u3099\u309A");

        // Half-width Hangul jamo; the gaps between the runs are unassigned.
        Add(map, '\uFFA0',
            "\u1160\u1100\u1101\u11AA\u1102\u11AC\u11AD\u1103\u1104\u1105\u11B0\u11B1\u11B2\u11B3\u11B4\u11B5" +
            "\u111A\u1106\u1107\u1108\u1121\u1109\u110A\u110B\u110C\u110D\u110E\u110F\u1110\u1111\u1112");
        Add(map, '\uFFC2', "\u1161\u1162\u1163\u1164\u1165\u1166");
        Add(map, '\uFFCA', "\u1167\u1168\u1169\u116A\u116B\u116C");
        Add(map, '\uFFD2', "\u116D\u116E\u116F\u1170\u1171\u1172");
        Add(map, '\uFFDA', "\u1173\u1174\u1175");

        // Full-width signs and half-width arrows and shapes.
        Add(map, '\uFFE0', "\u00A2\u00A3\u00AC");
        Add(map, '\uFFE4', "\u00A6\u00A5\u20A9");
        Add(map, '\uFFE8', "\u2502\u2190\u2191\u2192\u2193\u25A0\u25CB");
        return map.ToFrozenDictionary();
    }

    private static void Add(Dictionary<char, string> map, char first, string targets)
    {
        for (var i = 0; i < targets.Length; i++)
        {
            map[(char)(first + i)] = targets[i].ToString();
        }
    }
}
