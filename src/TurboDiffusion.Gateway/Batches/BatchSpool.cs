using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text.Json;
using TurboDiffusion.Client.Models;

namespace TurboDiffusion.Gateway.Batches;

/// <summary>
/// The checked lines of a batch upload, kept in a temporary file (deleted on dispose) until every line has passed:
/// an upload is submitted only whole, and memory stays at one line however large it is.
/// </summary>
public sealed class BatchSpool : IAsyncDisposable
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();
    private readonly FileStream file;

    private BatchSpool(FileStream file) => this.file = file;

    /// <summary>Lines written so far.</summary>
    public int Count { get; private set; }

    public static BatchSpool Create() =>
        new(new FileStream(Path.Combine(Path.GetTempPath(), $"turbo-batch-{Guid.NewGuid():N}.jsonl"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None,
            bufferSize: 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous));

    public async Task WriteAsync(JobRequest request, CancellationToken cancellationToken)
    {
        await JsonSerializer.SerializeAsync(file, request, TurboJson.Options, cancellationToken);
        await file.WriteAsync(NewLine, cancellationToken);
        Count++;
    }

    /// <summary>The lines in the order written, from the first; call after the last write.</summary>
    public async IAsyncEnumerable<JobRequest> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await file.FlushAsync(cancellationToken);
        file.Position = 0;
        var reader = PipeReader.Create(file, new StreamPipeReaderOptions(leaveOpen: true));
        await foreach (var (_, request) in JsonLines.ReadAsync<JobRequest>(reader, int.MaxValue, cancellationToken))
        {
            yield return request;
        }

        await reader.CompleteAsync();
    }

    public ValueTask DisposeAsync() => file.DisposeAsync();
}
