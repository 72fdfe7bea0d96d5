using System.Text;

namespace TurboDiffusion.Gateway.Tests.Support;

/// <summary>One Server-Sent Event as it arrived.</summary>
internal sealed record SseFrame(string? Id, string Event, string Data);

/// <summary>Reads a text/event-stream response to its end, frame by frame, skipping comments.</summary>
internal static class SseReader
{
    public static async Task<List<SseFrame>> ReadAllAsync(HttpClient http, string path, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Api.Token);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Api.Token), Encoding.UTF8);
        var frames = new List<SseFrame>();
        string? id = null;
        string? type = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(Api.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (type is not null)
                {
                    frames.Add(new SseFrame(id, type, data.ToString()));
                }

                (id, type) = (null, null);
                data.Clear();
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Append(line[6..]);
            }
        }

        return frames;
    }
}
