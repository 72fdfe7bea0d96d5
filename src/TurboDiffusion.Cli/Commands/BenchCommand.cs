using System.CommandLine;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli.Commands.Bench;

namespace TurboDiffusion.Cli.Commands;

/// <summary><c>turbo bench</c>: measurements, one subcommand per subject (<c>farm</c>; others register here the same way).</summary>
public static class BenchCommand
{
    public static Command Create(Func<IConfigurationRoot> configuration)
    {
        var bench = new Command("bench", "Measure a part of TurboDiffusion and print a table (and JSON with --json).");
        bench.Subcommands.Add(FarmBenchCommand.Create(configuration));
        return bench;
    }
}
