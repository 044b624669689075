using System.Buffers.Binary;

namespace Esp32.Formats.Ota;

/// <summary>
/// ESP-IDF's host tool <c>otatool.py switch_ota_partition</c> (components/app_update/otatool.py,
/// <c>OtatoolTarget.switch_ota_partition</c>) as a pure function of the otadata partition contents. Unlike
/// the device it ignores ota_state when choosing the base copy (valid = seq &lt; 0xFFFFFFFF and crc right),
/// and it patches only seq (offset 0) and crc (offset 28) of the other copy, leaving label and state as
/// they were (0xFFFFFFFF on blank flash). The whole partition is then written back.
/// <para>
/// Threat: this is a host tool for someone with flash access; it checks neither the image in the slot
/// nor its secure_version. That access does not defeat anti-rollback: the bootloader still refuses slots
/// below the eFuse secure_version, and a copy left INVALID/ABORTED stays unselectable.
/// </para>
/// </summary>
public static class OtatoolSwitch
{
    /// <summary>otatool's <c>SPI_FLASH_SEC_SIZE</c> default 0x2000: copy i sits at i × 0x1000.</summary>
    private const int CopyStride = 0x2000 >> 1;

    /// <summary>Returns the new otadata partition contents that select OTA slot <paramref name="slot"/>.</summary>
    /// <param name="otaDataPartition">The otadata partition as read (at least 0x2000 bytes).</param>
    /// <param name="layout">The partition table's slots; otatool uses <see cref="OtaSlotLayout.ContiguousOtaAppCount"/>
    /// (its list stops at the first missing ota_N), both as the slots it accepts and as the modulus.</param>
    /// <param name="slot">The slot to switch to.</param>
    /// <exception cref="Esp32FormatException">No OTA app partitions, an unknown slot (<see cref="Refusal"/>) or a short partition.</exception>
    public static byte[] Switch(ReadOnlySpan<byte> otaDataPartition, OtaSlotLayout layout, int slot)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (otaDataPartition.Length < 2 * CopyStride)
            throw new Esp32FormatException($"otadata partition is 0x{otaDataPartition.Length:X} bytes, otatool needs 0x{2 * CopyStride:X}");
        if (Refusal(layout, slot) is { } refusal) throw new Esp32FormatException(refusal);
        int otaAppCount = layout.ContiguousOtaAppCount;

        uint seq0 = SequenceAt(otaDataPartition, 0), seq1 = SequenceAt(otaDataPartition, 1);
        bool valid0 = IsValid(otaDataPartition, 0), valid1 = IsValid(otaDataPartition, 1);
        int baseCopy = valid0 && valid1 ? (seq0 >= seq1 ? 0 : 1) : valid0 ? 0 : valid1 ? 1 : -1;

        ulong target = (ulong)slot + 1;
        ulong next = target;
        if (baseCopy >= 0)
        {
            ulong baseSeq = baseCopy == 0 ? seq0 : seq1;
            ulong n = (ulong)otaAppCount;
            next = target % n;
            if (next < baseSeq) next += (baseSeq - next + n - 1) / n * n;
        }
        if (next > uint.MaxValue) throw new Esp32FormatException($"next ota_seq {next} does not fit in 32 bits"); // struct.pack('I') fails too

        var result = otaDataPartition.ToArray();
        int start = (baseCopy == 0 ? 1 : 0) * CopyStride;
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(start), (uint)next);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(start + 28), OtaSelectEntry.ComputeCrc((uint)next));
        return result;
    }

    /// <summary>
    /// otatool's exception for switching to <paramref name="slot"/> in this layout ("No ota app partitions
    /// found", "Partition to switch to not found", with what it counted), or null when it would switch.
    /// </summary>
    public static string? Refusal(OtaSlotLayout layout, int slot)
    {
        ArgumentNullException.ThrowIfNull(layout);
        int count = layout.ContiguousOtaAppCount;
        string gap = $"counts ota_0, ota_1, ... only up to the first missing one; the table has {layout.DescribeOtaSlots()}";
        if (count == 0) return "No ota app partitions found" + (layout.IsSparse ? $" (otatool {gap})" : "");
        if (slot >= 0 && slot < count) return null;
        return layout.IsSparse
            ? $"Partition to switch to not found: ota_{slot} (otatool uses only ota_0..ota_{count - 1}: it {gap})"
            : $"Partition to switch to not found: ota_{slot} (there are {count} OTA app partitions)";
    }

    private static uint SequenceAt(ReadOnlySpan<byte> data, int copy) => BinaryPrimitives.ReadUInt32LittleEndian(data[(copy * CopyStride)..]);

    /// <summary><c>is_otadata_info_valid</c>: seq below 0xFFFFFFFF and crc matching.</summary>
    private static bool IsValid(ReadOnlySpan<byte> data, int copy)
    {
        uint seq = SequenceAt(data, copy);
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(data[(copy * CopyStride + 28)..]);
        return seq < OtaSelectEntry.ErasedSequence && crc == OtaSelectEntry.ComputeCrc(seq);
    }
}
