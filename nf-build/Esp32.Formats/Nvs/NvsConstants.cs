namespace Esp32.Formats.Nvs;

/// <summary>
/// Layout constants of the NVS format (components/nvs_flash/private_include/nvs_constants.h, v5.5).
/// </summary>
public static class NvsConstants
{
    /// <summary>One NVS page is one flash sector (NVS_CONST_PAGE_SIZE).</summary>
    public const int PageSize = 4096;

    /// <summary>Size of one entry (an item header or 32 bytes of variable-length data).</summary>
    public const int EntrySize = 32;

    /// <summary>Entries per page: 4096 − 32-byte header − 32-byte state bitmap, divided by 32.</summary>
    public const int EntryCount = 126;

    /// <summary>Offset of the 2-bit entry-state bitmap inside a page.</summary>
    public const int EntryTableOffset = 32;

    /// <summary>Offset of entry 0 inside a page.</summary>
    public const int EntryDataOffset = 64;

    /// <summary>Largest variable-length payload one page can hold (NVS_CONST_CHUNK_MAX_SIZE = 32 × 125).</summary>
    public const int ChunkMaxSize = EntrySize * (EntryCount - 1);

    /// <summary>Largest string, including its terminating NUL (NVS_CONST_STR_LEN_MAX_SIZE).</summary>
    public const int StringMaxSize = ChunkMaxSize;

    /// <summary>Namespace index under which namespace names are stored (NVS_CONST_NS_INDEX).</summary>
    public const byte NamespaceIndexNamespace = 0;

    /// <summary>Wildcard namespace index for searches (NVS_CONST_NS_ANY).</summary>
    public const byte NamespaceAny = 255;

    /// <summary>chunkIndex of every item that is not a BLOB_DATA chunk (Item::CHUNK_ANY).</summary>
    public const byte ChunkAny = 0xFF;

    /// <summary>Page format version written by ESP-IDF v5.5 (NVS_CONST_NVS_VERSION: format v2, multi-page blobs).</summary>
    public const byte Version2 = 0xFE;

    /// <summary>Page format version 1 (no multi-page blobs), still readable.</summary>
    public const byte Version1 = 0xFF;

    /// <summary>Longest key or namespace name in bytes (NVS_KEY_NAME_MAX_SIZE − 1).</summary>
    public const int MaxKeyLength = 15;

    /// <summary>Size of the XTS key of an encrypted NVS partition: eky[32] ‖ tky[32] (nvs_sec_cfg_t).</summary>
    public const int XtsKeySize = 64;
}
