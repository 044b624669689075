using System.Buffers.Binary;
using Esp32.Formats;
using Esp32.Formats.Flash;
using Esp32.Formats.FlashEncryption;
using Esp32.Formats.Nvs;
using Xunit;

namespace NfBuild.Tests.Nvs;

/// <summary>
/// Device-side NVS key generation with the flash-encryption scheme (nvs_flash_generate_keys / read_security_cfg).
/// Known answer (shared/reference/esp32-formats.md §3, re-verified with espsecure v5.3.1):
/// <c>espsecure decrypt-flash-data --keyfile (00..1f) --address 0x310000 --flash-crypt-conf 0xF (FF*16 99*16 EE*16 88*16)</c>
/// → the 64 key bytes below; zlib.crc32(keys, 0xFFFFFFFF) = 0x93d29f8e;
/// <c>espsecure encrypt-flash-data --address 0x310040</c> of [8e9fd293, FF*12] → 0631dd6466b7b55864cb1acd50b80918.
/// </summary>
public class NvsKeysFlashEncryptionSchemeTests
{
    private const int PartitionAddress = 0x310000;
    private const string ExpectedKeys =
        "fc1f62cdee99a91530a74ce6f3daf368b85f1fec7063bdce030de85a7b29b18f" +
        "30c4b7c4e14e73081a669c97e0227dbacbe1608426b5a4ae15186d579cb40907";
    private const string ExpectedEncryptedCrcBlock = "0631dd6466b7b55864cb1acd50b80918";

    private static readonly byte[] FeKey = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    [Fact]
    public void GenerationConstants_AreUpstreams()
    {
        Assert.Equal(
            new string('f', 32) + new string('9', 32) + new string('e', 32) + new string('8', 32),
            Convert.ToHexStringLower(NvsKeysFlashEncryptionScheme.GenerationConstants));
    }

    [Fact]
    public void PredictGeneratedKeys_MatchesEspsecure()
    {
        using var cipher = new Esp32FlashCipher(FeKey);
        var keys = NvsKeysFlashEncryptionScheme.PredictGeneratedKeys(cipher, PartitionAddress);
        Assert.Equal(ExpectedKeys, Convert.ToHexStringLower(keys.ToXtsKey()));
        Assert.Equal(0x93d29f8eu, keys.Crc);
    }

    [Fact]
    public void FirstBoot_GeneratesKeys_WithUpstreamFlashLayout()
    {
        var flash = new MemoryFlash(0x400000);
        using var cipher = new Esp32FlashCipher(FeKey);
        var device = new EncryptedFlashAdapter(flash, cipher);

        // A raw-blank partition (all 0xFF as stored) is "not initialized".
        Assert.Equal(NvsKeysStatus.NotInitialized, NvsKeysFlashEncryptionScheme.ReadSecurityConfig(device, PartitionAddress, out _));

        var keys = NvsKeysFlashEncryptionScheme.ReadOrGenerate(device, PartitionAddress, 0x1000, out bool generated);
        Assert.True(generated);
        Assert.Equal(ExpectedKeys, Convert.ToHexStringLower(keys.ToXtsKey()));

        // Raw flash: the constants, then the flash-encrypted CRC block, then erased 0xFF.
        var raw = flash.Contents.AsSpan(PartitionAddress, 0x1000);
        Assert.Equal(Convert.ToHexStringLower(NvsKeysFlashEncryptionScheme.GenerationConstants), Convert.ToHexStringLower(raw[..64]));
        Assert.Equal(ExpectedEncryptedCrcBlock, Convert.ToHexStringLower(raw[64..80]));
        Assert.True(raw[80..].IndexOfAnyExcept((byte)0xFF) < 0);

        // Decrypted view = plaintext nvs_keys layout with CRC 0x93d29f8e.
        var plain = new byte[80];
        device.ReadDecrypted(PartitionAddress, plain);
        Assert.Equal(0x93d29f8eu, BinaryPrimitives.ReadUInt32LittleEndian(plain.AsSpan(64)));
        Assert.Equal(ExpectedKeys, Convert.ToHexStringLower(NvsKeysPartition.Parse(plain).ToXtsKey()));

        // Next boot reads the same keys without touching flash.
        var before = flash.Contents.ToArray();
        var again = NvsKeysFlashEncryptionScheme.ReadOrGenerate(device, PartitionAddress, 0x1000, out generated);
        Assert.False(generated);
        Assert.Equal(keys.ToXtsKey(), again.ToXtsKey());
        Assert.Equal(before, flash.Contents);
    }

