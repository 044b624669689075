namespace NfBuild.Fleet;

/// <summary>
/// An exclusive lock file held for one load-modify-save of a shared workspace file (registry, CRL), so
/// the CLI and the renewal service do not overwrite each other's changes. .NET takes an advisory
/// flock for FileShare.None on Unix and a share lock on Windows.
/// </summary>
internal static class FileLock
{
    public static FileStream Acquire(string lockPath, string what) => Acquire(lockPath, what, TimeSpan.FromSeconds(10));

    public static FileStream Acquire(string lockPath, string what, TimeSpan wait)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
            }
            catch (IOException e)
            {
                throw new FleetException($"{what} is locked by another process ({lockPath})", e);
            }
        }
    }
}
