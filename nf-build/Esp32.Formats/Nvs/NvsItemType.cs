namespace Esp32.Formats.Nvs;

/// <summary>
/// Item type byte of an NVS entry (nvs::ItemType in include/nvs_handle.hpp). The low nibble is the
/// size of a primitive value; FLOAT/DOUBLE (IDF ≥ 6.1) are deliberately absent: v5.5 rejects them.
/// </summary>
public enum NvsItemType : byte
{
    /// <summary>uint8_t.</summary>
    U8 = 0x01,
    /// <summary>int8_t.</summary>
    I8 = 0x11,
    /// <summary>uint16_t.</summary>
    U16 = 0x02,
    /// <summary>int16_t.</summary>
    I16 = 0x12,
    /// <summary>uint32_t.</summary>
    U32 = 0x04,
    /// <summary>int32_t.</summary>
    I32 = 0x14,
    /// <summary>uint64_t.</summary>
    U64 = 0x08,
    /// <summary>int64_t.</summary>
    I64 = 0x18,
    /// <summary>NUL-terminated string (dataSize includes the NUL).</summary>
    String = 0x21,
    /// <summary>Single-page blob of format version 1 (read only; v2 writes BlobData + BlobIndex).</summary>
    Blob = 0x41,
    /// <summary>One chunk of a multi-page blob.</summary>
    BlobData = 0x42,
    /// <summary>Index of a multi-page blob: total size, chunk count, chunk start.</summary>
    BlobIndex = 0x48,
    /// <summary>Search wildcard.</summary>
    Any = 0xFF,
}

/// <summary>Helpers for <see cref="NvsItemType"/>.</summary>
public static class NvsItemTypes
{
    /// <summary>True for the types whose payload follows in extra entries (isVariableLengthType).</summary>
    public static bool IsVariableLength(NvsItemType type) =>
        type is NvsItemType.Blob or NvsItemType.String or NvsItemType.BlobData;

    /// <summary>True for U8..I64.</summary>
    public static bool IsPrimitive(NvsItemType type) => type is NvsItemType.U8 or NvsItemType.I8
        or NvsItemType.U16 or NvsItemType.I16 or NvsItemType.U32 or NvsItemType.I32
        or NvsItemType.U64 or NvsItemType.I64;

    /// <summary>Size in bytes of a primitive value (the low nibble, Page::getAlignmentForType).</summary>
    public static int PrimitiveSize(NvsItemType type) => (byte)type & 0x0F;

    /// <summary>True for the signed primitive types.</summary>
    public static bool IsSigned(NvsItemType type) => ((byte)type & 0x10) != 0 && IsPrimitive(type);
}
