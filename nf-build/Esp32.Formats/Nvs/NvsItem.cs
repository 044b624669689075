using System.Buffers.Binary;
using System.Text;
using Esp32.Formats.Checksums;

namespace Esp32.Formats.Nvs;

/// <summary>
/// One 32-byte NVS entry interpreted as an item header (nvs::Item, src/nvs_types.hpp):
/// <c>u8 nsIndex | u8 type | u8 span | u8 chunkIndex | u32 crc32 | char key[16] | u8 data[8]</c>.
/// The data field is a primitive value, a variable-length descriptor (u16 size, u16 0xFFFF, u32 data CRC)
/// or a blob index (u32 size, u8 chunkCount, u8 chunkStart, u16 0xFFFF).
/// </summary>
internal sealed class NvsItem
{
    public const int KeyOffset = 8;
    public const int KeySize = 16;
    public const int DataOffset = 24;

    /// <summary>The raw entry bytes (always 32).</summary>
    public byte[] Raw { get; }

    public NvsItem() => Raw = new byte[NvsConstants.EntrySize];

    public NvsItem(ReadOnlySpan<byte> raw)
    {
        if (raw.Length != NvsConstants.EntrySize) throw new ArgumentException("an NVS entry is 32 bytes", nameof(raw));
        Raw = raw.ToArray();
    }

    /// <summary>Item(nsIndex, datatype, span, key, chunkIdx): key and data filled with 0xFF, then the key
    /// copied with strncpy semantics (zero padding to 15 bytes, byte 15 forced to NUL).</summary>
    public static NvsItem Create(byte nsIndex, NvsItemType type, byte span, ReadOnlySpan<byte> key, byte chunkIndex)
    {
        var item = new NvsItem();
        item.Raw[0] = nsIndex;
        item.Raw[1] = (byte)type;
        item.Raw[2] = span;
        item.Raw[3] = chunkIndex;
        item.Raw.AsSpan(4, 4).Fill(0); // crc32 is assigned later; its initial value is never stored
        item.Raw.AsSpan(KeyOffset).Fill(0xFF);
        var keyField = item.Raw.AsSpan(KeyOffset, KeySize);
        int n = 0;
        for (; n < key.Length && n < KeySize - 1 && key[n] != 0; n++) keyField[n] = key[n];
        keyField[n..].Fill(0); // strncpy pads with NULs up to 15 bytes; key[15] = 0
        return item;
    }

    public NvsItem Clone() => new(Raw);

    public byte NsIndex { get => Raw[0]; set => Raw[0] = value; }
    public NvsItemType Type { get => (NvsItemType)Raw[1]; set => Raw[1] = (byte)value; }
    public byte Span { get => Raw[2]; set => Raw[2] = value; }
    public byte ChunkIndex { get => Raw[3]; set => Raw[3] = value; }

    public uint Crc32
    {
        get => BinaryPrimitives.ReadUInt32LittleEndian(Raw.AsSpan(4));
        set => BinaryPrimitives.WriteUInt32LittleEndian(Raw.AsSpan(4), value);
    }

    /// <summary>All 16 key bytes, including whatever follows the NUL.</summary>
    public ReadOnlySpan<byte> KeyField => Raw.AsSpan(KeyOffset, KeySize);

    /// <summary>The key as a C string: bytes up to the first NUL, at most 15 (what getKey/strncmp see).</summary>
    public ReadOnlySpan<byte> KeyBytes
    {
        get
        {
            var keyField = Raw.AsSpan(KeyOffset, NvsConstants.MaxKeyLength);
            int nul = keyField.IndexOf((byte)0);
            return nul < 0 ? keyField : keyField[..nul];
        }
    }

    /// <summary>The key decoded as UTF-8 (for display).</summary>
    public string Key => Encoding.UTF8.GetString(KeyBytes);

    public Span<byte> Data => Raw.AsSpan(DataOffset, 8);

    /// <summary>varLength.dataSize (u16 at 24).</summary>
    public ushort VarDataSize
    {
        get => BinaryPrimitives.ReadUInt16LittleEndian(Raw.AsSpan(24));
        set => BinaryPrimitives.WriteUInt16LittleEndian(Raw.AsSpan(24), value);
    }

    /// <summary>varLength.reserved (u16 at 26, 0xFFFF).</summary>
    public ushort VarReserved
    {
        get => BinaryPrimitives.ReadUInt16LittleEndian(Raw.AsSpan(26));
        set => BinaryPrimitives.WriteUInt16LittleEndian(Raw.AsSpan(26), value);
    }

