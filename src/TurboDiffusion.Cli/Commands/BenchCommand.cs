using System.CommandLine;

namespace TurboDiffusion.Cli.Commands;

/// <summary><c>turbo bench</c>: benchmarks that print a table and write JSON. One subcommand per subject.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Measure performance: print a table and optionally write JSON.");
        command.Subcommands.Add(BenchDitCommand.Create());
        command.Subcommands.Add(BenchPipelineCommand.Create());
        command.Subcommands.Add(BenchAttentionCommand.Create());
        return command;
    }
}
