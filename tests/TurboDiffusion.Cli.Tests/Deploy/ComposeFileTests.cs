using System.Text.RegularExpressions;
using TurboDiffusion.Cli.Tests.Commands;
using YamlDotNet.RepresentationModel;

namespace TurboDiffusion.Cli.Tests.Deploy;

/// <summary>
/// deploy/compose.yaml and the images it builds stay consistent with the process contract (ports, health endpoints,
/// settings keys) without Docker: the files are read as text and YAML.
/// </summary>
public sealed partial class ComposeFileTests
{
    private const string SiloCpuDockerfile = "deploy/docker/silo-cpu.Dockerfile";
    private const string GatewayDockerfile = "deploy/docker/gateway.Dockerfile";
    private const int GatewayHttpPort = 8480;
    private const int SiloHttpPort = 8481;

    /// <summary>The settings `turbo silo` and `turbo gateway` read (the process contract), ':' as in configuration.</summary>
    private static readonly Regex[] KnownSettings = new[]
    {
        @"Turbo:Http:Urls",
        @"Turbo:Gateway:(Anonymous|AnonymousTenant|AdminKey|DefaultModel)",
        @"Turbo:Gateway:ApiKeys:\d+:(Tenant|Sha256)",
        @"Turbo:Webhooks:SigningSecret",
        @"Turbo:Worker:(Name|Pool|DrainGracePeriod|WorkDirectory)",
        @"Turbo:Worker:Preload:\d+",
        @"Turbo:Scheduler:DefaultPool",
        @"Turbo:Scheduler:ModelPools:[^:]+",
        @"Turbo:Redis:ConnectionString",
        @"Turbo:Blob:(ConnectionString|ServiceVersion)",
        @"Turbo:Cluster:(ClusterId|ServiceId|SiloPort|GatewayPort|AdvertisedAddress)",
        @"Turbo:Engine:(LibTorchDir|NativeKernels|Attention|TopK)",
    }.Select(p => new Regex($"^{p}$", RegexOptions.CultureInvariant)).ToArray();

    private readonly string root = RenderCommandTests.RepositoryRoot();
    private readonly YamlMappingNode services;

    public ComposeFileTests()
    {
        using var reader = new StreamReader(Path.Combine(root, "deploy", "compose.yaml"));
        var stream = new YamlStream();
        stream.Load(reader);
        services = (YamlMappingNode)((YamlMappingNode)stream.Documents.Single().RootNode)["services"];
    }

    [Fact]
    public void Redis_keeps_an_append_only_file_on_a_volume()
    {
        var redis = Service("redis");
        var command = Sequence(redis, "command");

        Assert.Equal("yes", command[command.IndexOf("--appendonly") + 1]);
        Assert.Contains(Sequence(redis, "volumes"), v => v.EndsWith(":/data", StringComparison.Ordinal));
    }

