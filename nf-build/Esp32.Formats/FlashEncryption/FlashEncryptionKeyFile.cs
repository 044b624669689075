namespace Esp32.Formats.FlashEncryption;

/// <summary>
/// Loads an original-ESP32 flash encryption key file the way espsecure's <c>_load_hardware_key</c> does
/// (non-XTS branch): 32 bytes are used as they are; 24 bytes (a 192-bit key for the 3/4 coding scheme)
/// are extended to 32 as <c>key + key[8:16]</c>, which is what the hardware does with a 3/4-coded BLOCK1.
/// The file's byte order is espsecure's ("big-endian"); <c>espefuse burn-key flash_encryption</c> stores it
/// reversed in BLOCK1 (see <see cref="Efuse.Esp32Efuses"/>).
/// </summary>
/// <remarks>
/// Threat: this is the device's master secret. Anyone holding it can decrypt every encrypted region of a
/// flash dump of that device and forge encrypted firmware for it; without it, a dump reveals only which
/// 16-byte blocks of the same 32-byte block are equal (ECB per 16 bytes, see <see cref="Esp32FlashCipher"/>).
/// </remarks>
public static class FlashEncryptionKeyFile
{
    /// <summary>Size of a 256-bit key file (coding scheme NONE).</summary>
    public const int Size256 = 32;

    /// <summary>Size of a 192-bit key file (3/4 coding scheme).</summary>
    public const int Size192 = 24;

    /// <summary>
    /// Returns the 32-byte AES-256 key (espsecure byte order) for a 24- or 32-byte key file.
    /// Throws <see cref="Esp32FormatException"/> for any other length (espsecure rejects 16 and 64 without --aes-xts).
    /// </summary>
    public static byte[] Expand(ReadOnlySpan<byte> keyFile)
    {
        switch (keyFile.Length)
        {
            case Size256:
                return keyFile.ToArray();
            case Size192:
                var key = new byte[Size256];
                keyFile.CopyTo(key);
                keyFile[8..16].CopyTo(key.AsSpan(Size192));
                return key;
            default:
                throw new Esp32FormatException(
                    $"flash encryption key is {keyFile.Length} bytes; the original ESP32 needs 32 bytes (256-bit) " +
                    "or 24 bytes (192-bit, 3/4 coding scheme)");
        }
    }
}
