using System.CommandLine;
using Microsoft.Extensions.Configuration;
using TurboDiffusion.Cli.Commands;
using TurboDiffusion.Cli.Farm;

namespace TurboDiffusion.Cli.Tests.Commands;

public sealed class FarmCommandTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("farm-up-").FullName;

    [Fact]
    public async Task Farm_up_serves_the_dashboard_and_api_until_stopped_then_exits_0()
    {
        var ports = LoopbackPorts.Take(3);
        var port = ports[0];
        var output = new StringWriter();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Turbo:Artifacts:Directory"] = Path.Combine(directory, "artifacts"),
            ["Turbo:Cluster:SiloPort"] = ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Turbo:Cluster:GatewayPort"] = ports[2].ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build();

        var run = TurboCli.Create(() => configuration).Parse(["farm", "up", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = output }, stop.Token);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        var dashboard = await EventuallyAsync(() => http.GetStringAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken));
        var jobs = await http.GetStringAsync(new Uri("/v1/jobs", UriKind.Relative), TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        var exitCode = await run;

        Assert.Contains("<title>TurboDiffusion Farm</title>", dashboard, StringComparison.Ordinal);
        Assert.Contains("\"items\"", jobs, StringComparison.Ordinal);
        Assert.Equal(0, exitCode);
        Assert.Contains($"farm: http://127.0.0.1:{port}/", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("stopping: draining the worker", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Farm_up_with_an_unknown_attention_setting_exits_2_naming_the_key_before_starting()
    {
        var (exitCode, output) = CliHarness.RunWith(new Dictionary<string, string?> { ["Turbo:Engine:Attention"] = "flash" }, "farm", "up", "--port", "0");

        Assert.Equal(FarmCommand.BadSettings, exitCode);
        Assert.Contains("Turbo:Engine:Attention must be one of auto, dense, sla, sagesla; got 'flash'.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("farm: http", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Turbo:Engine:OverlapDecode", "sometimes", "auto, on, off")]
    [InlineData("Turbo:Engine:TextEncoderDevice", "tpu", "auto, cuda, cpu")]
    public void Farm_up_with_an_unknown_engine_choice_exits_2_naming_the_key_and_the_allowed_values(string key, string value, string allowed)
    {
        var (exitCode, output) = CliHarness.RunWith(new Dictionary<string, string?> { [key] = value }, "farm", "up", "--port", "0");

        Assert.Equal(FarmCommand.BadSettings, exitCode);
        Assert.Contains($"{key} must be one of {allowed}; got '{value}'.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("farm: http", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Farm_up_on_a_network_address_without_keys_refuses_to_start_unless_anonymous_is_set()
    {
        var (exitCode, output) = CliHarness.RunWith(new Dictionary<string, string?> { ["Turbo:Http:Urls"] = "http://0.0.0.0:0" }, "farm", "up");

        Assert.Equal(FarmCommand.BadSettings, exitCode);
        Assert.Contains("beyond this machine, with no API keys", output, StringComparison.Ordinal);
        Assert.Contains("Turbo:Gateway:Anonymous=true", output, StringComparison.Ordinal);
        Assert.DoesNotContain("farm: http", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Farm_up_with_both_a_port_and_urls_exits_2_asking_for_one()
    {
        var (exitCode, output) = CliHarness.RunWith(new Dictionary<string, string?> { ["Turbo:Http:Urls"] = "http://127.0.0.1:0" }, "farm", "up", "--port", "0");

        Assert.Equal(FarmCommand.BadSettings, exitCode);
        Assert.Contains("both --port and Turbo:Http:Urls", output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static async Task<string> EventuallyAsync(Func<Task<string>> call)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, TestContext.Current.CancellationToken);
            }
        }
    }

}
