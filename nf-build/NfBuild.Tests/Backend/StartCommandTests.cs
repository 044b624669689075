using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using MQTTnet;
using NfBuild.Backend;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.Backend;

/// <summary>
/// `nf-build backend rabbitmq start` as a user runs it: a child process `dotnet nf-build.dll ...`, in its own session
/// (setsid) so that SIGINT to its process group is what a terminal's Ctrl-C does (the rabbitmq-server scripts get it
/// too). In the backend collection so that it does not start its nodes while the fixture's are starting.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed partial class StartCommandTests(ITestOutputHelper output)
{
    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    private const int SigInt = 2;
    private const int SigTerm = 15;

    [GeneratedRegex(@"^(primary|fallback)\s+(iotdev-\S+)@localhost: mqtts://127\.0\.0\.1:(\d+)")]
    private static partial Regex EndpointLine();

    /// <summary>Ctrl-C in a terminal (SIGINT to the whole process group), or SIGTERM to nf-build alone (kill, systemd, a
    /// container stop): either way the nodes are stopped, nothing is left running and the exit code is 0.</summary>
    [RabbitTheory]
    [InlineData(SigInt)]
    [InlineData(SigTerm)]
    public async Task Start_runs_both_nodes_until_stopped_then_stops_them_and_exits_0(int signal)
    {
        using var fleet = new TestFleet();
        string dll = Path.Combine(AppContext.BaseDirectory, "nf-build.dll");
        Assert.True(File.Exists(dll), dll);
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        bool ownGroup = File.Exists("/usr/bin/setsid");
        var psi = new ProcessStartInfo(ownGroup ? "/usr/bin/setsid" : dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (ownGroup)
            psi.ArgumentList.Add(dotnet);
        foreach (var a in new[] { dll, "backend", "rabbitmq", "start", fleet.Root })
            psi.ArgumentList.Add(a);

        var lines = new List<string>();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (lines)
                lines.Add(e.Data);
            if (e.Data.StartsWith("running;", StringComparison.Ordinal))
                running.TrySetResult();
        };
        var errors = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (errors) errors.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var nodeNames = new List<string>();
        try
        {
            var started = await Task.WhenAny(running.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(150)));
            Assert.True(started == running.Task, $"no 'running' line; stdout: {string.Join('\n', Snapshot(lines))}; stderr: {errors}");

            var endpoints = Snapshot(lines).Select(l => EndpointLine().Match(l)).Where(m => m.Success).ToDictionary(m => m.Groups[1].Value);
            Assert.Equal(2, endpoints.Count);
            Assert.Equal(fleet.Ports.PrimaryMqtts, int.Parse(endpoints["primary"].Groups[3].Value));
            Assert.Equal(fleet.Ports.FallbackMqtts, int.Parse(endpoints["fallback"].Groups[3].Value));
            nodeNames.AddRange(endpoints.Values.Select(m => m.Groups[2].Value));
            Assert.All(nodeNames, n => Assert.NotEmpty(BeamProcesses(n)));

            // A device over mTLS (TLS 1.2, its certificate) is served by the started primary.
            var dev = fleet.Devices[TestFleet.Active1];
            using var client = await MqttTestClient.ConnectAsync(MqttTestClient.Options(fleet.Ports.PrimaryMqtts, dev.Id, fleet.RootCa, dev.Certificate()));
            Assert.True((await MqttTestClient.PublishAsync(client, $"devices/{dev.Id}/telemetry", "t=1")).IsSuccess);
            var dropped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            client.DisconnectedAsync += _ => { dropped.TrySetResult(); return Task.CompletedTask; };

            // Ctrl-C reaches the process group; SIGTERM only nf-build (setsid's child is the dotnet process itself).
            Assert.Equal(0, kill(signal == SigInt && ownGroup ? -process.Id : process.Id, signal));
            var exited = await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(120)));
            Assert.True(exited != null && process.HasExited, $"nf-build did not exit after signal {signal}");
            process.WaitForExit();
            output.WriteLine(string.Join('\n', Snapshot(lines)));
            output.WriteLine(errors.ToString());
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}: {errors}");
            Assert.Contains("stopped", Snapshot(lines));
            Assert.Same(dropped.Task, await Task.WhenAny(dropped.Task, Task.Delay(10_000)));

            // epmd included: the last node to stop ends the fleet's epmd.
            foreach (var port in fleet.Ports.All)
                Assert.False(IsOpen(port.Port), $"port {port.Name} {port.Port} still open");
            foreach (var name in nodeNames)
                Assert.Empty(BeamProcesses(name));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            // Whatever this test started and left behind (only processes of this fleet's node names).
            foreach (var name in nodeNames)
                foreach (int pid in Processes("beam.smp", "RABBITMQ_NODENAME=" + name + "@localhost"))
                    try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
            foreach (int pid in Processes("epmd", "HOME=" + fleet.Root + "/"))
                try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
        }
    }

    private static List<string> Snapshot(List<string> lines)
    {
        lock (lines)
            return [.. lines];
    }

    private static bool IsOpen(int port)
    {
        try
        {
            using var c = new TcpClient();
            c.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>beam.smp processes of the node. 3.10 names the node at runtime (prelaunch), not on the command line, so they
    /// are found by the RABBITMQ_NODENAME that RabbitMqNode puts in their environment (readable for our own processes).</summary>
    private static List<int> BeamProcesses(string nodeName) => Processes("beam.smp", "RABBITMQ_NODENAME=" + nodeName + "@localhost\0");

    /// <summary>Our processes named <paramref name="comm"/> whose environment contains <paramref name="needle"/>.</summary>
    private static List<int> Processes(string comm, string needle)
    {
        var pids = new List<int>();
        foreach (string dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid))
                continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() == comm && File.ReadAllText(Path.Combine(dir, "environ")).Contains(needle, StringComparison.Ordinal))
                    pids.Add(pid);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return pids;
    }
}
