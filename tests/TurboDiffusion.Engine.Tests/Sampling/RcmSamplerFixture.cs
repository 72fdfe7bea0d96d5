using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using TurboDiffusion.Engine.Sampling;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Sampling;

/// <summary>
/// The <c>rcm_sampler</c> fixture: schedules <c>sigma{S}_steps{n}</c> and trajectories
/// <c>{t2v|i2v|i2v_ode}_sigma{S}_steps{n}_{exact|netinputs}</c>, driven by the recorded noise or the seeded generator.
/// </summary>
internal static partial class RcmSamplerFixture
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

    public static JsonElement Section(string name) => Open().Manifest.RootElement.GetProperty(name);

    public static IReadOnlyList<double> Boundaries() =>
        [.. Section("config").GetProperty("boundaries").EnumerateArray().Select(b => b.GetDouble())];

    public static RcmSchedule Schedule(string name)
    {
        var match = ScheduleName().Match(name);
        Assert.True(match.Success, $"unknown schedule name '{name}' in the rcm_sampler manifest");
        return RcmSchedule.Create(int.Parse(match.Groups["steps"].Value, CultureInfo.InvariantCulture), double.Parse(match.Groups["sigma"].Value, CultureInfo.InvariantCulture));
    }

    public static Trajectory Run(string name)
    {
        var match = TrajectoryName().Match(name);
        Assert.True(match.Success, $"unknown trajectory name '{name}' in the rcm_sampler manifest");
        var mode = match.Groups["mode"].Value;
        var schedule = RcmSchedule.Create(int.Parse(match.Groups["steps"].Value, CultureInfo.InvariantCulture), double.Parse(match.Groups["sigma"].Value, CultureInfo.InvariantCulture));
        return new Trajectory(
            name,
            schedule,
            mode.EndsWith("_ode", StringComparison.Ordinal) ? RcmSolver.Ode : RcmSolver.Sde,
            UsesExperts: mode.StartsWith("i2v", StringComparison.Ordinal),
            match.Groups["variant"].Value == "exact" ? ToyInputs.Exact : ToyInputs.NetworkInputs);
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
    public static ulong Seed() => Section("config").GetProperty("seed").GetUInt64();

    /// <summary>The initial draw plus one per step of the longest run.</summary>
    public static int RecordedDraws()
    {
        using var file = Open().Tensors(TensorFile);
        return 1 + (int)file.Info("step_noises").Shape[0];
    }

    public static long[] LatentShape() =>
        [.. Section("config").GetProperty("latent_shape").EnumerateArray().Select(size => size.GetInt64())];

    public static Tensor Load(string tensor)
    {
        using var file = Open().Tensors(TensorFile);
        return file.Load(tensor);
    }

    [GeneratedRegex(@"^sigma(?<sigma>\d+)_steps(?<steps>\d+)$")]
    private static partial Regex ScheduleName();

    [GeneratedRegex(@"^(?<mode>t2v|i2v|i2v_ode)_sigma(?<sigma>\d+)_steps(?<steps>\d+)_(?<variant>exact|netinputs)$")]
    private static partial Regex TrajectoryName();
}

/// <summary>One recorded run of the reference loop.</summary>
/// <param name="UsesExperts">I2V: the high/low-noise expert pair with the fixture's boundary.</param>
internal sealed record Trajectory(string Name, RcmSchedule Schedule, RcmSolver Solver, bool UsesExperts, ToyInputs Inputs);
