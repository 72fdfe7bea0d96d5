using TurboDiffusion.Cli;

return await TurboCli.Create().Parse(args).InvokeAsync();