    [Fact]
    public void BootloaderEncryptedBlankPartition_IsCorrupt_AndRegenerated()
    {
        // esp_flash_encrypt_contents encrypts nvs_keys unconditionally: an erased partition becomes ciphertext of 0xFF.
        var flash = new MemoryFlash(0x400000);
        using var cipher = new Esp32FlashCipher(FeKey);
        var device = new EncryptedFlashAdapter(flash, cipher);
        var ff = Enumerable.Repeat((byte)0xFF, 0x1000).ToArray();
        device.WriteRaw(PartitionAddress, cipher.Encrypt(PartitionAddress, ff));

        // Raw is not blank, decrypted is all 0xFF → upstream treats it as not initialized (second check).
        Assert.Equal(NvsKeysStatus.NotInitialized, NvsKeysFlashEncryptionScheme.ReadSecurityConfig(device, PartitionAddress, out _));
        var keys = NvsKeysFlashEncryptionScheme.ReadOrGenerate(device, PartitionAddress, 0x1000, out bool generated);
        Assert.True(generated);
        Assert.Equal(ExpectedKeys, Convert.ToHexStringLower(keys.ToXtsKey()));
    }

    [Fact]
    public void DamagedPartition_IsCorrupt_AndInitRegenerates()
    {
        var flash = new MemoryFlash(0x400000);
        using var cipher = new Esp32FlashCipher(FeKey);
        var device = new EncryptedFlashAdapter(flash, cipher);
        NvsKeysFlashEncryptionScheme.GenerateKeys(device, PartitionAddress);
        flash.Contents[PartitionAddress + 3] &= 0x7F; // a bit of the raw constants lost

        Assert.Equal(NvsKeysStatus.Corrupt, NvsKeysFlashEncryptionScheme.ReadSecurityConfig(device, PartitionAddress, out var none));
        Assert.Null(none);
        // v5.5 nvs_flash_init regenerates on any read failure (and so loses access to old NVS data).
        NvsKeysFlashEncryptionScheme.ReadOrGenerate(device, PartitionAddress, 0x1000, out bool generated);
        Assert.True(generated);
        Assert.Equal(NvsKeysStatus.Valid, NvsKeysFlashEncryptionScheme.ReadSecurityConfig(device, PartitionAddress, out _));
    }

    [Fact]
    public void HostBuiltPartition_FlashedEncrypted_IsReadByDevice()
    {
        // nf-build path: keys from NvsKeys.Generate, image from NvsKeysPartition.Build, flashed encrypted.
        var flash = new MemoryFlash(0x400000);
        using var cipher = new Esp32FlashCipher(FeKey);
        var device = new EncryptedFlashAdapter(flash, cipher);
        var keys = NvsKeys.Generate();
        device.WriteRaw(PartitionAddress, cipher.Encrypt(PartitionAddress, NvsKeysPartition.Build(keys)));

        Assert.Equal(NvsKeysStatus.Valid, NvsKeysFlashEncryptionScheme.ReadSecurityConfig(device, PartitionAddress, out var read));
        Assert.Equal(keys.ToXtsKey(), read!.ToXtsKey());
    }

    [Fact]
    public void MisalignedPartition_IsRejected()
    {
        using var cipher = new Esp32FlashCipher(FeKey);
        var device = new EncryptedFlashAdapter(new MemoryFlash(0x400000), cipher);
        Assert.Throws<Esp32FormatException>(() => NvsKeysFlashEncryptionScheme.GenerateKeys(device, 0x310010));
        Assert.Throws<Esp32FormatException>(() => NvsKeysFlashEncryptionScheme.GenerateKeys(device, 0x3FF000, 0x2000));
    }
}