    [Fact]
    public void Two_cpu_silos_preload_the_tiny_model_under_distinct_worker_names()
    {
        var silos = TurboServices().Where(s => Dockerfile(s.Value) == SiloCpuDockerfile).ToList();

        Assert.True(silos.Count >= 2, $"compose.yaml runs {silos.Count} CPU silo(s); the quick start needs two.");
        Assert.All(silos, s => Assert.Equal("tiny", Settings(s.Value).GetValueOrDefault("Turbo__Worker__Preload__0")));
        var names = silos.Select(s => Settings(s.Value).GetValueOrDefault("Turbo__Worker__Name")).ToList();
        Assert.All(names, n => Assert.False(string.IsNullOrWhiteSpace(n)));
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Every_setting_of_a_turbo_service_is_one_the_processes_read()
    {
        foreach (var (name, service) in TurboServices())
        {
            foreach (var key in Settings(service).Keys)
            {
                Assert.True(key.StartsWith("Turbo__", StringComparison.Ordinal), $"{name}: {key} is not a Turbo__ setting.");
                var setting = key.Replace("__", ":", StringComparison.Ordinal);
                Assert.True(KnownSettings.Any(k => k.IsMatch(setting)), $"{name}: {setting} is no setting of the process contract.");
            }
        }
    }

    [Fact]
    public void Every_turbo_service_shares_one_redis_and_one_blob_store_pinned_for_azurite()
    {
        var settings = TurboServices().Select(s => Settings(s.Value)).ToList();

        Assert.Single(settings.Select(e => e.GetValueOrDefault("Turbo__Redis__ConnectionString")).Distinct());
        Assert.Single(settings.Select(e => e.GetValueOrDefault("Turbo__Blob__ConnectionString")).Distinct());
        Assert.Single(settings.Select(e => e.GetValueOrDefault("Turbo__Blob__ServiceVersion")).Distinct());
        Assert.StartsWith("redis:6379", settings[0]["Turbo__Redis__ConnectionString"], StringComparison.Ordinal);
        Assert.Contains("BlobEndpoint=http://azurite:10000/devstoreaccount1;", settings[0]["Turbo__Blob__ConnectionString"], StringComparison.Ordinal);
        Assert.Matches(@"^V\d{4}_\d{2}_\d{2}$", settings[0]["Turbo__Blob__ServiceVersion"]);
    }

    [Fact]
    public void The_gateway_is_keyed_or_explicitly_anonymous()
    {
        var gateway = Settings(Service("gateway"));

        var keyed = !string.IsNullOrWhiteSpace(gateway.GetValueOrDefault("Turbo__Gateway__AdminKey"))
            || gateway.Keys.Any(k => ApiKeyHash().IsMatch(k));
        var anonymous = string.Equals(gateway.GetValueOrDefault("Turbo__Gateway__Anonymous"), "true", StringComparison.OrdinalIgnoreCase);
        Assert.True(keyed || anonymous, "A gateway on a container address refuses to start without keys or Turbo__Gateway__Anonymous=true.");
    }

    [Fact]
    public void The_gateway_is_published_on_loopback_and_the_health_checks_use_the_contract_ports()
    {
        Assert.Equal([$"127.0.0.1:{GatewayHttpPort}:{GatewayHttpPort}"], Sequence(Service("gateway"), "ports"));
        Assert.Contains($"http://127.0.0.1:{GatewayHttpPort}/healthz", HealthCheck(Service("gateway")));
        foreach (var (name, silo) in TurboServices().Where(s => Dockerfile(s.Value) == SiloCpuDockerfile))
        {
            Assert.Contains(HealthCheck(silo), a => a.StartsWith($"http://127.0.0.1:{SiloHttpPort}/health/", StringComparison.Ordinal));
            Assert.False(silo.Children.ContainsKey("ports"), $"{name}: silos publish no port; only the gateway faces clients.");
        }
    }

    [Fact]
    public void Every_dependency_waits_for_a_healthy_service_that_has_a_health_check()
    {
        foreach (var (name, service) in services.Children.Select(c => (((YamlScalarNode)c.Key).Value!, (YamlMappingNode)c.Value)))
        {
            Assert.True(service.Children.ContainsKey("healthcheck"), $"{name} has no health check.");
            if (!service.Children.TryGetValue("depends_on", out var dependsOn))
            {
                continue;
            }

            foreach (var (dependency, condition) in ((YamlMappingNode)dependsOn).Children)
            {
                Assert.True(services.Children.ContainsKey(dependency), $"{name} depends on an unknown service {dependency}.");
                Assert.Equal("service_healthy", Scalar((YamlMappingNode)condition, "condition"));
            }
        }
    }

    [Fact]
    public void Built_images_are_named_turbodiffusion_and_pulled_images_are_pinned_to_a_release()
    {
        foreach (var (name, service) in services.Children.Select(c => (((YamlScalarNode)c.Key).Value!, (YamlMappingNode)c.Value)))
        {
            var image = Scalar(service, "image");
            if (service.Children.ContainsKey("build"))
            {
                Assert.StartsWith("turbodiffusion/", image, StringComparison.Ordinal);
                Assert.Equal("..", Scalar((YamlMappingNode)service["build"], "context"));
            }
            else
            {
                Assert.True(PinnedTag().IsMatch(image), $"{name}: {image} is not pinned to an exact release.");
            }
        }
    }

    [Fact]
    public void Every_dockerfile_compose_builds_exists_and_serves_the_right_command()
    {
        var built = TurboServices().Select(s => Dockerfile(s.Value)).Distinct().Order(StringComparer.Ordinal).ToList();

        Assert.Equal([GatewayDockerfile, SiloCpuDockerfile], built);
        Assert.Equal("""["gateway"]""", FinalStage(GatewayDockerfile).Single(l => l.StartsWith("CMD ", StringComparison.Ordinal))[4..]);
        Assert.Equal("""["silo"]""", FinalStage(SiloCpuDockerfile).Single(l => l.StartsWith("CMD ", StringComparison.Ordinal))[4..]);
    }

    [Theory]
    [InlineData("deploy/docker/silo-cuda.Dockerfile", "8481/health/live", "8481 11111 30000")]
    [InlineData(SiloCpuDockerfile, "8481/health/live", "8481 11111 30000")]
    [InlineData(GatewayDockerfile, "8480/healthz", "8480")]
    public void Every_image_runs_turbo_as_a_non_root_user_with_a_health_check(string dockerfile, string health, string ports)
    {
        var final = FinalStage(dockerfile);

        Assert.Equal("USER 10001:10001", final.Last(l => l.StartsWith("USER ", StringComparison.Ordinal)));
        Assert.Contains(final, l => l.StartsWith("HEALTHCHECK ", StringComparison.Ordinal) && l.Contains($"http://127.0.0.1:{health}", StringComparison.Ordinal));
        Assert.Contains($"EXPOSE {ports}", final);
        Assert.Contains("""ENTRYPOINT ["/app/turbo"]""", final);
        Assert.DoesNotContain(Instructions(dockerfile), l => l.Contains("TURBO_SETTINGS", StringComparison.Ordinal));
        foreach (var baseImage in Instructions(dockerfile).Where(l => l.StartsWith("ARG ", StringComparison.Ordinal) && l.Contains("_IMAGE=", StringComparison.Ordinal)))
        {
            Assert.True(PinnedTag().IsMatch(baseImage[(baseImage.IndexOf('=', StringComparison.Ordinal) + 1)..]), $"{dockerfile}: {baseImage} is not pinned to an exact release.");
        }
    }

    private YamlMappingNode Service(string name) => (YamlMappingNode)services[name];

    /// <summary>The services built from this repository (the turbo processes).</summary>
    private IEnumerable<(string Name, YamlMappingNode Value)> TurboServices() =>
        services.Children
            .Where(c => ((YamlMappingNode)c.Value).Children.ContainsKey("build"))
            .Select(c => (((YamlScalarNode)c.Key).Value!, (YamlMappingNode)c.Value));

    private string Dockerfile(YamlMappingNode service)
    {
        var build = (YamlMappingNode)service["build"];
        var path = Path.GetFullPath(Path.Combine(root, "deploy", Scalar(build, "context"), Scalar(build, "dockerfile")));
        Assert.True(File.Exists(path), $"{path} does not exist.");
        return Path.GetRelativePath(root, path).Replace('\\', '/');
    }

    private static Dictionary<string, string> Settings(YamlMappingNode service) =>
        service.Children.TryGetValue("environment", out var environment)
            ? environment is YamlMappingNode map
                ? map.Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => ((YamlScalarNode)e.Value).Value ?? "", StringComparer.Ordinal)
                : ((YamlSequenceNode)environment).Children
                    .Select(e => ((YamlScalarNode)e).Value!.Split('=', 2))
                    .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal)
            : [];

    private static List<string> HealthCheck(YamlMappingNode service) => Sequence((YamlMappingNode)service["healthcheck"], "test");

    private static List<string> Sequence(YamlMappingNode node, string key) =>
        ((YamlSequenceNode)node[key]).Children.Select(c => ((YamlScalarNode)c).Value!).ToList();

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;

    /// <summary>The Dockerfile's instructions, continuation lines joined and comments dropped.</summary>
    private List<string> Instructions(string dockerfile)
    {
        var instructions = new List<string>();
        var current = "";
        foreach (var line in File.ReadAllLines(Path.Combine(root, dockerfile)).Select(l => l.Trim()))
        {
            if (line.StartsWith('#') || (line.Length == 0 && current.Length == 0))
            {
                continue;
            }

            current = current.Length == 0 ? line : $"{current} {line}";
            if (current.EndsWith('\\'))
            {
                current = current[..^1].TrimEnd();
                continue;
            }

            instructions.Add(current);
            current = "";
        }

        return instructions;
    }

    private List<string> FinalStage(string dockerfile)
    {
        var instructions = Instructions(dockerfile);
        return instructions[instructions.FindLastIndex(l => l.StartsWith("FROM ", StringComparison.Ordinal))..];
    }

    [GeneratedRegex(@"^Turbo__Gateway__ApiKeys__\d+__Sha256$")]
    private static partial Regex ApiKeyHash();

    /// <summary>An image reference whose tag starts with a full x.y.z version (not latest, not a bare major).</summary>
    [GeneratedRegex(@"^[^\s:]+(:\d+/[^\s:]+)?:\d+\.\d+\.\d+\S*$")]
    private static partial Regex PinnedTag();
}
