using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Esp32.Formats.PartitionTable;

/// <summary>
/// Reads a binary partition table with the rules the device applies
/// (<c>esp_partition_table_verify</c>, bootloader_support/src/flash_partitions.c) and the decoding of
/// gen_esp32part.py <c>from_binary</c>: entries of magic AA 50 until the end marker (magic FF FF,
/// type FF, subtype FF), at most one MD5 row (EB EB) whose digest must match everything before it, all
/// within the first 0xC00 bytes. Errors name the entry index and its byte offset.
/// </summary>
public static class PartitionBinaryReader
{
    private const ushort EndMagic = 0xFFFF;
    private const byte EndType = 0xFF;

    /// <summary>Parses the table at the start of <paramref name="data"/> (bytes past 0xC00 are ignored).</summary>
    /// <param name="data">The table, e.g. a gen_esp32part output file or the 4 KB flash sector holding it.</param>
    /// <param name="options">Verification settings; with <see cref="PartitionTableOptions.Verify"/> the table
    /// is also checked like gen_esp32part checks a binary input.</param>
    /// <exception cref="Esp32FormatException">Truncated, wrong magic, bad or second MD5 row, no end marker,
    /// empty table, undecodable label, or (when verifying) a layout error.</exception>
    public static PartitionTable Read(ReadOnlySpan<byte> data, PartitionTableOptions? options = null)
    {
        options ??= PartitionTableOptions.Default;
        var window = data[..Math.Min(data.Length, PartitionTable.MaxLength)];
        var entries = new List<PartitionEntry>();
        var rowOfEntry = new List<int>();
        bool md5Found = false;

        for (int row = 0; row < PartitionTable.MaxLength / PartitionEntry.EntrySize; row++)
        {
            int offset = row * PartitionEntry.EntrySize;
            string where = Where(row);
            if (offset + PartitionEntry.EntrySize > window.Length)
                throw new Esp32FormatException(
                    $"{where}: partition table is truncated: {data.Length} bytes end inside or before this entry and no end marker (FF FF FF FF) was found");
            var bytes = window.Slice(offset, PartitionEntry.EntrySize);
            ushort magic = BinaryPrimitives.ReadUInt16LittleEndian(bytes);

            if (magic == PartitionEntry.Magic)
            {
                entries.Add(PartitionEntry.Read(bytes, where));
                rowOfEntry.Add(row);
            }
            else if (magic == PartitionBinaryWriter.Md5Magic)
            {
                if (md5Found) throw new Esp32FormatException($"{where}: second MD5 row; only one MD5 checksum is allowed");
                byte[] computed = MD5.HashData(window[..offset]);
                var stored = bytes.Slice(PartitionBinaryWriter.Md5DigestOffset, 16);
                if (!stored.SequenceEqual(computed))
                    throw new Esp32FormatException(
                        $"{where}: MD5 checksums don't match (computed {Convert.ToHexStringLower(computed)}, stored {Convert.ToHexStringLower(stored)})");
                md5Found = true;
            }
            else if (magic == EndMagic && bytes[2] == EndType && bytes[3] == EndType)
            {
                if (row == 0) throw new Esp32FormatException($"{where}: partition table is empty (the first entry is the end marker; erased flash?)");
                var table = new PartitionTable(entries);
                PartitionTableVerifier.Check(table, options, i => $"Error in {Where(rowOfEntry[i])} ('{entries[i].Name}')");
                return table;
            }
            else
            {
                throw new Esp32FormatException($"{where}: invalid magic 0x{magic:X4} (expected AA 50 for an entry, EB EB for the MD5 row or FF FF for the end)");
            }
        }
        throw new Esp32FormatException(
            $"partition table has no end-of-table marker within 0x{PartitionTable.MaxLength:X} bytes ({PartitionTable.MaxLength / PartitionEntry.EntrySize} entries)");
    }

    private static string Where(int row) => $"entry {row} at table offset 0x{row * PartitionEntry.EntrySize:X}";
}
