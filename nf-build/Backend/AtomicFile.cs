namespace NfBuild.Backend;

/// <summary>Writes a file through a temporary file renamed into place, so a broker never reads half a config.</summary>
internal static class AtomicFile
{
    public static void WriteAllText(string path, string text, UnixFileMode? mode = null)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            File.WriteAllText(temp, text);
            if (mode is { } m && !OperatingSystem.IsWindows())
                File.SetUnixFileMode(temp, m);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }
}
