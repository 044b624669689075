using IotDevice.Core.Messaging;
using IotDevice.Core.Updates;
using Xunit;
using Xunit.Abstractions;

namespace NfBuild.Tests.EndToEnd;

/// <summary>
/// Over-the-air update end to end: a release made and published with the release tooling into the fleet's real
/// Apache, the OTA command from `nf-build release rollout` (the fleet's operator identity) on the real primary, the device (virtual Lolin32, flash and
/// NVS encryption, rel_pubkey from its provisioning bundle) downloading from Apache with MQTT closed, rebooting into
/// the other pair, confirming it, and its retained status on the primary showing the new version and slot.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class OtaEndToEndTests(EndToEndFixture fx, ITestOutputHelper output)
{
    [EndToEndFact]
    public async Task Ota_command_from_the_operator_installs_the_release_from_Apache_and_the_new_pair_confirms_one_TLS_session_at_a_time()
    {
        if (!NfBuild.Backend.Apache.ApacheServer.IsInstalled() && !EndToEndFactAttribute.IsCi)
            return; // Apache missing (the Apache tests report it); on CI this fails below
        string id = EndToEndFixture.Ota;
        string status = $"devices/{id}/status";
        var release = await OtaEndToEnd.CreateAndPublishAsync(fx, "1.1.0", 200 * 1024, 48 * 1024);
        var observer = await Observer.StartAsync(fx, status);
        using var device = RunningDevice.Provision(fx, id);
        Assert.Equal(0, device.Runner.Identity!.Slot);
        Assert.Equal("1.0.0", device.Runner.Identity.Version);
        Assert.NotNull(device.Runner.Store!.GetString("iotdev", OtaStoreKeys.ReleasePublicKey));
        device.Start();
        try
        {
            Assert.True(await device.WaitUntilAsync(d => d.Runner.Application?.Connection.IsOnPrimary == true, TimeSpan.FromSeconds(30)), "device never reached the primary");
            var run = await OtaEndToEnd.UpdateAsync(fx, device, release, output);
            output.WriteLine($"command -> MQTT closed {run.CommandToHeld.TotalMilliseconds:F0} ms, download+verify {run.Download.TotalMilliseconds:F0} ms, "
                + $"command -> reboot {run.CommandToReboot.TotalMilliseconds:F0} ms, command -> confirmed {run.CommandToConfirmed.TotalMilliseconds:F0} ms, "
                + $"max TLS sessions {run.MaxTlsSessions}, {run.FinalStatus}");

            Assert.Equal(1, device.Runner.Identity!.Slot);
            Assert.Equal("1.1.0", device.Runner.Identity.Version);
            Assert.Equal(1, run.MaxTlsSessions);
            Assert.Null(device.FirstLine("CRASH"));
            // The primary's view: the retained status of the confirmed pair.
            Assert.True(await observer.WaitForAsync(r => r.Any(m => m.Topic == status && Has(m.Payload, "1.1.0", 1, "confirmed")), TimeSpan.FromSeconds(15)),
                "no status version=1.1.0 slot=1 ota=confirmed on the primary: " + string.Join(" | ", observer.On(status).Select(m => m.Payload.Replace('\n', ' '))));
            var words = observer.On(status).Select(m => StatusReport.Parse(System.Text.Encoding.UTF8.GetBytes(m.Payload)).Ota).Distinct().ToList();
            output.WriteLine("ota words seen on the primary: " + string.Join(", ", words));
            Assert.Contains(OtaWords.Accepted, words);
            Assert.Contains(OtaWords.Rebooting, words);
        }
        finally
        {
            device.Stop();
            device.Dump(output);
            await observer.DisposeAsync();
        }
    }

    [EndToEndFact]
    public async Task Rollout_refuses_a_revoked_or_unknown_device_and_an_unpublished_release()
    {
        if (!NfBuild.Backend.Apache.ApacheServer.IsInstalled() && !EndToEndFactAttribute.IsCi)
            return;
        var release = await OtaEndToEnd.CreateAndPublishAsync(fx, "1.2.0", 8 * 1024, 4 * 1024);
        var (exit, _, err) = await OtaEndToEnd.RolloutAsync(fx, release, "e2e-nobody");
        Assert.Equal(1, exit);
        Assert.Contains("not registered", err);
        (exit, _, err) = await OtaEndToEnd.RolloutAsync(fx, release, EndToEndFixture.Revoked);
        Assert.Equal(1, exit);
        Assert.Contains("is revoked", err);
        // An unpublished release: the same release with a published folder that is not there.
        string published = NfBuild.Release.ReleasePaths.PublishedRelease(fx.Root, "1.2.0");
        Directory.Move(published, published + ".away");
        try
        {
            (exit, _, err) = await OtaEndToEnd.RolloutAsync(fx, release, EndToEndFixture.NeverRuns);
            Assert.Equal(1, exit);
            Assert.Contains("is not published", err);
        }
        finally
        {
            Directory.Move(published + ".away", published);
        }
        // Published: the operator's command reaches the primary (PUBACK) for a registered device.
        (exit, var stdout, err) = await OtaEndToEnd.RolloutAsync(fx, release, EndToEndFixture.NeverRuns);
        Assert.True(exit == 0, err);
        Assert.Contains("PUBACK received", stdout);
    }

    private static bool Has(string payload, string version, int slot, string ota)
    {
        var s = StatusReport.Parse(System.Text.Encoding.UTF8.GetBytes(payload));
        return s.Version == version && s.Slot == slot && s.Ota == ota && s.State == "online";
    }
}
