using System.Text;
using System.Text.Json;
using TurboDiffusion.Client.Models;

namespace TurboDiffusion.Client;

/// <summary>Parses a job's text/event-stream into <see cref="JobEvent"/>s; comments (keep-alives) and unknown events are skipped.</summary>
internal sealed class EventReader(HttpResponseMessage response, Stream body) : IDisposable
{
    private readonly StreamReader reader = new(body, Encoding.UTF8);

    /// <summary>The next event, or null when the stream ended.</summary>
    public async Task<JobEvent?> ReadAsync(string jobId, CancellationToken cancellationToken)
    {
        string? id = null;
        string? type = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                if (type is not null && Parse(jobId, id, type, data.ToString()) is { } parsed)
                {
                    return parsed;
                }

                (id, type) = (null, null);
                data.Clear();
            }
            else if (line.StartsWith("id:", StringComparison.Ordinal))
            {
                id = line[3..].Trim();
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                type = line[6..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Append(line[5..].TrimStart());
            }
        }

        return null;
    }

    public void Dispose()
    {
        reader.Dispose();
        response.Dispose();
    }

    private static JobEvent? Parse(string jobId, string? id, string type, string data) => type switch
    {
        "state" => new JobStateEvent(JsonSerializer.Deserialize<JobView>(data, TurboJson.Options)!),
        "progress" when id is not null && JsonSerializer.Deserialize<ProgressEventData>(data, TurboJson.Options) is { } p
            => new JobProgressEvent(jobId, id, p.Stage, p.Done, p.Total, p.ElapsedSeconds, p.At),
        _ => null,
    };
}
