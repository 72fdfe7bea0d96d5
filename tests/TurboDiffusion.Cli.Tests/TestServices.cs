namespace TurboDiffusion.Cli.Tests;

/// <summary>Where the tests find Redis and Azurite: Turbo__Test__Redis and Turbo__Test__Blob (set by tests/run.sh), else their loopback defaults.</summary>
internal static class TestServices
{
    public static string Redis => Environment.GetEnvironmentVariable("Turbo__Test__Redis") is { Length: > 0 } r ? r : "127.0.0.1:6379";

    public static string Blob => Environment.GetEnvironmentVariable("Turbo__Test__Blob") is { Length: > 0 } b ? b
        : "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;";
}
