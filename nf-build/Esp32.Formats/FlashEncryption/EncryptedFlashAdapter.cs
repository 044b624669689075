using Esp32.Formats.Flash;

namespace Esp32.Formats.FlashEncryption;

/// <summary>
/// An <see cref="IEncryptedFlash"/> over a whole-chip <see cref="IFlashIo"/> (window offset = flash address)
/// with an always-on <see cref="Esp32FlashCipher"/>: what a flash-encrypted ESP32 does. Used by tests and by
/// host tools that replay device-side flows (e.g. nvs_keys generation) on a flash image.
/// </summary>
public sealed class EncryptedFlashAdapter : IEncryptedFlash
{
    private readonly IFlashIo _flash;
    private readonly Esp32FlashCipher _cipher;

    /// <summary>Wraps <paramref name="flash"/> (offset 0 = flash address 0); the cipher stays owned by the caller.</summary>
    public EncryptedFlashAdapter(IFlashIo flash, Esp32FlashCipher cipher)
    {
        _flash = flash ?? throw new ArgumentNullException(nameof(flash));
        _cipher = cipher ?? throw new ArgumentNullException(nameof(cipher));
    }

    /// <inheritdoc />
    public int Size => _flash.Size;

    /// <inheritdoc />
    public void Erase(int address, int length) => _flash.Erase(address, length);

    /// <inheritdoc />
    public void ReadRaw(int address, Span<byte> destination) => _flash.Read(address, destination);

    /// <inheritdoc />
    public void WriteRaw(int address, ReadOnlySpan<byte> data) => _flash.Write(address, data);

    /// <inheritdoc />
    public void ReadDecrypted(int address, Span<byte> destination)
    {
        if (destination.IsEmpty)
            return;
        // The cache decrypts whole blocks; widen to 16-byte boundaries and copy out the requested bytes.
        int start = address & ~(Esp32FlashCipher.BlockSize - 1);
        int end = (int)(((long)address + destination.Length + Esp32FlashCipher.BlockSize - 1) & ~(long)(Esp32FlashCipher.BlockSize - 1));
        var buffer = new byte[end - start];
        _flash.Read(start, buffer);
        _cipher.DecryptInPlace(start, buffer);
        buffer.AsSpan(address - start, destination.Length).CopyTo(destination);
    }

    /// <inheritdoc />
    public void WriteEncrypted(int address, ReadOnlySpan<byte> data)
    {
        // esp_flash_write_encrypted rejects unaligned writes (ESP_ERR_INVALID_ARG); Validate says why.
        Esp32FlashCipher.Validate(address, data.Length);
        var buffer = data.ToArray();
        _cipher.EncryptInPlace(address, buffer);
        _flash.Write(address, buffer);
    }
}
