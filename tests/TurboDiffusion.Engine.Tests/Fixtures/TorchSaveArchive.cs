using System.IO.Compression;
using System.Text;

namespace TurboDiffusion.Engine.Tests.Fixtures;

/// <summary>Writes a zip laid out like torch.save's: <c>&lt;folder&gt;/data.pkl</c>, <c>byteorder</c> and <c>data/&lt;key&gt;</c> blobs.</summary>
public static class TorchSaveArchive
{
    public static void Write(string path, string folder, byte[] pickle, IReadOnlyDictionary<string, byte[]> storages, CompressionLevel level = CompressionLevel.NoCompression, string byteOrder = "little")
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        Add(zip, $"{folder}/data.pkl", pickle, level);
        Add(zip, $"{folder}/byteorder", Encoding.ASCII.GetBytes(byteOrder), level);
        foreach (var (key, data) in storages)
        {
            Add(zip, $"{folder}/data/{key}", data, level);
        }

        Add(zip, $"{folder}/version", Encoding.ASCII.GetBytes("3\n"), level);
    }

    private static void Add(ZipArchive zip, string name, byte[] data, CompressionLevel level)
    {
        using var stream = zip.CreateEntry(name, level).Open();
        stream.Write(data);
    }
}
