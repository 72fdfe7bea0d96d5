using TurboDiffusion.Engine.Media;

namespace TurboDiffusion.Engine.Tests.Media.BuiltInEncoder;

/// <summary>A video written by the built-in encoder, with its samples found through its own index.</summary>
internal sealed class BuiltInClip
{
    public const string SampleTable = "moov/trak/mdia/minf/stbl";
    public const string SampleEntry = SampleTable + "/stsd/avc1";

    private BuiltInClip(Mp4File file) => File = file;

    public Mp4File File { get; }

    public uint SampleCount => File.UInt32(File.Find(SampleTable + "/stsz").FullBoxBody + 4);

    /// <summary>stsz's one size for every sample (the writer gives no table).</summary>
    public uint SampleSize => File.UInt32(File.Find(SampleTable + "/stsz").FullBoxBody);

    /// <summary>Where the one chunk, holding every sample, starts (stco's single entry).</summary>
    public uint ChunkOffset
    {
        get
        {
            var stco = File.Find(SampleTable + "/stco").FullBoxBody;
            Assert.Equal(1u, File.UInt32(stco));
            return File.UInt32(stco + 4);
        }
    }

    public static BuiltInClip Write(string path, int width, int height, IEnumerable<byte[]> frames, Mp4Options? options = null)
    {
        using (var writer = BuiltInMp4Writer.Start(path, width, height, options))
        {
            foreach (var frame in frames)
            {
                writer.WriteFrame(frame);
            }

            writer.CompleteAsync(TestContext.Current.CancellationToken).GetAwaiter().GetResult();
        }

        return new BuiltInClip(Mp4File.Read(path));
    }

    public static byte[] Solid(int width, int height, byte r, byte g, byte b)
    {
        var rgb = new byte[width * height * 3];
        for (var i = 0; i < rgb.Length; i += 3)
        {
            (rgb[i], rgb[i + 1], rgb[i + 2]) = (r, g, b);
        }

        return rgb;
    }

    /// <summary>Sample <paramref name="index"/> as the stsc (one chunk), stsz and stco boxes place it.</summary>
    public ReadOnlySpan<byte> Sample(int index)
    {
        var stsc = File.Find(SampleTable + "/stsc").FullBoxBody;
        Assert.Equal(1u, File.UInt32(stsc));
        Assert.Equal((1u, SampleCount, 1u), (File.UInt32(stsc + 4), File.UInt32(stsc + 8), File.UInt32(stsc + 12)));
        return File.Span(ChunkOffset + ((long)index * SampleSize), (int)SampleSize);
    }

    /// <summary>avcC's parameter sets: one SPS, one PPS.</summary>
    public (byte[] Sps, byte[] Pps) ParameterSets()
    {
        var avcC = File.Find(SampleEntry + "/avcC").BodyStart;
        Assert.Equal(0xE1, File.UInt8(avcC + 5));
        var spsLength = File.UInt16(avcC + 6);
        var sps = File.Span(avcC + 8, spsLength).ToArray();
        var pps = avcC + 8 + spsLength;
        Assert.Equal(1, File.UInt8(pps));
        return (sps, File.Span(pps + 3, File.UInt16(pps + 1)).ToArray());
    }
}
