using TurboDiffusion.Engine.Runtime;

namespace TurboDiffusion.Engine.Tests.Runtime;

public sealed class LibTorchLocatorTests
{
    [Fact]
    public void A_setting_that_points_nowhere_is_an_error_naming_the_path_not_a_silent_fallback()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-libtorch-{Guid.NewGuid():N}");

        var error = Assert.Throws<LibTorchNotFoundException>(() => LibTorchLocator.Locate(new TorchRuntimeOptions { LibTorchDir = missing }));

        Assert.Contains(missing, error.Message);
        Assert.Contains("Turbo:Engine:LibTorchDir", error.Message);
        Assert.Contains("does not exist", error.Message);
    }

    [Fact]
    public void A_setting_that_points_at_libtorch_wins()
    {
        var package = LibTorchLocator.ApplicationNativeDirectories().First(d => File.Exists(Path.Combine(d, "libtorch.so")));

        var location = LibTorchLocator.Locate(new TorchRuntimeOptions { LibTorchDir = package });

        Assert.Equal(LibTorchSource.Setting, location.Source);
        Assert.Equal(Path.GetFullPath(package), location.Directory);
        Assert.False(location.HasCuda);
    }

    [Fact]
    public void Without_a_setting_or_python_the_package_next_to_the_application_is_used()
    {
        var location = LibTorchLocator.Locate(new TorchRuntimeOptions { Python = "/nonexistent/python3" });

        Assert.Equal(LibTorchSource.Package, location.Source);
        Assert.Equal("2.10.0", location.Version);
    }
}
