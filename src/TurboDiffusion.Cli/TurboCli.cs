using System.CommandLine;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli.Commands;
using TurboDiffusion.Cli.Commands.Remote;
using TurboDiffusion.Cli.Configuration;

namespace TurboDiffusion.Cli;

/// <summary>The <c>turbo</c> command tree.</summary>
public static class TurboCli
{
    public static RootCommand Create(Func<IConfigurationRoot>? configuration = null)
    {
        configuration ??= () => TurboConfiguration.Build();
        var root = new RootCommand("TurboDiffusion Farm: prompts to videos on a farm of GPU silos.");
        root.Subcommands.Add(GenerateCommand.Create(configuration));
        root.Subcommands.Add(RenderCommand.Create(configuration));
        root.Subcommands.Add(FarmCommand.Create(configuration));
        root.Subcommands.Add(SiloCommand.Create(configuration));
        root.Subcommands.Add(GatewayCommand.Create(configuration));
        root.Subcommands.Add(SubmitCommand.Create(configuration));
        root.Subcommands.Add(StatusCommand.Create(configuration));
        root.Subcommands.Add(WatchCommand.Create(configuration));
        root.Subcommands.Add(CancelCommand.Create(configuration));
        root.Subcommands.Add(DownloadCommand.Create(configuration));
        root.Subcommands.Add(WorkersCommand.Create(configuration));
        root.Subcommands.Add(DoctorCommand.Create(configuration));
        root.Subcommands.Add(QuantizeCommand.Create(configuration));
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }
}
