using System.Net.Http.Json;
using System.Text;
using TurboDiffusion.Client.Models;

namespace TurboDiffusion.Gateway.Tests.Support;

/// <summary>A JSONL batch upload as a client sends it, and the wait for the batch to finish.</summary>
internal static class BatchUploads
{
    public static async Task<HttpResponseMessage> PostLinesAsync(HttpClient http, string key, string lines)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/batches") { Content = new StringContent(lines, Encoding.UTF8, "application/x-ndjson") };
        request.Headers.Add("Idempotency-Key", key);
        return await http.SendAsync(request, Api.Token);
    }

    public static async Task<BatchView> WaitForBatchAsync(HttpClient http, string batchId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        BatchView batch;
        do
        {
            batch = (await http.GetFromJsonAsync<BatchView>($"/v1/batches/{batchId}", TurboJson.Options, Api.Token))!;
            if (batch.IsFinished)
            {
                return batch;
            }

            await Task.Delay(100, Api.Token);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"Batch {batchId} did not finish: {batch.Finished} of {batch.Total}.");
    }
}
