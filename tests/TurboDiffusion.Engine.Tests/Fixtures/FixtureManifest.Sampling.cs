using System.Globalization;
using System.Text.RegularExpressions;

namespace TurboDiffusion.Engine.Tests.Fixtures;

/// <summary>The settings of the rcm_sampler fixture's schedules and runs.</summary>
public sealed partial class FixtureManifest
{
    /// <summary>
    /// rcm_sampler's <c>config</c>, and the toy velocities of its runs, whose coefficients only its notes state
    /// ("(a,b) = (0.3,0.1) for the high-noise expert / T2V, (0.25,0.05) for the low-noise expert").
    /// </summary>
    public SamplerSettings SamplerSettings()
    {
        var sigmas = Setting("sigma_max").EnumerateArray().Select(s => new SigmaMax(s.GetDouble(), s.GetRawText())).ToList();
        var runs = Setting("trajectories").EnumerateArray()
            .Select(run => new SamplerRun(run[0].GetString()!, sigmas.Single(s => s.Label == run[1].GetRawText())))
            .ToList();
        return new SamplerSettings(sigmas, Numbers("boundaries"), Dimensions("latent_shape"), Setting("seed").GetUInt64(), runs, ToyExperts());
    }

    private List<ToyExpert> ToyExperts()
    {
        var note = Section("notes").EnumerateArray().Select(n => n.GetString()!).Select(n => ToyCoefficients().Match(n)).SingleOrDefault(m => m.Success)
            ?? throw new KeyNotFoundException($"{Path}: no note states the toy velocity's coefficients as \"(a,b) = (a0,b0) ..., (a1,b1) ...\"");
        return [.. CoefficientPair().Matches(note.Groups["pairs"].Value).Select(pair => new ToyExpert(Coefficient(pair, "a"), Coefficient(pair, "b")))];
    }

    private static double Coefficient(Match match, string group) => double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\(a,\s*b\)\s*=\s*(?<pairs>.*)$")]
    private static partial Regex ToyCoefficients();

    [GeneratedRegex(@"\((?<a>[-+0-9.eE]+),\s*(?<b>[-+0-9.eE]+)\)")]
    private static partial Regex CoefficientPair();
}

/// <summary>A sigma_max of the sampler fixture; <see cref="Label"/> is how its tensor and schedule names write it.</summary>
public sealed record SigmaMax(double Value, string Label);

/// <summary>One kind of run: <see cref="Mode"/> <c>t2v</c>, <c>i2v</c> or <c>i2v_ode</c> at one sigma_max.</summary>
public sealed record SamplerRun(string Mode, SigmaMax Sigma);

/// <summary>v = a·x − b·t, the stand-in for one expert, from the highest noise level down.</summary>
public sealed record ToyExpert(double A, double B);

/// <param name="Boundaries">Rectified-flow times at which the image-to-video runs switch to the next expert.</param>
/// <param name="Seed">The seed of the recorded noise.</param>
public sealed record SamplerSettings(
    IReadOnlyList<SigmaMax> SigmaMax, IReadOnlyList<double> Boundaries, long[] LatentShape, ulong Seed, IReadOnlyList<SamplerRun> Runs, IReadOnlyList<ToyExpert> ToyExperts);
