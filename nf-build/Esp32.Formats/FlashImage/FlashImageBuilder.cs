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
/// <para>
/// Without <see cref="WithBootloader"/> the bootloader area stays erased: enough for the virtual ESP32,
/// but a real chip does not boot such an image.
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

    /// <summary>An image of <paramref name="flashSize"/> bytes holding <paramref name="table"/> at <paramref name="tableOffset"/>.</summary>
    /// <exception cref="Esp32FormatException">The flash size is not a positive multiple of 4 KB, the table
    /// sector is misplaced, or a partition ends beyond the flash or starts inside the bootloader/table area.</exception>
    public FlashImageBuilder(PartitionTable.PartitionTable table, int flashSize = 4 * 1024 * 1024, uint tableOffset = PartitionTable.PartitionTable.DefaultOffset)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (flashSize <= 0 || flashSize % PartitionTable.PartitionTable.SectorSize != 0)
            throw new Esp32FormatException($"flash size 0x{flashSize:X} is not a positive multiple of 4 KB");
        long tableEnd = (long)tableOffset + PartitionTable.PartitionTable.SectorSize;
        if (tableOffset % PartitionTable.PartitionTable.SectorSize != 0 || tableOffset <= BootloaderOffset || tableEnd > flashSize)
            throw new Esp32FormatException(
                $"partition table offset 0x{tableOffset:X} must be 4 KB aligned, above the bootloader at 0x{BootloaderOffset:X} and inside the 0x{flashSize:X}-byte flash");
        PartitionEntry? beyond = table.Entries.FirstOrDefault(e => e.End > flashSize);
        if (beyond is not null)
            throw new Esp32FormatException($"partition {beyond.Name} ends at 0x{beyond.End:X}, beyond the 0x{flashSize:X}-byte flash");
        // Contents placed there would overwrite the bootloader or the table and leave the chip unbootable.
        PartitionEntry? low = table.Entries.FirstOrDefault(e => e.Offset < tableEnd && !PartitionCsvReader.IsPrimaryBootloaderOrTable(e.Type, e.Subtype));
        if (low is not null)
            throw new Esp32FormatException($"partition {low.Name} starts at 0x{low.Offset:X}, inside the bootloader/partition table area below 0x{tableEnd:X}");
        _table = table;
        _flashSize = flashSize;
        _tableOffset = tableOffset;
    }

    /// <summary>The second-stage bootloader image (at 0x1000, up to the partition table).</summary>
    /// <exception cref="Esp32FormatException">The image reaches the partition table.</exception>
    public FlashImageBuilder WithBootloader(byte[] image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Length > _tableOffset - BootloaderOffset)
            throw new Esp32FormatException($"bootloader image of {image.Length} bytes overlaps the partition table at 0x{_tableOffset:X}");
        _bootloader = image;
        return this;
    }

    /// <summary>Contents written at the start of partition <paramref name="name"/> (a later call replaces them).</summary>
    /// <exception cref="Esp32FormatException">No such partition, or the contents are larger than it.</exception>
    public FlashImageBuilder WithPartition(string name, byte[] contents)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(contents);
        PartitionEntry entry = _table.Find(name) ?? throw new Esp32FormatException($"no partition named '{name}' in the partition table");
        if (contents.Length > entry.Size)
            throw new Esp32FormatException($"{contents.Length} bytes do not fit partition {name} (size 0x{entry.Size:X})");
        _contents[name] = contents;
        return this;
    }

    /// <summary>Builds the image; pre-encrypted when <paramref name="flashEncryptionKey"/> is given.</summary>
    /// <param name="flashEncryptionKey">The espsecure key file (the eFuse BLOCK1 key), or null for a plaintext image.</param>
    /// <param name="flashCryptConfig">FLASH_CRYPT_CONFIG of the target chip (0xF, what the bootloader burns).</param>
    /// <exception cref="Esp32FormatException">Encryption padding would run past a partition's end.</exception>
    public byte[] Build(byte[]? flashEncryptionKey = null, int flashCryptConfig = 0xF)
    {
        byte[] image = new byte[_flashSize];
        Array.Fill(image, (byte)0xFF);
        using Esp32FlashCipher? cipher = flashEncryptionKey is null ? null : new Esp32FlashCipher(flashEncryptionKey, flashCryptConfig);

        if (_bootloader is not null)
            Place(image, BootloaderOffset, _tableOffset, _bootloader, cipher, "bootloader");
        Place(image, _tableOffset, (long)_tableOffset + PartitionTable.PartitionTable.SectorSize, _table.ToBinary(), cipher, "partition table");
        foreach (var (name, contents) in _contents)
        {
            PartitionEntry entry = _table.Find(name)!;
            // Partitions the device reads without decryption (e.g. NVS) stay plaintext even with a key, as on a
            // real chip: their secrets need NVS encryption, and a flash dump shows them as written.
            Place(image, entry.Offset, entry.End, contents, entry.IsFlashEncryptedWhenEnabled ? cipher : null, $"partition {name}");
        }
        return image;
    }

    private static void Place(byte[] image, long address, long end, byte[] contents, Esp32FlashCipher? cipher, string what)
    {
        if (cipher is null)
        {
            contents.CopyTo(image, (int)address);
            return;
        }

        // Flash encryption works on 16-byte blocks: pad the tail with 0xFF (espsecure pads with random bytes;
        // nothing reads past the contents either way).
        int length = (contents.Length + 15) & ~15;
        if (address + length > end)
            throw new Esp32FormatException(
                $"{what} at 0x{address:X}: {contents.Length} bytes padded to the 16-byte encryption block size run past its end at 0x{end:X}");
        var span = image.AsSpan((int)address, length);
        contents.CopyTo(span);
        cipher.EncryptInPlace((int)address, span);
    }
}
