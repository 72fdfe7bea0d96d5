namespace TurboDiffusion.Engine;

/// <summary>A prompt must say something: text that is not only white space.</summary>
public static class PromptRule
{
    public static bool IsBlank(string? prompt) => string.IsNullOrWhiteSpace(prompt);
}
