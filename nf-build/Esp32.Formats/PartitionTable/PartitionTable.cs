using System.Text;
using Esp32.Formats.Flash;

namespace Esp32.Formats.PartitionTable;

/// <summary>
/// An ESP32 partition table: the entries in table order. Converts to and from the gen_esp32part.py CSV
/// and binary forms (ESP-IDF v5.5) and reads/writes the table sector of a flash image.
/// Two tables are equal when their entries are equal in the same order.
/// </summary>
public sealed record PartitionTable
{
    /// <summary>Default flash address of the table (CONFIG_PARTITION_TABLE_OFFSET).</summary>
    public const uint DefaultOffset = 0x8000;

    /// <summary>The table occupies one 4 KB sector (PARTITION_TABLE_SIZE / ESP_PARTITION_TABLE_SIZE).</summary>
    public const int SectorSize = 0x1000;

    /// <summary>Length of the binary table (MAX_PARTITION_LENGTH / ESP_PARTITION_TABLE_MAX_LEN).</summary>
    public const int MaxLength = 0xC00;

    /// <summary>A table of these entries, in this order; nothing is verified (see <see cref="Verify"/>).</summary>
    public PartitionTable(IEnumerable<PartitionEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        Entries = entries.ToArray();
    }

    /// <summary>The entries, in table order.</summary>
    public IReadOnlyList<PartitionEntry> Entries { get; }

    /// <summary>The first entry with this label, or null.</summary>
    public PartitionEntry? Find(string name) => Entries.FirstOrDefault(e => e.Name == name);

    /// <summary>The first entry with this type and subtype in table order (<c>esp_partition_find_first</c>), or null.</summary>
    public PartitionEntry? FindBySubtype(byte type, byte subtype) =>
        Entries.FirstOrDefault(e => e.Type == type && e.Subtype == subtype);

    /// <summary>The app/ota_N partitions ordered by slot number (what the bootloader indexes as ota[N]).</summary>
    public IReadOnlyList<PartitionEntry> OtaAppSlots =>
        Entries.Where(e => e.OtaSlot is not null).OrderBy(e => e.OtaSlot).ToArray();

    /// <summary>
    /// <c>esp_ota_get_app_partition_count()</c>: how many of ota_0, ota_1, … exist without a gap. The
    /// bootloader instead counts every app/ota_N entry (<see cref="OtaAppSlots"/>); both agree for
    /// ordinary tables.
    /// </summary>
    public int ContiguousOtaAppCount
    {
        get
        {
            int count = 0;
            while (count < PartitionSubtypes.OtaSlotCount && FindBySubtype(PartitionTypes.App, PartitionSubtypes.Ota(count)) is not null)
                count++;
            return count;
        }
    }

    /// <summary>The data/ota (otadata) partition, or null.</summary>
    public PartitionEntry? OtaData => FindBySubtype(PartitionTypes.Data, PartitionSubtypes.DataOta);

    /// <summary>The app/factory partition, or null.</summary>
    public PartitionEntry? Factory => FindBySubtype(PartitionTypes.App, PartitionSubtypes.Factory);

    /// <summary>The app/test partition, or null.</summary>
    public PartitionEntry? Test => FindBySubtype(PartitionTypes.App, PartitionSubtypes.Test);

    /// <summary>
    /// Runs gen_esp32part's <c>verify()</c> (and the <c>--flash-size</c> check when the options give a
    /// flash size); errors name the entry index.
    /// </summary>
    /// <exception cref="Esp32FormatException">The first rule the table breaks.</exception>
    public void Verify(PartitionTableOptions? options = null)
    {
        options ??= PartitionTableOptions.Default;
        // Explicitly asked for, so verify even when the options say --no-verify.
        PartitionTableVerifier.Check(this, options with { Verify = true }, i => $"Error in entry {i} ('{Entries[i].Name}')");
    }

    /// <summary>The 0xC00-byte binary table (<see cref="PartitionBinaryWriter"/>).</summary>
    public byte[] ToBinary(bool includeMd5 = true) => PartitionBinaryWriter.Write(this, includeMd5);

    /// <summary>The CSV gen_esp32part prints for a binary input (<see cref="PartitionCsvWriter"/>).</summary>
    public string ToCsv() => PartitionCsvWriter.Write(this);

    /// <summary>Parses CSV text (<see cref="PartitionCsvReader"/>).</summary>
    public static PartitionTable FromCsv(string csv, PartitionTableOptions? options = null) => PartitionCsvReader.Read(csv, options);

    /// <summary>Parses a binary table (<see cref="PartitionBinaryReader"/>).</summary>
    public static PartitionTable FromBinary(ReadOnlySpan<byte> binary, PartitionTableOptions? options = null) =>
        PartitionBinaryReader.Read(binary, options);

    /// <summary>
    /// Parses a file's bytes as gen_esp32part's <c>from_file</c> does: binary when it starts with AA 50,
    /// otherwise text (UTF-8, a UTF-8 BOM is skipped).
    /// </summary>
    public static PartitionTable Load(ReadOnlySpan<byte> fileContents, PartitionTableOptions? options = null)
    {
        if (fileContents.Length >= 2 && fileContents[0] == 0xAA && fileContents[1] == 0x50)
            return FromBinary(fileContents, options);
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(fileContents);
        }
        catch (DecoderFallbackException ex)
        {
            throw new Esp32FormatException($"partition table file is neither binary (it does not start with AA 50) nor UTF-8 text: {ex.Message}", ex);
        }
        return FromCsv(text, options);
    }

    /// <summary>
    /// Writes the table into a flash image the way it is flashed: the 4 KB sector at
    /// <paramref name="offset"/> is erased and the 0xC00-byte table written at its start.
    /// </summary>
    public void WriteTo(IFlashIo flash, uint offset = DefaultOffset, bool includeMd5 = true)
    {
        ArgumentNullException.ThrowIfNull(flash);
        if (offset % SectorSize != 0 || (long)offset + SectorSize > flash.Size)
            throw new ArgumentOutOfRangeException(nameof(offset), $"table offset 0x{offset:X} must be 4 KB aligned and inside the 0x{flash.Size:X}-byte flash");
        byte[] binary = ToBinary(includeMd5);
        flash.Erase((int)offset, SectorSize);
        flash.Write((int)offset, binary);
    }

    /// <summary>Reads and parses the table stored at <paramref name="offset"/> of a flash image.</summary>
    public static PartitionTable ReadFrom(IFlashIo flash, uint offset = DefaultOffset, PartitionTableOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(flash);
        if ((long)offset + MaxLength > flash.Size)
            throw new ArgumentOutOfRangeException(nameof(offset), $"table offset 0x{offset:X} leaves no 0xC00 bytes in the 0x{flash.Size:X}-byte flash");
        var binary = new byte[MaxLength];
        flash.Read((int)offset, binary);
        return FromBinary(binary, (options ?? PartitionTableOptions.Default) with { TableOffset = offset });
    }

    /// <inheritdoc />
    public bool Equals(PartitionTable? other) => other is not null && Entries.SequenceEqual(other.Entries);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var entry in Entries) hash.Add(entry);
        return hash.ToHashCode();
    }
}
