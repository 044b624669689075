using Esp32.Formats.FlashEncryption;
using Esp32.Formats.PartitionTable;

namespace Esp32.Formats.FlashImage;

/// <summary>
/// Assembles a whole-chip flash image for provisioning: second-stage bootloader at 0x1000, the partition
/// table, and the contents of named partitions; everything else erased (0xFF). With a flash encryption
/// key the image is pre-encrypted on the host, as `espsecure encrypt-flash-data` followed by a plain
/// esptool write would produce: the bootloader, the table and every partition that esp_partition treats
/// as encrypted (apps, otadata, nvs_keys, partitions flagged "encrypted"). Erased areas stay 0xFF, as
/// esptool leaves them.
/// <para>
/// Threat: the returned image holds secrets (NVS contents, keys) in plaintext unless a key is given; write
/// it only to the device or to a protected location. With a key, a dump of the device shows ciphertext
/// only, and NVS is protected by its own encryption, not by this key.
/// </para>
/// </summary>
public sealed class FlashImageBuilder
{
    /// <summary>Where the ESP32 ROM loads the second-stage bootloader from.</summary>
    public const int BootloaderOffset = 0x1000;

    private readonly PartitionTable.PartitionTable _table;
    private readonly int _flashSize;
    private readonly uint _tableOffset;
    private readonly Dictionary<string, byte[]> _contents = new(StringComparer.Ordinal);
    private byte[]? _bootloader;

    public FlashImageBuilder(PartitionTable.PartitionTable table, int flashSize = 4 * 1024 * 1024, uint tableOffset = PartitionTable.PartitionTable.DefaultOffset)
    {
        if (flashSize <= 0 || flashSize % 0x1000 != 0)
            throw new Esp32FormatException($"flash size 0x{flashSize:X} is not a positive multiple of 4 KB");
        PartitionEntry? beyond = table.Entries.FirstOrDefault(e => e.End > flashSize);
        if (beyond is not null)
            throw new Esp32FormatException($"partition {beyond.Name} ends at 0x{beyond.End:X}, beyond the 0x{flashSize:X}-byte flash");
        _table = table;
        _flashSize = flashSize;
        _tableOffset = tableOffset;
    }

    /// <summary>The second-stage bootloader image (at 0x1000, up to the partition table).</summary>
    public FlashImageBuilder WithBootloader(byte[] image)
    {
        if (image.Length > _tableOffset - BootloaderOffset)
            throw new Esp32FormatException($"bootloader image of {image.Length} bytes overlaps the partition table at 0x{_tableOffset:X}");
        _bootloader = image;
        return this;
    }

    /// <summary>Contents written at the start of partition <paramref name="name"/>.</summary>
    public FlashImageBuilder WithPartition(string name, byte[] contents)
    {
        PartitionEntry entry = _table.Find(name) ?? throw new Esp32FormatException($"no partition named '{name}' in the partition table");
        if (contents.Length > entry.Size)
            throw new Esp32FormatException($"{contents.Length} bytes do not fit partition {name} (size 0x{entry.Size:X})");
        _contents[name] = contents;
        return this;
    }

    /// <summary>Builds the image; pre-encrypted when <paramref name="flashEncryptionKey"/> (espsecure key file) is given.</summary>
    public byte[] Build(byte[]? flashEncryptionKey = null, int flashCryptConfig = 0xF)
    {
        byte[] image = new byte[_flashSize];
        Array.Fill(image, (byte)0xFF);
        using Esp32FlashCipher? cipher = flashEncryptionKey is null ? null : new Esp32FlashCipher(flashEncryptionKey, flashCryptConfig);

        if (_bootloader is not null)
            Place(image, BootloaderOffset, _bootloader, cipher);
        Place(image, (int)_tableOffset, _table.ToBinary(), cipher);
        foreach (var (name, contents) in _contents)
        {
            PartitionEntry entry = _table.Find(name)!;
            Place(image, (int)entry.Offset, contents, entry.IsFlashEncryptedWhenEnabled ? cipher : null);
        }
        return image;
    }

    private static void Place(byte[] image, int address, byte[] contents, Esp32FlashCipher? cipher)
    {
        if (cipher is null)
        {
            contents.CopyTo(image, address);
            return;
        }

        // Flash encryption works on 16-byte blocks: pad the tail with 0xFF (espsecure pads with random bytes;
        // nothing reads past the contents either way).
        int length = (contents.Length + 15) & ~15;
        var span = image.AsSpan(address, length);
        contents.CopyTo(span);
        cipher.EncryptInPlace(address, span);
    }
}
