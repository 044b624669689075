using NfBuild.Cli;
using NfBuild.Tests.VirtualDevice;
using NfBuild.VirtualDevice;
using Xunit;

namespace NfBuild.Tests.Provisioning;

/// <summary>`device decommission`: identity and NVS wiped where the chip allows it; what stays is said.</summary>
public sealed class DecommissionTests : IDisposable
{
    private readonly TestFleetBundle _bundle = new();

    public void Dispose() => _bundle.Dispose();

    private static (int Exit, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int exit = NfBuildCli.Run(args, o, e);
        return (exit, o.ToString(), e.ToString());
    }

    [Theory]
    [InlineData("development")]
    [InlineData("release")]
    public void VirtualDevice_LosesItsIdentity_AndTheOutputSaysWhatCannotBeUndone(string mode)
    {
        string dir = _bundle.NewOutputDirectory();
        Assert.Equal(0, Cli("device", "provision", _bundle.FleetDirectory, _bundle.DeviceId, "--virtual", dir, "--mode", mode).Exit);

        var r = Cli("device", "decommission", _bundle.DeviceId, "--virtual", dir);
        Assert.True(r.Exit == 0, r.Err);
        Assert.Contains("erased nvs (0x9000", r.Out);
        Assert.Contains("erased nvs_keys (0x38F000", r.Out);
        Assert.Contains("cannot be undone: the flash encryption key stays burned", r.Out);
        Assert.Contains("fleet revoke", r.Out);
        if (mode == "release")
            Assert.Contains("cannot be wiped over serial", r.Out);

        var device = VirtualProvisioner.Load(dir);
        Assert.Equal("1.0.0", device.PowerOn().RunningVersion); // the app still boots
        var store = new VirtualNvsSecureStore(device.MountNvs()); // new NVS keys, empty NVS
        Assert.Null(store.GetString("iotdev", "dev_id"));
        Assert.Null(store.GetString("iotdev", "id0_key"));
    }

    [Fact]
    public void Board_DryRunPrintsTheErases_AndARealRunNeedsConfirmation()
    {
        var r = Cli("device", "decommission", _bundle.DeviceId, "--port", "/dev/ttyUSB0", "--dry-run");
        Assert.Equal(0, r.Exit);
        Assert.Contains("esptool --chip esp32 --port /dev/ttyUSB0 --before default-reset --after hard-reset erase-region 0x9000 0x6000", r.Out);
        Assert.Contains("erase-region 0x38F000 0x1000", r.Out);
        Assert.Contains("release-mode chip cannot be wiped over serial", r.Out);

        var refused = Cli("device", "decommission", _bundle.DeviceId, "--port", "/dev/ttyUSB0");
        Assert.Equal(1, refused.Exit);
        Assert.Contains("--confirm-irreversible", refused.Err);
    }
}
