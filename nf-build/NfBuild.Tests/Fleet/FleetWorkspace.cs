using System.Diagnostics;
using NfBuild.Cli;
using NfBuild.Fleet;

namespace NfBuild.Tests.Fleet;

/// <summary>A temporary folder with helpers to run nf-build in-process, as a user would.</summary>
internal sealed class FleetWorkspace : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("nfb-fleet").FullName;

    public string FleetDir => Path.Combine(Dir, "fleet");

    public string PathOf(string name) => Path.Combine(Dir, name);

    public (int Exit, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = NfBuildCli.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>Runs a command that must succeed; returns its stdout.</summary>
    public string Ok(params string[] args)
    {
        var (exit, text, err) = Run(args);
        if (exit != 0)
            throw new Xunit.Sdk.XunitException($"nf-build {string.Join(' ', args)} exited {exit}: {err}");
        return text;
    }

    public FleetDirectory Init()
    {
        Ok("fleet", "init", FleetDir);
        return FleetDirectory.Open(FleetDir);
    }

    public FleetDirectory Open() => FleetDirectory.Open(FleetDir);

    /// <summary>Runs openssl, or returns null when it is not installed.</summary>
    public static string? OpenSsl(params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string a in args)
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            string stdout = p.StandardOutput.ReadToEnd();
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
                throw new Xunit.Sdk.XunitException($"openssl {string.Join(' ', args)} failed: {stderr}");
            return stdout;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
