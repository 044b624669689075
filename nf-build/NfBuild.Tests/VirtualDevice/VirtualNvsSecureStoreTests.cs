using System.Text;
using Esp32.Virtual;
using NfBuild.Tests.Virtual;
using NfBuild.VirtualDevice;
using Xunit;

namespace NfBuild.Tests.VirtualDevice;

public sealed class VirtualNvsSecureStoreTests
{
    private static (VirtualEsp32 Device, VirtualNvsSecureStore Store) Device()
    {
        var device = TestDevices.Provisioned(SecuritySettings.Secure, TestDevices.App("1.0.0"));
        device.PowerOn();
        return (device, new VirtualNvsSecureStore(device.MountNvs()));
    }

    [Fact]
    public void StringsAndBlobs_SurviveARebootAndRemount_AndMissingKeysAreNull()
    {
        var (device, store) = Device();
        Assert.Null(store.GetString("iotdev", "dev_id")); // namespace not even created yet
        Assert.Null(store.GetBlob("iotdev", "blob"));
        store.SetString("iotdev", "dev_id", "dev-0001");
        store.SetBlob("iotdev", "blob", [1, 2, 3]);
        store.SetString("iotdev", "dev_id", "dev-0002"); // overwrite

        device.Reboot();
        var again = new VirtualNvsSecureStore(device.MountNvs());

        Assert.Equal("dev-0002", again.GetString("iotdev", "dev_id"));
        Assert.Equal([1, 2, 3], again.GetBlob("iotdev", "blob"));
        Assert.Null(again.GetString("iotdev", "other"));
        Assert.Null(again.GetString("other-ns", "dev_id"));
    }

    [Fact]
    public void Erase_ReturnsWhetherTheKeyExisted()
    {
        var (device, store) = Device();
        Assert.False(store.Erase("iotdev", "id1_key")); // no namespace
        store.SetString("iotdev", "id1_key", "k");
        Assert.False(store.Erase("iotdev", "id1_crt"));
        Assert.True(store.Erase("iotdev", "id1_key"));
        Assert.False(store.Erase("iotdev", "id1_key"));
        device.Reboot();
        Assert.Null(new VirtualNvsSecureStore(device.MountNvs()).GetString("iotdev", "id1_key"));
    }

    [Fact]
    public void Values_AreEncryptedOnFlash()
    {
        var (device, store) = Device();
        store.SetString("iotdev", "id0_fbpw", "super-secret-fallback-password");
        Assert.False(TestDevices.Contains(device.Flash.Dump(), Encoding.ASCII.GetBytes("super-secret-fallback")));
    }
}
