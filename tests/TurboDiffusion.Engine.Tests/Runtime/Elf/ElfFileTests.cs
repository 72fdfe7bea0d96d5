using TurboDiffusion.Engine.Runtime.Elf;

namespace TurboDiffusion.Engine.Tests.Runtime.Elf;

public sealed class ElfFileTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("elf-tests-").FullName;

    [Fact]
    public void Reads_needed_libraries_and_version_needs_of_a_synthetic_object()
    {
        var path = Write(new SyntheticElf()
            .Needs("libtorch.so").Needs("libstdc++.so.6")
            .NeedsVersions("libstdc++.so.6", ("GLIBCXX_3.4.21", 0), ("GLIBCXX_3.4.32", 0))
            .NeedsVersions("libc.so.6", ("GLIBC_2.34", ElfVersionNeed.WeakFlag)));

        using var elf = ElfFile.Open(path);

        Assert.Equal(["libtorch.so", "libstdc++.so.6"], elf.NeededLibraries());
        Assert.Equal(
            [("libstdc++.so.6", "GLIBCXX_3.4.21", false), ("libstdc++.so.6", "GLIBCXX_3.4.32", false), ("libc.so.6", "GLIBC_2.34", true)],
            elf.VersionNeeds().Select(n => (n.File, n.Version, n.IsWeak)));
    }

    [Fact]
    public void Reads_version_definitions_of_a_synthetic_object()
    {
        var path = Write(new SyntheticElf().Defines("libstdc++.so.6", "GLIBCXX_3.4", "GLIBCXX_3.4.30"));

        using var elf = ElfFile.Open(path);

        Assert.Equal(["libstdc++.so.6", "GLIBCXX_3.4", "GLIBCXX_3.4.30"], elf.VersionDefinitions());
    }

    [Fact]
    public void Patched_copy_marks_only_the_named_version_weak_and_leaves_the_source_untouched()
    {
        var source = Write(new SyntheticElf()
            .NeedsVersions("libstdc++.so.6", ("GLIBCXX_3.4.21", 0), ("GLIBCXX_3.4.32", 0))
            .NeedsVersions("libc.so.6", ("GLIBC_2.34", 0)));
        var original = File.ReadAllBytes(source);
        var copy = Path.Combine(directory, "patched.so");

        var changed = ElfVersionPatcher.CopyWithWeakVersion(source, copy, "GLIBCXX_3.4.32");

        Assert.Equal(1, changed);
        Assert.Equal(original, File.ReadAllBytes(source));
        var patched = File.ReadAllBytes(copy);
        Assert.Single(Enumerable.Range(0, original.Length), i => original[i] != patched[i]);
        using var elf = ElfFile.Open(copy);
        Assert.Equal(
            [("GLIBCXX_3.4.21", false), ("GLIBCXX_3.4.32", true), ("GLIBC_2.34", false)],
            elf.VersionNeeds().Select(n => (n.Version, n.IsWeak)));
    }

    [Fact]
    public void Patching_a_version_that_is_not_needed_changes_nothing()
    {
        var source = Write(new SyntheticElf().NeedsVersions("libstdc++.so.6", ("GLIBCXX_3.4.21", 0)));
        var copy = Path.Combine(directory, "unchanged.so");

        var changed = ElfVersionPatcher.CopyWithWeakVersion(source, copy, "GLIBCXX_3.4.32");

        Assert.Equal(0, changed);
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(copy));
    }

    [Fact]
    public void A_file_that_is_not_elf_is_rejected_with_its_path()
    {
        var path = Path.Combine(directory, "text.so");
        File.WriteAllText(path, new string('x', 100));

        var error = Assert.Throws<ElfFormatException>(() => ElfFile.Open(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("no ELF magic", error.Message);
    }

    [Fact]
    public void A_truncated_object_is_rejected_naming_the_section_past_the_end()
    {
        var image = new SyntheticElf().NeedsVersions("libstdc++.so.6", ("GLIBCXX_3.4.32", 0)).Build();
        var path = Path.Combine(directory, "truncated.so");
        File.WriteAllBytes(path, image[..(image.Length - 100)]);

        var error = Assert.Throws<ElfFormatException>(() => ElfFile.Open(path));

        Assert.Contains("malformed", error.Message);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private string Write(SyntheticElf elf)
    {
        var path = Path.Combine(directory, $"lib{Guid.NewGuid():N}.so");
        File.WriteAllBytes(path, elf.Build());
        return path;
    }
}
