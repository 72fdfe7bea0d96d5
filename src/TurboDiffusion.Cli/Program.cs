using System.CommandLine;
using TurboDiffusion.Cli;

// Ctrl+C or SIGTERM cancels the command's token; `turbo farm up` then drains its worker (Turbo:Worker:DrainGracePeriod,
// 25 s by default), so the process is given that long plus the silo's shutdown before it is ended.
return await TurboCli.Create().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(40) });
