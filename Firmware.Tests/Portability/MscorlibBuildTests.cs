using System.Diagnostics;
using Xunit;

namespace Firmware.Portability;

/// <summary>
/// Firmware/MscorlibBuild compiles the portable core against nanoFramework's real mscorlib.dll in every
/// test run. These tests prove that check can fail: the same build with one more core file that calls an
/// API nanoFramework lacks stops with the compiler's error, while the build without it succeeds.
/// </summary>
public class MscorlibBuildTests
{
    private const string Project = "Firmware/MscorlibBuild/Firmware.Core.MscorlibBuild.csproj";

    [Fact]
    public void CoreFileCallingStringJoin_BreaksTheBuild()
    {
        var result = Build("namespace IotDevice.Core { internal static class UsesJoin { internal static string J(string[] a) { return string.Join(\",\", a); } } }");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("error CS0117: 'string' does not contain a definition for 'Join'", result.Output);
    }

    [Fact]
    public void CoreFileUsingSystemMath_BreaksTheBuild()
    {
        var result = Build("namespace IotDevice.Core { internal static class UsesMath { internal static int M(int a, int b) { return System.Math.Max(a, b); } } }");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("error CS0234", result.Output); // the type or namespace name 'Math' does not exist in 'System'
    }

    [Fact]
    public void CoreFileWithinMscorlib_Builds()
    {
        var result = Build("namespace IotDevice.Core { internal static class Fine { internal static string S(string a) { return a.Substring(1) + System.Convert.ToBase64String(new byte[] { 1 }); } } }");
        Assert.True(result.ExitCode == 0, "the core with a valid extra file should build:\n" + result.Output);
    }

    private static (int ExitCode, string Output) Build(string extraFileText)
    {
        string work = Path.Combine(Path.GetTempPath(), "mscorlib-build-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            string extra = Path.Combine(work, "Extra.cs");
            File.WriteAllText(extra, extraFileText);
            // Own output folders, so this build never races the solution build over bin/ and obj/.
            var psi = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = DeviceSources.RepoRoot,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (string arg in new[]
                     {
                         "build", Project, "-nologo", "-v:q", "-clp:NoSummary",
                         "-p:ExtraCoreFile=" + extra,
                         "-p:BaseIntermediateOutputPath=" + Path.Combine(work, "obj") + "/",
                         "-p:BaseOutputPath=" + Path.Combine(work, "bin") + "/",
                     })
                psi.ArgumentList.Add(arg);
            psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
            using var process = Process.Start(psi)!;
            var stderr = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("dotnet build of " + Project + " took over 3 minutes");
            }
            return (process.ExitCode, output + stderr.Result);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }
}
