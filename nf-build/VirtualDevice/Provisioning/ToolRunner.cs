using System.Diagnostics;

namespace NfBuild.VirtualDevice.Provisioning;

/// <summary>Result of one tool run.</summary>
public sealed record ToolResult(int ExitCode, string Output);

/// <summary>Runs the official tools (found on PATH); a test substitutes stubs through PATH.</summary>
public interface IToolRunner
{
    /// <summary>Full path of <paramref name="tool"/> on PATH, or null.</summary>
    string? Find(string tool);

    ToolResult Run(string tool, IReadOnlyList<string> arguments);
}

/// <summary>Runs tools as processes, searching the PATH given (default: the process's PATH).</summary>
public sealed class ProcessToolRunner(string? path = null) : IToolRunner
{
    public string? Find(string tool)
    {
        string search = path ?? Environment.GetEnvironmentVariable("PATH") ?? "";
        string[] extensions = OperatingSystem.IsWindows() ? [".exe", ".cmd", ".bat", ""] : [""];
        foreach (string dir in search.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (string ext in extensions)
            {
                string candidate = Path.Combine(dir, tool + ext);
                if (File.Exists(candidate))
                    return candidate;
            }
        }
        return null;
    }

    public ToolResult Run(string tool, IReadOnlyList<string> arguments)
    {
        string exe = Find(tool) ?? throw new FileNotFoundException($"{tool} is not on PATH");
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in arguments)
            info.ArgumentList.Add(a);
        if (path is not null)
            info.Environment["PATH"] = path;
        using var process = Process.Start(info) ?? throw new IOException($"cannot start {exe}");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new ToolResult(process.ExitCode, stdout + stderr.Result);
    }
}
