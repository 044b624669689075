using System.Text;
using Esp32.Formats.FlashEncryption;
using Esp32.Formats.Nvs;
using Esp32.Virtual;
using Xunit;

namespace NfBuild.Tests.Virtual;

public class VirtualEsp32NvsTests
{
    private static readonly byte[] Secret = Encoding.ASCII.GetBytes("-----BEGIN EC PRIVATE KEY-----MHcCAQEEIFAKEKEYMATERIAL");

    [Fact]
    public void EncryptedNvs_KeepsSecretsAcrossReboots_AndOutOfTheFlashDump()
    {
        var device = TestDevices.Provisioned(SecuritySettings.Secure, TestDevices.App("1.0.0"));
        device.PowerOn();

        device.MountNvs().OpenHandle("identity", readWrite: true).SetBlob("key", Secret);
        device.Reboot();
        byte[]? readBack = device.MountNvs().OpenHandle("identity", readWrite: false).GetBlob("key");

        Assert.Equal(Secret, readBack);
        Assert.False(TestDevices.Contains(device.Flash.Dump(), Secret.AsSpan(0, 16).ToArray()), "secret readable from the flash dump");
    }

    [Fact]
    public void NvsKeys_AreGeneratedOnFirstMount_FromTheChipsFlashEncryptionKey()
    {
        var device = TestDevices.Provisioned(SecuritySettings.Secure, TestDevices.App("1.0.0"));
        device.PowerOn();
        var keysEntry = device.Partitions.Find("nvs_keys")!;

        device.MountNvs();

        // nvs_flash_generate_keys: the keys are the flash decryption of fixed constants at the partition's
        // address, i.e. unique per chip key; on flash only their ciphertext is stored.
        using var cipher = new Esp32FlashCipher(device.Efuses.GetHardwareFlashEncryptionKey());
        NvsKeys predicted = NvsKeysFlashEncryptionScheme.PredictGeneratedKeys(cipher, (int)keysEntry.Offset);
        var plain = new byte[NvsKeysPartition.Size];
        device.OpenPartition("nvs_keys").Read(0, plain);
        Assert.Equal(predicted.ToXtsKey(), NvsKeysPartition.Parse(plain).ToXtsKey());
        Assert.False(TestDevices.Contains(device.Flash.Dump(), predicted.ToXtsKey().AsSpan(0, 16).ToArray()));
    }

    [Fact]
    public void NvsWithoutEncryption_IsReadableInTheDump()
    {
        // The control for the test above: without NVS encryption the same secret is in plain sight.
        var device = TestDevices.Provisioned(SecuritySettings.Plain, TestDevices.App("1.0.0"));
        device.PowerOn();

        device.MountNvs().OpenHandle("identity", readWrite: true).SetBlob("key", Secret);

        Assert.True(TestDevices.Contains(device.Flash.Dump(), Secret.AsSpan(0, 16).ToArray()));
    }

    [Fact]
    public void PowerCutDuringAStringUpdate_LeavesOldOrNew_AtEveryCutPoint()
    {
        var reference = TestDevices.Provisioned(SecuritySettings.Secure, TestDevices.App("1.0.0"));
        reference.PowerOn();
        reference.MountNvs().OpenHandle("wifi", true).SetString("ssid", "old-network");
        byte[] baseline = reference.Flash.Dump();
        var efuseJson = Esp32.Formats.Efuse.Esp32EfuseFile.ToJson(reference.Efuses);

        // Count the flash operations of one update, then cut at each of them.
        var probe = new VirtualEsp32(FlashChip.FromImage((byte[])baseline.Clone()), Esp32.Formats.Efuse.Esp32EfuseFile.FromJson(efuseJson), SecuritySettings.Secure);
        probe.PowerOn();
        var storage = probe.MountNvs();
        probe.Flash.Io.ResetCount();
        storage.OpenHandle("wifi", true).SetString("ssid", "new-network");
        int operations = probe.Flash.Io.OperationCount;
        Assert.True(operations >= 2);

        for (int cut = 1; cut <= operations; cut++)
        {
            var device = new VirtualEsp32(FlashChip.FromImage((byte[])baseline.Clone()), Esp32.Formats.Efuse.Esp32EfuseFile.FromJson(efuseJson), SecuritySettings.Secure);
            device.PowerOn();
            var nvs = device.MountNvs();
            device.CutPowerAfter(cut);
            Assert.ThrowsAny<Exception>(() => nvs.OpenHandle("wifi", true).SetString("ssid", "new-network"));

            device.PowerOn();
            string? value = device.MountNvs().OpenHandle("wifi", false).GetString("ssid");
            Assert.True(value is "old-network" or "new-network", $"cut at operation {cut}: read '{value}'");
        }
    }
}
