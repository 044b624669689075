using System.Buffers.Binary;

namespace Esp32.Formats.Nvs;

/// <summary>
/// Plaintext layout of the <c>nvs_keys</c> partition (data/0x04, 4 KB, flagged <c>encrypted</c>):
/// eky[32] ‖ tky[32] ‖ u32 CRC (little-endian, <see cref="NvsKeys.Crc"/>) at offset 64, the rest 0xFF.
/// This is the file <c>nvs_partition_gen.py generate-key</c> writes and what <c>esp_partition_read</c>
/// returns on the device (docs nvs_encryption.rst; nvs_api.cpp <c>nvs_flash_read_security_cfg</c>).
/// On a flash-encrypted device the stored bytes are this image flash-encrypted at the partition's address.
/// </summary>
public static class NvsKeysPartition
{
    /// <summary>Size of the partition and of the generator's key file (one flash sector).</summary>
    public const int Size = 4096;

    /// <summary>Offset of the u32 CRC (2 × NVS_KEY_SIZE).</summary>
    public const int CrcOffset = NvsKeys.Size;

    /// <summary>Bytes that carry meaning: keys and CRC.</summary>
    public const int UsedLength = CrcOffset + 4;

    /// <summary>Builds the 4096-byte plaintext partition image for <paramref name="keys"/>.</summary>
    public static byte[] Build(NvsKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var image = new byte[Size];
        Array.Fill(image, (byte)0xFF);
        keys.EncryptionKey.CopyTo(image);
        keys.TweakKey.CopyTo(image.AsSpan(NvsKeys.KeySize));
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(CrcOffset), keys.Crc);
        return image;
    }

    /// <summary>
    /// Reads keys from a plaintext image (at least <see cref="UsedLength"/> bytes) the way
    /// <c>nvs_flash_read_security_cfg</c> judges them: all-0xFF keys and CRC → not initialized; CRC mismatch → corrupt.
    /// </summary>
    public static NvsKeysStatus TryRead(ReadOnlySpan<byte> plaintext, out NvsKeys? keys)
    {
        if (plaintext.Length < UsedLength)
            throw new Esp32FormatException($"nvs_keys image is {plaintext.Length} bytes; it needs at least {UsedLength} (eky, tky, CRC)");
        keys = null;
        ReadOnlySpan<byte> keyBytes = plaintext[..NvsKeys.Size];
        uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(plaintext[CrcOffset..]);
        var candidate = new NvsKeys(keyBytes);
        if (candidate.Crc == storedCrc)
        {
            keys = candidate;
            return NvsKeysStatus.Valid;
        }
        return IsBlank(keyBytes, storedCrc) ? NvsKeysStatus.NotInitialized : NvsKeysStatus.Corrupt;
    }

    /// <summary>Like <see cref="TryRead"/> but throws <see cref="Esp32FormatException"/> unless the keys are valid.</summary>
    public static NvsKeys Parse(ReadOnlySpan<byte> plaintext)
    {
        var status = TryRead(plaintext, out var keys);
        return status switch
        {
            NvsKeysStatus.Valid => keys!,
            NvsKeysStatus.NotInitialized => throw new Esp32FormatException(
                "nvs_keys partition is not initialized: bytes 0..67 are all 0xFF (no keys generated yet)"),
            _ => throw new Esp32FormatException(
                $"nvs_keys partition is corrupt: CRC at offset {CrcOffset} is 0x{BinaryPrimitives.ReadUInt32LittleEndian(plaintext[CrcOffset..]):X8}, " +
                $"the keys give 0x{new NvsKeys(plaintext[..NvsKeys.Size]).Crc:X8} (wrong key, not decrypted, or damaged)"),
        };
    }

    /// <summary>
    /// <c>check_if_initialized</c> negated: true when every eky and tky byte is 0xFF and the CRC word is 0xFFFFFFFF.
    /// </summary>
    public static bool IsBlank(ReadOnlySpan<byte> ekyThenTky, uint crc)
    {
        if (crc != 0xFFFFFFFF)
            return false;
        foreach (byte b in ekyThenTky[..NvsKeys.Size])
        {
            if (b != 0xFF)
                return false;
        }
        return true;
    }
}
