namespace Esp32.Formats.FlashEncryption;

/// <summary>
/// One-shot original-ESP32 flash encryption of whole images, the library form of
/// <c>espsecure encrypt-flash-data --keyfile K --address A [--flash-crypt-conf C]</c> and
/// <c>decrypt-flash-data</c> (non-XTS). For repeated use (e.g. a device's flash cache) keep an
/// <see cref="Esp32FlashCipher"/> instead, which keeps the key loaded.
/// </summary>
public static class Esp32FlashEncryption
{
    /// <summary>espsecure's default <c>--flash-crypt-conf</c> and the value the bootloader burns.</summary>
    public const int DefaultFlashCryptConfig = FlashEncryptionTweak.FullTweak;

    /// <summary>Encrypts <paramref name="plaintext"/> for flash address <paramref name="flashAddress"/>.</summary>
    /// <param name="keyFile">32-byte key file, or 24 bytes under the 3/4 coding scheme (espsecure byte order).</param>
    /// <param name="flashAddress">Absolute flash address of the first byte; a multiple of 16.</param>
    /// <param name="plaintext">Data to encrypt; a multiple of 16 bytes.</param>
    /// <param name="flashCryptConfig">FLASH_CRYPT_CONFIG eFuse value (0x0..0xF).</param>
    public static byte[] Encrypt(ReadOnlySpan<byte> keyFile, int flashAddress, ReadOnlySpan<byte> plaintext, int flashCryptConfig = DefaultFlashCryptConfig)
    {
        using var cipher = new Esp32FlashCipher(keyFile, flashCryptConfig);
        return cipher.Encrypt(flashAddress, plaintext);
    }

    /// <summary>Decrypts flash contents read from <paramref name="flashAddress"/>; parameters as for <see cref="Encrypt"/>.</summary>
    public static byte[] Decrypt(ReadOnlySpan<byte> keyFile, int flashAddress, ReadOnlySpan<byte> ciphertext, int flashCryptConfig = DefaultFlashCryptConfig)
    {
        using var cipher = new Esp32FlashCipher(keyFile, flashCryptConfig);
        return cipher.Decrypt(flashAddress, ciphertext);
    }
}
