using Esp32.Formats.Efuse;
using Esp32.Formats.FlashEncryption;
using Xunit;
using F = Esp32.Formats.Efuse.Esp32EfuseFields;

namespace NfBuild.Tests.Efuse;

/// <summary>
/// eFuse semantics. Expected values come from espefuse v5.3.1 in virtual mode
/// (<c>python3 -m espefuse --virt --chip esp32 --path-efuse-file F ...</c>, esptool tag v5.3.1).
/// </summary>
public class Esp32EfusesTests
{
    private static readonly byte[] Key32 = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] Key24 = Enumerable.Range(0, 24).Select(i => (byte)i).ToArray();

    [Fact]
    public void BurnKey_ReversesKeyFile_AndProtectsIt()
    {
        // espefuse burn-key flash_encryption key(00..1f): BLOCK1 = 1f 1e .. 00, RD_DIS = 1, WR_DIS = 0x80.
        var efuses = new Esp32Efuses();
        efuses.BurnFlashEncryptionKey(Key32, protectKey: false);
        Assert.Equal(Key32.Reverse().ToArray(), efuses.ReadBlock1());

        var protectedChip = new Esp32Efuses();
        protectedChip.BurnFlashEncryptionKey(Key32);
        Assert.Equal(1u, protectedChip.Read(F.RdDis));
        Assert.Equal(0x80u, protectedChip.Read(F.WrDis));
        Assert.False(protectedChip.IsReadable(F.Block1));
        Assert.False(protectedChip.IsWriteable(F.Block1));
        Assert.Equal(new byte[32], protectedChip.ReadBlock1());
        // ...but the flash encryption engine still uses the key.
        Assert.Equal(Key32, protectedChip.GetHardwareFlashEncryptionKey());
        Assert.True(protectedChip.HasFlashEncryptionKey);
    }

    [Fact]
    public void ReadProtectedKey_StillDrivesFlashEncryption()
    {
        var efuses = new Esp32Efuses();
        efuses.BurnFlashEncryptionKey(Key32);
        efuses.Burn(F.FlashCryptConfig, 0xF);
        using var cipher = efuses.CreateFlashCipher();
        var plaintext = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
        // Same bytes as espsecure encrypt-flash-data --keyfile 00..1f --address 0x1000 (reference doc §1.6).
        Assert.Equal("a354ea55e9d9d83cd027e80a6b03a53cfc3886d3f8090e2da27c51dbc4a61351cdf9f00c743bd33742e28544ffad8d92783779f1e794e3744df99032250a8f5a",
            Convert.ToHexStringLower(cipher.Encrypt(0x1000, plaintext)));
    }

    [Fact]
    public void ThreeQuartersCodingScheme_Uses24ByteKey()
    {
        // espefuse burn-efuse CODING_SCHEME 1; burn-key flash_encryption key24 --no-protect-key:
        // BLOCK1 = 17 16 .. 00 (bytes:24, 192 bits).
        var efuses = new Esp32Efuses();
        efuses.Burn(F.CodingScheme, 1);
        Assert.Throws<EfuseBurnException>(() => efuses.BurnFlashEncryptionKey(Key32));
        efuses.BurnFlashEncryptionKey(Key24, protectKey: false);
        Assert.Equal(24, efuses.Block1Length);
        Assert.Equal(Key24.Reverse().ToArray(), efuses.ReadBlock1());
        Assert.Equal(Key24, efuses.GetHardwareFlashEncryptionKey());

        using var cipher = efuses.CreateFlashCipher();
        // espsecure encrypt-flash-data --keyfile key24 --address 0x1000 --flash-crypt-conf 0 would be ECB; with conf 0xF:
        efuses.Burn(F.FlashCryptConfig, 0xF);
        using var tweaked = efuses.CreateFlashCipher();
        Assert.Equal("9e9843fb003d20814e40efb5a89cf8964beb4fae81c7852c3190c14a066c430adb6f4f961ef72c0f08aee3874169849c828868c7f95f180b4057544a0fd0d71e",
            Convert.ToHexStringLower(tweaked.Encrypt(0x1000, Enumerable.Range(0, 64).Select(i => (byte)i).ToArray())));
        Assert.Equal(0, cipher.FlashCryptConfig);
    }

    [Fact]
    public void BurningAOneToZero_Fails()
    {
        // espefuse: burn FLASH_CRYPT_CNT 1, then 2 → "New value contains some bits that cannot be cleared".
        var efuses = new Esp32Efuses();
        efuses.Burn(F.FlashCryptCnt, 1);
        var ex = Assert.Throws<EfuseBurnException>(() => efuses.Burn(F.FlashCryptCnt, 2));
        Assert.Contains("FLASH_CRYPT_CNT", ex.Message);
        Assert.Contains("0 to 1", ex.Message);
        Assert.Equal(1u, efuses.FlashCryptCnt);
        efuses.Burn(F.FlashCryptCnt, 3);
        Assert.Equal(3u, efuses.FlashCryptCnt);
    }

    [Fact]
    public void ReburningADifferentKey_FailsWhenItWouldClearBits()
    {
        var efuses = new Esp32Efuses();
        efuses.BurnFlashEncryptionKey(Key32, protectKey: false);
        var other = Key32.Select(b => (byte)~b).ToArray();
        Assert.Throws<EfuseBurnException>(() => efuses.BurnFlashEncryptionKey(other, protectKey: false));
        Assert.Equal(Key32, efuses.GetHardwareFlashEncryptionKey());
    }

    [Fact]
    public void WriteProtectedField_CannotBeBurned()
    {
        // espefuse: write-protect-efuse FLASH_CRYPT_CNT, then burn → "FLASH_CRYPT_CNT is write-protected. Burn is not possible."
        var efuses = new Esp32Efuses();
        efuses.Burn(F.FlashCryptCnt, 1);
        efuses.WriteProtect(F.FlashCryptCnt);
        Assert.Equal(4u, efuses.Read(F.WrDis));
        var ex = Assert.Throws<EfuseBurnException>(() => efuses.Burn(F.FlashCryptCnt, 0x7F));
        Assert.Contains("write-protected", ex.Message);
        // UART_DOWNLOAD_DIS shares WR_DIS bit 2 (espefuse shows it writeable=false too).
        Assert.False(efuses.IsWriteable(F.UartDownloadDis));
        Assert.False(efuses.SetBits(F.UartDownloadDis, 1));
        Assert.False(efuses.DisableRomDownloadMode());
    }

    [Fact]
    public void ValueWiderThanField_IsRejected()
    {
        var efuses = new Esp32Efuses();
        Assert.Throws<EfuseBurnException>(() => efuses.Burn(F.FlashCryptCnt, 0x80));
        Assert.Throws<EfuseBurnException>(() => efuses.Burn(F.FlashCryptConfig, 0x10));
    }

    [Fact]
    public void ReadProtectedScalar_ReadsZero_HardwareSeesValue()
    {
        // espefuse: burn FLASH_CRYPT_CONFIG 0xF; read-protect-efuse FLASH_CRYPT_CONFIG → RD_DIS bit 3, value "?".
        var efuses = new Esp32Efuses();
        efuses.Burn(F.FlashCryptConfig, 0xF);
        efuses.ReadProtect(F.FlashCryptConfig);
        Assert.Equal(8u, efuses.Read(F.RdDis));
        Assert.Equal(0u, efuses.Read(F.FlashCryptConfig));
        Assert.False(efuses.IsReadable(F.CodingScheme)); // same RD_DIS bit
        Assert.Equal(0xF, efuses.FlashCryptConfig);
        Assert.Throws<EfuseBurnException>(() => efuses.ReadProtect(F.FlashCryptCnt));
    }

    [Fact]
    public void FlashCryptCnt_OddPopcountEnables_DevelopmentThenRelease()
    {
        var efuses = new Esp32Efuses();
        Assert.Equal(Esp32FlashEncryptionMode.Disabled, efuses.FlashEncryptionMode);
        Assert.Throws<InvalidOperationException>(() => efuses.SetReleaseMode());

        // Bootloader first boot: one bit → development mode.
        Assert.True(efuses.IncrementFlashCryptCnt());
        Assert.Equal(1u, efuses.FlashCryptCnt);
        Assert.True(efuses.FlashEncryptionEnabled);
        Assert.Equal(Esp32FlashEncryptionMode.Development, efuses.FlashEncryptionMode);

        // A second bit (e.g. espefuse/"disable" re-flash) disables; a third re-enables.
        efuses.IncrementFlashCryptCnt();
        Assert.Equal(3u, efuses.FlashCryptCnt);
        Assert.False(efuses.FlashEncryptionEnabled);
        efuses.IncrementFlashCryptCnt();
        Assert.Equal(7u, efuses.FlashCryptCnt);
        Assert.True(efuses.FlashEncryptionEnabled);

        // esp_flash_encryption_set_release_mode: CNT → 0x7F, DISABLE_DL_* burned, DIS_CACHE write-protected.
        efuses.SetReleaseMode();
        Assert.Equal(0x7Fu, efuses.FlashCryptCnt);
        Assert.True(efuses.FlashEncryptionEnabled);
        Assert.Equal(Esp32FlashEncryptionMode.Release, efuses.FlashEncryptionMode);
        Assert.Equal(1u, efuses.Read(F.DisableDlEncrypt));
        Assert.Equal(1u, efuses.Read(F.DisableDlDecrypt));
        Assert.Equal(1u, efuses.Read(F.DisableDlCache));
        Assert.Equal(1u, efuses.Read(F.UartDownloadDis));
        Assert.Equal(1u << 3, efuses.Read(F.WrDis));
        Assert.False(efuses.IncrementFlashCryptCnt());
    }

    [Fact]
    public void ReleaseMode_WithWriteProtectedCount()
    {
        // Release also counts when FLASH_CRYPT_CNT is write-protected instead of full.
        var efuses = new Esp32Efuses();
        efuses.Burn(F.FlashCryptCnt, 1);
        efuses.WriteProtect(F.FlashCryptCnt);
        efuses.Burn(F.DisableDlEncrypt, 1);
        efuses.Burn(F.DisableDlDecrypt, 1);
        Assert.Equal(Esp32FlashEncryptionMode.Development, efuses.FlashEncryptionMode);
        efuses.Burn(F.DisableDlCache, 1);
        Assert.Equal(Esp32FlashEncryptionMode.Release, efuses.FlashEncryptionMode);
    }

    [Fact]
    public void SecureVersion_IsAThermometer()
    {
        var efuses = new Esp32Efuses();
        Assert.Equal(0, efuses.ReadSecureVersion());
        Assert.True(efuses.CheckSecureVersion(0));

        Assert.True(efuses.UpdateSecureVersion(2));
        Assert.Equal(0b11u, efuses.Read(F.SecureVersion));
        Assert.Equal(2, efuses.ReadSecureVersion());
        Assert.False(efuses.CheckSecureVersion(1));
        Assert.True(efuses.CheckSecureVersion(2));
        Assert.True(efuses.CheckSecureVersion(5));

        Assert.True(efuses.UpdateSecureVersion(5));
        Assert.Equal(0b11111u, efuses.Read(F.SecureVersion));
        Assert.False(efuses.UpdateSecureVersion(3)); // ESP_FAIL: app older than eFuse
        Assert.True(efuses.UpdateSecureVersion(5));  // same version: nothing to burn
        Assert.Equal(5, efuses.ReadSecureVersion());
        Assert.Throws<EfuseBurnException>(() => efuses.UpdateSecureVersion(33));

        // espefuse burn-efuse SECURE_VERSION 0x3 shows value 3 = two bits set → version 2.
        var burned = new Esp32Efuses();
        burned.Burn(F.SecureVersion, 0x3);
        Assert.Equal(2, burned.ReadSecureVersion());

        // CONFIG_BOOTLOADER_APP_SEC_VER_SIZE_EFUSE_FIELD smaller than the field.
        Assert.Equal(1, burned.ReadSecureVersion(fieldBits: 1));
    }

    [Fact]
    public void SecureVersion_NotSupportedUnder34Coding()
    {
        var efuses = new Esp32Efuses();
        efuses.Burn(F.CodingScheme, 1);
        Assert.Throws<EfuseBurnException>(() => efuses.UpdateSecureVersion(1));
    }

    [Fact]
    public void KeyBlock_IsNotAScalarField()
    {
        var efuses = new Esp32Efuses();
        Assert.Throws<ArgumentException>(() => efuses.Read(F.Block1));
        Assert.Throws<ArgumentException>(() => efuses.Burn(F.Block1, 1));
    }
}
