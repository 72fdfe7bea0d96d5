using System.CommandLine;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli;
using TurboDiffusion.Cli.Configuration;
using TurboDiffusion.Silo.Options;

IConfigurationRoot settings;
try
{
    settings = TurboConfiguration.Build();
}
catch (SettingsFileException e)
{
    await Console.Error.WriteLineAsync($"error: settings: {e.Message}");
    return 2;
}

// Ctrl+C or SIGTERM cancels the command's token; a farm process then drains its worker within
// Turbo:Worker:DrainGracePeriod and stops its silo, so the process is given that long before it is ended.
return await TurboCli.Create(() => settings).Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TerminationTimeout(settings) });

// A malformed worker setting is reported, with its key, by the command that uses it.
static TimeSpan TerminationTimeout(IConfiguration settings)
{
    try
    {
        return (settings.GetSection(WorkerOptions.Section).Get<WorkerOptions>() ?? new WorkerOptions()).ProcessTerminationTimeout;
    }
    catch (InvalidOperationException)
    {
        return new WorkerOptions().ProcessTerminationTimeout;
    }
}
