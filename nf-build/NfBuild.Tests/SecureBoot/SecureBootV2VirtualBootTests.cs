using Esp32.Formats.Efuse;
using Esp32.Formats.FlashImage;
using Esp32.Formats.Ota;
using Esp32.Formats.SecureBoot;
using Esp32.Virtual;
using NfBuild.Tests.Virtual;
using Xunit;
using F = Esp32.Formats.Efuse.Esp32EfuseFields;

namespace NfBuild.Tests.SecureBoot;

/// <summary>
/// The virtual ESP32 under secure boot v2 (ABS_DONE_1 and the BLOCK2 key digest burned): the ROM refuses an unsigned or
/// wrongly signed bootloader, the bootloader refuses such apps, esp_ota_end refuses such updates; correctly signed
/// images boot, with and without flash encryption.
/// </summary>
public class SecureBootV2VirtualBootTests
{
    private static readonly System.Security.Cryptography.RSA Key = SecureBootV2SignatureTests.Key;
    private static readonly System.Security.Cryptography.RSA OtherKey = SecureBootV2SignatureTests.OtherKey;

    private static byte[] Bootloader() => TestDevices.App("bootloader", codeBytes: 8192);

    private static VirtualEsp32 Device(byte[] bootloader, byte[] app, bool secureBoot = true, byte[]? flashKey = null)
    {
        byte[] image = new FlashImageBuilder(TestDevices.ProductTable).WithBootloader(bootloader).WithPartition("ota_0", app).Build(flashKey);
        var efuses = new Esp32Efuses();
        if (flashKey is not null)
        {
            efuses.BurnFlashEncryptionKey(flashKey);
            efuses.Burn(F.FlashCryptConfig, 0xF);
            efuses.IncrementFlashCryptCnt();
        }
        if (secureBoot)
        {
            efuses.BurnSecureBootKeyDigest(SecureBootV2PublicKey.FromRsa(Key).Digest(), chipRevision: 300);
            efuses.Burn(F.AbsDone1, 1);
        }
        var settings = flashKey is null ? SecuritySettings.Plain : SecuritySettings.Secure;
        return new VirtualEsp32(FlashChip.FromImage(image), efuses, settings);
    }

    private static byte[] Signed(byte[] image, System.Security.Cryptography.RSA? key = null) => SecureBootV2Signer.Sign(image, key ?? Key);

    [Fact]
    public void SignedBootloaderAndApp_Boot()
    {
        var device = Device(Signed(Bootloader()), Signed(TestDevices.App("3.0.0")));
        Assert.Equal("3.0.0", device.PowerOn().RunningVersion);
    }

    [Fact]
    public void SignedImages_BootWithFlashEncryptionToo()
    {
        byte[] flashKey = Enumerable.Range(0, 32).Select(i => (byte)(i * 5 + 3)).ToArray();
        var device = Device(Signed(Bootloader()), Signed(TestDevices.App("3.0.1")), flashKey: flashKey);
        Assert.Equal("3.0.1", device.PowerOn().RunningVersion);
    }

    [Fact]
    public void UnsignedBootloader_HaltsInTheRom()
    {
        var device = Device(Bootloader(), Signed(TestDevices.App("3.0.0")));
        var e = Assert.Throws<SecureBootHaltException>(() => device.PowerOn());
        Assert.Contains("no valid signature block", e.Reason);
    }

    [Fact]
    public void BootloaderSignedWithAnotherKey_HaltsInTheRom()
    {
        var device = Device(Signed(Bootloader(), OtherKey), Signed(TestDevices.App("3.0.0")));
        var e = Assert.Throws<SecureBootHaltException>(() => device.PowerOn());
        Assert.Contains("does not match BLOCK2", e.Reason);
    }

    [Fact]
    public void UnsignedOrWronglySignedApp_DoesNotRun()
    {
        Assert.Null(Device(Signed(Bootloader()), TestDevices.App("3.0.0")).PowerOn().RunningSlot);
        Assert.Null(Device(Signed(Bootloader()), Signed(TestDevices.App("3.0.0"), OtherKey)).PowerOn().RunningSlot);
    }

    [Fact]
    public void WithoutAbsDone1_UnsignedImagesStillBoot()
    {
        var device = Device(Bootloader(), TestDevices.App("1.0.0"), secureBoot: false);
        Assert.Equal("1.0.0", device.PowerOn().RunningVersion);
    }

    [Fact]
    public void OtaUpdate_MustBeSignedByTheFleetKey()
    {
        var device = Device(Signed(Bootloader()), Signed(TestDevices.App("3.0.0")));
        device.PowerOn();
        var slot1 = device.Ota.SlotPartition(1);

        byte[] unsigned = TestDevices.App("3.1.0");
        slot1.Erase(0, slot1.Size);
        slot1.Write(0, Pad16(unsigned));
        Assert.NotEqual(OtaError.Ok, device.Ota.SetBootPartition(1));

        byte[] signedUpdate = Signed(TestDevices.App("3.1.0"));
        slot1.Erase(0, slot1.Size);
        slot1.Write(0, signedUpdate);
        Assert.Equal(OtaError.Ok, device.Ota.SetBootPartition(1));
        Assert.Equal("3.1.0", device.Reboot().RunningVersion);
    }

    private static byte[] Pad16(byte[] data)
    {
        var padded = new byte[(data.Length + 15) / 16 * 16];
        padded.AsSpan().Fill(0xFF);
        data.CopyTo(padded, 0);
        return padded;
    }
}
