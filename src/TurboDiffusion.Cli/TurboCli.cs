using System.CommandLine;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli.Commands;
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
        root.Subcommands.Add(DoctorCommand.Create(configuration));
        root.Subcommands.Add(BenchCommand.Create(configuration));
        return root;
    }
}
