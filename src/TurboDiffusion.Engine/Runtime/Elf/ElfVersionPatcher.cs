namespace TurboDiffusion.Engine.Runtime.Elf;

/// <summary>
/// Writes a copy of a shared object whose requirement of one symbol version is marked weak, so the
/// dynamic loader accepts a C++ runtime that lacks that version. Only the two flag bytes change.
/// </summary>
public static class ElfVersionPatcher
{
    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="destination"/> with VER_FLG_WEAK set on every
    /// requirement named <paramref name="version"/>. The source is never written.
    /// </summary>
    /// <returns>How many requirements were changed (0 when the source does not need that version or already has it weak).</returns>
    public static int CopyWithWeakVersion(string source, string destination, string version)
    {
        IReadOnlyList<ElfVersionNeed> needs;
        using (var elf = ElfFile.Open(source))
        {
            needs = elf.VersionNeeds();
        }

        var staging = destination + $".{Environment.ProcessId}.tmp";
        File.Copy(source, staging, overwrite: true);
        var changed = 0;
        using (var file = new FileStream(staging, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            Span<byte> flags = stackalloc byte[2];
            foreach (var need in needs.Where(n => n.Version == version && !n.IsWeak))
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(flags, (ushort)(need.Flags | ElfVersionNeed.WeakFlag));
                file.Seek(need.FlagsOffset, SeekOrigin.Begin);
                file.Write(flags);
                changed++;
            }
        }

        // Rename last, so a concurrent reader sees either no file or a complete one.
        File.Move(staging, destination, overwrite: true);
        return changed;
    }
}
