using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Stores.Local;

namespace TurboDiffusion.Farm.Tests.Stores;

public sealed class LocalArtifactStoreTests : ArtifactStoreContract
{
    private readonly string root = Directory.CreateTempSubdirectory("artifacts-").FullName;

    protected override Task<IArtifactStore> CreateStoreAsync() =>
        Task.FromResult<IArtifactStore>(new LocalArtifactStore(Microsoft.Extensions.Options.Options.Create(new LocalArtifactOptions { Directory = root })));

    public override void Dispose()
    {
        Directory.Delete(root, recursive: true);
        base.Dispose();
    }

    [Fact]
    public async Task No_partial_folder_remains_after_an_upload()
    {
        var store = await CreateStoreAsync();
        var source = Path.Combine(root, "src.mp4");
        await File.WriteAllTextAsync(source, "v", TestContext.Current.CancellationToken);

        await store.UploadAsync(new ArtifactUpload("t", "job_1", Guid.NewGuid(), source, source, null), TestContext.Current.CancellationToken);

        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(root, "t", "job_1"), "*.partial"));
    }
}
