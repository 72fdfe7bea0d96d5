using System.CommandLine;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli.Farm;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Engine;

namespace TurboDiffusion.Cli.Commands.Remote;

/// <summary><c>turbo submit "prompt"</c> or <c>turbo submit --file prompts.jsonl</c>: queue a job or a batch on a gateway and print its id.</summary>
public static class SubmitCommand
{
    public static Command Create(Func<IConfigurationRoot> configuration)
    {
        var connection = new GatewayConnection();
        var prompt = new Argument<string?>("prompt") { Description = "What the video shows (leave out with --file).", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<FileInfo?>("--file") { Description = "Submit a batch: one prompt per line (.txt) or one JSON job request per line (.jsonl)." };
        var model = new Option<string?>("--model") { Description = "Model id; default: the gateway's (Turbo:Gateway:DefaultModel)." };
        var frames = new Option<int?>("--frames") { Description = "Frames, 4k+1." };
        var steps = new Option<int?>("--steps") { Description = $"Sampler steps, {SamplerStepsRule.Min} to {SamplerStepsRule.Max}." };
        var seed = new Option<long?>("--seed") { Description = "Seed; the same seed gives the same video." };
        var resolution = new Option<string?>("--resolution") { Description = "144p, 480p or 720p." };
        var aspect = new Option<string?>("--aspect-ratio") { Description = "16:9, 9:16, 1:1, 4:3 or 3:4." };
        var priority = new Option<JobPriority?>("--priority") { Description = "Low, Normal, High or Urgent." };
        var webhook = new Option<string?>("--webhook") { Description = "An http(s) URL that receives signed POSTs on every state change." };
        var key = new Option<string?>("--idempotency-key") { Description = "Reuse to make a resubmission answer the original job; default: a new key." };
        var noDedupe = new Option<bool>("--no-dedupe") { Description = "Render even when an identical finished render could answer the job (jobs with a seed reuse one by default)." };
        var command = new Command("submit", "Queue a job (or with --file a batch) on a gateway and print its id.")
        {
            prompt, file, model, frames, steps, seed, resolution, aspect, priority, webhook, key, noDedupe,
        };
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => GatewayConnection.RunAsync(parse.InvocationConfiguration.Error, async () =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            using var client = connection.Connect(parse, configuration());
            JobRequest Defaults(JobRequest r) => r with
            {
                Model = r.Model ?? parse.GetValue(model),
                Frames = r.Frames ?? parse.GetValue(frames),
                Steps = r.Steps ?? parse.GetValue(steps),
                Seed = r.Seed ?? parse.GetValue(seed),
                Resolution = r.Resolution ?? Parse<JobResolution>("--resolution", parse.GetValue(resolution)),
                AspectRatio = r.AspectRatio ?? Parse<JobAspectRatio>("--aspect-ratio", parse.GetValue(aspect)),
                Priority = r.Priority ?? parse.GetValue(priority),
                Webhook = r.Webhook ?? (parse.GetValue(webhook) is { } hook ? new Uri(hook, UriKind.RelativeOrAbsolute) : null),
                Dedupe = r.Dedupe ?? (parse.GetValue(noDedupe) ? false : null),
            };

            if (parse.GetValue(file) is { } batchFile)
            {
                var requests = PromptFile.Read(batchFile.FullName).Select(Defaults).ToList();
                var batch = await client.SubmitBatchAsync(requests.ToAsyncEnumerable(), parse.GetValue(key), cancellationToken).ConfigureAwait(false);
                stdout.WriteLine($"batch {batch.Id}: {batch.Total} jobs submitted");
                return 0;
            }

            if (string.IsNullOrWhiteSpace(parse.GetValue(prompt)))
            {
                throw new ArgumentException("Give a prompt, or --file with one prompt per line.");
            }

            var job = await client.SubmitAsync(Defaults(new JobRequest { Prompt = parse.GetValue(prompt)! }), parse.GetValue(key), cancellationToken).ConfigureAwait(false);
            stdout.WriteLine($"job {job.Id}: {WireNames.Of(job.Status)} ({job.Model}, {WireNames.Of(job.Resolution)}, {job.Frames} frames)");
            return 0;
        }));
        return command;
    }

    /// <summary>An option's wire name as its enum; a name outside the vocabulary is bad input, naming the option and the names to use.</summary>
    private static T? Parse<T>(string option, string? text)
        where T : struct, Enum =>
        text is null ? null
        : WireNames.TryParse<T>(text, out var value) ? value
        : throw new ArgumentException($"{option}: {WireNames.Unknown<T>(text)}");
}
