using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using TurboDiffusion.Client.Models;
using TurboDiffusion.Farm.Contracts;
using TurboDiffusion.Gateway.Batches;

namespace TurboDiffusion.Gateway.Tests.Batches;

public sealed class JsonLinesTests
{
    [Fact]
    public async Task A_bad_line_is_reported_by_number_and_field_and_the_body_can_still_be_drained()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes("{\"prompt\": \"one\"}\n{\"prompt\": \"two\", \"resolution\": \"1080p\"}\n"), TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<InvalidJobSpecException>(async () =>
        {
            await foreach (var _ in JsonLines.ReadAsync<JobRequest>(pipe.Reader, 1024, TestContext.Current.CancellationToken))
            {
            }
        });

        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes("the rest of the upload"), TestContext.Current.CancellationToken);
        Assert.Equal("lines[2].resolution: '1080p' is not a resolution; use 144p, 480p or 720p.", Assert.Single(error.Problems));
        Assert.True(pipe.Reader.TryRead(out var rest));
        Assert.Equal("the rest of the upload", Encoding.UTF8.GetString(rest.Buffer.ToArray()));
    }
}
