using System.Net;
using Azure.Storage.Blobs;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Gateway.Tests.Support;

namespace TurboDiffusion.Gateway.Tests.Apis;

/// <summary>Artifacts in real blob storage (Azurite, Turbo__Test__Blob): streamed through the gateway, or a redirect to a short-lived signed URL.</summary>
public sealed class BlobArtifactsTests : IAsyncLifetime
{
    private const string AzuriteDefault =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";

    private readonly string blob = Environment.GetEnvironmentVariable("Turbo__Test__Blob") is { Length: > 0 } b ? b : AzuriteDefault;
    private readonly string containerPrefix = $"g{Guid.NewGuid():N}"[..13] + "-";
    private GatewayHost? host;

    public async ValueTask InitializeAsync() =>
        host = await GatewayHost.StartAsync(["blobby"], settings: new Dictionary<string, string?>
        {
            ["Turbo:Blob:ConnectionString"] = blob,
            ["Turbo:Blob:ContainerPrefix"] = containerPrefix,
        });

    public async ValueTask DisposeAsync()
    {
        await host!.DisposeAsync();
        var service = new BlobServiceClient(blob);
        await foreach (var container in service.GetBlobContainersAsync(prefix: containerPrefix))
        {
            await service.DeleteBlobContainerAsync(container.Name);
        }
    }

    [Fact]
    public async Task A_video_in_blob_storage_streams_through_the_gateway_or_redirects_to_a_signed_url()
    {
        using var http = host!.Client("blobby");
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        noRedirects.DefaultRequestHeaders.Authorization = http.DefaultRequestHeaders.Authorization;
        var job = await http.SubmitOkAsync(new JobRequest { Prompt = "a glacier calving" });
        await http.WaitForAsync(job.Id, j => j.Status == JobStatus.Succeeded);

        var streamed = await http.GetByteArrayAsync(new Uri($"/v1/jobs/{job.Id}/video", UriKind.Relative), Api.Token);
        using var redirect = await noRedirects.GetAsync(new Uri($"/v1/jobs/{job.Id}/video?redirect=true", UriKind.Relative), Api.Token);
        using var direct = new HttpClient();
        var fromBlob = await direct.GetByteArrayAsync(redirect.Headers.Location!, Api.Token);

        Assert.StartsWith("simulated video: a glacier calving", System.Text.Encoding.UTF8.GetString(streamed), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Contains("sig=", redirect.Headers.Location!.Query, StringComparison.Ordinal);
        Assert.Contains("se=", redirect.Headers.Location.Query, StringComparison.Ordinal);
        Assert.Equal(streamed, fromBlob);
    }
}
