using Azure.Storage.Blobs;
using TurboDiffusion.Farm.Stores;
using TurboDiffusion.Farm.Stores.Blob;
using TurboDiffusion.Farm.Tests.Support;

namespace TurboDiffusion.Farm.Tests.Stores;

/// <summary>The artifact store contract on Azurite, each test with its own container prefix; containers are deleted after.</summary>
public sealed class BlobArtifactStoreTests : ArtifactStoreContract, IAsyncDisposable
{
    private readonly string prefix = $"t{Guid.NewGuid():N}"[..13] + "-";

    protected override async Task<IArtifactStore> CreateStoreAsync()
    {
        await RealServices.EnsureBlobAsync();
        return Create(BlobLayout.ContainerPerTenant);
    }

    public async ValueTask DisposeAsync()
    {
        var service = new BlobServiceClient(RealServices.BlobConnectionString);
        await foreach (var container in service.GetBlobContainersAsync(prefix: prefix))
        {
            await service.DeleteBlobContainerAsync(container.Name);
        }
    }

    [Fact]
    public async Task Shared_container_layout_keeps_tenants_apart_by_prefix()
    {
        await RealServices.EnsureBlobAsync();
        var store = Create(BlobLayout.SharedContainer);
        var source = Path.GetTempFileName();
        await File.WriteAllTextAsync(source, "v", TestContext.Current.CancellationToken);

        var artifact = await store.UploadAsync(new ArtifactUpload("studio-b", "job_7", Guid.NewGuid(), source, source, null), TestContext.Current.CancellationToken);
        File.Delete(source);

        Assert.Equal(prefix + "shared", artifact.Container);
        Assert.StartsWith("studio-b/job_7/", artifact.Prefix, StringComparison.Ordinal);
        Assert.Empty(await store.ListAttemptsAsync("studio-a", "job_7", TestContext.Current.CancellationToken));
        Assert.Single(await store.ListAttemptsAsync("studio-b", "job_7", TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("studio-a", "turbo-studio-a")]
    [InlineData("acme.films_eu", "turbo-acme-films-eu-")]
    public void Tenant_container_names_are_valid_and_distinct(string tenant, string expectedStart)
    {
        var name = BlobNaming.ContainerFor("turbo-", tenant);

        Assert.StartsWith(expectedStart, name, StringComparison.Ordinal);
        Assert.True(BlobNaming.IsContainerName(name), name);
        Assert.NotEqual(BlobNaming.ContainerFor("turbo-", "acme-films-eu"), BlobNaming.ContainerFor("turbo-", "acme.films_eu"));
    }

    private BlobArtifactStore Create(BlobLayout layout) => new(Microsoft.Extensions.Options.Options.Create(new BlobArtifactOptions
    {
        ConnectionString = RealServices.BlobConnectionString,
        Layout = layout,
        ContainerPrefix = prefix,
        Container = prefix + "shared",
    }));
}
