namespace TurboDiffusion.Engine.Text;

/// <summary>
/// A prompt as the encoder takes it: the cleaned text, <see cref="InputIds"/> [text_len] (pieces cut to
/// text_len − 1, then EOS, then pad) and <see cref="AttentionMask"/> [text_len] (1 on the pieces and EOS).
/// </summary>
public sealed record TokenizedPrompt(string Cleaned, IReadOnlyList<int> InputIds, IReadOnlyList<int> AttentionMask)
{
    /// <summary>How many ids are real, EOS included (at least 1).</summary>
    public int Length => AttentionMask.Count(m => m != 0);

    /// <summary>The real ids, EOS included: what the umT5 encoder encodes.</summary>
    public IReadOnlyList<int> Tokens => InputIds.Take(Length).ToList();
}
