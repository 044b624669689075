using NfBuild.Simulation;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.Simulation;

/// <summary>`fleet simulate --scenario connect` on the embedded backend (no RabbitMQ needed): a few devices with their own
/// identities connect with mTLS, publish status and telemetry; the raw handshake measurement runs too.</summary>
public class EmbeddedSimulationTests(ITestOutputHelper output)
{
    [Fact]
    public void Connect_scenario_on_the_embedded_backend_through_the_CLI_brings_every_device_online_and_publishing()
    {
        using var fleet = new SimulationTestFleet("connect");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = NfBuild.Cli.NfBuildCli.Run(["fleet", "simulate", fleet.Root, "--devices", "6", "--scenario", "connect", "--backend", "embedded", "--workers", "4", "--handshakes", "12"], stdout, stderr);
        output.WriteLine(stdout.ToString());
        output.WriteLine(stderr.ToString());
        Assert.True(exit == 0, stderr.ToString());
        string text = stdout.ToString();
        Assert.Contains("connect        6/6 online on the primary", text);
        Assert.Contains("; 6 delivered telemetry", text);
        Assert.Contains("tls handshakes 12/12", text);
        Assert.Contains("KB/device of 4096 KB", text);
        // Six new identities in the registry, their bundles (keys) deleted after the chips were built.
        var sims = fleet.Fleet.Registry.Load().Devices.Where(d => d.Id.StartsWith("sim-", StringComparison.Ordinal)).ToList();
        Assert.Equal(6, sims.Count);
        Assert.Equal(6, sims.Select(d => d.Serial).Distinct().Count());
        Assert.All(sims, d => Assert.False(Directory.Exists(fleet.Fleet.DeviceBundleDirectory(d.Id))));
    }

    [Fact]
    public async Task Rollout_on_the_embedded_backend_downloads_from_its_Kestrel_firmware_server_and_completes_every_wave()
    {
        using var fleet = new SimulationTestFleet("embedded-rollout");
        string release = fleet.PublishRelease("1.1.0", faultPermille: 0);
        var lines = new List<string>();
        var report = await FleetSimulation.RunAsync(new SimulationOptions
        {
            FleetDirectory = fleet.Root, Devices = 8, Scenario = SimulationScenario.Rollout, Backend = SimulationBackendKind.Embedded,
            ReleaseDirectory = release, Waves = [25, 100], Workers = 4, WaveTimeout = TimeSpan.FromSeconds(60), Log = l => { lock (lines) lines.Add(l); },
        });
        foreach (var l in lines.Concat(SimulationReportText.Lines(report)))
            output.WriteLine(l);
        Assert.Empty(report.Problems);
        Assert.False(report.Rollout!.Aborted);
        Assert.Equal([(2, 2), (6, 6)], report.Rollout.Waves.Select(w => (w.Devices, w.Confirmed)));
        Assert.Contains(lines, l => l.Contains("firmware server (Kestrel)", StringComparison.Ordinal));
    }

    [Fact]
    public void Bad_arguments_are_one_error_line()
    {
        using var fleet = new SimulationTestFleet("args");
        var stderr = new StringWriter();
        Assert.NotEqual(0, NfBuild.Cli.NfBuildCli.Run(["fleet", "simulate", fleet.Root, "--scenario", "storm"], new StringWriter(), stderr));
        Assert.Contains("error: --scenario 'storm' is not connect, rollout or renew", stderr.ToString());
        stderr = new StringWriter();
        Assert.NotEqual(0, NfBuild.Cli.NfBuildCli.Run(["fleet", "simulate", fleet.Root, "--scenario", "rollout"], new StringWriter(), stderr));
        Assert.Contains("error: --scenario rollout needs --release <dir>", stderr.ToString());
    }
}
