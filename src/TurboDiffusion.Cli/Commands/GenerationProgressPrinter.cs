using TurboDiffusion.Engine;

namespace TurboDiffusion.Cli.Commands;

/// <summary>
/// Progress as lines, readable in a terminal, CI logs and <c>kubectl logs</c>: one line when a stage starts, one per
/// sampler step, and milestones (25, 50, 75, 100 %) for the frame-by-frame stages.
/// </summary>
public sealed class GenerationProgressPrinter(TextWriter output) : IProgress<GenerationProgress>
{
    private readonly Lock gate = new();
    private GenerationStage? stage;
    private int lastMilestone;
    private int lastStep;

    public void Report(GenerationProgress value)
    {
        lock (gate)
        {
            if (value.Stage != stage)
            {
                (stage, lastMilestone, lastStep) = (value.Stage, 0, 0);
                output.WriteLine($"[{value.Elapsed:mm\\:ss}] {Describe(value.Stage)}");
            }

            if (value.Total <= 1 || value.Done == 0)
            {
                return;
            }

            if (value.Stage == GenerationStage.Denoising)
            {
                if (value.Done == lastStep)
                {
                    return;
                }

                lastStep = value.Done;
                output.WriteLine($"[{value.Elapsed:mm\\:ss}]   step {value.Done}/{value.Total}");
                return;
            }

            var milestone = value.Done * 4 / value.Total * 25;
            if (milestone > lastMilestone)
            {
                lastMilestone = milestone;
                output.WriteLine($"[{value.Elapsed:mm\\:ss}]   {milestone}% ({value.Done}/{value.Total})");
            }
        }
    }

    public static string Describe(GenerationStage stage) => stage switch
    {
        GenerationStage.LoadingModel => "loading model",
        GenerationStage.EncodingText => "encoding prompt",
        GenerationStage.EncodingImage => "encoding first frame",
        GenerationStage.Denoising => "denoising",
        GenerationStage.Decoding => "decoding frames",
        _ => "writing video",
    };
}
