using IotDevice.Core.Updates;
using NfBuild.Backend;
using NfBuild.Fleet;
using Embedded = NfBuild.EmbeddedBackend.EmbeddedBackend;
using EmbeddedOptions = NfBuild.EmbeddedBackend.EmbeddedBackendOptions;
using NfBuild.Tests.EndToEnd;
using NfBuild.Tests.Simulation;
using NfBuild.VirtualDevice;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.Rollout;

/// <summary>
/// `release rollout` in waves with real virtual devices (<see cref="RunningDevice"/>: the firmware core on provisioned,
/// flash-encrypted Lolin32s, each on its own thread) against the embedded backend (MQTTnet primary and fallback, the
/// Kestrel firmware server on the fleet's document root). The devices' status reports decide each wave; the devices'
/// own logs and flash show which of them got a command and what they installed.
/// </summary>
public sealed class WaveRolloutEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_release_that_fails_its_self_test_in_the_first_wave_aborts_the_rollout_and_the_other_devices_get_no_command()
    {
        using var fleet = new SimulationTestFleet("waves-abort");
        string[] ids = ["wave-a1", "wave-a2", "wave-a3", "wave-a4", "wave-a5"];
        await using var run = await Rig.StartAsync(fleet, ids, output);
        // The new pair's network never comes up (the failure is in the booted bytes): its self-test fails, it rolls back.
        var release = OtaEndToEnd.CreateAndPublish(fleet.Root, run.BaseUrl, "1.3.0", 32 * 1024, 8 * 1024, VirtualDeviceRunner.NoNetworkProjectName);
        // Named in this order: wave 1 (25 % of 5, rounded up) is wave-a1 and wave-a2.
        var (exit, stdout, stderr) = await Rollout(fleet, release, [.. ids.SelectMany(id => new[] { "--device", id }), "--waves", "25,100", "--wave-timeout", "40s", "--abort-above", "0.5"]);
        output.WriteLine(stdout + stderr);
        try
        {
            Assert.Equal(1, exit);
            Assert.Contains("error: rollout of 1.3.0 aborted after wave 1: failure rate 100% is above 50% (rolled-back x2); 3 devices got no command: wave-a3, wave-a4, wave-a5", stderr);
            Assert.Contains("ABORTED after wave 1", stdout);
            Assert.Contains("rollout: wave 1 (25%): OTA command for 1.3.0 sent to 2 devices as the operator", stdout);
            Assert.DoesNotContain("rollout: wave 2", stdout);
            foreach (var d in run.Devices.Take(2))
            {
                Assert.Matches($@"(?m)^{d.Id}\s+1\s+rolled-back\s*$", stdout);
                Assert.NotNull(d.FirstLine("app: OTA command, manifest " + release.ManifestUrl));
                Assert.NotNull(d.FirstLine("ota: self-test failed"));
                Assert.Equal(OtaWords.RolledBack, d.Runner.Application!.Ota);
                Assert.Equal("1.0.0", d.Runner.Identity!.Version);
            }
            foreach (var d in run.Devices.Skip(2))
            {
                Assert.Matches($@"(?m)^{d.Id}\s+-\s+no command\s*$", stdout);
                Assert.Null(d.FirstLine("app: command received"));
                Assert.Equal(1, d.Runner.Boots);
                Assert.Equal("1.0.0", d.Runner.Identity!.Version);
                Assert.True(d.Runner.Application!.Connection.IsOnPrimary, $"{d.Id} left the primary");
            }

            // One device with --wait: switched off, it never answers; after the wave timeout it counts as failed (no-answer).
            // It is a rolled-back one: its retained status still says rolled-back, which is an earlier outcome, not this one's.
            var silent = run.Devices[0];
            silent.Stop();
            (exit, stdout, stderr) = await Rollout(fleet, release, ["--device", silent.Id, "--wait", "--wave-timeout", "3s"]);
            output.WriteLine(stdout + stderr);
            Assert.Equal(1, exit);
            Assert.Matches($@"(?m)^{silent.Id}\s+1\s+no-answer\s*$", stdout);
            Assert.Contains("error: rollout of 1.3.0 aborted after wave 1: failure rate 100% is above 0% (no-answer x1); it was the last wave, every device got the command", stderr);
        }
        catch
        {
            run.Dump();
            throw;
        }
    }

    [Fact]
    public async Task A_healthy_release_to_all_active_devices_in_waves_is_confirmed_by_each_wave_before_the_next_and_skips_revoked_devices()
    {
        using var fleet = new SimulationTestFleet("waves-pass");
        string[] ids = ["wave-p1", "wave-p2", "wave-p3", "wave-p4"];
        // A revoked device in the middle of the registry: --all must never command it.
        await using var run = await Rig.StartAsync(fleet, ids, output, revoked: "wave-revoked");
        var release = OtaEndToEnd.CreateAndPublish(fleet.Root, run.BaseUrl, "1.1.0", 32 * 1024, 8 * 1024);
        var (exit, stdout, stderr) = await Rollout(fleet, release, ["--all", "--waves", "25,100", "--wave-timeout", "40s"]);
        output.WriteLine(stdout + stderr);
        try
        {
            Assert.True(exit == 0, "rollout failed: " + stderr);
            Assert.Equal("", stderr);
            Assert.Contains("release 1.1.0 (" + release.ManifestUrl + "): completed, 4 devices commanded", stdout);
            Assert.Contains("rollout: wave 1: 1/1 confirmed, 0 failed, 0 no answer", stdout);
            Assert.Contains("rollout: wave 2: 3/3 confirmed, 0 failed, 0 no answer", stdout);
            Assert.DoesNotContain("wave-revoked", stdout);
            // Registry order: wave-p1 (added first) is the first wave.
            Assert.Matches(@"(?m)^wave-p1\s+1\s+confirmed\s*$", stdout);
            foreach (var d in run.Devices.Skip(1))
                Assert.Matches($@"(?m)^{d.Id}\s+2\s+confirmed\s*$", stdout);
            foreach (var d in run.Devices)
            {
                Assert.Equal("1.1.0", d.Runner.Identity!.Version);
                Assert.Equal(OtaWords.Confirmed, d.Runner.Application!.Ota);
                Assert.Equal(2, d.Runner.Boots);
            }
            // Staged: the second wave got its commands only after the first wave's device confirmed on the new pair.
            long firstConfirmed = run.Devices[0].FirstLine("ota: pair 1 confirmed")!.Timestamp;
            foreach (var d in run.Devices.Skip(1))
                Assert.True(d.FirstLine("app: command received")!.Timestamp > firstConfirmed, $"{d.Id} got its command before wave 1 confirmed");

            // The same rollout run again: every device refuses it as not newer while running 1.1.0, which is the release
            // being in place (already-running), not a failure, so nothing aborts and no device reboots.
            var (again, stdout2, stderr2) = await Rollout(fleet, release, ["--all", "--waves", "25,100", "--wave-timeout", "40s"]);
            output.WriteLine(stdout2 + stderr2);
            Assert.True(again == 0, "second rollout failed: " + stderr2);
            Assert.Contains("rollout: wave 2: 3/3 confirmed, 0 failed, 0 no answer", stdout2);
            foreach (var d in run.Devices)
            {
                Assert.Matches($@"(?m)^{d.Id}\s+[12]\s+{WaveOutcome.AlreadyRunning}\s*$", stdout2);
                Assert.Equal(2, d.Runner.Boots);
            }
        }
        catch
        {
            run.Dump();
            throw;
        }
    }

    private static Task<(int Exit, string Out, string Err)> Rollout(SimulationTestFleet fleet, PublishedRelease release, string[] extra) => Task.Run(() =>
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = NfBuild.Cli.NfBuildCli.Run(["release", "rollout", fleet.Root, release.ReleaseDir, .. extra], stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    });

    /// <summary>The embedded backend with its firmware server, and the devices provisioned, started and online on the primary.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly Embedded _backend;
        private readonly ITestOutputHelper _output;

        private Rig(Embedded backend, List<RunningDevice> devices, ITestOutputHelper output)
        {
            _backend = backend;
            Devices = devices;
            _output = output;
        }

        public List<RunningDevice> Devices { get; }

        public string BaseUrl => _backend.Firmware!.BaseUrl.ToString();

        public static async Task<Rig> StartAsync(SimulationTestFleet fleet, string[] ids, ITestOutputHelper output, string? revoked = null)
        {
            var notAfter = DateTimeOffset.UtcNow.AddYears(1);
            for (int i = 0; i < ids.Length; i++)
            {
                DeviceProvisioning.AddDevice(fleet.Fleet, new AddDeviceOptions { DeviceId = ids[i], NotAfter = notAfter });
                if (revoked is not null && i == 0)
                {
                    DeviceProvisioning.AddDevice(fleet.Fleet, new AddDeviceOptions { DeviceId = revoked, NotAfter = notAfter });
                    DeviceRevocation.Revoke(fleet.Fleet, revoked);
                }
            }
            var backend = await Embedded.StartAsync(fleet.Fleet, new EmbeddedOptions { FirmwarePort = 0 });
            var devices = new List<RunningDevice>();
            var rig = new Rig(backend, devices, output);
            try
            {
                foreach (var id in ids)
                {
                    var device = RunningDevice.Provision(fleet.Root, id);
                    // From the next boot on (the new pair): a 3 s self-test window instead of 90 s.
                    device.Runner.OtaSettingsFactory = (board, version) => new OtaSettings(board, version) { SelfTestWindowSeconds = 3 };
                    devices.Add(device);
                    device.Start();
                }
                foreach (var d in devices)
                    Assert.True(await d.WaitUntilAsync(x => x.Runner.Application?.Connection.IsOnPrimary == true, TimeSpan.FromSeconds(30)), $"{d.Id} never reached the primary");
                return rig;
            }
            catch
            {
                rig.Dump();
                await rig.DisposeAsync();
                throw;
            }
        }

        public void Dump()
        {
            foreach (var d in Devices)
                d.Dump(_output);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var d in Devices)
            {
                try { d.Stop(); } catch (Exception ex) { _output.WriteLine($"{d.Id}: {ex.Message}"); }
                d.Dispose();
            }
            await _backend.DisposeAsync();
        }
    }
}
