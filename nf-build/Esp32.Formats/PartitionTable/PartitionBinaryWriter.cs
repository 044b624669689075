using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Esp32.Formats.PartitionTable;

/// <summary>
/// gen_esp32part.py <c>PartitionTable.to_binary</c>: the 32-byte entries, the MD5 row
/// (EB EB, 14 × FF, MD5 of all entry bytes), then 0xFF up to 0xC00 bytes. The data must stay shorter
/// than 0xC00, so a table holds at most 94 entries with the MD5 row (95 without).
/// </summary>
public static class PartitionBinaryWriter
{
    /// <summary>Magic of the MD5 row (<c>ESP_PARTITION_MAGIC_MD5</c>), stored as EB EB.</summary>
    internal const ushort Md5Magic = 0xEBEB;

    /// <summary>Offset of the digest inside the MD5 row (<c>ESP_PARTITION_MD5_OFFSET</c>); bytes 2..15 are 0xFF.</summary>
    internal const int Md5DigestOffset = 16;

    /// <summary>Writes the 0xC00-byte binary table.</summary>
    /// <exception cref="Esp32FormatException">Too many entries for 0xC00 bytes.</exception>
    public static byte[] Write(PartitionTable table, bool includeMd5 = true)
    {
        ArgumentNullException.ThrowIfNull(table);
        int dataLength = (table.Entries.Count + (includeMd5 ? 1 : 0)) * PartitionEntry.EntrySize;
        if (dataLength >= PartitionTable.MaxLength)
            throw new Esp32FormatException(
                $"Binary partition table length ({dataLength}) longer than max: {table.Entries.Count} entries" +
                $"{(includeMd5 ? " plus the MD5 row" : "")} need {dataLength} bytes, the table must stay below 0x{PartitionTable.MaxLength:X} " +
                $"(at most {PartitionTable.MaxLength / PartitionEntry.EntrySize - 1 - (includeMd5 ? 1 : 0)} entries)");

        var binary = new byte[PartitionTable.MaxLength];
        binary.AsSpan().Fill(0xFF);
        int position = 0;
        foreach (var entry in table.Entries)
        {
            entry.WriteTo(binary.AsSpan(position));
            position += PartitionEntry.EntrySize;
        }
        if (includeMd5)
        {
            byte[] md5 = MD5.HashData(binary.AsSpan(0, position));
            BinaryPrimitives.WriteUInt16LittleEndian(binary.AsSpan(position), Md5Magic); // bytes 2..15 stay 0xFF
            md5.CopyTo(binary.AsSpan(position + Md5DigestOffset));
        }
        return binary;
    }
}
