using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using TurboDiffusion.Client.Models;

namespace TurboDiffusion.Client;

/// <summary>A request body written as JSON lines while the items are enumerated (chunked; never buffered whole).</summary>
internal sealed class JsonLinesContent : HttpContent
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    private readonly IAsyncEnumerable<JobRequest> items;

    public JsonLinesContent(IAsyncEnumerable<JobRequest> items, string mediaType)
    {
        this.items = items;
        Headers.ContentType = new MediaTypeHeaderValue(mediaType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await foreach (var item in items.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            await JsonSerializer.SerializeAsync(stream, item, TurboJson.Options, cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(NewLine, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
