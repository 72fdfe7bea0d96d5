namespace TurboDiffusion.Engine.Tests.Fixtures;

/// <summary>A fresh directory per test under the system temp folder, deleted with its contents on dispose.</summary>
public sealed class ScratchDirectory : IDisposable
{
    public ScratchDirectory()
    {
        Path = Directory.CreateTempSubdirectory("turbo-engine-tests-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
