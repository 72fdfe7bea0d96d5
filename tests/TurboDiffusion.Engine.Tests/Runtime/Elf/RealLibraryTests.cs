using TurboDiffusion.Engine.Runtime;
using TurboDiffusion.Engine.Runtime.Elf;

namespace TurboDiffusion.Engine.Tests.Runtime.Elf;

/// <summary>The ELF reader and patcher on the real TorchSharp glue and libtorch shipped with the tests.</summary>
public sealed class RealLibraryTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("elf-real-").FullName;

    private static string NativeFile(string name) =>
        LibTorchLocator.ApplicationNativeDirectories().Select(d => Path.Combine(d, name)).First(File.Exists);

    [Fact]
    public void TorchSharp_glue_needs_GLIBCXX_3_4_32_and_the_patched_copy_needs_it_weakly()
    {
        var original = NativeFile(LibTorchSharpBinding.FileName);
        var copy = Path.Combine(directory, LibTorchSharpBinding.FileName);

        var changed = ElfVersionPatcher.CopyWithWeakVersion(original, copy, LibTorchSharpBinding.RelaxableVersion);

        using var before = ElfFile.Open(original);
        using var after = ElfFile.Open(copy);
        var need = Assert.Single(before.VersionNeeds(), n => n.Version == LibTorchSharpBinding.RelaxableVersion);
        Assert.Equal(CppRuntimeProbe.Soname, need.File);
        Assert.False(need.IsWeak);
        Assert.Equal(1, changed);
        Assert.True(Assert.Single(after.VersionNeeds(), n => n.Version == LibTorchSharpBinding.RelaxableVersion).IsWeak);
        Assert.Equal(
            before.VersionNeeds().Where(n => n.Version != LibTorchSharpBinding.RelaxableVersion),
            after.VersionNeeds().Where(n => n.Version != LibTorchSharpBinding.RelaxableVersion));
        Assert.Equal(before.NeededLibraries(), after.NeededLibraries());
    }

    [Fact]
    public void The_process_cpp_runtime_defines_its_GLIBCXX_versions()
    {
        var path = CppRuntimeProbe.Locate();

        Assert.NotNull(path);
        var versions = CppRuntimeProbe.Versions(path);
        Assert.Contains("GLIBCXX_3.4", versions);
        Assert.Contains("GLIBCXX_3.4.21", versions);
    }

    [Fact]
    public void Libtorch_core_libraries_load_after_their_dependencies()
    {
        var directory = Path.GetDirectoryName(NativeFile("libtorch.so"))!;

        var order = TorchRuntime.LoadOrder(directory).Select(Path.GetFileName).ToList();

        Assert.Equal(["libc10.so", "libtorch_cpu.so", "libtorch.so"], order);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
