using System.Globalization;
using System.Runtime.InteropServices;
using TurboDiffusion.Engine.Checkpoints;
using TurboDiffusion.Engine.Models.Wan;
using TurboDiffusion.Engine.Tests.Fixtures;
using static TorchSharp.torch;

namespace TurboDiffusion.Engine.Tests.Pipelines;

/// <summary>
/// A Wan DiT state dict made up for a test: every tensor of a config under its official name (random weights), then
/// edited, and written as the official <c>.safetensors</c> or as a TurboDiffusion <c>.pth</c> (Linear patch embedding).
/// </summary>
internal sealed class SyntheticWanCheckpoint : IDisposable
{
    private const string PatchEmbedding = "patch_embedding.weight";

    private readonly List<KeyValuePair<string, Tensor>> tensors = [];

    public SyntheticWanCheckpoint(WanConfig config)
    {
        using var weights = new RandomWanWeights(config, seed: 1);
        foreach (var name in weights.Names)
        {
            tensors.Add(KeyValuePair.Create(name, weights.Load(name)));
        }
    }

    /// <summary>Puts zeros of <paramref name="shape"/> in place of (or beside) the tensors.</summary>
    public SyntheticWanCheckpoint With(string name, params long[] shape)
    {
        Without(n => n == name);
        tensors.Add(KeyValuePair.Create(name, zeros(shape)));
        return this;
    }

    public SyntheticWanCheckpoint Without(Func<string, bool> drop)
    {
        foreach (var (_, dropped) in tensors.Where(t => drop(t.Key)))
        {
            dropped.Dispose();
        }

        tensors.RemoveAll(t => drop(t.Key));
        return this;
    }

    /// <summary>The official layout: <paramref name="directory"/>/diffusion_pytorch_model.safetensors; returns the directory.</summary>
    public string WriteOfficial(string directory)
    {
        Directory.CreateDirectory(directory);
        SafetensorsWriter.Write(Path.Combine(directory, "diffusion_pytorch_model.safetensors"), tensors);
        return directory;
    }

    /// <summary>TurboDiffusion's layout: a torch.save zip whose patch embedding is the Linear [dim, C·pt·ph·pw]; returns the path.</summary>
    public string WriteTurbo(string path)
    {
        var pickle = new PickleWriter().EmptyDict().Mark();
        var storages = new Dictionary<string, byte[]>();
        foreach (var (name, tensor) in tensors)
        {
            // The Linear holds the Conv3d's elements in the same order, (c, pt, ph, pw) fastest last.
            long[] shape = name == PatchEmbedding ? [tensor.shape[0], tensor.numel() / tensor.shape[0]] : tensor.shape;
            var key = storages.Count.ToString(CultureInfo.InvariantCulture);
            storages[key] = MemoryMarshal.AsBytes(tensor.data<float>().ToArray().AsSpan()).ToArray();
            pickle.Text(name).Tensor("FloatStorage", key, tensor.numel(), 0, shape, Strides(shape));
        }

        TorchSaveArchive.Write(path, Path.GetFileNameWithoutExtension(path), pickle.SetItems().Stop().ToArray(), storages);
        return path;
    }

    public void Dispose()
    {
        foreach (var (_, tensor) in tensors)
        {
            tensor.Dispose();
        }
    }

    private static long[] Strides(long[] shape)
    {
        var strides = new long[shape.Length];
        var stride = 1L;
        for (var i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = stride;
            stride *= shape[i];
        }

        return strides;
    }
}
