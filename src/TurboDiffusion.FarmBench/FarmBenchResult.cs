using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using TurboDiffusion.Farm.Options;

namespace TurboDiffusion.FarmBench;

/// <summary>Where the benchmark keeps job state.</summary>
public enum BenchStore
{
    Memory,
    Redis,
}

/// <param name="KillInterval">Time between kills; with kills, submissions are spread over <c>Kills x KillInterval</c> so every kill lands in the workload.</param>
/// <param name="RenderTime">The simulated engine's time per job.</param>
/// <param name="Rule">The scheduler's switch rule (Turbo:Scheduler:SwitchRule) for this run.</param>
/// <param name="FirstModelLoad">The simulated load time of model-0; the others' are spread evenly up to <paramref name="LastModelLoad"/>.</param>
/// <param name="Arrival">Without kills, submissions are spread over this span (zero: all at once).</param>
public sealed record FarmBenchSettings(
    int Silos,
    int Jobs,
    int Tenants,
    int Models,
    int Kills,
    int Concurrency,
    BenchStore Store,
    TimeSpan KillInterval,
    TimeSpan RenderTime,
    SwitchRule Rule = SwitchRule.Priced,
    TimeSpan FirstModelLoad = default,
    TimeSpan LastModelLoad = default,
    TimeSpan Arrival = default,
    double Repeats = 0)
{
    /// <summary>
    /// The job whose prompt and seed job <paramref name="index"/> repeats (itself when it repeats none): about a
    /// <see cref="Repeats"/> share of the jobs repeat the job one round of tenants and models earlier, which has the same
    /// tenant and model, so the farm can answer it from that render.
    /// </summary>
    public int SourceOf(int index)
    {
        var round = Tenants * Models;
        while (index >= round && Repeats > 0 && Hash(index) < Repeats)
        {
            index -= round;
        }

        return index;
    }

    /// <summary>Jobs that repeat an earlier one.</summary>
    public int RepeatedJobs => Enumerable.Range(0, Jobs).Count(i => SourceOf(i) != i);

    private static double Hash(int index) => (uint)(index * 2654435761u) / (double)uint.MaxValue;

    /// <summary>The bench's model ids: model-0, model-1, ...</summary>
    public static string ModelName(int index) => $"model-{index}";

    /// <summary>The simulated load time of each model, model-0 the shortest.</summary>
    public IReadOnlyDictionary<string, TimeSpan> ModelLoads() => Enumerable.Range(0, Models).ToDictionary(
        ModelName,
        i => Models == 1 ? FirstModelLoad : FirstModelLoad + ((LastModelLoad - FirstModelLoad) * i / (Models - 1)));
}

/// <summary>Quantiles of a set of durations, in milliseconds.</summary>
public sealed record LatencySummary(int Count, double P50Ms, double P90Ms, double P99Ms, double MaxMs)
{
    public static LatencySummary Of(IReadOnlyCollection<TimeSpan> samples)
    {
        if (samples.Count == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0);
        }

        var sorted = samples.Select(s => s.TotalMilliseconds).Order().ToArray();
        return new LatencySummary(sorted.Length, Quantile(sorted, 0.50), Quantile(sorted, 0.90), Quantile(sorted, 0.99), sorted[^1]);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"p50 {P50Ms:0.00} ms, p90 {P90Ms:0.00} ms, p99 {P99Ms:0.00} ms, max {MaxMs:0.00} ms (n={Count})");

    /// <summary>Nearest-rank quantile.</summary>
    private static double Quantile(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}

