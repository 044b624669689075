namespace Esp32.Formats.Nvs;

/// <summary>How <see cref="NvsStorage.Mount(NvsPartition, NvsMountOptions?)"/> repairs a partition after a power loss.</summary>
public sealed class NvsMountOptions
{
    /// <summary>ESP-IDF v5.5 behaviour, bug for bug.</summary>
    public static NvsMountOptions EspIdf { get; } = new();

    /// <summary>
    /// Off (default): exactly as ESP-IDF v5.5 <c>Page::mLoadEntryTable</c>, whose "last item is not a
    /// duplicate" check searches BLOB_DATA with CHUNK_ANY. When power fails right after the first chunk of a
    /// rewritten multi-page blob lands on the page that also holds a chunk of the old version (and before the
    /// page is marked full), that check erases the old chunk; the next mount then drops the old BLOB_IDX as
    /// incomplete and the new chunk as an orphan, so the key is lost — on the real device too.
    /// On: the check also compares the chunk index, which keeps the old blob; a simulator that wants
    /// "old or new value after any power cut" for blobs uses this.
    /// </summary>
    public bool ChunkAwareDuplicateCheck { get; init; }
}