    /// <summary>varLength.dataCrc32 (u32 at 28).</summary>
    public uint VarDataCrc32
    {
        get => BinaryPrimitives.ReadUInt32LittleEndian(Raw.AsSpan(28));
        set => BinaryPrimitives.WriteUInt32LittleEndian(Raw.AsSpan(28), value);
    }

    /// <summary>blobIndex.dataSize (u32 at 24).</summary>
    public uint BlobIndexDataSize
    {
        get => BinaryPrimitives.ReadUInt32LittleEndian(Raw.AsSpan(24));
        set => BinaryPrimitives.WriteUInt32LittleEndian(Raw.AsSpan(24), value);
    }

    /// <summary>blobIndex.chunkCount (u8 at 28).</summary>
    public byte BlobIndexChunkCount { get => Raw[28]; set => Raw[28] = value; }

    /// <summary>blobIndex.chunkStart (u8 at 29): 0x00 or 0x80 (VerOffset).</summary>
    public byte BlobIndexChunkStart { get => Raw[29]; set => Raw[29] = value; }

    /// <summary>Item::calculateCrc32: CRC over bytes 0..3, the 16 key bytes and the 8 data bytes.</summary>
    public uint CalculateCrc32() => CalculateCrc32(Raw);

    /// <summary>Item::calculateCrc32 of a raw 32-byte entry.</summary>
    public static uint CalculateCrc32(ReadOnlySpan<byte> raw)
    {
        uint crc = EspCrc32.Compute(raw[..4]);
        return EspCrc32.Append(crc, raw.Slice(KeyOffset, KeySize + 8));
    }

    /// <summary>Key of the page hash list: what Item::calculateCrc32WithoutValue hashes (nsIndex, the 16 key
    /// bytes, chunkIndex). Kept exact instead of a 24-bit hash, which only removes false candidates.</summary>
    public NvsItemHashKey HashKey => new(NsIndex, BinaryPrimitives.ReadUInt128LittleEndian(KeyField), ChunkIndex);

    /// <summary>
    /// Item::checkHeaderConsistency: CRC matches, type is known, and span/size/chunk index are plausible
    /// for an item that starts at <paramref name="entryIndex"/>.
    /// </summary>
    public bool CheckHeaderConsistency(int entryIndex)
    {
        if (Crc32 != CalculateCrc32()) return false;
        switch (Type)
        {
            case NvsItemType.U8: case NvsItemType.I8: case NvsItemType.U16: case NvsItemType.I16:
            case NvsItemType.U32: case NvsItemType.I32: case NvsItemType.U64: case NvsItemType.I64:
                return Span == 1;
            case NvsItemType.BlobIndex:
            {
                if (Span != 1 || ChunkIndex != NvsConstants.ChunkAny) return false;
                const uint maxDataSize = (byte.MaxValue / 2) * (NvsConstants.EntryCount - 1) * NvsConstants.EntrySize;
                return BlobIndexDataSize <= maxDataSize;
            }
            case NvsItemType.String: case NvsItemType.Blob: case NvsItemType.BlobData:
            {
                if (Type == NvsItemType.BlobData && ChunkIndex == NvsConstants.ChunkAny) return false;
                // Upstream computes these in uint16_t/uint8_t; for entryIndex < 126 the values fit.
                int maxAvailableVDataSize = (NvsConstants.EntryCount - entryIndex - 1) * NvsConstants.EntrySize;
                if (VarDataSize > maxAvailableVDataSize) return false;
                int maxAvailablePageSpan = NvsConstants.EntryCount - entryIndex;
                if (Span > maxAvailablePageSpan) return false;
                int spanFromLength = (VarDataSize + NvsConstants.EntrySize - 1) / NvsConstants.EntrySize + 1;
                return Span == spanFromLength;
            }
            default:
                return false;
        }
    }

    /// <summary>strncmp(key, item.key, 15) == 0 for a search key given as bytes without NUL.</summary>
    public bool KeyEquals(ReadOnlySpan<byte> key)
    {
        if (key.Length > NvsConstants.MaxKeyLength) key = key[..NvsConstants.MaxKeyLength];
        return KeyBytes.SequenceEqual(key);
    }
}

/// <summary>What the page hash list indexes an item by: namespace, the full 16-byte key field, chunk index.</summary>
internal readonly record struct NvsItemHashKey(byte NsIndex, UInt128 Key, byte ChunkIndex);
