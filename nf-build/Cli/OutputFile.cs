namespace NfBuild.Cli;

/// <summary>
/// Writes a command's output file atomically: to a temporary file beside it, renamed into place only
/// when complete. A failed or interrupted command therefore never leaves a partial image behind that a
/// user might flash.
/// </summary>
public static class OutputFile
{
    public static void Write(string path, ReadOnlySpan<byte> bytes)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir))
            throw new CliUsageException($"output folder {dir} does not exist");
        string temp = Path.Combine(dir, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }

    /// <summary>Reads an input file with a clear error when it is missing.</summary>
    public static byte[] ReadInput(string path, string what)
    {
        if (!File.Exists(path))
            throw new CliUsageException($"{what} '{path}' does not exist");
        return File.ReadAllBytes(path);
    }
}
