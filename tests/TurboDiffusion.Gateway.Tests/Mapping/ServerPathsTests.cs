using TurboDiffusion.Gateway.Mapping;

namespace TurboDiffusion.Gateway.Tests.Mapping;

public sealed class ServerPathsTests
{
    [Theory]
    [InlineData("FileNotFoundException: Could not find file '/var/lib/turbo/models/wan-14b/model.safetensors'.", "FileNotFoundException: Could not find file 'model.safetensors'.")]
    [InlineData("the ffmpeg encoder crashed writing /tmp/turbodiffusion-work/job_1/attempt-2/video.mp4 (simulated).", "the ffmpeg encoder crashed writing video.mp4 (simulated).")]
    [InlineData("cannot open /srv/models/t5/ for reading", "cannot open t5 for reading")]
    [InlineData("model dir=/opt/turbo/models/tiny, 2 files", "model dir=tiny, 2 files")]
    [InlineData(@"Could not find a part of the path 'C:\farm\work\job_1\out.mp4'.", "Could not find a part of the path 'out.mp4'.")]
    [InlineData(@"share \\nas\models\wan\vae.pth is offline", "share vae.pth is offline")]
    [InlineData("/home/render/.cache/turbo/spiece.model: bad header; /etc/turbo/settings.json too", "spiece.model: bad header; settings.json too")]
    public void An_absolute_path_is_cut_to_its_file_name(string message, string redacted) =>
        Assert.Equal(redacted, ServerPaths.Redact(message));

    [Theory]
    [InlineData("the receiver answered 503 at https://hooks.example.com/render/done")]
    [InlineData("blob http://127.0.0.1:10000/devstoreaccount1/turbo-a/job_1/video.mp4 is missing")]
    [InlineData("steps 3/4 done; models/tiny is relative; and/or")]
    [InlineData("simulated engine error rendering 'a red fox / in snow'")]
    [InlineData("a single /tmp segment says nothing")]
    public void Urls_relative_paths_and_plain_text_stay_as_they_are(string message) =>
        Assert.Equal(message, ServerPaths.Redact(message));
}
