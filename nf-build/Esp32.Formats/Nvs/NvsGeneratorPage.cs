using System.Buffers.Binary;
using Esp32.Formats.Checksums;

namespace Esp32.Formats.Nvs;

/// <summary>
/// A page buffer as nvs_partition_gen.py builds it (class <c>Page</c>): filled with 0xFF; unless it is an
/// empty or reserved page, it gets an ACTIVE header with seq = page number and entries appended in order,
/// each one clearing its WRITTEN bit in the bitmap. Entries are kept in plaintext; encryption is applied
/// to the finished image.
/// </summary>
internal sealed class NvsGeneratorPage
{
    public NvsGeneratorPage(int pageNumber, byte version, bool empty)
    {
        PageNumber = pageNumber;
        Buffer = new byte[NvsConstants.PageSize];
        Array.Fill(Buffer, (byte)0xFF);
        if (!empty) NvsPage.BuildHeader(NvsPageState.Active, (uint)pageNumber, version).CopyTo(Buffer, 0);
    }

    public int PageNumber { get; }

    public byte[] Buffer { get; }

    /// <summary>Number of entries written so far (Page.entry_num).</summary>
    public int EntryNumber { get; private set; }

    public NvsPageState State => (NvsPageState)BinaryPrimitives.ReadUInt32LittleEndian(Buffer);

    public void MarkFull() => BinaryPrimitives.WriteUInt32LittleEndian(Buffer, (uint)NvsPageState.Full);

    /// <summary>Page.write_entry_to_buf: copies <paramref name="data"/> at the next entry and marks
    /// <paramref name="entryCount"/> entries written (the data may be shorter; the rest stays 0xFF).</summary>
    public void WriteEntries(ReadOnlySpan<byte> data, int entryCount)
    {
        data.CopyTo(Buffer.AsSpan(NvsConstants.EntryDataOffset + NvsConstants.EntrySize * EntryNumber));
        for (int i = 0; i < entryCount; i++)
        {
            int bit = EntryNumber * 2;
            Buffer[NvsConstants.EntryTableOffset + bit / 8] &= (byte)~(1 << (bit & 7));
            EntryNumber++;
        }
    }

    /// <summary>A fresh item header as the generator starts it: 0xFF everywhere, namespace, key zero-padded to
    /// 16 bytes, type, span, chunk index.</summary>
    public static byte[] NewEntry(byte nsIndex, NvsItemType type, byte span, byte[] key, byte chunkIndex)
    {
        var entry = new byte[NvsConstants.EntrySize];
        Array.Fill(entry, (byte)0xFF);
        entry[0] = nsIndex;
        entry[1] = (byte)type;
        entry[2] = span;
        entry[3] = chunkIndex;
        entry.AsSpan(NvsItem.KeyOffset, NvsItem.KeySize).Clear();
        key.CopyTo(entry, NvsItem.KeyOffset);
        return entry;
    }

    /// <summary>Page.set_crc_header: entry CRC over bytes 0..3 and 8..31, stored at 4.</summary>
    public static void SetEntryCrc(byte[] entry) =>
        BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(4), NvsItem.CalculateCrc32(entry));

    /// <summary>Data descriptor of a variable-length item: u16 size at 24, CRC32 of the payload at 28.</summary>
    public static void SetVarLength(byte[] entry, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(entry.AsSpan(24), (ushort)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(28), EspCrc32.Compute(payload));
    }
}
