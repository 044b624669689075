using System.Text;
using Esp32.Formats.FlashEncryption;
using Esp32.Formats.Ota;
using Esp32.Virtual;
using Xunit;

namespace NfBuild.Tests.Virtual;

public class VirtualEsp32BootTests
{
    [Fact]
    public void FreshlyFlashedDevice_BootsOta0_AndRecordsItInOtadata()
    {
        var device = TestDevices.Provisioned(SecuritySettings.Plain, TestDevices.App("1.0.0"));

        BootReport boot = device.PowerOn();

        Assert.Equal(AppSlot.Ota(0), boot.RunningSlot);
        Assert.Equal("1.0.0", boot.RunningVersion);
        Assert.False(boot.EncryptedOnThisBoot);
        // Blank otadata without a factory app: set_actual_ota_seq writes copy 0 = seq 1, VALID.
        Assert.Equal(OtaImageState.Valid, device.Ota.RunningState);
    }

    [Fact]
    public void NoBootableImage_NothingRuns()
    {
        var device = TestDevices.Provisioned(SecuritySettings.Plain, new byte[16]);

        Assert.Null(device.PowerOn().RunningSlot);
    }

    [Fact]
    public void FirstBoot_EncryptsTheFlash_SoADumpShowsOnlyCiphertext()
    {
        byte[] app = TestDevices.App("1.0.0");
        var device = TestDevices.Provisioned(SecuritySettings.Secure, app);

        BootReport boot = device.PowerOn();

        Assert.True(boot.EncryptedOnThisBoot);
        Assert.True(device.Efuses.FlashEncryptionEnabled);
        Assert.Equal(0xF, device.Efuses.FlashCryptConfig);
        Assert.Equal(AppSlot.Ota(0), boot.RunningSlot);
        // The key was generated on the chip and is read-protected: software reads zeros.
        Assert.All(device.Efuses.ReadBlock1(), b => Assert.Equal(0, b));

        byte[] dump = device.Flash.Dump();
        Assert.False(TestDevices.Contains(dump, app.AsSpan(0, 64).ToArray()), "plaintext app found in the flash dump");
        // What is on flash is exactly espsecure's encryption of the image at ota_0's address.
        int ota0 = (int)TestDevices.ProductTable.Find("ota_0")!.Offset;
        byte[] expected = Esp32FlashEncryption.Encrypt(device.Efuses.GetHardwareFlashEncryptionKey(), ota0, app.AsSpan(0, app.Length & ~15));
        Assert.Equal(expected, device.Flash.Dump(ota0, expected.Length));

        // Second boot: nothing is encrypted again, the app still runs.
        BootReport again = device.Reboot();
        Assert.False(again.EncryptedOnThisBoot);
        Assert.Equal("1.0.0", again.RunningVersion);
    }

    [Fact]
    public void ReleaseMode_BurnsAllCryptCntBits_AndDisablesDownloadDecryption()
    {
        var device = TestDevices.Provisioned(SecuritySettings.Secure with { ReleaseMode = true }, TestDevices.App("1.0.0"));

        device.PowerOn();

        Assert.Equal(0x7Fu, device.Efuses.FlashCryptCnt);
        Assert.Equal(1u, device.Efuses.ReadHardware(Esp32.Formats.Efuse.Esp32EfuseFields.DisableDlDecrypt));
        Assert.Equal(Esp32.Formats.Efuse.Esp32FlashEncryptionMode.Release, device.Efuses.FlashEncryptionMode);
    }

    [Fact]
    public void HostEncryptedProvisioningImage_BootsWithTheBurnedKey()
    {
        // The "host-generated key" flow: encrypt on the PC, burn the same key, enable encryption, flash.
        byte[] key = Enumerable.Range(0, 32).Select(i => (byte)(i * 7 + 1)).ToArray();
        byte[] image = new Esp32.Formats.FlashImage.FlashImageBuilder(TestDevices.ProductTable)
            .WithPartition("ota_0", TestDevices.App("2.1.0")).Build(key);
        var efuses = new Esp32.Formats.Efuse.Esp32Efuses();
        efuses.BurnFlashEncryptionKey(key);
        efuses.Burn(Esp32.Formats.Efuse.Esp32EfuseFields.FlashCryptConfig, 0xF);
        efuses.IncrementFlashCryptCnt();
        var device = new VirtualEsp32(FlashChip.FromImage(image), efuses, SecuritySettings.Secure);

        BootReport boot = device.PowerOn();

        Assert.False(boot.EncryptedOnThisBoot);
        Assert.Equal("2.1.0", boot.RunningVersion);
    }

    [Fact]
    public void SaveAndLoad_KeepFlashAndEfuses()
    {
        var device = TestDevices.Provisioned(SecuritySettings.Secure, TestDevices.App("1.0.0"));
        device.PowerOn();
        string dir = Directory.CreateTempSubdirectory("vesp32").FullName;

        device.Save(dir);
        var loaded = VirtualEsp32.Load(dir, SecuritySettings.Secure);

        Assert.Equal(device.Flash.Dump(), loaded.Flash.Dump());
        Assert.Equal("1.0.0", loaded.PowerOn().RunningVersion);
        Assert.Equal(4 * 1024 * 1024, new FileInfo(Path.Combine(dir, VirtualEsp32.FlashFileName)).Length);
        Assert.Contains("FLASH_CRYPT_CNT", File.ReadAllText(Path.Combine(dir, VirtualEsp32.EfuseFileName)), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RejectsAFlashImageOfTheWrongSize()
    {
        string dir = Directory.CreateTempSubdirectory("vesp32").FullName;
        File.WriteAllBytes(Path.Combine(dir, VirtualEsp32.FlashFileName), new byte[8192]);

        var ex = Assert.Throws<Esp32.Formats.Esp32FormatException>(() => VirtualEsp32.Load(dir, SecuritySettings.Plain));
        Assert.Contains("4 MB", ex.Message);
    }
}
