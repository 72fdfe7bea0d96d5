using System.Text.Json;
using TurboDiffusion.Engine.Sampling;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Sampling;

/// <summary>
/// The <c>rcm_sampler</c> fixture: schedules <c>sigma{S}_steps{n}</c> and trajectories
/// <c>{t2v|i2v|i2v_ode}_sigma{S}_steps{n}_{exact|netinputs}</c>, driven by the recorded noise or the seeded generator.
/// </summary>
internal static class RcmSamplerFixture
{
    public const string TensorFile = "sampler.safetensors";

    /// <summary>Manifest key of the float64 bounds, given per kind: "(schedule)" and "(trajectories)".</summary>
    public const string Float64ToleranceKey = "t_rf, x_steps (float64 impl)";

    public const string ExactToleranceKey = "timesteps_bf16, experts, expert_switch_step";

    private static readonly Lazy<GoldenFixture> Fixture = new(() => GoldenFixture.Open("rcm_sampler"));

    public static GoldenFixture Open() => Fixture.Value;

    public static TheoryData<string> ScheduleNames() => [.. Section("schedules").EnumerateObject().Select(p => p.Name)];

    public static TheoryData<string> TrajectoryNames() => [.. Section("trajectories").EnumerateObject().Select(p => p.Name)];

    public static TheoryData<string, FixtureNoise> TrajectoriesWithEachNoise() =>
        [.. Section("trajectories").EnumerateObject().SelectMany(p => Enum.GetValues<FixtureNoise>().Select(noise => (p.Name, noise)))];

    public static JsonElement Section(string name) => Open().Manifest.Section(name);

    public static SamplerSettings Settings() => Open().Manifest.SamplerSettings();

    /// <summary>
    /// The schedule <c>sigma{S}_steps{n}</c>: S is one of the manifest's sigma_max, written as there; n is the number of
    /// timesteps the manifest records for it.
    /// </summary>
    public static RcmSchedule Schedule(string name)
    {
        var sigma = Assert.Single(Settings().SigmaMax, s => name.StartsWith($"sigma{s.Label}_steps", StringComparison.Ordinal));
        var steps = Section("schedules").GetProperty(name).GetProperty("timesteps_bf16").GetArrayLength();
        Assert.Equal($"sigma{sigma.Label}_steps{steps}", name);
        return RcmSchedule.Create(steps, sigma.Value);
    }

    /// <summary>
    /// The trajectory <c>{mode}_sigma{S}_steps{n}_{exact|netinputs}</c> of one of the manifest's runs, n its number of
    /// recorded experts. <c>t2v</c> runs one network; <c>i2v</c> the experts; an <c>_ode</c> mode the ODE solver.
    /// </summary>
    public static Trajectory Run(string name)
    {
        var run = Assert.Single(Settings().Runs, r => name.StartsWith(Prefix(r), StringComparison.Ordinal));
        var steps = Section("trajectories").GetProperty(name).GetProperty("experts").GetArrayLength();
        var variant = name[$"{Prefix(run)}{steps}_".Length..];
        Assert.Equal($"{Prefix(run)}{steps}_{variant}", name);
        return new Trajectory(
            name,
            RcmSchedule.Create(steps, run.Sigma.Value),
            run.Mode.EndsWith("_ode", StringComparison.Ordinal) ? RcmSolver.Ode : RcmSolver.Sde,
            UsesExperts: run.Mode.StartsWith("i2v", StringComparison.Ordinal),
            variant switch
            {
                "exact" => ToyInputs.Exact,
                "netinputs" => ToyInputs.NetworkInputs,
                _ => throw new InvalidOperationException($"trajectory '{name}': unknown toy-network variant '{variant}'"),
            });
    }

    /// <summary>Replays <c>init_noise</c>, then <c>step_noises[i]</c> for step i.</summary>
    public static RecordedNoise RecordedNoise()
    {
        using var file = Open().Tensors(TensorFile);
        return new RecordedNoise(file.Load("init_noise"), file.Load("step_noises"));
    }

    /// <summary>
    /// The seed of the recorded noise. A TorchSharp CPU generator with this seed replays every recorded draw;
    /// the manifest speaks of a CUDA generator, but a PyTorch CUDA generator seeded alike draws other values.
    /// </summary>
    public static ulong Seed() => Settings().Seed;

    /// <summary>The initial draw plus one per step of the longest run.</summary>
    public static int RecordedDraws()
    {
        using var file = Open().Tensors(TensorFile);
        return 1 + (int)file.Info("step_noises").Shape[0];
    }

    public static long[] LatentShape() => Settings().LatentShape;

    public static Tensor Load(string tensor)
    {
        using var file = Open().Tensors(TensorFile);
        return file.Load(tensor);
    }

    private static string Prefix(SamplerRun run) => $"{run.Mode}_sigma{run.Sigma.Label}_steps";
}

/// <summary>One recorded run of the reference loop.</summary>
/// <param name="UsesExperts">I2V: the experts with the fixture's boundaries.</param>
internal sealed record Trajectory(string Name, RcmSchedule Schedule, RcmSolver Solver, bool UsesExperts, ToyInputs Inputs);
