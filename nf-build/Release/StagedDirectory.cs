using NfBuild.Fleet;

namespace NfBuild.Release;

/// <summary>
/// Creates a directory of files atomically: everything is written into a hidden staging folder beside the
/// target, which is renamed to the target only when complete. An interrupted command leaves no half release
/// that could be published or served (a reader sees the whole directory or nothing).
/// </summary>
internal static class StagedDirectory
{
    public static void Write(string target, IEnumerable<(string Name, byte[] Bytes)> files, Action<string>? checkStaged = null)
    {
        string full = Path.GetFullPath(target);
        string parent = Path.GetDirectoryName(full) ?? throw new ReleaseException($"'{full}' has no parent folder");
        if (!Directory.Exists(parent))
            throw new ReleaseException($"folder {parent} does not exist");
        if (Directory.Exists(full) || File.Exists(full))
            throw new ReleaseException($"{full} already exists: refusing to replace it");
        string staging = Path.Combine(parent, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            SecureFiles.CreateDirectory(staging, SecureFiles.PublicDirectory);
            foreach (var (name, bytes) in files)
                SecureFiles.Write(Path.Combine(staging, name), bytes, SecureFiles.Public);
            checkStaged?.Invoke(staging);
            Directory.Move(staging, full);
        }
        finally
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
    }
}
