using TurboDiffusion.Farm.Contracts;

namespace TurboDiffusion.Farm.Tests.Support;

/// <summary>Job specs for tests: valid by default, every test changes what it is about.</summary>
internal static class Specs
{
    public static JobSpec Job(string tenant = "studio-a", string model = "tiny", JobPriority priority = JobPriority.Normal, string? key = null, string prompt = "a red fox running through snow", int steps = 4) =>
        new(prompt, model, JobResolution.P480, JobAspect.Landscape16x9, 81, steps, 42, priority, tenant, key);

    public static string Unique(string stem) => $"{stem}-{Guid.NewGuid():N}"[..(stem.Length + 13)];
}
