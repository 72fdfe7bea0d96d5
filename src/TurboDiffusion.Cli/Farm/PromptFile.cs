using System.Text.Json;
using TurboDiffusion.Client.Models;

namespace TurboDiffusion.Cli.Farm;

/// <summary>
/// A file of prompts for <c>turbo render</c>: <c>.jsonl</c> holds one JSON job request per line (the API's fields);
/// any other file holds one prompt per line. Blank lines and lines starting with '#' are skipped.
/// </summary>
public static class PromptFile
{
    public static IReadOnlyList<JobRequest> Read(string path)
    {
        var requests = new List<JobRequest>();
        var json = Path.GetExtension(path).Equals(".jsonl", StringComparison.OrdinalIgnoreCase);
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            var text = line.Trim();
            if (text.Length == 0 || text.StartsWith('#'))
            {
                continue;
            }

            requests.Add(json ? Parse(path, number, text) : new JobRequest { Prompt = text });
        }

        return requests.Count > 0
            ? requests
            : throw new FormatException($"{path} has no prompts; write one prompt per line (or one JSON job request per line in a .jsonl file).");
    }

    private static JobRequest Parse(string path, int number, string line)
    {
        try
        {
            return JsonSerializer.Deserialize<JobRequest>(line, TurboJson.Options)
                ?? throw new FormatException($"{path}:{number}: is null; write one JSON object per line, e.g. {{\"prompt\": \"a red fox in snow\"}}.");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}:{number}: is not a job request ({e.Message}); write one JSON object per line, e.g. {{\"prompt\": \"a red fox in snow\"}}.", e);
        }
    }
}
