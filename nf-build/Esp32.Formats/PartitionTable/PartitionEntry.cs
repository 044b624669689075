using System.Buffers.Binary;
using System.Text;

namespace Esp32.Formats.PartitionTable;

/// <summary>
/// One row of the partition table: <c>esp_partition_info_t</c>, 32 bytes on flash
/// (gen_esp32part.py <c>STRUCT_FORMAT = '&lt;2sBBLL16sL'</c>): magic AA 50, type, subtype, offset,
/// size, 16-byte label, flags.
/// </summary>
/// <param name="Name">The label. It is stored UTF-8 encoded, zero-padded, and cut at 16 bytes without a
/// terminating NUL when longer (what struct.pack('16s') does).</param>
/// <param name="Type">Partition type byte, see <see cref="PartitionTypes"/>.</param>
/// <param name="Subtype">Subtype byte, see <see cref="PartitionSubtypes"/>.</param>
/// <param name="Offset">Absolute flash address of the partition.</param>
/// <param name="Size">Length in bytes.</param>
/// <param name="Flags">Flags word (<c>encrypted</c>, <c>readonly</c>, and any unknown bits as read).</param>
public sealed record PartitionEntry(string Name, byte Type, byte Subtype, uint Offset, uint Size, PartitionFlags Flags = PartitionFlags.None)
{
    /// <summary>Size of one entry on flash.</summary>
    public const int EntrySize = 32;

    /// <summary>Length of the label field.</summary>
    public const int LabelSize = 16;

    /// <summary><c>ESP_PARTITION_MAGIC</c> 0x50AA, stored little-endian as AA 50.</summary>
    public const ushort Magic = 0x50AA;

    /// <summary>First flash address after the partition.</summary>
    public long End => (long)Offset + Size;

    /// <summary>The <c>encrypted</c> flag is set (see <see cref="IsFlashEncryptedWhenEnabled"/> for what is actually encrypted).</summary>
    public bool IsEncrypted => (Flags & PartitionFlags.Encrypted) != 0;

    /// <summary>The <c>readonly</c> flag is set.</summary>
    public bool IsReadonly => (Flags & PartitionFlags.Readonly) != 0;

    /// <summary>Type <c>app</c> (factory, ota_N, test).</summary>
    public bool IsApp => Type == PartitionTypes.App;

    /// <summary>
    /// Whether this partition's data goes through flash encryption once it is enabled (esp_partition_t.encrypted,
    /// partition_target.c load_partitions; the bootloader's encrypt_partition follows the same rule): app
    /// partitions, otadata and nvs_keys always, any other partition when flagged "encrypted".
    /// </summary>
    public bool IsFlashEncryptedWhenEnabled =>
        IsApp || IsEncrypted || (Type == PartitionTypes.Data && Subtype is PartitionSubtypes.DataOta or PartitionSubtypes.NvsKeys);

    /// <summary>The OTA slot (0..15) of an app/ota_N partition, else null.</summary>
    public int? OtaSlot =>
        Type == PartitionTypes.App && Subtype is >= PartitionSubtypes.OtaMin and <= PartitionSubtypes.OtaMax
            ? Subtype - PartitionSubtypes.OtaMin
            : null;

    /// <summary>The type keyword (app, data, …) or null for a custom type.</summary>
    public string? TypeName => PartitionKeywords.TypeName(Type);

    /// <summary>The subtype keyword (nvs, ota_0, …) or null when gen_esp32part would print a number.</summary>
    public string? SubtypeName => PartitionKeywords.SubtypeName(Type, Subtype);

    /// <summary>Writes the 32-byte binary form (<c>PartitionDefinition.to_binary</c>).</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < EntrySize)
            throw new ArgumentException($"a partition entry needs {EntrySize} bytes", nameof(destination));
        var entry = destination[..EntrySize];
        entry.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(entry, Magic);
        entry[2] = Type;
        entry[3] = Subtype;
        BinaryPrimitives.WriteUInt32LittleEndian(entry[4..], Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], Size);
        byte[] label = Encoding.UTF8.GetBytes(Name);
        label.AsSpan(0, Math.Min(label.Length, LabelSize)).CopyTo(entry[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[28..], (uint)Flags);
    }

    /// <summary>The 32-byte binary form.</summary>
    public byte[] ToBinary()
    {
        var bytes = new byte[EntrySize];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>
    /// Decodes a 32-byte entry whose magic is AA 50 (<c>PartitionDefinition.from_binary</c>): the label
    /// ends at the first NUL and must be UTF-8.
    /// </summary>
    /// <param name="entry">The 32 bytes.</param>
    /// <param name="where">Where the entry is, for error messages (e.g. "entry 3 at offset 0x60").</param>
    /// <exception cref="Esp32FormatException">Wrong length, wrong magic or a label that is not UTF-8.</exception>
    public static PartitionEntry Read(ReadOnlySpan<byte> entry, string where)
    {
        if (entry.Length != EntrySize)
            throw new Esp32FormatException($"{where}: a partition entry must be exactly {EntrySize} bytes, got {entry.Length}");
        ushort magic = BinaryPrimitives.ReadUInt16LittleEndian(entry);
        if (magic != Magic)
            throw new Esp32FormatException($"{where}: invalid magic 0x{magic:X4} (expected bytes AA 50)");
        var label = entry.Slice(12, LabelSize);
        int nul = label.IndexOf((byte)0);
        if (nul >= 0) label = label[..nul];
        string name;
        try
        {
            name = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(label);
        }
        catch (DecoderFallbackException ex)
        {
            throw new Esp32FormatException($"{where}: label bytes {Convert.ToHexString(label)} are not valid UTF-8", ex);
        }
        return new PartitionEntry(
            name,
            entry[2],
            entry[3],
            BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]),
            (PartitionFlags)BinaryPrimitives.ReadUInt32LittleEndian(entry[28..]));
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Name} {TypeName ?? $"0x{Type:X2}"}/{SubtypeName ?? $"0x{Subtype:X2}"} @0x{Offset:X} size 0x{Size:X}{(Flags == PartitionFlags.None ? "" : $" [{Flags}]")}";
}