public sealed record FarmBenchResult(
    FarmBenchSettings Settings,
    string Machine,
    double ClusterStartSeconds,
    double SubmitSeconds,
    double SubmissionsPerSecond,
    LatencySummary SubmitCall,
    int SubmitRetries,
    double CompletionSeconds,
    double CompletionsPerSecond,
    int Succeeded,
    LatencySummary LeaseCall,
    LatencySummary FarmCallsPerJob,
    KillReport Kills,
    FleetAudit Audit,
    string LeaseDuration,
    int Switches,
    LatencySummary Wait,
    RenderOnceSavings RenderOnce)
{
    /// <summary>Model switches (loads by a worker that had a model loaded) per 100 succeeded jobs.</summary>
    public double SwitchesPer100Jobs => 100.0 * Switches / Math.Max(Succeeded, 1);

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public void WriteTable(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var rows = new List<(string, string)>
        {
            ("machine", Machine),
            ("setup", Invariant($"{Settings.Silos} silos, {Settings.Jobs} jobs of {Settings.RenderTime.TotalMilliseconds:0} ms, {Settings.Tenants} tenants, {Settings.Models} models, {Settings.Concurrency} submissions in flight, job state in {Settings.Store.ToString().ToLowerInvariant()}")),
            ("models", Invariant($"one resident per worker, loads {string.Join(", ", Settings.ModelLoads().Select(m => $"{m.Key} {m.Value.TotalSeconds:0.###} s"))}; switch rule {Settings.Rule.ToString().ToLowerInvariant()}")),
            ("cluster start", Invariant($"{ClusterStartSeconds:0.00} s")),
            ("submission", Invariant($"{SubmissionsPerSecond:0} jobs/s ({Settings.Jobs} in {SubmitSeconds:0.00} s)")),
            ("submit call", SubmitCall.ToString()),
            ("submit retries", Invariant($"{SubmitRetries} (calls repeated under the same idempotency key after a silo failure)")),
            ("completion", Invariant($"{CompletionsPerSecond:0} jobs/s ({Succeeded} succeeded, last {CompletionSeconds:0.00} s after the first submit)")),
            ("LeaseNext call (worker)", LeaseCall.ToString()),
            ("farm calls per job", FarmCallsPerJob.ToString()),
            ("model switches", Invariant($"{Switches} ({SwitchesPer100Jobs:0.0} per 100 jobs)")),
            ("wait (submit to lease)", Wait.ToString()),
        };
        if (Settings.Repeats > 0)
        {
            rows.Add(("render once", Invariant($"{RenderOnce.Hits} of {Settings.RepeatedJobs} repeated jobs answered from a finished render; {RenderOnce.GpuSeconds:0.0} GPU-seconds not spent again")));
        }

        if (Settings.Kills > 0)
        {
            rows.Add(("kills", Invariant($"{Kills.Kills} silos killed and replaced over {Kills.SpanSeconds:0.#} s (asked: one every {Settings.KillInterval.TotalSeconds:0.#} s); {Kills.Interrupted} attempts interrupted ({string.Join(", ", Kills.EndedAs.Select(e => $"{e.Value} {e.Key}"))})")));
            rows.Add(("requeue after a kill", Kills.Requeue.ToString()));
            rows.Add(("running again after a kill", Kills.Resume.ToString()));
            rows.Add(("resumed from a step checkpoint", Invariant($"{Kills.Resumed.Attempts} attempts ({Kills.Interrupted} interrupted); {Kills.Resumed.GpuSeconds:0.0} GPU-seconds of denoising not run again")));
        }

        rows.Add(("lost jobs", Invariant($"{Audit.Lost} of {Audit.Accepted} accepted")));
        rows.Add(("duplicated jobs", Invariant($"{Audit.Duplicated}")));
        rows.Add(("succeeded without artifact", Invariant($"{Audit.ArtifactLess}")));
        foreach (var example in Audit.Examples)
        {
            rows.Add(("  example", example));
        }

        rows.Add(("lease duration", LeaseDuration));
        var width = rows.Max(r => r.Item1.Length);
        output.WriteLine("turbo-farm-bench");
        foreach (var (name, value) in rows)
        {
            output.WriteLine($"  {name.PadRight(width)}  {value}");
        }
    }

    /// <summary>One row per run: the switch rules side by side.</summary>
    public static void WriteComparison(IReadOnlyList<FarmBenchResult> results, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine("switch rules compared (same settings, a fresh cluster each)");
        output.WriteLine("  rule      switches/100 jobs  throughput     wait p50 / p99 / max (s)");
        foreach (var result in results)
        {
            output.WriteLine(Invariant($"  {result.Settings.Rule.ToString().ToLowerInvariant(),-8}  {result.SwitchesPer100Jobs,17:0.0}  {result.CompletionsPerSecond,7:0.00} jobs/s  {result.Wait.P50Ms / 1000:0.00} / {result.Wait.P99Ms / 1000:0.00} / {result.Wait.MaxMs / 1000:0.00}"));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
