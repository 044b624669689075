using System.Buffers.Binary;
using System.Security.Cryptography;
using Esp32.Formats.Flash;
using Esp32.Formats.FlashEncryption;

namespace Esp32.Formats.Nvs;

/// <summary>
/// The device side of NVS encryption's flash-encryption scheme (ESP-IDF v5.5, <c>nvs_sec_provider.c</c>
/// registering <c>nvs_flash_generate_keys</c>/<c>nvs_flash_read_security_cfg</c> from <c>nvs_api.cpp</c>),
/// over an <see cref="IEncryptedFlash"/> at absolute addresses.
/// </summary>
/// <remarks>
/// <para>Key generation never uses a random number generator: it raw-writes fixed constants and reads them
/// back through flash decryption, so the keys are <c>flash_decrypt(FE key, partition address, constants)</c> —
/// unique per device because the flash encryption key is. <see cref="PredictGeneratedKeys"/> computes them on
/// the host.</para>
/// <para>Threat: the nvs_keys partition then holds the public constants in raw form plus an encrypted CRC.
/// A flash dump therefore reveals nothing about the NVS keys without the flash encryption key (the constants
/// are the same on every device), but anyone who has the flash encryption key also has the NVS keys.</para>
/// </remarks>
public static class NvsKeysFlashEncryptionScheme
{
    /// <summary>
    /// What nvs_flash_generate_keys raw-writes: eky = 16×0xFF, 16×0x99; tky = 16×0xEE, 16×0x88
    /// ("adjacent 16-byte blocks should be different", since the ESP32 uses ECB inside a 32-byte block).
    /// </summary>
    public static ReadOnlySpan<byte> GenerationConstants => Constants;

    private static readonly byte[] Constants = BuildConstants();

    /// <summary>
    /// <c>nvs_flash_read_security_cfg</c>: raw-reads keys and CRC; all 0xFF → <see cref="NvsKeysStatus.NotInitialized"/>;
    /// otherwise reads them through decryption and checks the CRC (all-0xFF after decryption also counts as
    /// not initialized, as upstream does).
    /// </summary>
    public static NvsKeysStatus ReadSecurityConfig(IEncryptedFlash flash, int partitionAddress, out NvsKeys? keys)
    {
        ArgumentNullException.ThrowIfNull(flash);
        CheckPartition(flash, partitionAddress, NvsKeysPartition.Size);
        keys = null;

        Span<byte> raw = stackalloc byte[NvsKeysPartition.UsedLength];
        flash.ReadRaw(partitionAddress, raw);
        if (NvsKeysPartition.IsBlank(raw[..NvsKeys.Size], BinaryPrimitives.ReadUInt32LittleEndian(raw[NvsKeysPartition.CrcOffset..])))
            return NvsKeysStatus.NotInitialized;

        Span<byte> plain = stackalloc byte[NvsKeysPartition.UsedLength];
        flash.ReadDecrypted(partitionAddress, plain);
        var status = NvsKeysPartition.TryRead(plain, out keys);
        CryptographicOperations.ZeroMemory(plain);
        return status;
    }

    /// <summary>
    /// <c>nvs_flash_generate_keys</c>: erases the partition, raw-writes <see cref="GenerationConstants"/>, reads them
    /// back decrypted as the keys, and writes the 16-byte block [CRC (LE), 0xFF×12] at offset 64 through encryption.
    /// </summary>
    public static NvsKeys GenerateKeys(IEncryptedFlash flash, int partitionAddress, int partitionSize = NvsKeysPartition.Size)
    {
        ArgumentNullException.ThrowIfNull(flash);
        CheckPartition(flash, partitionAddress, partitionSize);

        flash.Erase(partitionAddress, partitionSize);
        flash.WriteRaw(partitionAddress, GenerationConstants);

        Span<byte> keyBytes = stackalloc byte[NvsKeys.Size];
        flash.ReadDecrypted(partitionAddress, keyBytes);
        var keys = new NvsKeys(keyBytes);
        CryptographicOperations.ZeroMemory(keyBytes);

        Span<byte> crcBlock = stackalloc byte[16];
        crcBlock.Fill(0xFF);
        BinaryPrimitives.WriteUInt32LittleEndian(crcBlock, keys.Crc);
        flash.WriteEncrypted(partitionAddress + NvsKeysPartition.CrcOffset, crcBlock);
        return keys;
    }

    /// <summary>
    /// What <c>nvs_flash_init</c> does with CONFIG_NVS_ENCRYPTION in v5.5: read the keys, and on <em>any</em>
    /// failure (not initialized or corrupt) generate new ones — which makes existing encrypted NVS data unreadable.
    /// </summary>
    public static NvsKeys ReadOrGenerate(IEncryptedFlash flash, int partitionAddress, int partitionSize, out bool generated)
    {
        if (ReadSecurityConfig(flash, partitionAddress, out var keys) == NvsKeysStatus.Valid)
        {
            generated = false;
            return keys!;
        }
        generated = true;
        return GenerateKeys(flash, partitionAddress, partitionSize);
    }

    /// <summary>
    /// The keys a flash-encrypted device will generate for an nvs_keys partition at <paramref name="partitionAddress"/>:
    /// the decryption of <see cref="GenerationConstants"/> at that address (equivalent to
    /// <c>espsecure decrypt-flash-data --address ADDR</c> of the constants).
    /// </summary>
    public static NvsKeys PredictGeneratedKeys(Esp32FlashCipher cipher, int partitionAddress)
    {
        ArgumentNullException.ThrowIfNull(cipher);
        byte[] plain = cipher.Decrypt(partitionAddress, GenerationConstants);
        var keys = new NvsKeys(plain);
        CryptographicOperations.ZeroMemory(plain);
        return keys;
    }

    private static void CheckPartition(IEncryptedFlash flash, int partitionAddress, int partitionSize)
    {
        if (partitionAddress < 0 || partitionAddress % FlashGeometry.SectorSize != 0)
            throw new Esp32FormatException($"nvs_keys partition address 0x{partitionAddress:X} is not 4 KB aligned");
        if (partitionSize < NvsKeysPartition.Size || partitionSize % FlashGeometry.SectorSize != 0)
            throw new Esp32FormatException($"nvs_keys partition size 0x{partitionSize:X} must be a multiple of 4 KB and at least 4 KB");
        if ((long)partitionAddress + partitionSize > flash.Size)
            throw new Esp32FormatException(
                $"nvs_keys partition 0x{partitionAddress:X}+0x{partitionSize:X} ends beyond the 0x{flash.Size:X}-byte flash");
    }

    private static byte[] BuildConstants()
    {
        var constants = new byte[NvsKeys.Size];
        for (int i = 0; i < NvsKeys.KeySize; i++)
        {
            // nvs_api.cpp: ((cnt / 16) & 1) == 0 ? 0xff / 0xee : 0x99 / 0x88
            bool firstHalf = ((i / 16) & 1) == 0;
            constants[i] = firstHalf ? (byte)0xFF : (byte)0x99;
            constants[NvsKeys.KeySize + i] = firstHalf ? (byte)0xEE : (byte)0x88;
        }
        return constants;
    }
}
