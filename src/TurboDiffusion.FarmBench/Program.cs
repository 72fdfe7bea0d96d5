using Microsoft.Extensions.Configuration;
using TurboDiffusion.FarmBench;

// Farm settings (Turbo:Lease, Turbo:Scheduler, Turbo:Worker, Turbo:Redis) as turbo reads them: appsettings.json in
// the working directory, then environment variables.
static IConfigurationRoot Configuration() =>
    new ConfigurationBuilder()
        .SetBasePath(Directory.GetCurrentDirectory())
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .Build();

return await FarmBenchCommand.Create(Configuration).Parse(args).InvokeAsync();
