namespace Esp32.Formats.FlashEncryption;

/// <summary>
/// The flash operations ESP-IDF code uses on a chip with flash encryption, at absolute flash addresses:
/// raw access (<c>esp_flash_read</c>/<c>esp_flash_write</c>, <c>esp_partition_read_raw</c>/<c>_write_raw</c>)
/// sees the bytes as stored, and encrypted access (<c>esp_flash_read_encrypted</c>/<c>esp_flash_write_encrypted</c>,
/// which <c>esp_partition_read</c>/<c>_write</c> use for partitions flagged <c>encrypted</c>) goes through the
/// flash encryption engine. Implemented by the virtual device (whose engine follows the eFuses, e.g. passes data
/// through unchanged while FLASH_CRYPT_CNT is even) and by <see cref="EncryptedFlashAdapter"/> for tests and tools.
/// </summary>
public interface IEncryptedFlash
{
    /// <summary>Size of the flash chip in bytes.</summary>
    int Size { get; }

    /// <summary>Erases whole 4 KB sectors to 0xFF (raw; erased flash reads back through decryption as garbage).</summary>
    void Erase(int address, int length);

    /// <summary>Reads the bytes as stored (ciphertext where the region is encrypted).</summary>
    void ReadRaw(int address, Span<byte> destination);

    /// <summary>Programs bytes as given, bypassing the encryption engine (NOR rules: bits only go 1→0).</summary>
    void WriteRaw(int address, ReadOnlySpan<byte> data);

    /// <summary>Reads through the flash decryption engine (any alignment).</summary>
    void ReadDecrypted(int address, Span<byte> destination);

    /// <summary>Writes through the flash encryption engine; address and length must be multiples of 16.</summary>
    void WriteEncrypted(int address, ReadOnlySpan<byte> data);
}
