using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Tests.Support;

/// <summary>Job specs for tests: valid by default, every test changes what it is about.</summary>
internal static class Specs
{
    public static JobSpec Job(string tenant = "studio-a", string model = "tiny", JobPriority priority = JobPriority.Normal, string? key = null, string prompt = "a red fox running through snow", int steps = 4) =>
        new(prompt, model, JobResolution.P480, JobAspect.Landscape16x9, 81, steps, 42, priority, tenant, key);

    /// <summary>A batch of <paramref name="count"/> shots of tenant studio-a, "shot 0" onwards, under an idempotency key.</summary>
    public static BatchSpec Shots(int count, string key, int steps) =>
        new("studio-a", [.. Enumerable.Range(0, count).Select(i => Job(prompt: $"shot {i}", steps: steps))], IdempotencyKey: key);

    /// <summary>The job ids of a batch's first <paramref name="count"/> items, in upload order.</summary>
    public static List<string> ItemIds(string batchId, int count) => [.. Enumerable.Range(0, count).Select(i => JobIds.ForBatchItem(batchId, i))];

    public static string Unique(string stem) => $"{stem}-{Guid.NewGuid():N}"[..(stem.Length + 13)];
}
