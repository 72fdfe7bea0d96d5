using System.Globalization;
using TurboDiffusion.Engine.Checkpoints.Quantization;

namespace TurboDiffusion.Cli.Commands;

/// <summary>
/// <c>turbo quantize</c>'s progress as lines, for redirected output (CI, <c>kubectl logs</c>): milestones at 25, 50, 75
/// and 100 % of the bytes written, each with the tensor count and bytes.
/// </summary>
public sealed class QuantizeProgressPrinter(TextWriter output) : IProgress<QuantizeProgress>
{
    private const double Mebibyte = 1 << 20;

    private readonly Lock gate = new();
    private long lastMilestone;

    public void Report(QuantizeProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (gate)
        {
            var milestone = value.TotalBytes == 0 ? 100 : value.BytesWritten * 4 / value.TotalBytes * 25;
            if (milestone > lastMilestone)
            {
                lastMilestone = milestone;
                output.WriteLine($"  {milestone}% {Describe(value)}");
            }
        }
    }

    /// <summary>"2.8 MiB", "14.2 GiB".</summary>
    public static string Size(long bytes) => bytes < 1L << 30
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / Mebibyte:N1} MiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):N1} GiB");

    /// <summary>"tensor 40/99, 1,234.5 of 4,812.0 MiB".</summary>
    public static string Describe(QuantizeProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return string.Create(CultureInfo.InvariantCulture, $"tensor {value.Tensor}/{value.Tensors}, {value.BytesWritten / Mebibyte:N1} of {value.TotalBytes / Mebibyte:N1} MiB");
    }
}
