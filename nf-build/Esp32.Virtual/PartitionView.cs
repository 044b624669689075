using System.Buffers;
using Esp32.Formats.FlashEncryption;
using Esp32.Formats.Flash;
using Esp32.Formats.PartitionTable;

namespace Esp32.Virtual;

/// <summary>
/// One partition as the app sees it through esp_partition_read/write/erase_range: offsets relative to the
/// partition, and, when the partition is encrypted, transparent flash encryption (writes are encrypted
/// by the flash controller, reads decrypted by the cache), exactly as ESP-IDF's esp_partition does.
/// <para>
/// Threat: a flash dump shows only ciphertext of an encrypted partition; the key lives in eFuse BLOCK1,
/// read-protected, so software on the chip (and anyone with a dump) can't read it, while the flash cache
/// still uses it.
/// </para>
/// </summary>
public sealed class PartitionView : IFlashIo
{
    private readonly IFlashIo _chip;
    private readonly Esp32FlashCipher? _cipher;

    internal PartitionView(IFlashIo chip, PartitionEntry entry, Esp32FlashCipher? cipher)
    {
        _chip = chip;
        Entry = entry;
        _cipher = cipher is not null && entry.IsFlashEncryptedWhenEnabled ? cipher : null;
    }

    public PartitionEntry Entry { get; }

    /// <summary>esp_partition_t.encrypted: this partition's data goes through flash encryption.</summary>
    public bool Encrypted => _cipher is not null;

    public int Size => (int)Entry.Size;

    public void Read(int offset, Span<byte> destination)
    {
        Check(offset, destination.Length);
        int address = (int)Entry.Offset + offset;
        if (_cipher is null)
        {
            _chip.Read(address, destination);
            return;
        }

        // The cache decrypts whole 16-byte blocks; an unaligned read is served from the covering blocks.
        int start = address & ~15;
        int end = (address + destination.Length + 15) & ~15;
        if (start == address && end - start == destination.Length)
        {
            _chip.Read(address, destination);
            _cipher.DecryptInPlace(address, destination);
            return;
        }
        byte[] buffer = ArrayPool<byte>.Shared.Rent(end - start);
        try
        {
            Span<byte> blocks = buffer.AsSpan(0, end - start);
            _chip.Read(start, blocks);
            _cipher.DecryptInPlace(start, blocks);
            blocks.Slice(address - start, destination.Length).CopyTo(destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true); // plaintext
        }
    }

    public void Write(int offset, ReadOnlySpan<byte> data)
    {
        Check(offset, data.Length);
        int address = (int)Entry.Offset + offset;
        if (_cipher is null)
        {
            _chip.Write(address, data);
            return;
        }

        // esp_flash_write_encrypted: the hardware encrypts 16-byte-aligned blocks only.
        if (address % 16 != 0 || data.Length % 16 != 0)
            throw new ArgumentException($"encrypted write to {Entry.Name} at +0x{offset:X} ({data.Length} bytes) is not 16-byte aligned (ESP_ERR_INVALID_ARG)");
        byte[] buffer = ArrayPool<byte>.Shared.Rent(data.Length);
        try
        {
            Span<byte> cipherText = buffer.AsSpan(0, data.Length);
            data.CopyTo(cipherText);
            _cipher.EncryptInPlace(address, cipherText);
            _chip.Write(address, cipherText);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }

    public void Erase(int offset, int length)
    {
        Check(offset, length);
        _chip.Erase((int)Entry.Offset + offset, length);
    }

    /// <summary>esp_partition_read_raw: the stored bytes, never decrypted.</summary>
    public void ReadRaw(int offset, Span<byte> destination)
    {
        Check(offset, destination.Length);
        _chip.Read((int)Entry.Offset + offset, destination);
    }

    private void Check(int offset, int length)
    {
        if (offset < 0 || length < 0 || (long)offset + length > Entry.Size)
            throw new ArgumentOutOfRangeException(nameof(offset), $"0x{offset:X}+0x{length:X} is outside partition {Entry.Name} (size 0x{Entry.Size:X}) (ESP_ERR_INVALID_SIZE)");
    }
}
