using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Gateway.Options;
using TurboDiffusion.Gateway.Tests.Support;

namespace TurboDiffusion.Gateway.Tests.Apis;

/// <summary>
/// Every operation of /openapi/v1.json gets bounded random and boundary requests (seeded, so a failure repeats) from
/// no key, the fuzzing tenant's key and the admin key. No answer may be a 5xx, every 4xx is problem+json saying what
/// was wrong, the victim tenant's jobs stay as they were, and the farm still takes a valid job afterwards.
/// </summary>
public sealed class OpenApiFuzzTests : IAsyncLifetime
{
    private const string Victim = "fuzz-a";
    private const string Fuzzer = "fuzz-b";
    private const int Seed = 14;
    private const int CasesPerOperation = 30;
    private const int MinimumOperations = 15;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    private static readonly string[] ProblemTexts = ["detail", "title"];

    private GatewayHost? host;

    private GatewayHost Host => host ?? throw new InvalidOperationException("The gateway has not started.");

    public async ValueTask InitializeAsync()
    {
        var engine = new Silo.Simulation.SimulatedVideoEngine
        {
            StepTime = TimeSpan.FromMilliseconds(50),
            Behavior = (request, _) => request.Prompt.Contains(SharedGateway.HangMarker, StringComparison.Ordinal)
                ? Silo.Simulation.SimulatedBehavior.Hang
                : Silo.Simulation.SimulatedBehavior.Succeed,
        };
        host = await GatewayHost.StartAsync([Victim, Fuzzer], engine, new Dictionary<string, string?>
        {
            // The fuzz sends hundreds of requests a second; a 429 would hide what the request itself answers.
            ["Turbo:Gateway:RateLimit:PermitsPerSecond"] = "1000000",
            ["Turbo:Gateway:RateLimit:Burst"] = "1000000",
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (host is not null)
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Every_documented_operation_answers_fuzzed_requests_with_named_problems_and_no_cross_tenant_effect()
    {
        using var victim = Host.Client(Victim);
        using var fuzzer = Host.Client(Fuzzer);
        var ids = new FuzzIds(
            await HangingJobsAsync(victim, 3, holdTheWorker: true),
            [await HangingBatchAsync(victim)],
            await HangingJobsAsync(fuzzer, 3, holdTheWorker: false),
            [await HangingBatchAsync(fuzzer)]);
        var before = await JobsOfAsync(victim);
        using var document = JsonDocument.Parse(await victim.GetStringAsync("/openapi/v1.json", Api.Token));
        var operations = DocumentedOperation.AllOf(document.RootElement);
        Assert.True(operations.Count >= MinimumOperations, $"The document lists only {operations.Count} operations: {string.Join(", ", operations)}");

        var cases = new FuzzCases(document.RootElement, new Random(Seed), ids, Fuzzer, GatewayOptions.DefaultMaxJobBodyBytes, GatewayOptions.DefaultMaxBatchLineBytes);
        var failures = new List<string>();
        var sent = 0;
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = Host.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        foreach (var operation in operations)
        {
            foreach (var fuzz in cases.For(operation, CasesPerOperation))
            {
                sent++;
                if (await FailureOfAsync(http, fuzz) is { } failure)
                {
                    failures.Add($"{failure}\n{fuzz}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} fuzzed requests (seed {Seed}) failed:\n\n{string.Join("\n", failures.Take(25))}");
        var after = await JobsOfAsync(victim);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (id, was) in before)
        {
            var now = after[id];
            var progressed = was.Status == JobStatus.Queued && now.Status == JobStatus.Running;
            Assert.True((was.Status == now.Status || progressed) && was.CancelRequested == now.CancelRequested,
                $"{Victim}'s job {id} changed under the fuzz: {was.Status} (cancel requested: {was.CancelRequested}) became {now.Status} (cancel requested: {now.CancelRequested}).");
        }

        var fresh = await victim.SubmitOkAsync(new JobRequest { Prompt = "a fox after the fuzz" });
        var listed = await victim.GetFromJsonAsync<Page<JobView>>("/v1/jobs?limit=100", TurboJson.Options, Api.Token);
        Assert.Contains(listed!.Items, j => j.Id == fresh.Id);
    }

    /// <summary>What is wrong with the answer to <paramref name="fuzz"/>, or null when it is a proper answer.</summary>
    private static async Task<string?> FailureOfAsync(HttpClient http, FuzzCase fuzz)
    {
        using var request = new HttpRequestMessage(new HttpMethod(fuzz.Operation.Method), fuzz.PathAndQuery);
        if (fuzz.Caller != FuzzCase.Anonymous)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fuzz.Caller == FuzzCases.Admin ? GatewayHost.AdminKey : GatewayHost.KeyOf(fuzz.Caller));
        }

        foreach (var (name, value) in fuzz.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (fuzz.Body is not null)
        {
            request.Content = new ByteArrayContent(fuzz.Body);
            if (fuzz.ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", fuzz.ContentType);
            }
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Api.Token);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            // Headers only: an event stream answers 200 and then never ends, so its body is not read.
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            if (status < 400)
            {
                return null;
            }

            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            if (status >= 500)
            {
                return $"Answered {status}: {body}";
            }

            return ProblemFailure(response, body);
        }
        catch (OperationCanceledException) when (!Api.Token.IsCancellationRequested)
        {
            return $"No answer within {RequestTimeout.TotalSeconds:0} s.";
        }
        catch (HttpRequestException e)
        {
            return $"The connection failed: {e.Message} {e.InnerException?.Message} {e.InnerException?.InnerException?.Message}";
        }
    }

    private static string? ProblemFailure(HttpResponseMessage response, string body)
    {
        var status = (int)response.StatusCode;
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return $"Answered {status} as '{response.Content.Headers.ContentType}' rather than application/problem+json: {body}";
        }

        try
        {
            using var problem = JsonDocument.Parse(body);
            var root = problem.RootElement;
            var said = ProblemTexts.Any(n => Says(root, n));
            var hasErrors = root.TryGetProperty("errors", out var errors);
            var errorsNamed = !hasErrors || (errors.ValueKind == JsonValueKind.Object && errors.EnumerateObject().Any());
            // A 400 is about something the caller sent, so it must say what: a detail or the errors by field, not only "Bad Request".
            var explained = status != StatusCodes.Status400BadRequest || Says(root, "detail") || hasErrors;
            return said && errorsNamed && explained ? null : $"Answered {status} with a problem that does not say what was wrong (no detail or title, empty errors, or a 400 without detail or errors): {body}";
        }
        catch (JsonException e)
        {
            return $"Answered {status} with a problem+json body that is not JSON ({e.Message}): {body}";
        }
    }

    private static bool Says(JsonElement problem, string member) =>
        problem.TryGetProperty(member, out var text) && text.ValueKind == JsonValueKind.String && text.GetString()!.Trim().Length > 0;

    /// <param name="holdTheWorker">Wait until the first job runs: it hangs, so the worker stays on it and the other jobs stay queued whatever the fuzz does.</param>
    private static async Task<IReadOnlyList<string>> HangingJobsAsync(HttpClient http, int count, bool holdTheWorker)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var job = await http.SubmitOkAsync(new JobRequest { Prompt = $"a fox {i} {SharedGateway.HangMarker}" });
            if (i == 0 && holdTheWorker)
            {
                await http.WaitForAsync(job.Id, j => j.Status == JobStatus.Running);
            }

            ids.Add(job.Id);
        }

        return ids;
    }

    private static async Task<string> HangingBatchAsync(HttpClient http)
    {
        var lines = string.Join('\n', Enumerable.Range(0, 2).Select(i => JsonSerializer.Serialize(new JobRequest { Prompt = $"a batched fox {i} {SharedGateway.HangMarker}" }, TurboJson.Options)));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/batches") { Content = new StringContent(lines, Encoding.UTF8, "application/x-ndjson") };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await http.SendAsync(request, Api.Token);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.ReadAsync<BatchView>()).Id;
    }

    private static async Task<Dictionary<string, JobView>> JobsOfAsync(HttpClient http)
    {
        var page = await http.GetFromJsonAsync<Page<JobView>>("/v1/jobs?limit=100", TurboJson.Options, Api.Token);
        return page!.Items.ToDictionary(j => j.Id);
    }
}
