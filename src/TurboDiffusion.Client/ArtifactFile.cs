namespace TurboDiffusion.Client;

/// <summary>The stored files of a finished job.</summary>
public enum ArtifactFile
{
    /// <summary>The MP4 (H.264).</summary>
    Video,

    /// <summary>The JSON sidecar: prompt, seed, model, resolution, seconds per stage.</summary>
    Sidecar,
}
