namespace TurboDiffusion.Cli.Configuration;

/// <summary>A settings file cannot be read; the message names the file and what is wrong with it.</summary>
public sealed class SettingsFileException : Exception
{
    public SettingsFileException(string message)
        : base(message)
    {
    }

    public SettingsFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
