using System.Text;

namespace NfBuild.Fleet;

/// <summary>
/// Atomic, permission-aware file writes for the fleet workspace: every file is written to a temporary
/// file beside it and renamed into place, so a crash never leaves a half-written key, registry or CRL.
/// </summary>
public static class SecureFiles
{
    /// <summary>Owner read/write only (0600).</summary>
    public const UnixFileMode Secret = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Owner read/write, group and others read (0644).</summary>
    public const UnixFileMode Public = Secret | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Owner only (0700).</summary>
    public const UnixFileMode SecretDirectory = Secret | UnixFileMode.UserExecute;

    /// <summary>Owner rwx, others r-x (0755).</summary>
    public const UnixFileMode PublicDirectory = SecretDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>Writes a secret (key, password) with mode 0600.</summary>
    /// <remarks>Threat: another local user reading a private key impersonates the device or CA. The temp
    /// file is created 0600 from the start (not chmod-ed afterwards), so there is no window where it is
    /// readable by others.</remarks>
    public static void WriteSecret(string path, string text) => Write(path, Encoding.UTF8.GetBytes(text), Secret);

    /// <summary>Writes a public file (certificate, CRL, settings) with mode 0644.</summary>
    public static void WritePublic(string path, string text) => Write(path, Encoding.UTF8.GetBytes(text), Public);

    /// <summary>Writes <paramref name="bytes"/> atomically (temp file + rename) with <paramref name="mode"/>.</summary>
    public static void Write(string path, ReadOnlySpan<byte> bytes, UnixFileMode mode)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir))
            throw new FleetException($"folder {dir} does not exist");
        string temp = Path.Combine(dir, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = mode;
        try
        {
            using (var stream = new FileStream(temp, options))
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

    /// <summary>Creates a directory (and parents) and sets its mode, also when it already existed.</summary>
    public static void CreateDirectory(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        Directory.CreateDirectory(path, mode);
        File.SetUnixFileMode(path, mode);
    }

    /// <summary>Reads a text file of the workspace with an error naming it when missing.</summary>
    public static string ReadText(string path, string what)
    {
        if (!File.Exists(path))
            throw new FleetException($"{what} '{path}' does not exist");
        return File.ReadAllText(path, new UTF8Encoding(false));
    }
}
