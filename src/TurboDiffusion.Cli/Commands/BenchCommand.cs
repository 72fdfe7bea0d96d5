using System.CommandLine;

namespace TurboDiffusion.Cli.Commands;

/// <summary><c>turbo bench</c>: measurements that print a table and write JSON, one subcommand per subject.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Measure a part of TurboDiffusion and print a table (and JSON with --json).");
        bench.Subcommands.Add(BenchDitCommand.Create());
        bench.Subcommands.Add(BenchPipelineCommand.Create());
        bench.Subcommands.Add(BenchAttentionCommand.Create());
        bench.Subcommands.Add(BenchGemmCommand.Create());
        bench.Subcommands.Add(BenchEncodeCommand.Create());
        bench.Subcommands.Add(BenchBatchCommand.Create());
        bench.Subcommands.Add(BenchWorkerCommand.Create());
        return bench;
    }
}
