using System.Text;
using IotDevice.Core.Messaging;
using IotDevice.Core.Updates;
using NfBuild.VirtualDevice;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.EndToEnd;

/// <summary>
/// A release whose firmware cannot pass its self-test, end to end: made and published with the release tooling into
/// the fleet's Apache, sent with `release rollout`, downloaded and switched to by the running device. Its nanoCLR image
/// is a build whose network never comes up (<see cref="VirtualDeviceRunner.NoNetworkProjectName"/> in its
/// esp_app_desc_t: the failure is in the booted bytes), so the new pair never reaches the primary within the self-test
/// window, marks itself invalid and reboots into the previous pair, which reports "rolled-back" on the primary with its
/// own version and slot. The eFuse floor does not move (the pair was never confirmed).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class OtaRollbackEndToEndTests(EndToEndFixture fx, ITestOutputHelper output)
{
    [EndToEndFact]
    public async Task A_release_that_fails_its_self_test_rolls_back_by_itself_and_the_old_pair_reports_it_on_the_primary()
    {
        if (!NfBuild.Backend.Apache.ApacheServer.IsInstalled() && !EndToEndFactAttribute.IsCi)
            return;
        string id = EndToEndFixture.OtaRollback;
        string status = new DeviceTopics(id).Status;
        var release = await OtaEndToEnd.CreateAndPublishAsync(fx, "1.3.0", 32 * 1024, 8 * 1024, VirtualDeviceRunner.NoNetworkProjectName);
        var observer = await Observer.StartAsync(fx, status);
        using var device = RunningDevice.Provision(fx, id);
        // From the next boot on (the new pair): a 3 s self-test window instead of 90 s.
        device.Runner.OtaSettingsFactory = (board, version) => new OtaSettings(board, version) { SelfTestWindowSeconds = 3 };
        device.Start();
        try
        {
            Assert.True(await device.WaitUntilAsync(d => d.Runner.Application?.Connection.IsOnPrimary == true, TimeSpan.FromSeconds(30)), "device never reached the primary");
            var (exit, _, err) = await OtaEndToEnd.RolloutAsync(fx, release, id);
            Assert.True(exit == 0, "release rollout failed: " + err);

            Assert.True(await device.WaitUntilAsync(d => d.Runner.Boots >= 3 && d.Runner.Application?.Ota == OtaWords.RolledBack
                && d.Runner.Application.Connection.IsOnPrimary, TimeSpan.FromSeconds(60)), $"no rollback: boots {device.Runner.Boots}, ota={device.Runner.Application?.Ota}");
            Assert.NotNull(device.FirstLine("booted: ota_1 version 1.3.0"));
            Assert.NotNull(device.FirstLine("firmware " + VirtualDeviceRunner.NoNetworkProjectName));
            Assert.NotNull(device.FirstLine("ota: self-test failed"));
            Assert.Equal("1.0.0", device.Runner.Identity!.Version);
            Assert.Equal(0, device.Runner.Identity.Slot);
            Assert.Equal(0, device.Runner.Device.Efuses.ReadSecureVersion());
            Assert.Null(device.FirstLine("CRASH"));
            Assert.True(await observer.WaitForAsync(r => r.Any(m => m.Topic == status && Is(m.Payload, "1.0.0", 0, OtaWords.RolledBack)), TimeSpan.FromSeconds(15)),
                "no status version=1.0.0 slot=0 ota=rolled-back on the primary: " + string.Join(" | ", observer.On(status).Select(m => m.Payload.Replace('\n', ' '))));
            // The new pair never published anything on the primary: no status ever said version 1.3.0.
            Assert.DoesNotContain(observer.On(status), m => StatusReport.Parse(Encoding.UTF8.GetBytes(m.Payload)).Version == "1.3.0");
            output.WriteLine("ota words on the primary: " + string.Join(", ", observer.On(status).Select(m => StatusReport.Parse(Encoding.UTF8.GetBytes(m.Payload)).Ota).Distinct()));
        }
        finally
        {
            device.Stop();
            await observer.DisposeAsync();
        }
    }

    private static bool Is(string payload, string version, int slot, string ota)
    {
        var s = StatusReport.Parse(Encoding.UTF8.GetBytes(payload));
        return s.Version == version && s.Slot == slot && s.Ota == ota;
    }
}
