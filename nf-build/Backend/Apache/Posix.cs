using System.Runtime.InteropServices;

namespace NfBuild.Backend.Apache;

/// <summary>The two libc calls .NET lacks: SIGTERM (Process.Kill is SIGKILL, which orphans Apache's workers) and the effective uid.</summary>
internal static class Posix
{
    public const int SigTerm = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    [DllImport("libc")]
    private static extern uint geteuid();

    public static bool Terminate(int pid) => !OperatingSystem.IsWindows() && kill(pid, SigTerm) == 0;

    public static bool IsRoot => !OperatingSystem.IsWindows() && geteuid() == 0;
}
