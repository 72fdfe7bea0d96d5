namespace TurboDiffusion.Engine.Sampling;

/// <summary>Reported after each finished step.</summary>
/// <param name="Step">Zero-based index of the step that finished.</param>
/// <param name="StepCount">Steps in the schedule.</param>
/// <param name="Time">Rectified-flow time t the step started from.</param>
/// <param name="Elapsed">Time since sampling began.</param>
public readonly record struct StepProgress(int Step, int StepCount, double Time, TimeSpan Elapsed);
